"""The answer at the top of the search page, chosen by what the query names (therapies/search/understand.py):

  words of crisis             -> the help card, first, always (whatever else matched; `Answers.crisis`)
  an editors' best bet        -> its page, with the editors' reason
  two to four approaches      -> the comparison (a redirect when the query says nothing else)
  an approach and a condition -> that evidence: level, population, finding, sources
  a condition (± format, age) -> its approaches, strongest evidence first, and the browse page so filtered
  one approach                -> its card
  a format or an age group    -> the browse page with that filter
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse

from therapies.choices import LEVEL_RANK, Level
from therapies.models import Approach, EvidenceLink
from therapies.search.understand import AGE, APPROACH, CONDITION, FORMAT, UMBRELLA_APPROACHES, Reading, Term, Vocabulary

ANSWER_ROWS = 6  # approaches shown in a condition's answer
MAX_COMPARED = 4


@dataclass
class Row:
    """One approach in a condition's answer: its strongest published link (for the chosen ages)."""

    link: EvidenceLink

    @property
    def sources(self) -> list[str]:
        return [rating.source.short_name for rating in self.link.ratings.all()]


@dataclass
class Answer:
    kind: str  # "best_bet", "compare", "evidence", "condition", "approach", "browse"
    url: str = ""
    title: str = ""
    reason: str = ""
    terms: list[Term] = field(default_factory=list)  # the approaches compared; the condition's narrowing
    rows: list[Row] = field(default_factory=list)
    links: list[EvidenceLink] = field(default_factory=list)
    approach: Approach | None = None
    also: list[Term] = field(default_factory=list)  # other conditions the query named
    redirect: bool = False


def answer_for(reading: Reading, vocabulary: Vocabulary) -> Answer | None:
    """The one answer the query asks for, or None; at most three queries."""
    if reading.best_bet:
        url, reason = reading.best_bet
        return Answer("best_bet", url=url, title=reading.text, reason=reason)
    conditions, approaches = reading.of(CONDITION), reading.of(APPROACH)
    formats, ages = reading.of(FORMAT), reading.of(AGE)
    if len(approaches) >= 2:
        compared = approaches[:MAX_COMPARED]
        url = reverse("therapies:compare") + "?" + urlencode([("t", term.key) for term in compared])
        only = reading.wants_comparison and reading.only_terms and not (conditions or formats or ages or reading.crisis)
        return Answer("compare", url=url, terms=compared, redirect=only)
    if approaches and conditions:
        approach, condition = approaches[0], conditions[0]
        links = list(EvidenceLink.objects.between(
            vocabulary.ids[(APPROACH, approach.key)], vocabulary.ids[(CONDITION, condition.key)]))
        return Answer("evidence", url=_detail(APPROACH, approach.key), title=f"{approach.label} for {condition.label}",
                      terms=[approach, condition], links=links)
    if conditions:
        return _condition_answer(conditions, formats, ages, vocabulary)
    if approaches:
        found = Approach.objects.published().for_search_card().filter(slug=approaches[0].key).first()
        return Answer("approach", url=_detail(APPROACH, approaches[0].key), approach=found) if found else None
    if formats or ages:
        return Answer("browse", url=browse_url([], formats, ages), terms=formats + ages)
    return None


def _condition_answer(conditions: list[Term], formats: list[Term], ages: list[Term], vocabulary: Vocabulary) -> Answer:
    """A condition's approaches with at least emerging evidence: one row per approach (its strongest link),
    strongest first, umbrella approaches after the specific ones; two queries (links, their sources)."""
    condition = conditions[0]
    format_ids = [vocabulary.ids[(FORMAT, term.key)] for term in formats]
    links = (
        EvidenceLink.objects.for_condition_page(
            vocabulary.ids[(CONDITION, condition.key)], format_ids, [term.key for term in ages])
        .prefetch_related(None).with_ratings().filter(level_rank__gte=LEVEL_RANK[Level.EMERGING])
    )
    best: dict[int, EvidenceLink] = {}
    for link in links:  # strongest first; at the same level, a finding for all ages says more than one for some
        kept = best.get(link.approach_id)
        if kept is None or (link.level_rank == kept.level_rank and link.population == "all"):
            best[link.approach_id] = link
    ranked = sorted(best.values(), key=lambda link: (link.approach.slug in UMBRELLA_APPROACHES, -link.level_rank,
                                                     link.approach.name))
    return Answer(
        "condition", url=browse_url([condition], formats, ages), title=condition.label, terms=[condition, *formats, *ages],
        rows=[Row(link) for link in ranked[:ANSWER_ROWS]], also=conditions[1:4],
    )


def browse_url(conditions: list[Term], formats: list[Term], ages: list[Term]) -> str:
    """/therapies/ with exactly these filters set."""
    params = [("condition", t.key) for t in conditions] + [("format", t.key) for t in formats]
    params += [("age", t.key) for t in ages]
    return reverse("therapies:therapy-list") + (f"?{urlencode(params)}" if params else "")


def _detail(kind: str, slug: str) -> str:
    name = "therapies:therapy-detail" if kind == APPROACH else "therapies:condition-detail"
    return reverse(name, args=[slug])
