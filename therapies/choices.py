"""The shared vocabulary of the catalog: record status, evidence levels and their ranks, populations."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Case, Value, When


class Status(models.TextChoices):
    """Where a curated record stands; only PUBLISHED records are public."""

    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class Level(models.TextChoices):
    """How well the research supports an approach for a condition, strongest first."""

    STRONG = "strong", "Strong evidence"
    MODERATE = "moderate", "Moderate evidence"
    EMERGING = "emerging", "Emerging evidence"
    INSUFFICIENT = "insufficient", "Insufficient evidence (not yet shown)"
    NOT_RECOMMENDED = "not_recommended", "Not recommended"


class Population(models.TextChoices):
    """Whom an evidence link's research was about (EvidenceLink.Population)."""

    ALL = "all", "All ages"
    ADULTS = "adults", "Adults"
    CHILDREN_AND_ADOLESCENTS = "children_and_adolescents", "Children and teenagers"
    CHILDREN = "children", "Children"
    ADOLESCENTS = "adolescents", "Teenagers"
    OLDER_ADULTS = "older_adults", "Older adults"


class AgeGroup(models.TextChoices):
    """Whom an approach is offered to (Approach.AgeGroup)."""

    CHILDREN = "children", "Children"
    ADOLESCENTS = "adolescents", "Teenagers"
    ADULTS = "adults", "Adults"
    OLDER_ADULTS = "older_adults", "Older adults"


# Public one-line definitions, shown in legends and on the about page.
LEVEL_DEFINITIONS = {
    Level.STRONG: "Consistent support from guidelines or high-quality reviews and trials; a first-line option.",
    Level.MODERATE: "A recommended option or alternative, or support with smaller or less certain effects.",
    Level.EMERGING: "A few small or lower-quality studies point to benefit; not yet established.",
    Level.INSUFFICIENT: "Too little or too inconsistent research to judge. Not yet shown is not the same as "
    "shown not to work.",
    Level.NOT_RECOMMENDED: "A guideline advises against routine use for this condition.",
}

# Rank used for sorting and "at least" filters; higher is stronger. Insufficient sits above
# not-recommended because "not yet shown" is no verdict, while "not recommended" is one.
LEVEL_RANK = {
    Level.STRONG: 5,
    Level.MODERATE: 4,
    Level.EMERGING: 3,
    Level.INSUFFICIENT: 2,
    Level.NOT_RECOMMENDED: 1,
}

# Which evidence populations speak for an age group: a study of adults says nothing about children.
AGE_POPULATIONS = {
    AgeGroup.CHILDREN: (Population.CHILDREN, Population.CHILDREN_AND_ADOLESCENTS, Population.ALL),
    AgeGroup.ADOLESCENTS: (Population.ADOLESCENTS, Population.CHILDREN_AND_ADOLESCENTS, Population.ALL),
    AgeGroup.ADULTS: (Population.ADULTS, Population.ALL),
    AgeGroup.OLDER_ADULTS: (Population.OLDER_ADULTS, Population.ADULTS, Population.ALL),
}


def populations_for(ages: Iterable[str]) -> list[str]:
    """The evidence populations relevant to these age groups; empty means no restriction."""
    return sorted({str(population) for age in ages for population in AGE_POPULATIONS.get(age, ())})


def level_rank_expression(field: str = "level") -> Case:
    """SQL for a level's rank, so Postgres can sort and filter by strength."""
    return Case(
        *[When(**{field: level}, then=Value(rank)) for level, rank in LEVEL_RANK.items()],
        default=Value(0),
        output_field=models.SmallIntegerField(),
    )


def levels_disagree(levels: list[str]) -> bool:
    """True when sources put a link more than one level apart."""
    ranks = [LEVEL_RANK[Level(level)] for level in levels]
    return bool(ranks) and max(ranks) - min(ranks) > 1


# The open data's licence: every API record, download and release carries it (README "Open data and API").
DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
