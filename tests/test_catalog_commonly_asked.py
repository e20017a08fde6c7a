"""Approaches people commonly look up, and conditions they name, are in the shipped catalog and rated no higher
than their sources allow: "not yet shown" is an answer, not a gap."""
import json
from pathlib import Path

import pytest
from django.conf import settings

CATALOG = json.loads(Path(settings.CATALOG_PATH).read_text(encoding="utf-8"))
APPROACHES = {a["slug"]: a for a in CATALOG["approaches"]}
CONDITIONS = {c["slug"]: c for c in CATALOG["conditions"]}
SOURCES = {s["key"]: s for s in CATALOG["sources"]}
LEVELS = ["not_recommended", "insufficient", "emerging", "moderate", "strong"]


def links(approach: str, condition: str | None = None) -> list[dict]:
    return [
        e for e in CATALOG["evidence"]
        if e["approach"] == approach and (condition is None or e["condition"] == condition) and e["status"] == "published"
    ]


def links_for_condition(condition: str) -> list[dict]:
    return [e for e in CATALOG["evidence"] if e["condition"] == condition and e["status"] == "published"]


def names(record: dict) -> set[str]:
    return {record["name"].lower(), record.get("abbreviation", "").lower()} | {n.lower() for n in record["other_names"]}


@pytest.mark.parametrize(("slug", "everyday_name"), [
    ("applied-relaxation", "applied relaxation"), ("compassion-focused-therapy", "cft"),
    ("cognitive-analytic-therapy", "cat"), ("cbasp", "cbasp"), ("metacognitive-therapy", "mct"),
    ("solution-focused-brief-therapy", "solution-focused therapy"), ("hypnotherapy", "hypnosis"),
    ("play-therapy", "play therapy"), ("dramatherapy", "drama therapy"), ("dance-movement-therapy", "dance therapy"),
    ("cognitive-remediation", "cognitive remediation"),
])
def test_commonly_asked_approach_is_present_and_rated(slug, everyday_name):
    assert everyday_name in names(APPROACHES[slug])
    assert APPROACHES[slug]["status"] == "published"
    assert links(slug), f"{slug} has no published evidence link, so readers cannot see how it is rated"


@pytest.mark.parametrize(("slug", "everyday_name"), [
    ("body-dysmorphic-disorder", "bdd"), ("complex-ptsd", "complex ptsd"),
    ("antisocial-personality-disorder", "dissocial personality disorder"),
])
def test_named_condition_is_findable(slug, everyday_name):
    assert everyday_name in names(CONDITIONS[slug])
    assert links_for_condition(slug)


@pytest.mark.parametrize("slug", [
    "compassion-focused-therapy", "cognitive-analytic-therapy", "metacognitive-therapy",
    "solution-focused-brief-therapy", "hypnotherapy", "play-therapy", "dramatherapy", "dance-movement-therapy",
])
def test_approaches_with_small_or_proponent_evidence_are_not_oversold(slug):
    assert {e["level"] for e in links(slug)} <= {"emerging", "insufficient"}


def test_no_link_is_rated_above_its_best_source():
    for record in CATALOG["evidence"]:
        if record["status"] != "published":
            continue
        best = max(LEVELS.index(r["level"]) for r in record["ratings"])
        assert LEVELS.index(record["level"]) <= best, (record["approach"], record["condition"], record["population"])


def test_creative_arts_for_psychosis_keep_both_the_guideline_and_the_trial_review():
    for slug, review in (("dramatherapy", "cochrane-cd005378"), ("dance-movement-therapy", "cochrane-cd006868")):
        [record] = links(slug, "schizophrenia-and-psychosis")
        levels = {r["source"]: r["level"] for r in record["ratings"]}
        assert levels[review] == "insufficient" and levels["nice-cg178"] == "moderate"
        assert record["level"] in {"emerging", "insufficient"}


def test_complex_ptsd_is_not_presented_as_settled():
    for record in links_for_condition("complex-ptsd"):
        assert record["level"] in {"emerging", "insufficient"}
        assert "sbu-2024-cptsd" in {r["source"] for r in record["ratings"]}


def test_body_dysmorphic_disorder_cbt_rests_on_the_guideline_and_a_meta_analysis():
    [record] = [e for e in links("cbt", "body-dysmorphic-disorder") if e["population"] == "adults"]
    assert {r["source"] for r in record["ratings"]} == {"nice-cg31", "harrison-2016-bdd"}
    assert record["level"] == "strong"
    assert "body dysmorphic" in SOURCES["nice-cg31"]["title"].lower()


def test_antisocial_personality_disorder_keeps_the_guideline_and_the_cochrane_review_apart():
    [record] = links("group-cbt", "antisocial-personality-disorder")
    levels = {r["source"]: r["level"] for r in record["ratings"]}
    assert levels == {"nice-cg77": "moderate", "cochrane-cd007668": "insufficient"}
    assert record["level"] == "emerging" and "both" in record["finding"]
