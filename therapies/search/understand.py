"""Query understanding: which conditions, approaches, formats and age groups a search names, read longest
phrase first, in pure Python over a vocabulary held in memory (built by `vocabulary_build` from rows the
QuerySets read; cached per catalog version by therapies/search/site.py).

What is data, and editable here (records' own aliases stay in their `other_names`, edited in the admin):
  LAY_PHRASES      everyday words -> what they mean ("panic attacks", "bad dreams", "teen", "online");
  STOCK_PHRASES    phrasing that carries no meaning for search ("best", "what helps with", "is ... legit");
  COMPARE_WORDS    words that make two to four approaches a comparison ("vs", "or", "compare");
  CRISIS_PHRASES   words of crisis: the help card always comes first;
  UMBRELLA_APPROACHES approaches that stand for a delivery format, never ranked above specific ones.
Near-miss spellings ("anxeity") are read with rapidfuzz at a high cut-off, only for words of five letters
or more that are not already known, and only when the corrected word completes a known phrase.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from therapies.choices import AgeGroup
from therapies.search.vectors import SPELLING_RULES

MAX_TOKENS = 20  # words read from a query (the form caps it at 200 characters)
LONGEST_PHRASE = 8
FUZZY_CUTOFF = 85  # rapidfuzz ratio, 0-100: one slip in a word of seven letters or more
FUZZY_MIN_LENGTH = 5

# kinds of Term
CONDITION, APPROACH, FORMAT, AGE, CRISIS = "condition", "approach", "format", "age", "crisis"

# Everyday words -> (kind, key or keys). Editable: add a line when the searches that found nothing (review
# queue) show a phrase people use. Conditions and approaches by slug, formats by slug, ages by AgeGroup.
LAY_PHRASES: dict[str, tuple[str, tuple[str, ...]]] = {
    "panic attacks": (CONDITION, ("panic-disorder",)),
    "panic attack": (CONDITION, ("panic-disorder",)),
    "nightmares": (CONDITION, ("ptsd",)),
    "nightmare": (CONDITION, ("ptsd",)),
    "bad dreams": (CONDITION, ("ptsd",)),
    "flashbacks": (CONDITION, ("ptsd",)),
    "low mood": (CONDITION, ("depression",)),
    "feeling down": (CONDITION, ("depression",)),
    "depressed": (CONDITION, ("depression",)),
    # "anxiety" alone: most people mean generalised anxiety; the mixed group's page is offered beside it.
    "anxiety": (CONDITION, ("generalised-anxiety-disorder", "anxiety-disorders")),
    "anxious": (CONDITION, ("generalised-anxiety-disorder", "anxiety-disorders")),
    "worrying": (CONDITION, ("generalised-anxiety-disorder",)),
    "eating disorders": (CONDITION, ("anorexia-nervosa", "bulimia-nervosa", "binge-eating-disorder")),
    "not sleeping": (CONDITION, ("insomnia",)),
    "cant sleep": (CONDITION, ("insomnia",)),
    "talking therapy": (APPROACH, ("cbt", "person-centred-therapy", "psychodynamic-therapy", "humanistic-therapy")),
    "talking therapies": (APPROACH, ("cbt", "person-centred-therapy", "psychodynamic-therapy", "humanistic-therapy")),
    "talk therapy": (APPROACH, ("cbt", "person-centred-therapy", "psychodynamic-therapy", "humanistic-therapy")),
    "counselling": (APPROACH, ("person-centred-therapy",)),
    "counsellor": (APPROACH, ("person-centred-therapy",)),
    "therapist": (FORMAT, ("individual",)),
    "one to one": (FORMAT, ("individual",)),
    "online": (FORMAT, ("online",)),
    "video": (FORMAT, ("online",)),
    "internet": (FORMAT, ("online",)),
    "remote": (FORMAT, ("online",)),
    "group": (FORMAT, ("group",)),
    "groups": (FORMAT, ("group",)),
    "self help": (FORMAT, ("self_guided",)),
    "app": (FORMAT, ("self_guided",)),
    "couple": (FORMAT, ("couples",)),
    "couples": (FORMAT, ("couples",)),
    "family": (FORMAT, ("family",)),
    "child": (AGE, (AgeGroup.CHILDREN,)),
    "children": (AGE, (AgeGroup.CHILDREN,)),
    "kid": (AGE, (AgeGroup.CHILDREN,)),
    "kids": (AGE, (AgeGroup.CHILDREN,)),
    "my child": (AGE, (AgeGroup.CHILDREN, AgeGroup.ADOLESCENTS)),
    "my daughter": (AGE, (AgeGroup.CHILDREN, AgeGroup.ADOLESCENTS)),
    "my son": (AGE, (AgeGroup.CHILDREN, AgeGroup.ADOLESCENTS)),
    "teen": (AGE, (AgeGroup.ADOLESCENTS,)),
    "teens": (AGE, (AgeGroup.ADOLESCENTS,)),
    "teenager": (AGE, (AgeGroup.ADOLESCENTS,)),
    "teenagers": (AGE, (AgeGroup.ADOLESCENTS,)),
    "adolescent": (AGE, (AgeGroup.ADOLESCENTS,)),
    "adolescents": (AGE, (AgeGroup.ADOLESCENTS,)),
    "young people": (AGE, (AgeGroup.ADOLESCENTS,)),
    "adult": (AGE, (AgeGroup.ADULTS,)),
    "adults": (AGE, (AgeGroup.ADULTS,)),
    "older adults": (AGE, (AgeGroup.OLDER_ADULTS,)),
    "older people": (AGE, (AgeGroup.OLDER_ADULTS,)),
    "elderly": (AGE, (AgeGroup.OLDER_ADULTS,)),
    "over 65s": (AGE, (AgeGroup.OLDER_ADULTS,)),
    "over 65": (AGE, (AgeGroup.OLDER_ADULTS,)),
    "seniors": (AGE, (AgeGroup.OLDER_ADULTS,)),
}

# Phrasing that carries no meaning for search, dropped wherever it stands (longest first).
STOCK_PHRASES = [
    "what is the best", "what are the best", "what helps with", "what helps", "what works for", "what works",
    "what can help", "how to treat", "how to help", "treatment for", "treatments for", "therapy for",
    "therapies for", "help with", "help for", "best", "top", "good", "effective", "treatment", "treatments",
    "therapy", "therapies", "options", "is", "are", "does", "do", "it", "legit", "real", "work", "works",
    "worth", "in", "for", "with", "the", "a", "an", "of", "to", "my", "has", "have", "who", "i", "me",
    "what", "helps", "help", "which", "how", "about", "and", "or", "vs", "versus", "v", "compare",
    "comparison", "difference", "between", "than", "better", "should", "try", "near", "please", "on",
    "feel", "feeling", "im", "am", "get", "getting", "need", "want", "looking", "someone", "find", "can", "you",
]
COMPARE_WORDS = {"vs", "versus", "v", "or", "compare", "comparison", "difference", "better", "than", "and"}

# Approaches that stand for a delivery format rather than a specific therapy: in an answer they never rank
# above the specific approaches they stand for (they follow them, whatever their level).
UMBRELLA_APPROACHES = frozenset({"online-therapy", "group-therapy"})

# Words of crisis. Whatever else a query names, the help card comes first.
CRISIS_PHRASES = [
    "suicidal", "suicide", "kill myself", "killing myself", "end my life", "want to die", "self harm now",
    "hurt myself", "hurting myself", "overdose", "overdosed", "in danger", "not safe", "emergency",
    "self harm", "self harming", "selfharm", "cutting myself", "help now", "crisis",
]
# Short abbreviations that are also everyday words ("an", "sad", "add"): read as a record only when typed in
# capitals ("SAD", "ADD"), so "anorexia in an adult" is not read as "anorexia nervosa" twice.
EVERYDAY_WORDS = {"an", "add", "sad", "bed", "met", "net", "pe", "st", "ct", "ba", "cm", "mi", "bn", "it", "me"}


@dataclass(frozen=True)
class Term:
    """One thing a query can name."""

    kind: str  # CONDITION, APPROACH, FORMAT, AGE or CRISIS
    key: str  # a slug, a format slug or an AgeGroup value
    label: str


@dataclass
class Vocabulary:
    """Every phrase the site knows, normalised, and what each means (best first); picklable for the cache."""

    phrases: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, key) -> database id
    parents: dict[str, str] = field(default_factory=dict)  # approach slug -> parent slug
    best_bets: dict[str, tuple[str, str]] = field(default_factory=dict)  # phrase -> (url, reason)
    known_words: frozenset[str] = frozenset()
    stock: frozenset[str] = frozenset()


@dataclass
class Reading:
    """How a query was read."""

    text: str
    normalised: str
    core: str = ""  # the words that are not stock phrasing, in the order typed
    terms: list[Term] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)  # words neither known nor stock phrasing
    corrections: list[tuple[str, str]] = field(default_factory=list)  # (typed, read as)
    wants_comparison: bool = False
    best_bet: tuple[str, str] | None = None

    def of(self, kind: str) -> list[Term]:
        return [term for term in self.terms if term.kind == kind]

    @property
    def crisis(self) -> bool:
        return bool(self.of(CRISIS))

    @property
    def understood(self) -> bool:
        return any(term.kind != CRISIS for term in self.terms) or self.best_bet is not None

    @property
    def labels(self) -> list[str]:
        """What the query was read as, for "Showing therapies for ..."."""
        order = (APPROACH, CONDITION, FORMAT, AGE)
        return [term.label for kind in order for term in self.terms if term.kind == kind]

    @property
    def only_terms(self) -> bool:
        """Nothing typed but known names and stock phrasing."""
        return not self.leftover


WORD = re.compile(r"[^\W_]+", re.UNICODE)


def to_uk(word: str) -> str:
    for us, uk in SPELLING_RULES:
        if us in word:
            word = word.replace(us, uk)
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased words in UK spelling, apostrophes dropped ("can't" -> "cant"), at most MAX_TOKENS."""
    return [to_uk(word) for word in WORD.findall(text.lower().replace("'", "").replace("’", ""))][:MAX_TOKENS]


def normalise(text: str) -> str:
    return " ".join(tokens(text))


def vocabulary_build(approaches: list[tuple], conditions: list[tuple], formats: list[tuple], best_bets: list[tuple]) -> Vocabulary:
    """The vocabulary from the QuerySets' rows: approaches (id, slug, name, abbreviation, other_names,
    parent slug), conditions (id, slug, name, other_names), formats (id, slug, name), best bets (phrase,
    url, reason). A phrase's own record comes before records that merely list it among other names."""
    vocabulary = Vocabulary()
    ranked: dict[str, list[tuple[int, Term]]] = {}

    def add(phrase: str, term: Term, rank: int) -> None:
        key = normalise(phrase)
        if not key:
            return
        found = ranked.setdefault(key, [])
        for index, (old_rank, old) in enumerate(found):
            if old == term:
                found[index] = (min(rank, old_rank), term)
                return
        found.append((rank, term))

    labels: dict[tuple[str, str], str] = {}
    for pk, slug, name, other_names in conditions:
        term = Term(CONDITION, slug, name)
        vocabulary.ids[(CONDITION, slug)], labels[(CONDITION, slug)] = pk, name
        add(name, term, 0)
        add(slug.replace("-", " "), term, 1)
        for index, other in enumerate(other_names):
            add(other, term, 2 + index)
    for pk, slug, name, abbreviation, other_names, parent in approaches:
        term = Term(APPROACH, slug, name)
        vocabulary.ids[(APPROACH, slug)], labels[(APPROACH, slug)] = pk, name
        if parent:
            vocabulary.parents[slug] = parent
        add(name, term, 0)
        if abbreviation:
            add(abbreviation, term, 0)
        for index, other in enumerate(other_names):
            add(other, term, 2 + index)
    for pk, slug, name in formats:
        term = Term(FORMAT, slug, name)
        vocabulary.ids[(FORMAT, slug)], labels[(FORMAT, slug)] = pk, name
        add(name, term, 5)
        add(slug.replace("_", " "), term, 5)
    age_labels = dict(AgeGroup.choices)
    for phrase, (kind, keys) in LAY_PHRASES.items():
        for index, key in enumerate(keys):
            label = age_labels.get(key) if kind == AGE else labels.get((kind, key))
            if label:  # a lay phrase for a record that is not published is left out
                # Editors' intent, in the order listed, comes before records' own aliases.
                add(phrase, Term(kind, str(key), label), index - 0.5)
    for phrase in CRISIS_PHRASES:
        add(phrase, Term(CRISIS, "help", "Help now"), -1)
    vocabulary.phrases = {key: tuple(t for _, t in sorted(found, key=lambda item: item[0])) for key, found in ranked.items()}
    # The first two or more words of a longer name mean it when they mean nothing else ("generalised anxiety").
    starts: dict[str, set[Term]] = {}
    for phrase, terms in vocabulary.phrases.items():
        parts = phrase.split()
        for length in range(2, len(parts)):
            starts.setdefault(" ".join(parts[:length]), set()).add(terms[0])
    for start, terms in starts.items():
        if start not in vocabulary.phrases and len(terms) == 1:
            vocabulary.phrases[start] = tuple(terms)
    vocabulary.best_bets = {normalise(phrase): (url, reason) for phrase, url, reason in best_bets if normalise(phrase)}
    vocabulary.known_words = frozenset(word for phrase in vocabulary.phrases for word in phrase.split())
    vocabulary.stock = frozenset(normalise(phrase) for phrase in STOCK_PHRASES)
    return vocabulary


def understand(text: str, vocabulary: Vocabulary) -> Reading:
    """Read a query: known phrases longest first, stock phrasing dropped, near-miss spellings corrected."""
    typed = tokens(text)
    reading = Reading(text=text, normalised=" ".join(typed))
    reading.best_bet = vocabulary.best_bets.get(reading.normalised)
    words = _corrected(typed, vocabulary, reading)
    capitals = {to_uk(word.lower()) for word in WORD.findall(text) if len(word) > 1 and word.isupper()}
    index, core = 0, []
    while index < len(words):
        step, terms = _longest_phrase(words, index, vocabulary, capitals)
        if terms is not None:
            # An ambiguous phrase ("anxiety") means its best record; a lay phrase listing several means them all.
            chosen = terms if _lay(words, index, step) else terms[:1]
            for term in chosen:
                if term not in reading.terms:
                    reading.terms.append(term)
            core.extend(words[index:index + step])
        elif step:
            if " ".join(words[index:index + step]) in COMPARE_WORDS:
                reading.wants_comparison = True
        else:
            core.append(words[index])
            reading.leftover.append(words[index])
            step = 1
        index += step
    reading.core = " ".join(core)
    return reading


def _lay(words: list[str], index: int, step: int) -> bool:
    phrase = " ".join(words[index:index + step])
    return phrase in LAY_PHRASES and len(LAY_PHRASES[phrase][1]) > 1


def _longest_phrase(
    words: list[str], index: int, vocabulary: Vocabulary, capitals: set[str],
) -> tuple[int, tuple[Term, ...] | None]:
    """(length, terms) of the longest known phrase at `index`; (length, None) for stock phrasing; (0, None)."""
    for length in range(min(LONGEST_PHRASE, len(words) - index), 0, -1):
        phrase = " ".join(words[index:index + length])
        if phrase in vocabulary.phrases and (phrase not in EVERYDAY_WORDS or phrase in capitals):
            return length, vocabulary.phrases[phrase]
        if phrase in vocabulary.stock:
            return length, None
    return 0, None


def _corrected(typed: list[str], vocabulary: Vocabulary, reading: Reading) -> list[str]:
    """The words with near-miss spellings of known words corrected (and noted on the reading)."""
    words = list(typed)
    for index, word in enumerate(typed):
        if len(word) < FUZZY_MIN_LENGTH or word in vocabulary.known_words or word in vocabulary.stock or word.isdigit():
            continue
        match = process.extractOne(word, vocabulary.known_words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if match is None:
            continue
        candidate = [*words[:index], match[0], *words[index + 1:]]
        if _in_a_phrase(candidate, index, vocabulary):
            words = candidate
            reading.corrections.append((word, match[0]))
    return words


def _in_a_phrase(words: list[str], index: int, vocabulary: Vocabulary) -> bool:
    """Whether the word at `index` is part of some known phrase spanning it."""
    for start in range(max(0, index - LONGEST_PHRASE + 1), index + 1):
        for stop in range(index + 1, min(len(words), start + LONGEST_PHRASE) + 1):
            if " ".join(words[start:stop]) in vocabulary.phrases:
                return True
    return False


def suggestions(text: str, vocabulary: Vocabulary, limit: int = 8) -> list[dict[str, str]]:
    """Up to `limit` things the typed text could be the start of, one per record: phrases that start with
    it first, then phrases with a word that does; records before formats and ages."""
    typed = normalise(text)
    if not typed:
        return []
    order = {CRISIS: 0, CONDITION: 1, APPROACH: 2, FORMAT: 3, AGE: 4}
    found: dict[Term, tuple] = {}
    for phrase, terms in vocabulary.phrases.items():
        if phrase.startswith(typed):
            place = 0
        elif f" {typed}" in f" {phrase}":
            place = 1
        else:
            continue
        term = terms[0]
        rank = (place, order[term.kind], phrase != normalise(term.label), len(phrase), phrase)
        if term not in found or rank < found[term][0]:
            found[term] = (rank, phrase)
    best = sorted(found.items(), key=lambda item: item[1][0])[:limit]
    return [
        {"label": term.label, "kind": term.kind, "matched": phrase if phrase != normalise(term.label) else ""}
        for term, (_, phrase) in best
    ]
