"""The search page: approaches and conditions ranked for people, snippets, and spelling suggestions.

Matching uses the stored vectors and the tsquery of therapies/search/vectors.py. Small typos are caught
after the fact: when nothing matches, `suggest()` offers the closest known name ("cognitve" ->
"cognitive") with Python's difflib (the embedded Postgres has no pg_trgm), from a vocabulary cached
per catalog version.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline
from django.core.cache import cache
from django.utils.html import escape
from django.utils.safestring import mark_safe

from therapies.cache import catalog_version
from therapies.choices import LEVEL_RANK, Level
from therapies.models import Approach, Condition, EvidenceLink
from therapies.search.vectors import SEARCH_CONFIG, SPELLING_RULES, search_query, words


def suggest(text: str, vocabulary: list[str]) -> str | None:
    """The closest spelling of what was typed, word by word, from names the site knows; None if none."""
    typed = words(text)
    if not typed:
        return None
    known = {w for name in vocabulary for w in words(name)}
    corrected = []
    for word in typed:
        if word in known or len(word) < 3:
            corrected.append(word)
            continue
        match = difflib.get_close_matches(word, known, n=1, cutoff=0.75)
        corrected.append(match[0] if match else word)
    suggestion = " ".join(corrected)
    return suggestion if suggestion != " ".join(typed) else None


MARK_START, MARK_STOP = "\x02", "\x03"  # sentinels: the headline is escaped first, then marked up
EXACT_NAME_BOOST = 10.0  # typed exactly a name, abbreviation or other name ("cbt", "panic attacks")
NAME_PREFIX_BOOST = 3.0  # typed the start of one ("obsess", "mindful")
NAME_WORD_BOOST = 1.0  # typed a word that appears in one
RESULT_LIMIT = 20


@dataclass
class Hit:
    kind: str  # "approach" or "condition"
    record: object
    score: float
    headline: str  # the summary with MARK_START/MARK_STOP around matches, from ts_headline
    matched_name: str  # the other name that matched, when it was not the main name

    @property
    def url(self) -> str:
        return self.record.get_absolute_url()

    @property
    def snippet(self) -> str:
        """Safe HTML: the escaped headline with <mark> around matches (built only for hits shown)."""
        return _snippet(self.headline)


@dataclass
class SearchResults:
    text: str
    hits: list[Hit] = field(default_factory=list)
    searched_for: str = ""  # the corrected text when a typo was fixed
    top_links: list = field(default_factory=list)  # best-supported approaches when a condition comes first

    @property
    def corrected(self) -> bool:
        return bool(self.searched_for) and self.searched_for != " ".join(words(self.text))


def search_site(text: str) -> SearchResults:
    """Search approaches and conditions; fix a typo when nothing matches; a condition first brings its
    best-supported approaches. Three queries when something matches as typed."""
    results = SearchResults(text=text, hits=_hits(text))
    if not results.hits and search_query(text) is not None:
        suggestion = suggest(text, vocabulary())
        if suggestion:
            results.searched_for = suggestion
            results.hits = _hits(suggestion)
    if results.hits and results.hits[0].kind == "condition":
        results.top_links = list(
            EvidenceLink.objects.published()
            .filter(condition=results.hits[0].record, level_rank__gte=LEVEL_RANK[Level.EMERGING])
            .select_related("approach")
            .order_by("-level_rank", "approach__name")[:5]
        )
    return results


def vocabulary() -> list[str]:
    """Every name people might mean, cached per catalog version (any catalog change starts afresh)."""
    return cache.get_or_set(f"search-vocabulary:{catalog_version()}", _load_vocabulary, timeout=24 * 60 * 60)


def _load_vocabulary() -> list[str]:
    """Names, abbreviations and other names of published approaches and conditions (two queries)."""
    names: list[str] = []
    for name, abbreviation, other_names in Approach.objects.published().values_list("name", "abbreviation", "other_names"):
        names += [name, abbreviation, *other_names]
    for name, other_names in Condition.objects.published().values_list("name", "other_names"):
        names += [name, *other_names]
    return [name for name in names if name]


def _hits(text: str) -> list[Hit]:
    query = search_query(text)
    if query is None:
        return []
    headline = SearchHeadline(
        "summary", query, config=SEARCH_CONFIG, start_sel=MARK_START, stop_sel=MARK_STOP,
        max_words=35, min_words=15, highlight_all=True,
    )
    # Only what a hit shows and is ranked by: up to 100 records are read to pick 20.
    approaches = (
        Approach.objects.published().search(text).with_evidence_count().annotate(headline=headline)
        .only("slug", "name", "abbreviation", "other_names").order_by("-search_rank", "name")[:50]
    )
    conditions = (
        Condition.objects.published().search(text).annotate(headline=headline)
        .only("slug", "name", "other_names").order_by("-search_rank", "name")[:50]
    )
    typed_forms = _typed_forms(text)
    hits = [_hit("approach", a, typed_forms, a.evidence_count or 0) for a in approaches]
    hits += [_hit("condition", c, typed_forms, 0) for c in conditions]
    return sorted(hits, key=lambda hit: (-hit.score, hit.record.name))[:RESULT_LIMIT]


def _typed_forms(text: str) -> set[str]:
    """What was typed, normalised, in each spelling (computed once per search, not once per record)."""
    typed = " ".join(words(text))
    forms = {typed} | {typed.replace(us, uk) for us, uk in SPELLING_RULES}
    return forms | {typed.replace(uk, us) for us, uk in SPELLING_RULES}


def _hit(kind: str, record, typed_forms: set[str], evidence_count: int) -> Hit:
    names = [record.name, getattr(record, "abbreviation", ""), *record.other_names]
    normalized = [(name, " ".join(words(name))) for name in names if name]
    boost, matched = 0.0, ""
    for name, plain in normalized:
        if plain in typed_forms:
            boost, matched = EXACT_NAME_BOOST, name
            break
        if any(plain.startswith(form) for form in typed_forms) and boost < NAME_PREFIX_BOOST:
            boost, matched = NAME_PREFIX_BOOST, name
        elif any(form in plain.split() for form in typed_forms) and boost < NAME_WORD_BOOST:
            boost, matched = NAME_WORD_BOOST, name
    # More rated evidence breaks ties between equally good name matches ("talking therapy").
    score = boost + float(record.search_rank) + 0.01 * evidence_count
    return Hit(kind, record, score, record.headline, matched if matched != record.name else "")


def _snippet(headline: str) -> str:
    return mark_safe(escape(headline).replace(MARK_START, "<mark>").replace(MARK_STOP, "</mark>"))
