"""One row per approach: a condition's evidence links grouped by approach, the headline level first and the
populations (age groups the research was about) underneath. Pure Python over links already read, so a page
groups without another query; `EvidenceLinkQuerySet.by_approach()` is the way in."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from therapies.choices import LEVEL_RANK, Level, Population

# Why one approach can have two levels for one condition. Generic on purpose: the page shows each age
# group's own finding beside it, which says what the research in that group found.
WHY_LEVELS_DIFFER = (
    "The levels differ by age because each one rests only on the studies done in that age group; "
    "the finding for each group says what those studies showed."
)
# A level in a sentence ("Adults: strong"), shorter than its badge label.
LEVEL_WORDS = {
    Level.STRONG: "strong", Level.MODERATE: "moderate", Level.EMERGING: "emerging",
    Level.INSUFFICIENT: "not yet shown", Level.NOT_RECOMMENDED: "not recommended",
}


@dataclass
class ApproachEvidence:
    """An approach's evidence for one condition: its links, strongest first (one per population)."""

    approach: Any
    links: list = field(default_factory=list)
    parent_row: ApproachEvidence | None = None  # the row of its parent approach, when the same list shows it

    @property
    def link(self):
        """The strongest link: its level is the row's headline."""
        return self.links[0]

    @property
    def level(self) -> str:
        return self.link.level

    @property
    def level_rank(self) -> int:
        return LEVEL_RANK[Level(self.link.level)]

    @property
    def by_population(self) -> bool:
        """True when the evidence is split by age group (more than one link, or one for a single group):
        the row then names each population."""
        return len(self.links) > 1 or self.links[0].population != Population.ALL

    @property
    def levels_differ(self) -> bool:
        """True when the age groups' levels are not all the same: the row says why."""
        return len({link.level for link in self.links}) > 1

    @property
    def why_levels_differ(self) -> str:
        return WHY_LEVELS_DIFFER if self.levels_differ else ""

    @property
    def differs_from_parent(self) -> str:
        """How this approach differs from its parent, when the list shows both and the catalog says."""
        return self.approach.differs_from_parent if self.parent_row is not None else ""

    @property
    def population_summary(self) -> str:
        """ "Adults: strong · Children and teenagers: moderate", strongest first."""
        return " · ".join(f"{link.get_population_display()}: {LEVEL_WORDS[Level(link.level)]}" for link in self.links)


def group_by_approach(links: Iterable) -> list[ApproachEvidence]:
    """Links (strongest first) -> one ApproachEvidence per approach, in the order each approach first appears,
    so the rows stay strongest first."""
    rows: dict[int, ApproachEvidence] = {}
    for link in links:
        row = rows.get(link.approach_id)
        if row is None:
            row = rows[link.approach_id] = ApproachEvidence(approach=link.approach)
        row.links.append(link)
    by_approach = {row.approach.pk: row for row in rows.values()}
    for row in rows.values():
        row.parent_row = by_approach.get(row.approach.parent_id)
    return list(rows.values())


def population_levels(population_ranks: list[int | None] | None) -> list[tuple[str, str, int]]:
    """From a `population_ranks` annotation (ApproachQuerySet.with_population_ranks): (population, label, rank)
    for each population with a level, strongest first; empty when the evidence is not split by age."""
    if not population_ranks:
        return []
    labels = dict(Population.choices)
    found = [(population, labels[population], rank)
             for population, rank in zip(Population.values, population_ranks[1:]) if rank is not None]
    if len(found) == 1 and found[0][0] == Population.ALL:
        return []
    return sorted(found, key=lambda item: -item[2])


@dataclass
class MatrixCell:
    """A grid cell: the strongest link (None for a gap) and, when age groups' levels differ, every link."""

    condition: Any
    link: Any = None
    by_population: list = field(default_factory=list)


def matrix_grid(approaches: list, conditions: list, cells: dict, hide_empty: bool) -> tuple[list, list, int, int]:
    """(rows, columns, hidden rows, hidden columns) for the evidence matrix from best_levels() `cells`: each
    row (approach, [MatrixCell per column]). With `hide_empty` (a filter is chosen), rows and columns with no
    rated evidence at all are left out and counted, so a filtered matrix is not a page of dashes."""
    if hide_empty:
        used_approaches = {approach_id for approach_id, _ in cells}
        used_conditions = {condition_id for _, condition_id in cells}
        shown_approaches = [a for a in approaches if a.pk in used_approaches]
        shown_conditions = [c for c in conditions if c.pk in used_conditions]
    else:
        shown_approaches, shown_conditions = list(approaches), list(conditions)
    rows = []
    for approach in shown_approaches:
        row = []
        for condition in shown_conditions:
            links = cells.get((approach.pk, condition.pk), [])
            differ = len({link.level for link in links}) > 1
            row.append(MatrixCell(condition, links[0] if links else None, links if differ else []))
        rows.append((approach, row))
    return rows, shown_conditions, len(approaches) - len(shown_approaches), len(conditions) - len(shown_conditions)
