"""The search page: read the query (understand.py), answer it (answers.py), and rank the text matches of
approaches and conditions, with snippets and an honest "did you mean".

Matching uses the stored vectors and the tsquery of therapies/search/vectors.py. An understood query
searches the names it recognised ("best treatment for ptsd" searches "Post-traumatic stress disorder");
`plain=True`, or a query with nothing recognised, searches the words as typed. When nothing matches,
`suggest()` offers the closest known spelling with rapidfuzz, and only when that spelling finds something.
The vocabulary (names, aliases, lay phrases, best bets) is cached per catalog version.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline
from django.core.cache import cache
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from rapidfuzz import fuzz, process

from therapies.cache import catalog_version
from therapies.models import Approach, BestBet, Condition, Format, SearchMiss
from therapies.search.answers import Answer, answer_for
from therapies.search.understand import (
    APPROACH, CONDITION, FUZZY_CUTOFF, Reading, Term, Vocabulary, normalise, understand, vocabulary_build,
)
from therapies.search.vectors import SEARCH_CONFIG, SPELLING_RULES, search_query, words

SUGGEST_MIN_LENGTH = 4  # "bad" is never "corrected" to "ba"
CLOSEST = 3  # conditions and approaches offered by name when nothing matched


def suggest(text: str, vocabulary: Vocabulary) -> str | None:
    """The closest spelling of what was typed, word by word, from words the site knows; None if none.
    Words shorter than SUGGEST_MIN_LENGTH are kept as typed, and a word is only replaced by a known word
    at least as long as that."""
    typed = words(text)
    if not typed:
        return None
    known = [w for w in vocabulary.known_words if len(w) >= SUGGEST_MIN_LENGTH]
    corrected = []
    for word in typed:
        if word in vocabulary.known_words or len(word) < SUGGEST_MIN_LENGTH:
            corrected.append(word)
            continue
        match = process.extractOne(word, known, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF - 10)
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
    reading: Reading | None = None  # None for a plain search
    answer: Answer | None = None
    hits: list[Hit] = field(default_factory=list)
    searched_for: str = ""  # the corrected text when a typo was fixed (and the correction found something)
    closest: list[Term] = field(default_factory=list)  # when nothing matched: names near what was typed

    @property
    def corrected(self) -> bool:
        return bool(self.searched_for) and self.searched_for != " ".join(words(self.text))

    @property
    def crisis(self) -> bool:
        return self.reading is not None and self.reading.crisis

    @property
    def found_nothing(self) -> bool:
        return not (self.hits or self.answer or self.crisis)

    @property
    def redirect(self) -> str:
        """Where to send the reader instead of this page (a comparison and nothing else), or ""."""
        return self.answer.url if self.answer and self.answer.redirect else ""


def search_site(text: str, *, plain: bool = False) -> SearchResults:
    """Read the query and answer it, then rank the text matches: the recognised names' (or, plain or
    unrecognised, the words as typed). Misspelt and unmatched, the closest spelling that finds something."""
    words_ = vocabulary()
    reading = None if plain else understand(text, words_)
    results = SearchResults(text=text, reading=reading)
    results.answer = answer_for(reading, words_) if reading is not None else None
    if reading is not None and reading.understood:
        # Words left over may belong with the others ("sleep nightmares"): all of them first, then any.
        results.hits = (_hits(reading.core) if reading.leftover else []) or _hits(_phrases(reading))
    else:
        results.hits = _hits(text)
    if not results.hits and not results.answer and search_query(text) is not None:
        suggestion = suggest(text, words_)
        hits = _hits(suggestion) if suggestion else []
        if hits:  # never offer a spelling that itself finds nothing
            results.searched_for, results.hits = suggestion, hits
    if results.found_nothing:
        results.closest = closest(text, words_)
    return results


def _phrases(reading: Reading) -> list[str]:
    """What an understood query searches: its words without stock phrasing, or the names of the records it
    named, or the words left over."""
    phrases = [reading.core] if reading.core else []
    phrases += [term.label for term in reading.terms if term.kind in (CONDITION, APPROACH) and term.label not in phrases]
    return phrases + ([" ".join(reading.leftover)] if reading.leftover else [])


def closest(text: str, vocabulary: Vocabulary) -> list[Term]:
    """Conditions and approaches whose names are nearest to what was typed (no query)."""
    typed = normalise(text)
    if not typed:
        return []
    found: list[Term] = []
    for phrase, _, _ in process.extract(typed, list(vocabulary.phrases), scorer=fuzz.WRatio, limit=40):
        term = vocabulary.phrases[phrase][0]
        if term.kind in (CONDITION, APPROACH) and term not in found:
            found.append(term)
    return found[:2 * CLOSEST]


def search_miss_count(text: str) -> None:
    """Add one to today's count of searches for this text that found nothing (no visitor data; one query)."""
    key = normalise(text)[:100]
    if key:
        SearchMiss.objects.count_one(key, timezone.localdate())


_in_process: dict[int, Vocabulary] = {}  # this process's copy, for the current catalog version only


def vocabulary() -> Vocabulary:
    """Every name people might mean and what it means, cached per catalog version (any catalog change,
    best bets included, starts afresh): kept in this process's memory, so a search or a keystroke's
    suggestions cost no query and no copy out of Redis; the shared cache spares the other workers the reads."""
    version = catalog_version()
    found = _in_process.get(version)
    if found is None:
        found = cache.get_or_set(f"search-vocabulary:{version}", _load_vocabulary, timeout=24 * 60 * 60)
        _in_process.clear()
        _in_process[version] = found
    return found


def _load_vocabulary() -> Vocabulary:
    """Four queries: published approaches, conditions, formats, published best bets."""
    choices, ids = Format.objects.options()
    formats = [(ids[slug], slug, name) for slug, name in choices]
    return vocabulary_build(
        Approach.objects.vocabulary_rows(), Condition.objects.vocabulary_rows(), formats,
        BestBet.objects.published_rows(),
    )


def _hits(text: str | list[str]) -> list[Hit]:
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


def _typed_forms(text: str | list[str]) -> set[str]:
    """What was typed (or each phrase searched), normalised, in each spelling (computed once per search,
    not once per record)."""
    forms: set[str] = set()
    for phrase in [text] if isinstance(text, str) else text:
        typed = " ".join(words(phrase))
        forms |= {typed} | {typed.replace(us, uk) for us, uk in SPELLING_RULES}
        forms |= {typed.replace(uk, us) for us, uk in SPELLING_RULES}
    return forms


def _hit(kind: str, record, typed_forms: set[str], evidence_count: int) -> Hit:
    # The main name last: when an understood query searched it too, the alias typed is what "Matched" shows.
    names = [getattr(record, "abbreviation", ""), *record.other_names, record.name]
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
