"""The catalog records' admin: approaches, conditions, evidence links with their source ratings, sources
and formats."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from therapies.admin.base import (
    ApproachEvidenceInline,
    ConditionEvidenceInline,
    CuratedAdmin,
    SourceRatingInline,
    diff_table,
    tell_awaiting_review,
)
from therapies.curation.history import record_snapshot
from therapies.curation.review import evidence_link_hold, pending_change_diff, pending_change_propose
from therapies.models import Approach, Caution, Condition, EvidenceLink, Format, PendingChange, Source, SourceRating


@admin.register(Approach)
class ApproachAdmin(CuratedAdmin):
    list_display = ["name", "abbreviation", "family", "parent", "status", "last_reviewed", "updated_at"]
    list_filter = ["status", "family", "is_umbrella", "formats"]
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
            f"{change.created_at:%Y-%m-%d}", diff_table(pending_change_diff(change), "Published", "Proposed"),
        )

    def save_model(self, request: HttpRequest, obj: EvidenceLink, form, change: bool) -> None:
        """A published link keeps its level and finding until a proposal for them is approved."""
        before = record_snapshot(obj) if change else None
        submitted = {name: form.cleaned_data[name] for name in ("level", "finding") if name in form.changed_data}
        form.held = evidence_link_hold(link=obj, before=before, submitted=submitted)
        super().save_model(request, obj, form, change)
        form.history_before = before

    def save_related(self, request: HttpRequest, form, formsets, change: bool) -> None:
        ratings = [formset for formset in formsets if formset.model is SourceRating and formset.has_changed()]
        if ratings:
            submitted = {"ratings": sorted(
                (
                    {"source": f.cleaned_data["source"].key, "level": f.cleaned_data["level"],
                     "finding": f.cleaned_data["finding"]}
                    for formset in ratings for f in formset.forms
                    if f.cleaned_data and not f.cleaned_data.get("DELETE")
                ),
                key=lambda rating: rating["source"],
            )}
            if held := evidence_link_hold(link=form.instance, before=form.history_before, submitted=submitted):
                form.held |= held
                for formset in ratings:  # not saved: held for review (the change message still reads these)
                    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
                formsets = [formset for formset in formsets if formset.model is not SourceRating]
        super().save_related(request, form, formsets, change)
        if form.held:
            pending_change_propose(
                link=form.instance, proposed=form.held, user=request.user,
                reason=form.cleaned_data.get("change_reason", ""),
            )
            tell_awaiting_review(self, request, form.instance)


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["short_name", "kind", "publisher", "year", "key"]
    list_filter = ["kind"]
    search_fields = ["short_name", "authors", "title", "publisher", "key", "code", "doi"]
    prepopulated_fields = {"key": ["short_name"]}


@admin.register(Caution)
class CautionAdmin(admin.ModelAdmin):
    """Sourced safety notes; shown on the pages of their approach and condition."""

    list_display = ["key", "approach", "condition", "source"]
    list_filter = ["condition"]
    search_fields = ["key", "text", "approach__name", "condition__name", "source__short_name"]
    autocomplete_fields = ["approach", "condition", "source"]
    list_select_related = ["approach", "condition", "source"]
    prepopulated_fields = {"key": ["text"]}


@admin.register(Format)
class FormatAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    prepopulated_fields = {"slug": ["name"]}
