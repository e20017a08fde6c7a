"""Browse filters: query parameters -> validated values -> QuerySet methods, plus facet counts.

Public parameter names (shareable URLs): q, condition, format, family, age, level, sort, page.
Unknown values are dropped with a notice rather than failing the whole page.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import django_filters
import django_filters.fields
from django import forms
from django.db.models import Count, Exists, F, Q, QuerySet

from therapies.models import LEVEL_RANK, Approach, Condition, EvidenceLink, Format, Level, Status
from therapies.querysets import populations_for, published_links

MAX_VALUES = 20  # per repeatable parameter; more is not a real visitor
FACET_LIMIT = 30  # condition options listed on the browse page; the rest are one link away
SORTS = [("evidence", "Strongest evidence"), ("name", "Name (A–Z)"), ("sessions", "Fewest sessions")]
MIN_LEVEL_CHOICES = [
    (Level.STRONG, "Strong"),
    (Level.MODERATE, "Moderate or stronger"),
    (Level.EMERGING, "Emerging or stronger"),
]


class LenientMultipleChoiceField(forms.MultipleChoiceField):
    """Keeps the valid values and remembers the rest (`rejected`) instead of failing the field."""

    def __init__(self, *args, label_plural: str = "values", **kwargs):
        self.label_plural = label_plural
        self.rejected: list[str] = []
        super().__init__(*args, **kwargs)

    def clean(self, value):
        values = self.to_python(value)
        valid = {str(key) for key, _ in self.choices}
        kept = list(dict.fromkeys(v for v in values if v in valid))  # de-duplicated, in order
        self.rejected = [v for v in values if v not in valid and v.strip()]
        if len(kept) > MAX_VALUES:
            self.rejected += kept[MAX_VALUES:]
            kept = kept[:MAX_VALUES]
        return kept


class LenientChoiceField(django_filters.fields.ChoiceField):
    """A single choice that falls back to empty (and remembers the bad value) when unknown."""

    def __init__(self, *args, label_plural: str = "values", **kwargs):
        self.label_plural = label_plural
        self.rejected: list[str] = []
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = self.to_python(value)
        if value and not self.valid_value(value):
            self.rejected = [value]
            return ""
        return value


class LenientMultipleChoiceFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField


class LenientChoiceFilter(django_filters.ChoiceFilter):
    field_class = LenientChoiceField


def condition_choices() -> list[tuple[int, str, str]]:
    """(id, slug, name) of every published condition, by name."""
    return list(Condition.objects.published().order_by("name").values_list("id", "slug", "name"))


def format_choices() -> list[tuple[str, str]]:
    return list(Format.objects.order_by("position").values_list("slug", "name"))


class TherapyFilter(django_filters.FilterSet):
    """The browse page's filters; each method is one QuerySet call."""

    q = django_filters.CharFilter(label="Search", method="filter_q", max_length=200)
    condition = LenientMultipleChoiceFilter(
        label="Condition", choices=condition_choices, method="filter_condition", label_plural="conditions"
    )
    format = LenientMultipleChoiceFilter(
        label="Format", choices=format_choices, method="filter_format", label_plural="formats"
    )
    family = LenientMultipleChoiceFilter(
        label="Family", choices=Approach.Family.choices, method="filter_family", label_plural="families"
    )
    age = LenientMultipleChoiceFilter(
        label="Age group", choices=Approach.AgeGroup.choices, method="filter_age", label_plural="age groups"
    )
    level = LenientChoiceFilter(
        label="Evidence at least", choices=MIN_LEVEL_CHOICES, method="filter_level", empty_label="Any level",
        label_plural="evidence levels",
    )
    sort = LenientChoiceFilter(label="Sort by", choices=SORTS, method="filter_sort", empty_label=None,
                               label_plural="sort orders")

    class Meta:
        model = Approach
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Evaluate the database-backed choices once per request, not on every access.
        conditions = condition_choices()
        self.filters["condition"].extra["choices"] = [(slug, name) for _, slug, name in conditions]
        self.condition_slugs = {pk: slug for pk, slug, _ in conditions}  # for counts grouped by id
        self.filters["format"].extra["choices"] = format_choices()

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_condition(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_conditions(value, populations=self.populations) if value else queryset

    def filter_format(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.in_formats(value) if value else queryset

    def filter_family(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.in_families(value) if value else queryset

    def filter_age(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_ages(value) if value else queryset

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_conditions(self.conditions, LEVEL_RANK[Level(value)], self.populations) if value else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ordering is applied last, in `results()`

    @property
    def conditions(self) -> list[str]:
        return self.form.cleaned_data.get("condition") or []

    @property
    def populations(self) -> list[str]:
        """Evidence populations that speak for the chosen age groups (all, when none are chosen)."""
        return populations_for(self.form.cleaned_data.get("age") or [])

    @property
    def min_rank(self) -> int | None:
        level = self.form.cleaned_data.get("level")
        return LEVEL_RANK[Level(level)] if level else None

    @property
    def sort_order(self) -> str:
        """The chosen sort; by evidence when a condition is chosen, else by name."""
        return self.form.cleaned_data.get("sort") or ("evidence" if self.conditions else "name")

    def notices(self) -> list[str]:
        """Messages about input that was ignored, for the page to show."""
        self.form.is_valid()
        errors = [f"{self.form.fields[name].label}: {error}" for name, errors in self.form.errors.items() for error in errors]
        return errors + ignored_notices(self.form)

    def results(self) -> QuerySet:
        """The filtered approaches, annotated for result cards and ordered."""
        queryset = self.qs.with_best_rank(self.conditions, self.populations).for_browse()
        if self.sort_order == "evidence":
            return queryset.order_by(F("best_rank").desc(nulls_last=True), "name")
        if self.sort_order == "sessions":
            return queryset.order_by(F("sessions_min").asc(nulls_last=True), "name")
        return queryset.order_by("name")

    def queryset_without(self, *skipped: str) -> QuerySet:
        """The results as if some filters were not applied (for facet counts and empty-result advice).
        Without `condition`, a minimum level applies to any condition, and without `age` evidence for any
        population counts, as they do in such a URL."""
        queryset = self.queryset.all()
        conditions = [] if "condition" in skipped else self.conditions
        populations = [] if "age" in skipped else self.populations
        for name, value in self.form.cleaned_data.items():
            if name in skipped or not value:
                continue
            if name == "condition":
                queryset = queryset.for_conditions(value, populations=populations)
            elif name == "level":
                queryset = queryset.for_conditions(conditions, LEVEL_RANK[Level(value)], populations)
            else:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facets(self) -> Facets:
        """How many results each option would give, with the other filters kept: three queries."""
        # A condition's count: approaches passing every other filter with evidence for it (at the chosen
        # level and for the chosen ages), so the level filter is folded into the count, not the base.
        # Grouped on the links themselves, which the partial index therapies_evidence_pub_idx covers.
        links = EvidenceLink.objects.filter(
            status=Status.PUBLISHED, approach__in=self.queryset_without("condition", "level").values("pk")
        )
        if self.min_rank is not None:
            links = links.filter(level_rank__gte=self.min_rank)
        if self.populations:
            links = links.filter(population__in=self.populations)
        by_id = links.order_by().values("condition_id").annotate(n=Count("approach_id", distinct=True))
        condition_counts = {self.condition_slugs[row["condition_id"]]: row["n"] for row in by_id
                            if row["condition_id"] in self.condition_slugs}
        formats = Format.objects.annotate(
            n=Count("approaches", filter=Q(approaches__in=self.queryset_without("format").values("pk")), distinct=True)
        ).values_list("slug", "n")
        counts = {}
        # Without family, age or level chosen, each facet's "without me" set is the result itself: count
        # over it directly. Otherwise each count keeps its own set, as a subquery over all approaches.
        data = self.form.cleaned_data
        if not any(data.get(name) for name in ("family", "age", "level")):
            base, without_family, without_age, without_level = self.qs, Q(), Q(), Q()
        else:
            base = Approach.objects.all()
            without_family = Q(pk__in=self.queryset_without("family").values("pk"))
            without_age = Q(pk__in=self.queryset_without("age").values("pk"))
            without_level = Q(pk__in=self.queryset_without("level").values("pk"))
        for family in Approach.Family.values:
            counts[f"family:{family}"] = Count("pk", filter=without_family & Q(family=family))
        for age in Approach.AgeGroup.values:
            option = without_age & Q(age_groups__contains=[age])
            if self.conditions or self.min_rank is not None:  # the evidence must also be for this age
                option &= Q(Exists(published_links(self.conditions, self.min_rank, populations_for([age]))))
            counts[f"age:{age}"] = Count("pk", filter=option)
        for level, _ in MIN_LEVEL_CHOICES:
            reaches = Exists(published_links(self.conditions, LEVEL_RANK[level], self.populations))
            counts[f"level:{level}"] = Count("pk", filter=without_level & Q(reaches))
        totals = base.aggregate(**counts)
        return Facets(
            condition=condition_counts,
            format=dict(formats),
            family={k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith("family:")},
            age={k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith("age:")},
            level={k.split(":", 1)[1]: v for k, v in totals.items() if k.startswith("level:")},
        )

    def condition_options(self, facets: Facets) -> tuple[list[tuple[str, str]], int]:
        """The condition options to list (all, or the chosen ones plus those with most results) and how
        many are left out, so the page stays small however many conditions the catalog has."""
        choices = list(self.form.fields["condition"].choices)
        if len(choices) <= FACET_LIMIT:
            return choices, 0
        top = sorted(choices, key=lambda choice: -facets.condition.get(choice[0], 0))[:FACET_LIMIT]
        keep = {slug for slug, _ in top} | set(self.conditions)
        shown = [choice for choice in choices if choice[0] in keep]
        return shown, len(choices) - len(shown)

    def title(self) -> str:
        """The page title: what was chosen, in words."""
        if not self.conditions:
            return "Browse therapies"
        names = dict(self.form.fields["condition"].choices)
        return "Therapies for " + ", ".join(names[slug] for slug in self.conditions)

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(parameter, value, label) for each chosen filter value, in display order."""
        data = self.form.cleaned_data
        active = []
        if (data.get("q") or "").strip():
            active.append(("q", None, f"Matching “{data['q']}”"))  # None: remove every q value
        for name in ("condition", "format", "family", "age"):
            labels = dict(self.form.fields[name].choices)
            active += [(name, value, str(labels[value])) for value in data.get(name) or []]
        if data.get("level"):
            active.append(("level", data["level"], f"Evidence: {dict(MIN_LEVEL_CHOICES)[data['level']].lower()}"))
        return active

    def relaxations(self, limit: int = 4) -> list[tuple[str, int]]:
        """For an empty result: which filter to drop and how many results that would give."""
        names = [n for n in ("q", "condition", "format", "family", "age", "level") if self.form.cleaned_data.get(n)]
        found = [(name, self.queryset_without(name).count()) for name in names[:limit]]
        return sorted([item for item in found if item[1]], key=lambda item: -item[1])


@dataclass
class Facets:
    condition: dict[str, int]
    format: dict[str, int]
    family: dict[str, int]
    age: dict[str, int]
    level: dict[str, int]


def ignored_notices(form: forms.Form) -> list[str]:
    """One message per field that dropped unknown values, quoting (and shortening) a few of them."""
    messages = []
    for field in form.fields.values():
        rejected = getattr(field, "rejected", None)
        if rejected:
            shown = ", ".join(f"“{value[:40]}”" for value in rejected[:3])
            more = f" and {len(rejected) - 3} more" if len(rejected) > 3 else ""
            messages.append(f"Ignored unknown {field.label_plural}: {shown}{more}.")
    return messages


def removal_query(params: Iterable[tuple[str, str]], parameter: str, value: str | None = None) -> str:
    """The query string without one value of a parameter (every value when None), and without `page`."""
    from urllib.parse import urlencode

    kept = [(k, v) for k, v in params if not (k == parameter and (value is None or v == value)) and k != "page"]
    return urlencode(kept)
