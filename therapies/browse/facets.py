"""Facet counts for the browse page: how many results each option would give with the other filters kept,
and how many results there are, in three queries (docs/performance.md explains each plan)."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F

from therapies.browse.filterset import MIN_LEVEL_CHOICES, TherapyFilter
from therapies.choices import LEVEL_RANK, AgeGroup, Level, Population, populations_for
from therapies.models import Approach, Condition
from therapies.querysets import strongest

FACET_LIMIT = 30  # condition options listed on the browse page; the rest are one link away


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


def facets_for(filterset: TherapyFilter) -> Facets:
    """Every facet's counts and the number of results: three queries."""
    options, hidden = condition_facet(filterset)
    counts = format_facet(filterset)
    family, age, level, total = profile_counts(filterset)
    return Facets(
        condition={slug: n for slug, _, n in options},
        condition_options=[(slug, name) for slug, name, _ in options],
        hidden_conditions=hidden,
        format={slug: counts.get(pk, 0) for slug, pk in filterset.format_ids.items()},
        family=family,
        age=age,
        level=level,
        total=total,
    )


def facet_options(filterset: TherapyFilter, facets: Facets) -> dict[str, list[tuple[str, str, int, bool]]]:
    """Each checkbox facet's options as (value, label, count, checked), for {% facet_checkboxes %}."""
    data, fields = filterset.cleaned, filterset.form.fields
    listed = {"condition": facets.condition_options, "format": fields["format"].choices,
              "family": fields["family"].choices, "age": fields["age"].choices}
    return {
        name: [(value, label, getattr(facets, name).get(value, 0), value in (data.get(name) or ())) for value, label in options]
        for name, options in listed.items()
    }


def condition_facet(filterset: TherapyFilter) -> tuple[list[tuple[str, str, int]], int]:
    """(slug, name, count) for the condition options, by name, and how many conditions are left out; one
    query. The options are the chosen conditions plus the FACET_LIMIT most studied (the rest are one link
    away), so the page stays small however many conditions there are. A count is how many approaches pass
    every other filter with public evidence for the condition (at the chosen level and for the chosen
    ages); with no other filter, or one format alone, it is on record (ConditionStats, ConditionFormatStats)."""
    data, others = filterset.cleaned, filterset.chosen_besides("condition")
    conditions, chosen_ids = Condition.objects.published(), filterset.condition_ids
    if not others:
        return conditions.facet_rows(chosen_ids, FACET_LIMIT)
    if others == ["format"] and len(data["format"]) == 1:
        return conditions.facet_rows(chosen_ids, FACET_LIMIT, format_id=filterset.format_ids[data["format"][0]])
    return conditions.facet_rows(
        chosen_ids, FACET_LIMIT, approaches=filterset.queryset_without("condition", "level"),
        min_rank=filterset.min_rank, populations=filterset.populations,
    )


def format_facet(filterset: TherapyFilter) -> dict[int, int]:
    """{format id: how many approaches pass every other filter and are offered in it}; one query. With one
    condition as the only other filter, the counts are on record (ConditionFormatStats)."""
    if filterset.chosen_besides("format") == ["condition"] and len(filterset.condition_ids) == 1:
        return Condition.objects.format_counts_on_record(filterset.condition_ids[0])
    return filterset.queryset_without("format").format_counts()


def profile_counts(filterset: TherapyFilter) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
    """Family, age-group and level counts, and the number of results, from one grouped query.

    The approaches passing every other filter are grouped by family, age groups and their strongest
    relevant levels (a few hundred rows at most); each facet then adds up the rows that pass the other two
    facets' choices, exactly as queryset_without() would filter them; the results are the rows that pass
    all three. A level counts for the chosen conditions (any, when none) and the chosen ages' populations;
    an age option needs evidence for its own populations when a condition or level is chosen."""
    data = filterset.cleaned
    families, ages, min_rank, conditions = data.get("family") or [], data.get("age") or [], filterset.min_rank, filterset.conditions
    rank_names: dict[tuple[str, ...], str] = {}

    def rank(populations: list[str]) -> str:
        key = () if set(populations) >= set(Population.values) else tuple(populations)
        return rank_names.setdefault(key, f"rank_{len(rank_names)}")

    chosen, anywhere = rank(filterset.populations), rank([])
    per_age = {age: rank(populations_for([age])) for age in AgeGroup.values} if conditions or min_rank else {}
    base = filterset.queryset_without("family", "age", "level").order_by()
    if not conditions and set(rank_names) == {()}:  # any condition, any population: on record
        rows = list(base.values("family", "age_groups", **{chosen: F("stats__best_rank")}).annotate(n=Count("pk")))
    else:  # one subquery for every population the counts need
        rows = list(
            base.with_population_ranks(filterset.condition_ids)
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
    age = dict.fromkeys(AgeGroup.values, 0)
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
