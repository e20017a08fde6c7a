"""How a query is read (therapies/search/understand.py): pure Python over the real catalog's vocabulary, no database."""
import json

import pytest

from therapies.search.understand import (
    AGE, APPROACH, CONDITION, CRISIS, FORMAT, LAY_PHRASES, suggestions, understand, vocabulary_build,
)
from tests.helpers import ROOT


@pytest.fixture(scope="module")
def vocabulary():
    catalog = json.loads((ROOT / "therapies" / "catalog" / "catalog.json").read_text())
    approaches = [(i, a["slug"], a["name"], a.get("abbreviation") or "", a["other_names"], a.get("parent"))
                  for i, a in enumerate(catalog["approaches"])]
    conditions = [(i, c["slug"], c["name"], c["other_names"]) for i, c in enumerate(catalog["conditions"])]
    formats = [(i, f["slug"], f["name"]) for i, f in enumerate(catalog["formats"])]
    return vocabulary_build(approaches, conditions, formats, [("nhs talking therapies", "/therapies/cbt/", "CBT")])


def read(text, vocabulary):
    reading = understand(text, vocabulary)
    return [(term.kind, term.key) for term in reading.terms], reading


@pytest.mark.parametrize(("typed", "expected"), [
    ("best treatment for ptsd", [(CONDITION, "ptsd")]),
    ("what helps with panic attacks", [(CONDITION, "panic-disorder")]),
    ("cbt vs emdr", [(APPROACH, "cbt"), (APPROACH, "emdr")]),
    ("anorexia in teenagers", [(CONDITION, "anorexia-nervosa"), (AGE, "adolescents")]),
    ("my daughter has anorexia", [(AGE, "children"), (AGE, "adolescents"), (CONDITION, "anorexia-nervosa")]),
    ("adhd adults", [(CONDITION, "adhd"), (AGE, "adults")]),
    ("is emdr legit", [(APPROACH, "emdr")]),
    ("emdr ptsd", [(APPROACH, "emdr"), (CONDITION, "ptsd")]),
    ("what helps with nightmares", [(CONDITION, "ptsd")]),
    ("bad dreams", [(CONDITION, "ptsd")]),
    ("Post-traumatic stress disorder", [(CONDITION, "ptsd")]),
    ("generalized anxiety", [(CONDITION, "generalised-anxiety-disorder")]),  # US spelling, start of a name
    ("behavioral activation", [(APPROACH, "behavioural-activation")]),
    ("low mood over 65s", [(CONDITION, "depression"), (AGE, "older_adults")]),
    ("counselling online", [(APPROACH, "person-centred-therapy"), (FORMAT, "online")]),
    ("online therapy", [(APPROACH, "online-therapy")]),  # the longer phrase wins over the format "online"
    ("kids", [(AGE, "children")]),
    ("anxeity", [(CONDITION, "generalised-anxiety-disorder"), (CONDITION, "anxiety-disorders")]),  # a near miss
    ("SAD", [(CONDITION, "social-anxiety-disorder")]),
    ("sad", []),  # an everyday word is read as an abbreviation only in capitals
    ("anorexia in an adult", [(CONDITION, "anorexia-nervosa"), (AGE, "adults")]),
    ("I feel suicidal", [(CRISIS, "help")]),
])
def test_queries_are_read_longest_phrase_first(vocabulary, typed, expected):
    assert read(typed, vocabulary)[0] == expected


def test_comparison_words_and_corrections_are_noted(vocabulary):
    _, reading = read("compare cbt, dbt and act", vocabulary)
    assert reading.wants_comparison and reading.only_terms
    _, reading = read("anxeity", vocabulary)
    assert reading.corrections == [("anxeity", "anxiety")]


def test_a_short_real_word_is_never_corrected(vocabulary):
    _, reading = read("bad", vocabulary)
    assert reading.corrections == [] and reading.leftover == ["bad"]


def test_best_bets_match_the_whole_normalised_query(vocabulary):
    assert read("NHS talking-therapies", vocabulary)[1].best_bet == ("/therapies/cbt/", "CBT")
    assert read("nhs talking therapies near me", vocabulary)[1].best_bet is None


def test_every_lay_phrase_names_a_record_that_exists(vocabulary):
    for phrase, (kind, keys) in LAY_PHRASES.items():
        assert read(phrase, vocabulary)[0], phrase


def test_suggestions_are_bounded_and_start_with_what_was_typed(vocabulary):
    found = suggestions("pan", vocabulary)
    assert found[0]["label"] == "Panic disorder"
    assert len(suggestions("t", vocabulary)) == 8
    assert suggestions("", vocabulary) == [] and suggestions("🙂", vocabulary) == []
    assert any(s["label"] == "Person-centred therapy" and s["matched"].startswith("counsel")
               for s in suggestions("counsel", vocabulary))
