"""The catalog's evidence rules (run by check_catalog through therapies.checks): that a badge never says more
than its sources do.

- Every cited source has an address (a URL or a DOI).
- A link's population is no wider than its sources' together: a source about adults cannot rate "all ages".
- A link's level is no higher than its best source's.
- A guideline is not outranked by a weaker kind: when a link cites a guideline, a level above the
  guideline's needs a source of at least equal weight (a guideline, systematic review, meta-analysis or
  expert-body rating) at that level; a review, trial or patient-information page alone cannot lift it.
- An umbrella (Online therapy, Group therapy, Couples therapy) is rated on evidence about itself: its link
  needs a source marked as about the umbrella as a whole (`is_about_umbrella`), and is no higher than those
  sources say; evidence for internet CBT or group CBT belongs on those approaches' own links.
- An "all ages" link contradicted by a narrower one (a different level) names that population in its
  finding, so the reader sees why the two differ.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Protocol

from therapies.choices import LEVEL_RANK, Level, Population
from therapies.models import Source

# The kinds of source that weigh as much as a guideline; the others (review, trial, patient information)
# never lift a link above what its guideline says.
WEIGHTY_KINDS = {
    Source.Kind.GUIDELINE, Source.Kind.SYSTEMATIC_REVIEW, Source.Kind.META_ANALYSIS, Source.Kind.EXPERT_BODY_RATING,
}

# Which ages each population's evidence covers. A study of adults also speaks for older adults, as
# choices.AGE_POPULATIONS has it; nothing speaks for children but evidence about children.
POPULATION_AGES = {
    Population.ALL: {"children", "adolescents", "adults", "older_adults"},
    Population.ADULTS: {"adults", "older_adults"},
    Population.CHILDREN_AND_ADOLESCENTS: {"children", "adolescents"},
    Population.CHILDREN: {"children"},
    Population.ADOLESCENTS: {"adolescents"},
    Population.OLDER_ADULTS: {"older_adults"},
}

# Words that name a population in a finding ("in adults", "for young people").
POPULATION_WORDS = {
    Population.ADULTS: ("adult",),
    Population.CHILDREN_AND_ADOLESCENTS: ("child", "young people", "teen", "adolescen"),
    Population.CHILDREN: ("child",),
    Population.ADOLESCENTS: ("young people", "teen", "adolescen"),
    Population.OLDER_ADULTS: ("older",),
}


class Found(Protocol):
    def __call__(self, severity: str, where: str, message: str) -> object: ...


def link_where(link) -> str:
    return f"evidence {link.approach.slug} × {link.condition.slug} × {link.population}"


def source_problems(sources: Iterable[Source], problem: Found) -> list:
    """Each cited source with neither a URL nor a DOI."""
    return [
        problem("error", f"source {source.key!r}", "is cited but has neither a URL nor a DOI; give its canonical address.")
        for source in sources if not source.link
    ]


def link_problems(links: list, problem: Found) -> list:
    """Every evidence rule broken by these published links (each with approach, condition and ratings with
    sources loaded)."""
    problems = []
    for link in links:
        ratings = list(link.ratings.all())
        if not ratings:
            continue
        problems += _population(link, ratings, problem)
        problems += _levels(link, ratings, problem)
        if link.approach.is_umbrella:
            problems += _umbrella(link, ratings, problem)
    problems += _population_splits(links, problem)
    return problems


def _population(link, ratings: list, problem: Found) -> list:
    studied = set().union(*(POPULATION_AGES[Population(r.population or link.population)] for r in ratings))
    missing = POPULATION_AGES[Population(link.population)] - studied
    if not missing:
        return []
    sources = ", ".join(f"{r.source.key} ({r.population or link.population})" for r in ratings)
    return [problem("error", link_where(link), f"rated for {link.get_population_display().lower()}, but its sources "
                    f"studied narrower populations ({sources}); narrow the link or cite a source for "
                    f"{', '.join(sorted(missing))}.")]


def _levels(link, ratings: list, problem: Found) -> list:
    rank = LEVEL_RANK[Level(link.level)]
    problems = []
    if rank > max(LEVEL_RANK[Level(r.level)] for r in ratings):
        problems.append(problem("error", link_where(link), f"rated {link.level}, above every one of its sources."))
    guidelines = [r for r in ratings if r.source.kind == Source.Kind.GUIDELINE]
    if guidelines and rank > max(LEVEL_RANK[Level(r.level)] for r in guidelines):
        backing = [r for r in ratings if r.source.kind in WEIGHTY_KINDS and LEVEL_RANK[Level(r.level)] >= rank]
        if not backing:
            best = max(guidelines, key=lambda r: LEVEL_RANK[Level(r.level)])
            problems.append(problem("error", link_where(link), f"rated {link.level}, above its guideline "
                                    f"({best.source.key}: {best.level}), on the strength of a weaker kind of source."))
    return problems


def _umbrella(link, ratings: list, problem: Found) -> list:
    own = [r for r in ratings if r.is_about_umbrella]
    if not own:
        borrowed = ", ".join(r.source.key for r in ratings)
        return [problem("error", link_where(link), f"an umbrella with no source about {link.approach.name.lower()} "
                        f"itself ({borrowed} rate narrower approaches); cite such a source, or leave the rating to "
                        f"the specific approaches.")]
    if LEVEL_RANK[Level(link.level)] > max(LEVEL_RANK[Level(r.level)] for r in own):
        return [problem("error", link_where(link), f"an umbrella rated {link.level}, above what its own sources "
                        f"say about {link.approach.name.lower()} itself.")]
    return []


def _population_splits(links: list, problem: Found) -> list:
    by_pair: dict[tuple[int, int], list] = defaultdict(list)
    for link in links:
        by_pair[(link.approach_id, link.condition_id)].append(link)
    problems = []
    for pair_links in by_pair.values():
        wide = next((link for link in pair_links if link.population == Population.ALL), None)
        if wide is None:
            continue
        finding = wide.finding.lower()
        for narrow in pair_links:
            if narrow is wide or narrow.level == wide.level:
                continue
            if not any(word in finding for word in POPULATION_WORDS[Population(narrow.population)]):
                problems.append(problem("error", link_where(wide), f"rated {wide.level} for all ages but "
                                        f"{narrow.level} for {narrow.get_population_display().lower()}, and its "
                                        f"finding does not say why; narrow it or explain the difference."))
    return problems
