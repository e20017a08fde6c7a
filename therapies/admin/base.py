"""What every curated record's admin shares: publish and unpublish actions, history with restore, the
version guard, and inline evidence links whose published changes go to review (therapies/curation)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from therapies.admin.forms import CuratedForm, InlineLinkFormSet, RatingFormSet, VersionedForm, with_curator
from therapies.choices import Status
from therapies.curation.history import history_record, history_record_deleted, record_snapshot
from therapies.curation.review import CurationError, evidence_link_hold, is_reviewer, pending_change_propose
from therapies.curation.workflow import records_set_status, revision_restore
from therapies.models import EvidenceLink, Revision, SourceRating


@admin.action(description="Publish selected records", permissions=["review"])
def publish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    try:
        count = records_set_status(queryset=queryset, status=Status.PUBLISHED, user=request.user)
    except CurationError as error:
        modeladmin.message_user(request, str(error), messages.ERROR)
        return
    modeladmin.message_user(request, f"Published {count} record(s).", messages.SUCCESS)


@admin.action(description="Unpublish selected records (back to draft)", permissions=["review"])
def unpublish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = records_set_status(queryset=queryset, status=Status.DRAFT, user=request.user)
    modeladmin.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


class SourceRatingInline(admin.TabularInline):
    model = SourceRating
    formset = RatingFormSet
    autocomplete_fields = ["source"]
    extra = 1


class ApproachEvidenceInline(admin.TabularInline):
    model = EvidenceLink
    form = VersionedForm
    formset = InlineLinkFormSet
    fk_name = "approach"
    fields = ["condition", "population", "level", "finding", "status", "last_reviewed", "loaded_version", "loaded_values"]
    autocomplete_fields = ["condition"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("condition", "approach")

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        kwargs["form"] = with_curator(self.form, request)
        return super().get_formset(request, obj, **kwargs)


class ConditionEvidenceInline(ApproachEvidenceInline):
    fk_name = "condition"
    fields = ["approach", "population", "level", "finding", "status", "last_reviewed", "loaded_version", "loaded_values"]
    autocomplete_fields = ["approach"]


class CuratedAdmin(admin.ModelAdmin):
    """Every save is checked against concurrent edits and written to the record's history with its reason."""

    form = CuratedForm
    actions = [publish, unpublish]
    object_history_template = "admin/therapies/history.html"

    def has_review_permission(self, request: HttpRequest) -> bool:
        return is_reviewer(request.user)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return with_curator(form, request)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        hidden = ["loaded_version", "loaded_values"]
        fields = [f for f in fieldsets[0][1]["fields"] if f not in (*hidden, "change_reason")]
        return [(None, {"fields": fields + hidden}), ("Why", {"fields": ["change_reason"]})]

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        form.history_before = record_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        history_record(
            instance=form.instance, before=form.history_before, user=request.user,
            reason=form.cleaned_data.get("change_reason", ""),
        )

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """Inline evidence links: history for each, and changes to published ones held for review."""
        if formset.model is not EvidenceLink:
            return super().save_formset(request, form, formset, change)
        reason = form.cleaned_data.get("change_reason", "")
        befores, held = {}, {}
        for link_form in formset.initial_forms:
            link = link_form.instance
            if not link_form.has_changed() or link_form.cleaned_data.get("DELETE"):
                continue
            befores[link.pk] = before = record_snapshot(link)
            submitted = {name: link_form.cleaned_data[name] for name in ("level", "finding") if name in link_form.changed_data}
            if proposal := evidence_link_hold(link=link, before=before, submitted=submitted):
                held[link.pk] = proposal
        for link_form in formset.deleted_forms:
            if link_form.instance.pk:
                history_record_deleted(instance=link_form.instance, user=request.user, reason=reason)
        formset.save()
        for link in formset.new_objects + [link for link, _ in formset.changed_objects]:
            history_record(instance=link, before=befores.get(link.pk), user=request.user, reason=reason)
        for link in EvidenceLink.objects.filter(pk__in=held).select_related("approach", "condition"):
            pending_change_propose(link=link, proposed=held[link.pk], user=request.user, reason=reason)
            tell_awaiting_review(self, request, link)

    def delete_model(self, request: HttpRequest, obj) -> None:
        history_record_deleted(instance=obj, user=request.user)
        super().delete_model(request, obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        restore = self.admin_site.admin_view(self.restore_view)
        return [
            path("<path:object_id>/history/<int:revision_id>/restore/", restore, name="%s_%s_restore" % info),
        ] + super().get_urls()

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        """The record's history: who, when, why and a field-by-field diff, each with "restore this version"."""
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        revisions = Revision.objects.for_record(obj).select_related("user")
        entries = [(revision, diff_table(revision.diff, "Before", "After")) for revision in revisions]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History: {obj}",
            "subtitle": None,
            "opts": self.opts,
            "object": obj,
            "entries": entries,
            "can_restore": self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def restore_view(self, request: HttpRequest, object_id: str, revision_id: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405)
        obj = self.get_object(request, object_id)
        if obj is None or not self.has_change_permission(request, obj):
            raise PermissionDenied
        revision = get_object_or_404(Revision.objects.for_record(obj), pk=revision_id)
        try:
            self.message_user(request, revision_restore(revision=revision, user=request.user), messages.SUCCESS)
        except CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
        info = self.opts.app_label, self.opts.model_name
        return HttpResponseRedirect(reverse("admin:%s_%s_history" % info, args=[obj.pk]))


def tell_awaiting_review(modeladmin: admin.ModelAdmin, request: HttpRequest, link: EvidenceLink) -> None:
    modeladmin.message_user(
        request,
        f"{link}: the change to its level, finding or sources awaits approval by another reviewer. "
        "Until then the public sees the published version.",
        messages.WARNING,
    )


def diff_table(diff: dict[str, list], before_label: str, after_label: str) -> str:
    rows = format_html_join(
        "", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
        ((name, shown(old), shown(new)) for name, (old, new) in diff.items()),
    )
    return format_html(
        '<table class="curation-diff"><thead><tr><th>Field</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        before_label, after_label, rows or format_html("<tr><td colspan=3>No differences.</td></tr>"),
    )


def shown(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # ratings
        return "; ".join(f"{r['source']}: {r['level']} ({r['finding']})" for r in value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return "—" if value in (None, "") else str(value)
