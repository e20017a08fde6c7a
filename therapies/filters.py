"""Browse filters: query parameters -> validated values -> QuerySet methods, plus facet counts.

Public parameter names (shareable URLs): q, condition, format, family, age, level, sort, page.
Unknown values are dropped with a notice rather than failing the whole page.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import django_filters
import django_filters.fields
from django import forms
from django.core.paginator import Page, Paginator
from django.core.validators import slug_re
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.functional import cached_property

from therapies.models import LEVEL_RANK, Approach, Condition, ConditionFormatStats, EvidenceLink, Format, Level, Status
from therapies.querysets import CountAll, populations_for, strongest

MAX_VALUES = 20  # per repeatable parameter; more is not a real visitor
SLUG_MAX_LENGTH = 80  # max_length of Approach.slug and Condition.slug: a longer value names neither
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


def could_be_slug(value: str) -> bool:
    """Whether a visitor's value may be looked up as a slug: only these reach the database (a NUL byte,
    for one, cannot even be sent to Postgres)."""
    return len(value) <= SLUG_MAX_LENGTH and bool(slug_re.fullmatch(value))


class LenientSlugsField(LenientMultipleChoiceField):
    """Slugs checked against the database: only the ones asked for are looked up (`lookup(slugs)` returns
    {slug: (id, name)}), in one query, so the form never loads every condition. Unknown ones are remembered
    in `rejected`; the found ones' ids and names in `found`."""

    def __init__(self, *args, lookup: Callable[[list[str]], dict[str, tuple[int, str]]], **kwargs):
        self.lookup = lookup
        self.found: dict[str, tuple[int, str]] = {}
        super().__init__(*args, **kwargs)

    def clean(self, value):
        values = list(dict.fromkeys(v for v in self.to_python(value) if v.strip()))  # de-duplicated, in order
        asked = [v for v in values if could_be_slug(v)][:MAX_VALUES]
        self.found = self.lookup(asked) if asked else {}
        self.rejected = [v for v in values if v not in self.found]
        return [v for v in asked if v in self.found]


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


class LenientSlugsFilter(django_filters.MultipleChoiceFilter):
    field_class = LenientSlugsField


def published_conditions(slugs: list[str]) -> dict[str, tuple[int, str]]:
    return Condition.objects.published().by_slugs(slugs)


def format_options() -> tuple[list[tuple[str, str]], dict[str, int]]:
    """The formats in display order as (slug, name) choices, and {slug: id}: one query."""
    rows = list(Format.objects.order_by("position", "name").values_list("slug", "name", "pk"))
    return [(slug, name) for slug, name, _ in rows], {slug: pk for slug, _, pk in rows}


class TherapyFilter(django_filters.FilterSet):
    """The browse page's filters; each method is one QuerySet call."""

    q = django_filters.CharFilter(label="Search", method="filter_q", max_length=200)
    condition = LenientSlugsFilter(
        label="Condition", lookup=published_conditions, method="filter_condition", label_plural="conditions"
    )
    format = LenientMultipleChoiceFilter(
        label="Format", choices=(), method="filter_format", label_plural="formats"  # choices: per request
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
        # The formats once per request: the choices, and the ids approaches are filtered on.
        self.filters["format"].extra["choices"], self.format_ids = format_options()

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

    @property
    def conditions(self) -> list[str]:
        return self.form.cleaned_data.get("condition") or []

    @property
    def condition_ids(self) -> list[int]:
        """Ids of the chosen conditions (looked up with the slugs): what evidence queries match on."""
        found = self.form.fields["condition"].found
        return [found[slug][0] for slug in self.conditions]

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
        queryset = self.qs.with_best_rank(self.condition_ids, self.populations).for_browse()
        if self.sort_order == "evidence":
            return queryset.order_by(F("best_rank").desc(nulls_last=True), "name")
        if self.sort_order == "sessions":
            return queryset.order_by(F("sessions_min").asc(nulls_last=True), "name")
        return queryset.order_by("name")

    def page(self, number: str | None, per_page: int, total: int) -> Page:
        """One page of results(), of `total` in all: facets() has counted them already (Facets.total)."""
        return CountedPaginator(self.results(), per_page, total).get_page(number)

    def chosen_besides(self, facet: str) -> list[str]:
        """The filters with a value, other than this facet's own (and the sort order)."""
        data = self.form.cleaned_data
        return [name for name in data if name not in (facet, "sort") and data.get(name)]

    def queryset_without(self, *skipped: str) -> QuerySet:
        """The results as if some filters were not applied (for facet counts and empty-result advice).
        Without `condition`, a minimum level applies to any condition, and without `age` evidence for any
        population counts, as they do in such a URL."""
        if not any(self.form.cleaned_data.get(name) for name in skipped):
            return self.qs  # nothing chosen to leave out: the results' own filters, already built
        queryset = self.queryset.all()
        conditions = [] if "condition" in skipped else self.condition_ids
        populations = [] if "age" in skipped else self.populations
        for name, value in self.form.cleaned_data.items():
            if name in skipped or not value:
                continue
            if name == "condition":
                queryset = queryset.for_conditions(conditions, populations=populations)
            elif name == "level":
                queryset = queryset.for_conditions(conditions, LEVEL_RANK[Level(value)], populations)
            else:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def facets(self) -> Facets:
        """How many results each option would give, with the other filters kept, and how many results there
        are: three queries."""
        self.form.is_valid()  # cleans the input once; later calls reuse the result
        options, hidden = self.condition_facet()
        counts = self.format_facet()
        family, age, level, total = self.profile_counts()
        return Facets(
            condition={slug: n for slug, _, n in options},
            condition_options=[(slug, name) for slug, name, _ in options],
            hidden_conditions=hidden,
            format={slug: counts.get(pk, 0) for slug, pk in self.format_ids.items()},
            family=family,
            age=age,
            level=level,
            total=total,
        )

    def format_facet(self) -> dict[int, int]:
        """{format id: how many approaches pass every other filter and are offered in it}; one query. With
        one condition as the only other filter, the counts are on record (ConditionFormatStats)."""
        if self.chosen_besides("format") == ["condition"] and len(self.condition_ids) == 1:
            on_record = ConditionFormatStats.objects.filter(condition=self.condition_ids[0])
            return dict(on_record.values_list("format_id", "approach_count"))
        return self.queryset_without("format").format_counts()

    def facet_options(self, facets: Facets) -> dict[str, list[tuple[str, str, int, bool]]]:
        """Each checkbox facet's options as (value, label, count, checked), for {% facet_checkboxes %}."""
        data, fields = self.form.cleaned_data, self.form.fields
        listed = {"condition": facets.condition_options, "format": fields["format"].choices,
                  "family": fields["family"].choices, "age": fields["age"].choices}
        return {
            name: [(value, label, getattr(facets, name).get(value, 0), value in (data.get(name) or ())) for value, label in options]
            for name, options in listed.items()
        }

    def profile_counts(self) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
        """Family, age-group and level counts, and the number of results, from one grouped query.

        The approaches passing every other filter are grouped by family, age groups and their strongest
        relevant levels (a few hundred rows at most); each facet then adds up the rows that pass the other
        two facets' choices, exactly as queryset_without() would filter them; the results are the rows that
        pass all three. A level counts for the chosen conditions (any, when none) and the chosen ages'
        populations; an age option needs evidence for its own populations when a condition or level is
        chosen."""
        data = self.form.cleaned_data
        families, ages, min_rank, conditions = data.get("family") or [], data.get("age") or [], self.min_rank, self.conditions
        rank_names: dict[tuple[str, ...], str] = {}

        def rank(populations: list[str]) -> str:
            key = () if set(populations) >= set(EvidenceLink.Population.values) else tuple(populations)
            return rank_names.setdefault(key, f"rank_{len(rank_names)}")

        chosen, anywhere = rank(self.populations), rank([])
        per_age = {age: rank(populations_for([age])) for age in Approach.AgeGroup.values} if conditions or min_rank else {}
        base = self.queryset_without("family", "age", "level").order_by()
        if not conditions and set(rank_names) == {()}:  # any condition, any population: on record
            rows = list(base.values("family", "age_groups", **{chosen: F("stats__best_rank")}).annotate(n=Count("pk")))
        else:  # one subquery for every population the counts need
            rows = list(
                base.with_population_ranks(self.condition_ids)
                .values("family", "age_groups", "population_ranks").annotate(n=Count("pk"))
            )
            for row in rows:
                row.update({name: strongest(row["population_ranks"], key) for key, name in rank_names.items()})

        def passes_family(row) -> bool:
            return not families or row["family"] in families

        def passes_age(row) -> bool:  # with ages chosen, chosen conditions need evidence in their populations
            return not ages or (bool(set(row["age_groups"]) & set(ages)) and (not conditions or row[chosen] is not None))

        def reaches(row, name: str, at_least: int | None) -> bool:
            return at_least is None or (row[name] is not None and row[name] >= at_least)

        family = dict.fromkeys(Approach.Family.values, 0)
        age = dict.fromkeys(Approach.AgeGroup.values, 0)
        level = {value: 0 for value, _ in MIN_LEVEL_CHOICES}
        thresholds = {value: LEVEL_RANK[Level(value)] for value in level}
        total = 0
        for row in rows:
            if passes_family(row) and passes_age(row) and reaches(row, chosen, min_rank):
                total += row["n"]
            if passes_age(row) and reaches(row, chosen, min_rank) and row["family"] in family:
                family[row["family"]] += row["n"]
            if passes_family(row) and reaches(row, anywhere, min_rank):
                for option in row["age_groups"]:
                    if option in age and (not per_age or reaches(row, per_age[option], min_rank or LEVEL_RANK[Level.NOT_RECOMMENDED])):
                        age[option] += row["n"]
            if passes_family(row) and passes_age(row):
                for value in level:
                    level[value] += row["n"] if reaches(row, chosen, thresholds[value]) else 0
        return family, age, level, total

    def condition_facet(self) -> tuple[list[tuple[str, str, int]], int]:
        """(slug, name, count) for the condition options, by name, and how many conditions are left out;
        one query. The options are the chosen conditions plus the FACET_LIMIT most studied (the rest are
        one link away), so the page stays small however many conditions there are. A count is how many
        approaches pass every other filter with public evidence for the condition (at the chosen level
        and for the chosen ages): counted on the option's own links, so only listed options cost anything;
        with no other filter, or one format alone, it is on record (ConditionStats, ConditionFormatStats)."""
        data = self.form.cleaned_data
        others = self.chosen_besides("condition")
        if not others:
            count = F("stats__approach_count")  # no other filter: the count on record is this count
        elif others == ["format"] and len(data["format"]) == 1:
            on_record = ConditionFormatStats.objects.filter(condition=OuterRef("pk"), format=self.format_ids[data["format"][0]])
            count = Subquery(on_record.values("approach_count"))
        else:
            links = EvidenceLink.objects.filter(status=Status.PUBLISHED, condition=OuterRef("pk"))
            if self.min_rank is not None:
                links = links.filter(level_rank__gte=self.min_rank)
            if self.populations:
                links = links.filter(population__in=self.populations)
            # In the aggregate's FILTER, the matching approaches are one hashed subplan, built once for all
            # options; in WHERE, Postgres would re-join them for every option.
            matching = Q(approach__in=self.queryset_without("condition", "level").values("pk"))
            count = Subquery(links.order_by().values("condition").annotate(
                n=Count("approach", distinct=True, filter=matching)).values("n"))
        published = Condition.objects.published()
        total = published.order_by().annotate(n=CountAll()).values("n")  # an index-only scan
        rows = list(
            published.most_studied_and(self.condition_ids, FACET_LIMIT)
            .annotate(n=Coalesce(count, 0), total=Subquery(total))
            .order_by("name")
            .values_list("slug", "name", "n", "total")
        )
        options = [(slug, name, n) for slug, name, n, _ in rows]
        return options, (rows[0][3] - len(rows) if rows else 0)

    def title(self) -> str:
        """The page title: what was chosen, in words."""
        if not self.conditions:
            return "Browse therapies"
        found = self.form.fields["condition"].found
        return "Therapies for " + ", ".join(found[slug][1] for slug in self.conditions)

    def active_filters(self) -> list[tuple[str, str, str]]:
        """(parameter, value, label) for each chosen filter value, in display order."""
        data = self.form.cleaned_data
        active = []
        if (data.get("q") or "").strip():
            active.append(("q", None, f"Matching “{data['q']}”"))  # None: remove every q value
        active += [("condition", slug, self.form.fields["condition"].found[slug][1]) for slug in self.conditions]
        for name in ("format", "family", "age"):
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


class CountedPaginator(Paginator):
    """A Paginator told how many objects there are, instead of asking the database again."""

    def __init__(self, object_list: QuerySet, per_page: int, total: int) -> None:
        super().__init__(object_list, per_page)
        self.total = total

    @cached_property
    def count(self) -> int:
        return self.total


@dataclass
class Facets:
    condition: dict[str, int]
    condition_options: list[tuple[str, str]]  # (slug, name) of the listed conditions, by name
    hidden_conditions: int  # published conditions not listed
    format: dict[str, int]
    family: dict[str, int]
    age: dict[str, int]
    level: dict[str, int]
    total: int  # results with every filter applied


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
