"""Cautions and umbrellas in the catalog format, and where a reader sees them: approach, condition, compare
and summary pages; specialist helplines beside the crisis lines."""
import copy
import re

import pytest
from django.core.management import CommandError, call_command

from therapies.catalog_io.export import catalog_export
from therapies.models import Caution, SourceRating
from tests.test_catalog_import import MINI, write

pytestmark = pytest.mark.django_db

CAUTION = {"key": "erp-slowly", "approach": "erp", "condition": "ocd", "source": "nice-cg31",
           "text": "Go at a pace agreed with your therapist."}


def catalog(**changes) -> dict:
    data = copy.deepcopy(MINI)
    data["cautions"] = [dict(CAUTION)]
    data["approaches"][1]["is_umbrella"] = True  # CBT stands in for an umbrella here
    data["evidence"][0]["ratings"][0]["population"] = "adults"
    data["evidence"][0]["population"] = "adults"
    for section, records in changes.items():
        data[section] = records
    return data


def text(response) -> str:
    """What a reader sees: the page without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_cautions_umbrellas_and_rating_populations_round_trip(tmp_path):
    call_command("import_catalog", str(write(tmp_path, catalog())))
    caution = Caution.objects.select_related("approach", "condition", "source").get()
    assert (caution.approach.slug, caution.condition.slug, caution.source.key) == ("erp", "ocd", "nice-cg31")
    assert SourceRating.objects.get(source__key="nice-cg31").population == "adults"
    exported = catalog_export()
    assert exported["cautions"] == [CAUTION | {"approach": "erp", "condition": "ocd"}]
    assert next(a for a in exported["approaches"] if a["slug"] == "cbt")["is_umbrella"] is True
    assert "is_umbrella" not in next(a for a in exported["approaches"] if a["slug"] == "erp")  # only when set
    links = {record["approach"]: record for record in exported["evidence"]}
    assert links["erp"]["ratings"][0]["population"] == "adults"
    assert "population" not in links["dbt"]["ratings"][0]


@pytest.mark.parametrize(("caution", "message"), [
    (CAUTION | {"approach": "nope"}, "cautions[0].approach: unknown approach 'nope'."),
    (CAUTION | {"source": "nope"}, "cautions[0].source: unknown source 'nope'."),
    (CAUTION | {"approach": None, "condition": None}, "cautions[0]: a caution names an approach, a condition, or both."),
    ({"key": "x", "approach": "erp"}, "cautions[0]: missing required field 'source'."),
])
def test_a_bad_caution_is_refused_and_nothing_changes(tmp_path, capsys, caution, message):
    with pytest.raises(CommandError):
        call_command("import_catalog", str(write(tmp_path, catalog(cautions=[caution]))))
    assert message in capsys.readouterr().err
    assert not Caution.objects.exists()


def test_a_rating_with_an_unknown_population_is_refused(tmp_path, capsys):
    data = catalog()
    data["evidence"][0]["ratings"][0]["population"] = "toddlers"
    with pytest.raises(CommandError):
        call_command("import_catalog", str(write(tmp_path, data)))
    assert "evidence[0].ratings[0].population: 'toddlers' is not one of" in capsys.readouterr().err


def test_cautions_show_on_approach_condition_compare_and_summary_pages(client, tmp_path):
    call_command("import_catalog", str(write(tmp_path, catalog())))
    for url in ("/therapies/erp/", "/conditions/ocd/", "/compare/?t=erp&t=dbt", "/summary/?c=ocd&t=erp&t=dbt"):
        page = text(client.get(url))
        assert "Go at a pace agreed with your therapist." in page, url
        assert "NICE CG31 (2005)" in page, url
    summary = text(client.get("/summary/?c=ocd&t=erp&t=dbt"))
    assert "None recorded here." in summary  # DBT has no caution: the row still shows, saying so


def test_an_umbrella_page_says_it_is_a_way_in_and_lists_approaches_in_its_format(client, tmp_path):
    call_command("import_catalog", str(write(tmp_path, catalog())))
    page = text(client.get("/therapies/cbt/"))
    assert "A way in, not one therapy" in page
    assert 'href="/therapies/erp/"' in client.get("/therapies/cbt/").content.decode()
    assert "A way in, not one therapy" not in text(client.get("/therapies/erp/"))


def test_source_year_is_shown_beside_each_source_and_the_date_checked(client, tmp_path):
    call_command("import_catalog", str(write(tmp_path, catalog())))
    page = text(client.get("/therapies/erp/"))
    assert "NICE CG31 (2005)" in page
    assert "Checked against these sources on 26 Nov 2026" in page


def test_specialist_helplines_show_on_the_help_page_and_matching_condition_pages(client, tmp_path):
    data = catalog()
    data["conditions"].append({"slug": "anorexia", "name": "Anorexia", "other_names": [], "category": "eating",
                               "summary": "Eating too little.", "status": "published", "last_reviewed": "2026-11-26"})
    call_command("import_catalog", str(write(tmp_path, data)))
    help_page = text(client.get("/help/"))
    for line in ("0808 801 0677", "0808 2000 247", "Dial 988 then press 1", "0800 1111"):
        assert line in help_page
    assert "Beat adult helpline" in text(client.get("/conditions/anorexia/"))
    assert "Specialist helplines" not in text(client.get("/conditions/ocd/"))  # none for this category yet
