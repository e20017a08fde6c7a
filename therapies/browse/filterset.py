"""The browse FilterSet: query parameters -> validated values -> QuerySet methods.

Public parameter names (shareable URLs): q, condition, format, family, age, level, sort, page. Unknown
values are dropped with a notice rather than failing the whole page. To add a filter: declare it here
with a `chip` (how the page names a chosen value; None for no chip), write its one-line method, and
add its line to templates/therapies/_browse.html; chips, notices, facets' "other filters" and the
empty-result advice follow from the declaration.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import django_filters
from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.utils.functional import cached_property

from therapies.choices import LEVEL_RANK, AgeGroup, Level, populations_for
from therapies.fields import Found, LenientChoiceField, LenientMultipleChoiceField, LenientSlugsField
from therapies.models import Approach, Condition, Format

SORTS = [("evidence", "Strongest evidence"), ("name", "Name (A–Z)"), ("sessions", "Fewest sessions")]
DEFAULT_SORT_LABEL = "Strongest evidence for chosen conditions, else A–Z"
MIN_LEVEL_CHOICES = [
    (Level.STRONG, "Strong"),
    (Level.MODERATE, "Moderate or stronger"),
    (Level.EMERGING, "Emerging or stronger"),
]


class Chipped:
    """A browse filter that says how a chosen value reads on the page: `chip` is a format string with
    {label} (the option's label) and {lower} (the same in lower case); None: no chip, not a filter a
    reader removes (the sort order)."""

    def __init__(self, *args: Any, chip: str | None = "{label}", **kwargs: Any) -> None:
        self.chip = chip
        super().__init__(*args, **kwargs)


class TextFilter(Chipped, django_filters.CharFilter):
    pass


class MultipleChoiceFilter(Chipped, django_filters.MultipleChoiceFilter):
    field_class = LenientMultipleChoiceField


class ChoiceFilter(Chipped, django_filters.ChoiceFilter):
    field_class = LenientChoiceField


class SlugsFilter(Chipped, django_filters.MultipleChoiceFilter):
    field_class = LenientSlugsField


class TherapyFilter(django_filters.FilterSet):
    """The browse page's filters; each method is one QuerySet call."""

    q = TextFilter(label="Search", method="filter_q", max_length=200, chip="Matching “{label}”")
    condition = SlugsFilter(
        label="Condition", lookup=Condition.objects.published().by_slugs, method="filter_condition",
        label_plural="conditions",
    )
    format = MultipleChoiceFilter(
        label="Format", choices=(), method="filter_format", label_plural="formats"  # choices: per request
    )
    family = MultipleChoiceFilter(
        # Not "Family": that reads as the family format (therapy with your family present).
        label="Type of therapy", choices=Approach.Family.choices, method="filter_family", label_plural="types of therapy"
    )
    age = MultipleChoiceFilter(
        label="Age group", choices=AgeGroup.choices, method="filter_age", label_plural="age groups"
    )
    level = ChoiceFilter(
        label="Evidence at least", choices=MIN_LEVEL_CHOICES, method="filter_level", empty_label="Any level",
        label_plural="evidence levels", chip="Evidence: {lower}",
    )
    # The empty first option is the default order, so a form that sends the select as it stands (htmx on
    # every change) leaves the order to the page: strongest first as soon as a condition is ticked.
    sort = ChoiceFilter(label="Sort by", choices=SORTS, method="filter_sort", empty_label=DEFAULT_SORT_LABEL,
                        label_plural="sort orders", chip=None)

    class Meta:
        model = Approach
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The formats once per request: the choices, and the ids approaches are filtered on.
        self.filters["format"].extra["choices"], self.format_ids = Format.objects.options()
        self._skipped: frozenset[str] = frozenset()  # see queryset_without()

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.search(value) if value.strip() else queryset

    def filter_condition(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_conditions(self.condition_ids, populations=self.populations) if value else queryset

    def filter_format(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.in_formats([self.format_ids[slug] for slug in value]) if value else queryset

    def filter_family(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.in_families(value) if value else queryset

    def filter_age(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_ages(value) if value else queryset

    def filter_level(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.for_conditions(self.condition_ids, LEVEL_RANK[Level(value)], self.populations) if value else queryset

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # ordering is applied last, in `results()`

    @cached_property
    def cleaned(self) -> dict[str, Any]:
        """The cleaned input (the form is cleaned once; later calls reuse it)."""
        self.form.is_valid()
        return self.form.cleaned_data

    @property
    def conditions(self) -> list[Found]:
        """The chosen conditions' slugs, each with its id and name."""
        return self.cleaned.get("condition") or []

    @property
    def condition_ids(self) -> list[int]:
        """Ids of the chosen conditions: what evidence queries match on; none while `condition` is left out
        (queryset_without), so a minimum level then applies to any condition."""
        return [] if "condition" in self._skipped else [condition.pk for condition in self.conditions]

    @property
    def populations(self) -> list[str]:
        """Evidence populations that speak for the chosen age groups (all, when none are chosen or `age` is
        left out)."""
        return [] if "age" in self._skipped else populations_for(self.cleaned.get("age") or [])

    @property
    def min_rank(self) -> int | None:
        level = self.cleaned.get("level")
        return LEVEL_RANK[Level(level)] if level else None

    @property
    def sort_order(self) -> str:
        """The order applied: the reader's choice, else by evidence when a condition is chosen, else by name.
        Evidence order needs a condition: without one it falls back to name, silently (removing the last
        condition chip keeps `sort=evidence` in the address, and that is no mistake of the reader's)."""
        chosen = self.cleaned.get("sort")
        if chosen == "evidence" and not self.conditions:
            return "name"
        return chosen or ("evidence" if self.conditions else "name")

    def chosen(self) -> list[str]:
        """The names of the filters with a value a reader chose (not the sort order), in declaration order."""
        return [name for name, f in self.filters.items() if f.chip is not None and self.cleaned.get(name)]

    def chosen_besides(self, facet: str) -> list[str]:
        """The chosen filters other than this facet's own."""
        return [name for name in self.chosen() if name != facet]

    def results(self) -> QuerySet:
        """The filtered approaches, annotated for result cards and ordered."""
        queryset = self.qs.with_best_rank(self.condition_ids, self.populations).for_browse()
        if self.condition_ids:  # a card names each age group's level for the chosen conditions
            queryset = queryset.with_population_ranks(self.condition_ids)
        return self.ordered(queryset)

    def results_for_export(self) -> QuerySet:
        """Every filtered approach in the page's order, with the columns downloads and the API carry
        (ApproachQuerySet.for_api), the slug breaking ties so that paging through them is stable."""
        ordered = self.ordered(self.qs.with_best_rank(self.condition_ids, self.populations).for_api())
        return ordered.order_by(*ordered.query.order_by, "slug")

    def ordered(self, queryset: QuerySet) -> QuerySet:
        """These approaches (annotated with best_rank) in the chosen sort order."""
        if self.sort_order == "evidence":
            return queryset.order_by(F("best_rank").desc(nulls_last=True), "name")
        if self.sort_order == "sessions":
            return queryset.order_by(F("sessions_min").asc(nulls_last=True), "name")
        return queryset.order_by("name")

    def page(self, number: str | None, per_page: int, total: int) -> Page:
        """One page of results(), of `total` in all (counted already by the facets)."""
        return CountedPaginator(self.results(), per_page, total).get_page(number)

    def queryset_without(self, *skipped: str) -> QuerySet:
        """The results as if some filters were not applied (for facet counts and empty-result advice), each
        other filter applied by its own method exactly as in such a URL."""
        if not any(self.cleaned.get(name) for name in skipped):
            return self.qs  # nothing chosen to leave out: the results' own filters, already built
        with self._leaving_out(skipped):
            queryset = self.queryset.all()
            for name, value in self.cleaned.items():
                if name not in skipped and value:
                    queryset = self.filters[name].filter(queryset, value)
            return queryset

    @contextmanager
    def _leaving_out(self, skipped: tuple[str, ...]) -> Iterator[None]:
        self._skipped = frozenset(skipped)
        try:
            yield
        finally:
            self._skipped = frozenset()


class CountedPaginator(Paginator):
    """A Paginator told how many objects there are, instead of asking the database again."""

    def __init__(self, object_list: QuerySet, per_page: int, total: int) -> None:
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total
