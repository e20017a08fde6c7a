"""The curation admin: every model, with evidence links inline on approaches and conditions."""
from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from therapies.models import Approach, CatalogImport, Condition, EvidenceLink, Format, Source, SourceRating, Status


@admin.action(description="Publish selected records")
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
    count = queryset.update(status=Status.PUBLISHED)
    modeladmin.message_user(request, f"Published {count} record(s).", messages.SUCCESS)


@admin.action(description="Unpublish selected records (back to draft)")
def unpublish(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = queryset.update(status=Status.DRAFT)
    modeladmin.message_user(request, f"Unpublished {count} record(s).", messages.SUCCESS)


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
    formset = InlineLinkFormSet
    fk_name = "approach"
    fields = ["condition", "population", "level", "finding", "status", "last_reviewed"]
    autocomplete_fields = ["condition"]
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("condition", "approach")


class ConditionEvidenceInline(ApproachEvidenceInline):
    fk_name = "condition"
    fields = ["approach", "population", "level", "finding", "status", "last_reviewed"]
    autocomplete_fields = ["approach"]


@admin.register(Approach)
class ApproachAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "family", "parent", "status", "last_reviewed", "updated_at"]
    list_filter = ["status", "family", "formats"]
    search_fields = ["name", "abbreviation", "slug", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    filter_horizontal = ["formats"]
    inlines = [ApproachEvidenceInline]
    actions = [publish, unpublish]
    list_select_related = ["parent"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "status", "last_reviewed", "updated_at"]
    list_filter = ["status", "category"]
    search_fields = ["name", "slug", "other_names"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ConditionEvidenceInline]
    actions = [publish, unpublish]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(EvidenceLink)
class EvidenceLinkAdmin(admin.ModelAdmin):
    list_display = ["approach", "condition", "population", "level", "source_count", "status", "last_reviewed"]
    list_filter = ["status", "level", "population", "condition__category", "approach__family"]
    search_fields = ["approach__name", "condition__name", "finding"]
    autocomplete_fields = ["approach", "condition"]
    filter_horizontal = ["formats"]
    inlines = [SourceRatingInline]
    actions = [publish, unpublish]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("approach", "condition").annotate(
            n_sources=Count("ratings")
        )

    @admin.display(description="sources", ordering="n_sources")
    def source_count(self, link: EvidenceLink) -> int:
        return link.n_sources


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


@admin.register(CatalogImport)
class CatalogImportAdmin(admin.ModelAdmin):
    list_display = ["path", "sha256", "imported_at"]
    readonly_fields = ["path", "sha256", "imported_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
