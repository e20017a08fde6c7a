"""The curation admin: proposals awaiting a second reviewer and the review queue, the history of every
change, and reader reports."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from therapies.admin.base import diff_table
from therapies.curation.queue import review_queue
from therapies.curation.review import (
    CurationError,
    is_reviewer,
    pending_change_approve,
    pending_change_diff,
    pending_change_reject,
)
from therapies.models import PendingChange, ReaderReport, Revision


@admin.register(PendingChange)
class PendingChangeAdmin(admin.ModelAdmin):
    list_display = ["link", "author", "created_at", "state", "reviewer"]
    list_filter = ["state"]
    list_select_related = ["link__approach", "link__condition", "author", "reviewer"]
    fields = ["link", "comparison", "reason", "author", "created_at", "state", "reviewer", "reviewed_at", "review_note"]
    readonly_fields = fields
    change_form_template = "admin/therapies/pendingchange/change_form.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="Published beside proposed")
    def comparison(self, change: PendingChange) -> str:
        return diff_table(pending_change_diff(change), "Published now", "Proposed")

    def get_urls(self):
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="therapies_review_queue"),
            path("<int:pk>/decide/", self.admin_site.admin_view(self.decide_view), name="therapies_pendingchange_decide"),
        ] + super().get_urls()

    def render_change_form(self, request: HttpRequest, context, *args, **kwargs):
        obj = kwargs.get("obj")
        context["can_decide"] = (
            obj is not None and obj.state == PendingChange.State.PENDING and is_reviewer(request.user)
        )
        context["is_own"] = obj is not None and obj.author_id == request.user.pk
        return super().render_change_form(request, context, *args, **kwargs)

    def decide_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Approve (applies it to the published link) or reject a proposal."""
        if request.method != "POST":
            return HttpResponse(status=405)
        change = get_object_or_404(PendingChange, pk=pk)
        note = request.POST.get("review_note", "")[:500]
        try:
            if "_approve" in request.POST:
                pending_change_approve(change=change, reviewer=request.user, note=note)
                self.message_user(request, f"Approved: {change.link} now shows the change.", messages.SUCCESS)
            else:
                pending_change_reject(change=change, reviewer=request.user, note=note)
                self.message_user(request, f"Rejected: {change.link} stays as published.", messages.SUCCESS)
        except CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:therapies_pendingchange_change", args=[pk]))
        return HttpResponseRedirect(reverse("admin:therapies_review_queue"))

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        """Everything that needs a curator, each item linking to where it is fixed."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            **review_queue(),
        }
        return TemplateResponse(request, "admin/therapies/review_queue.html", context)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    """Every recorded change, browsable; entries are never edited or deleted."""

    list_display = ["created_at", "object_repr", "action", "user", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "reason"]
    list_select_related = ["user", "content_type"]
    fields = ["created_at", "content_type", "object_repr", "action", "user", "reason", "changes", "public_summary"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="What changed")
    def changes(self, revision: Revision) -> str:
        return diff_table(revision.diff, "Before", "After")


@admin.register(ReaderReport)
class ReaderReportAdmin(admin.ModelAdmin):
    """Reports from readers. Their text is untrusted: the admin shows it escaped, never as HTML."""

    list_display = ["created_at", "page", "excerpt", "status"]
    list_filter = ["status"]
    list_select_related = ["approach", "condition"]
    search_fields = ["message", "source_url"]
    fields = ["created_at", "approach", "condition", "message", "source_url", "email", "status", "curator_note"]
    readonly_fields = ["created_at", "approach", "condition", "message", "source_url", "email"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="about")
    def page(self, report: ReaderReport) -> str:
        return str(report.approach or report.condition)

    @admin.display(description="message")
    def excerpt(self, report: ReaderReport) -> str:
        return report.message[:120]
