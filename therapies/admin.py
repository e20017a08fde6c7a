"""The curation admin: roles, review before publishing, history with restore, safe concurrent edits, import/export.

Editors (group "Editors") write drafts and propose changes; Reviewers (permission `therapies.review`) also
publish, unpublish, approve others' proposals and import. The rules live in therapies/curation.py.
"""
from __future__ import annotations

import hashlib
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from therapies.curation import (
    CurationError,
    history_record,
    history_record_deleted,
    is_reviewer,
    pending_change_approve,
    pending_change_diff,
    pending_change_propose,
    pending_change_reject,
    record_snapshot,
    records_set_status,
    review_queue,
    revision_restore,
    version_conflict,
)
from therapies.models import (
    Approach,
    CatalogImport,
    Condition,
    EvidenceLink,
    Format,
    PendingChange,
    ReaderReport,
    Revision,
    Source,
    SourceRating,
    Status,
)
from therapies.services import CatalogError, catalog_csv_zip, catalog_dumps, catalog_export, catalog_import

UPLOAD_SESSION_KEY = "therapies_catalog_upload"
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


# --- Actions --------------------------------------------------------------------------------------------------

@admin.action(description="Publish selected records", permissions=["review"])
def publish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    if queryset.model is EvidenceLink:
        unsourced = queryset.annotate(n=Count("ratings")).filter(n=0)
        if unsourced.exists():
            modeladmin.message_user(
                request,
                f"Not published: {', '.join(map(str, unsourced[:5]))} cite no source. Add a source rating first.",
                messages.ERROR,
            )
            return
    count = records_set_status(queryset=queryset, status=Status.PUBLISHED, user=request.user)
    modeladmin.message_user(request, f"Published {count} record(s).", messages.SUCCESS)


@admin.action(description="Unpublish selected records (back to draft)", permissions=["review"])
def unpublish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = records_set_status(queryset=queryset, status=Status.DRAFT, user=request.user)
    modeladmin.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


# --- Forms: version guard, status limited by role, a reason for the change -------------------------------------

class VersionedForm(forms.ModelForm):
    """Carries the version the record was opened at; refuses the save if someone saved it since.

    The check locks the row (SELECT ... FOR UPDATE) inside the admin's transaction, so of two saves racing,
    the second waits for the first, then sees the new version and is refused with what changed.
    """

    # Not named "version": the model field is not editable, so the admin refuses a form field of that name.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    curator = None  # the signed-in user, set per request by the admin

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        status = self.fields.get("status")
        if status is not None and not is_reviewer(self.curator):
            if self.instance.pk and self.instance.status in (Status.PUBLISHED, Status.ARCHIVED):
                status.disabled = True
                status.help_text = "Only a reviewer can unpublish or archive."
            else:
                status.choices = [(Status.DRAFT, Status.DRAFT.label), (Status.IN_REVIEW, Status.IN_REVIEW.label)]
                status.help_text = "Send it to review when it is ready; a reviewer publishes it."

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and self.has_changed():
            conflict = version_conflict(instance=self.instance, submitted_version=cleaned.get("loaded_version"))
            if conflict:
                # The next save, made knowing what changed, may go through: carry the current version.
                self.data = self.data.copy()
                self.data[self.add_prefix("loaded_version")] = conflict.current_version
                raise ValidationError(conflict.message(), code="conflict")
        return cleaned


class CuratedForm(VersionedForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Optional. Kept in the history; for evidence, shown in the public changelog (never your name).",
    )


def _with_curator(form_class: type[forms.Form], request: HttpRequest) -> type[forms.Form]:
    return type(form_class.__name__, (form_class,), {"curator": request.user})


# --- Inlines --------------------------------------------------------------------------------------------------

class InlineLinkFormSet(BaseInlineFormSet):
    """Evidence links edited from an approach or condition: a link cannot be published there unsourced."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if form.cleaned_data.get("status") != Status.PUBLISHED:
                continue
            link = form.instance
            if link.pk is None or not link.ratings.exists():
                form.add_error(
                    "status",
                    "A link cannot be published without a source. Save it as a draft, open it, add a source "
                    "rating, then publish.",
                )


class RatingFormSet(BaseInlineFormSet):
    """On the link's own page: a published link keeps at least one source rating."""

    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if self.instance.status == Status.PUBLISHED and not kept:
            raise ValidationError("A published link needs at least one source rating.")


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
    fields = ["condition", "population", "level", "finding", "status", "last_reviewed", "loaded_version"]
    autocomplete_fields = ["condition"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("condition", "approach")

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        kwargs["form"] = _with_curator(self.form, request)
        return super().get_formset(request, obj, **kwargs)


class ConditionEvidenceInline(ApproachEvidenceInline):
    fk_name = "condition"
    fields = ["approach", "population", "level", "finding", "status", "last_reviewed", "loaded_version"]
    autocomplete_fields = ["approach"]


# --- Curated records ------------------------------------------------------------------------------------------

class CuratedAdmin(admin.ModelAdmin):
    """Every save is checked against concurrent edits and written to the record's history with its reason."""

    form = CuratedForm
    actions = [publish, unpublish]
    object_history_template = "admin/therapies/history.html"

    def has_review_permission(self, request: HttpRequest) -> bool:
        return is_reviewer(request.user)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return _with_curator(form, request)

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        fields = [f for f in fieldsets[0][1]["fields"] if f not in ("loaded_version", "change_reason")]
        return [(None, {"fields": fields + ["loaded_version"]}), ("Why", {"fields": ["change_reason"]})]

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
        befores, proposals = {}, {}
        for link_form in formset.initial_forms:
            link, deleting = link_form.instance, link_form.cleaned_data.get("DELETE")
            if not link_form.has_changed() or deleting:
                continue
            befores[link.pk] = before = record_snapshot(link)
            if before and before["status"] == Status.PUBLISHED:
                proposal = {f: link_form.cleaned_data[f] for f in ("level", "finding") if f in link_form.changed_data}
                if proposal:
                    proposals[link.pk] = proposal
                    link.level, link.finding = before["level"], before["finding"]
        for link_form in formset.deleted_forms:
            if link_form.instance.pk:
                history_record_deleted(instance=link_form.instance, user=request.user, reason=reason)
        formset.save()
        for link in formset.new_objects + [link for link, _ in formset.changed_objects]:
            history_record(instance=link, before=befores.get(link.pk), user=request.user, reason=reason)
        for pk, proposal in proposals.items():
            link = EvidenceLink.objects.get(pk=pk)
            pending_change_propose(link=link, proposed=proposal, user=request.user, reason=reason)
            _tell_awaiting_review(self, request, link)

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
        entries = [(revision, _diff_table(revision.diff, "Before", "After")) for revision in revisions]
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


def _tell_awaiting_review(modeladmin: admin.ModelAdmin, request: HttpRequest, link: EvidenceLink) -> None:
    modeladmin.message_user(
        request,
        f"{link}: the change to its level, finding or sources awaits approval by another reviewer. "
        "Until then the public sees the published version.",
        messages.WARNING,
    )


@admin.register(Approach)
class ApproachAdmin(CuratedAdmin):
    list_display = ["name", "abbreviation", "family", "parent", "status", "last_reviewed", "updated_at"]
    list_filter = ["status", "family", "formats"]
    search_fields = ["name", "abbreviation", "slug", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["formats"]
    inlines = [ApproachEvidenceInline]
    list_select_related = ["parent"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Condition)
class ConditionAdmin(CuratedAdmin):
    list_display = ["name", "category", "status", "last_reviewed", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["name", "slug", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ConditionEvidenceInline]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(CuratedAdmin):
    list_display = ["approach", "condition", "population", "level", "source_count", "status", "last_reviewed"]
    list_filter = ["status", "level", "population", "condition__category", "approach__family"]
    search_fields = ["approach__name", "condition__name", "finding"]
    autocomplete_fields = ["approach", "condition"]
    filter_horizontal = ["formats"]
    inlines = [SourceRatingInline]
    readonly_fields = ["awaiting_review", "created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("approach", "condition").annotate(
            n_sources=Count("ratings")
        )

    @admin.display(description="sources", ordering="n_sources")
    def source_count(self, link: EvidenceLink) -> int:
        return link.n_sources

    @admin.display(description="Change awaiting review")
    def awaiting_review(self, link: EvidenceLink) -> str:
        change = link.pk and PendingChange.objects.open().filter(link=link).first()
        if not change:
            return "None"
        return format_html(
            '<a href="{}">Proposed by {} on {}</a>: {}', change.get_absolute_url(), change.author,
            f"{change.created_at:%Y-%m-%d}", _diff_table(pending_change_diff(change), "Published", "Proposed"),
        )

    def save_model(self, request: HttpRequest, obj: EvidenceLink, form, change: bool) -> None:
        """A published link keeps its level and finding until a proposal for them is approved."""
        before = record_snapshot(obj) if change else None
        form.proposal = {}
        if before and before["status"] == Status.PUBLISHED:
            form.proposal = {f: form.cleaned_data[f] for f in ("level", "finding") if f in form.changed_data}
            obj.level, obj.finding = before["level"], before["finding"]
        super().save_model(request, obj, form, change)
        form.history_before = before

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        published = form.history_before and form.history_before["status"] == Status.PUBLISHED
        if published:
            for formset in formsets:
                if formset.model is SourceRating:
                    # Not saved: held for review. The admin's change message still reads these.
                    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
                if formset.model is SourceRating and formset.has_changed():
                    form.proposal["ratings"] = sorted(
                        (
                            {"source": f.cleaned_data["source"].key, "level": f.cleaned_data["level"],
                             "finding": f.cleaned_data["finding"]}
                            for f in formset.forms
                            if f.cleaned_data and not f.cleaned_data.get("DELETE")
                        ),
                        key=lambda rating: rating["source"],
                    )
            formsets = [formset for formset in formsets if formset.model is not SourceRating]
        super().save_related(request, form, formsets, change)
        if form.proposal:
            pending_change_propose(
                link=form.instance, proposed=form.proposal, user=request.user,
                reason=form.cleaned_data.get("change_reason", ""),
            )
            _tell_awaiting_review(self, request, form.instance)


def _diff_table(diff: dict[str, list], before_label: str, after_label: str) -> str:
    rows = format_html_join(
        "", "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
        ((name, _shown(old), _shown(new)) for name, (old, new) in diff.items()),
    )
    return format_html(
        '<table class="curation-diff"><thead><tr><th>Field</th><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        before_label, after_label, rows or format_html("<tr><td colspan=3>No differences.</td></tr>"),
    )


def _shown(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # ratings
        return "; ".join(f"{r['source']}: {r['level']} ({r['finding']})" for r in value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return "—" if value in (None, "") else str(value)


# --- Proposals, history, reader reports -----------------------------------------------------------------------

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
        return _diff_table(pending_change_diff(change), "Published now", "Proposed")

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
        return _diff_table(revision.diff, "Before", "After")


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


# --- Reference data and the catalog --------------------------------------------------------------------------

@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["short_name", "kind", "publisher", "year", "key"]
    list_filter = ["kind"]
    search_fields = ["short_name", "title", "publisher", "key", "doi"]
    prepopulated_fields = {"key": ["short_name"]}


@admin.register(Format)
class FormatAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}


class CatalogUploadForm(forms.Form):
    file = forms.FileField(help_text="A catalog JSON file, in the format of therapies/catalog/catalog.json.")
    reason = forms.CharField(max_length=500, required=False, help_text="Optional; kept in each record's history.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError("The file is larger than 5 MB; that is not a catalog.")
        return upload


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["path", "sha256", "imported_at"]
    readonly_fields = ["path", "sha256", "imported_at"]
    change_list_template = "admin/therapies/catalogimport/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_urls(self):
        return [
            path("upload/", self.admin_site.admin_view(self.upload_view), name="therapies_catalog_upload"),
            path("export/", self.admin_site.admin_view(self.export_view), name="therapies_catalog_export"),
        ] + super().get_urls()

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a catalog: a dry run lists every change and error; "apply" then imports it in one transaction."""
        if not is_reviewer(request.user):
            raise PermissionDenied
        form, result, errors = CatalogUploadForm(), None, []
        if request.method == "POST" and "_apply" in request.POST:
            return self._apply_upload(request)
        if request.method == "POST":
            form = CatalogUploadForm(request.POST, request.FILES)
            if form.is_valid():
                raw = form.cleaned_data["file"].read()
                name = form.cleaned_data["file"].name
                try:
                    data = json.loads(raw.decode("utf-8"))
                    result = catalog_import(data=data, label=name, dry_run=True)
                except (UnicodeDecodeError, json.JSONDecodeError) as error:
                    errors = [f"{name}: not a UTF-8 JSON file ({error})."]
                except CatalogError as error:
                    errors = error.errors
                if result is not None:
                    request.session[UPLOAD_SESSION_KEY] = {
                        "name": name, "text": raw.decode("utf-8"), "sha256": hashlib.sha256(raw).hexdigest(),
                        "reason": form.cleaned_data["reason"],
                    }
        context = {
            **self.admin_site.each_context(request),
            "title": "Upload a catalog",
            "opts": self.opts,
            "form": form,
            "result": result,
            "errors": errors,
            "sha256": request.session.get(UPLOAD_SESSION_KEY, {}).get("sha256", "") if result else "",
        }
        return TemplateResponse(request, "admin/therapies/catalog_upload.html", context)

    def _apply_upload(self, request: HttpRequest) -> HttpResponse:
        upload = request.session.get(UPLOAD_SESSION_KEY)
        if not upload or upload["sha256"] != request.POST.get("sha256"):
            self.message_user(request, "Upload the file again: the dry run has expired.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:therapies_catalog_upload"))
        try:
            result = catalog_import(
                data=json.loads(upload["text"]), label=upload["name"], sha256=upload["sha256"],
                user=request.user, reason=upload["reason"],
            )
        except CatalogError as error:
            for message in error.errors[:20]:
                self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:therapies_catalog_upload"))
        del request.session[UPLOAD_SESSION_KEY]
        self.message_user(request, f"Imported {upload['name']}: {result.summary()}", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:therapies_catalogimport_changelist"))

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Download the catalog: ?as=json|csv, ?published=1 for only what the public site shows."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        published_only = request.GET.get("published") == "1"
        stamp = timezone.localdate().isoformat()
        suffix = "published" if published_only else "all"
        if request.GET.get("as") == "csv":
            response = HttpResponse(catalog_csv_zip(published_only=published_only), content_type="application/zip")
            response["Content-Disposition"] = f'attachment; filename="catalog-{suffix}-{stamp}-csv.zip"'
            return response
        text = catalog_dumps(catalog_export(published_only=published_only))
        response = HttpResponse(text, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="catalog-{suffix}-{stamp}.json"'
        return response
