"""/search/: what people type finds the right thing first, on the real catalog in Postgres."""
import pytest
from django.core.management import call_command

from tests.conftest import delete_catalog, grow_catalog
from tests.factories import ApproachFactory

URL = "/search/"

# (what a person types, the slug that must come first: one, or any of a few equally right answers)
FIRST_RESULT = [
    ("cbt", "cbt"), ("CBT", "cbt"), ("erp", "erp"), ("emdr", "emdr"), ("dbt", "dbt"), ("act", "act"),
    ("ipt", "ipt"), ("ocd", "ocd"), ("ptsd", "ptsd"), ("panic attacks", "panic-disorder"),
    ("talk therapy", ("cbt", "person-centred-therapy", "psychodynamic-therapy", "humanistic-therapy")),
    ("talking therapy", ("cbt", "person-centred-therapy", "psychodynamic-therapy", "humanistic-therapy")),
    ("addiction", ("substance-use-disorders", "alcohol-use-disorder")),
    ("counselling", "person-centred-therapy"), ("counseling", "person-centred-therapy"),
    ("behavioural activation", "behavioural-activation"), ("behavioral activation", "behavioural-activation"),
    ("generalised anxiety", "generalised-anxiety-disorder"), ("generalized anxiety", "generalised-anxiety-disorder"),
    ("obsess", "ocd"), ("mindful", ("mbct", "group-mindfulness")), ("cognitve", "cbt"),
    ("anxeity", "anxiety-disorders"), ("depression", "depression"), ("insomnia", "insomnia"),
    ("psychoanalysis", "psychoanalysis"), ("family therapy", "family-therapy"), ("art therapy", "art-therapy"),
    ("music therapy", "music-therapy"), ("schema", "schema-therapy"), ("trauma", "ptsd"),
    ("phobias", "specific-phobia"), ("self-esteem issues", "low-self-esteem"), ("bipolar", "bipolar-disorder"),
    ("manic depression", "bipolar-disorder"), ("online therapy", "online-therapy"), ("group therapy", "group-therapy"),
    ("gestalt", "gestalt-therapy"), ("ADHD", "adhd"), ("relationship problems", "relationship-distress"),
    ("person-centered therapy", "person-centred-therapy"), ("eye movement desensitization", "emdr"),
]


@pytest.fixture(scope="module")
def real_catalog(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("import_catalog", verbosity=0)
    yield
    with django_db_blocker.unblock():
        delete_catalog()


def first(response) -> str:
    hits = response.context["results"].hits
    return hits[0].record.slug if hits else ""


@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "expected"), FIRST_RESULT, ids=[q for q, _ in FIRST_RESULT])
def test_what_people_type_comes_first(client, real_catalog, typed, expected):
    expected = (expected,) if isinstance(expected, str) else expected
    assert first(client.get(URL, {"q": typed})) in expected


@pytest.mark.django_db
def test_a_typo_offers_did_you_mean(client, real_catalog):
    html = client.get(URL, {"q": "cognitve"}).content.decode()
    assert "Did you mean <a href=\"?q=cognitive\">cognitive</a>?" in html


@pytest.mark.django_db
def test_a_condition_first_brings_its_best_supported_approaches(client, real_catalog):
    response = client.get(URL, {"q": "ocd"})
    top = [link.approach.slug for link in response.context["results"].top_links]
    assert top[:2] in (["cbt", "erp"], ["erp", "cbt"])
    assert "dbt" not in top  # insufficient evidence is not "best-supported"
    assert "Best-supported approaches for Obsessive-compulsive disorder" in response.content.decode()


@pytest.mark.django_db
def test_results_show_why_they_matched(client, real_catalog):
    html = client.get(URL, {"q": "panic attacks"}).content.decode()
    assert "Matched “panic attacks”" in html
    assert "<mark>panic</mark>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "   ", "x" * 10_000, "🙂🙂", "ǅǆ", "'; DROP TABLE x; --", "a & b | !c:*", "\x00"])
def test_odd_queries_give_a_normal_page(client, real_catalog, typed):
    response = client.get(URL, {"q": typed})
    assert response.status_code == 200


@pytest.mark.django_db
def test_snippets_escape_record_text_and_mark_only_matches(client):
    ApproachFactory(name="Probe therapy", summary="Probe <script>alert(1)</script> text")
    html = client.get(URL, {"q": "probe"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html and "<mark>Probe</mark>" in html


@pytest.mark.django_db
def test_htmx_gets_only_the_results_fragment_and_a_status_line(client, real_catalog):
    html = client.get(URL, {"q": "cbt"}, HTTP_HX_REQUEST="true").content.decode()
    assert '<section id="search-results"' in html and "<html" not in html
    assert html.startswith('<p id="search-status" hx-swap-oob="innerHTML">')  # announced by the live region


@pytest.mark.django_db
def test_history_restore_gets_the_whole_page(client, real_catalog):
    response = client.get(URL, {"q": "cbt"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert response.content.decode().lstrip().startswith("<!doctype html>")


@pytest.mark.django_db
@pytest.mark.parametrize("text, queries", [
    ("ocd", 3),  # approaches, conditions, and the best-supported approaches of the condition that comes first
    ("cognitive", 2),  # approaches and conditions; an approach comes first
    ("cognitve", 6),  # nothing as typed (2), the vocabulary on a new catalog version (2), the correction (2)
])
def test_query_count_is_the_same_for_a_larger_catalog(client, real_catalog, django_assert_num_queries, text, queries):
    """Search reads a bounded number of rows per query whatever the catalog's size (grow_catalog links 30 more
    approaches to the ones searched for)."""
    with django_assert_num_queries(queries):
        client.get(URL, {"q": text})
    grow_catalog(30)
    with django_assert_num_queries(queries):
        client.get(URL, {"q": text})


@pytest.mark.django_db
def test_query_count_is_pinned(client, real_catalog, django_assert_num_queries):
    """3 queries: matching approaches (ranked, with headline and evidence count), matching conditions, and
    the best-supported approaches of a condition that comes first."""
    with django_assert_num_queries(3):
        client.get(URL, {"q": "ocd"})
    with django_assert_num_queries(0):
        client.get(URL, {"q": "  "})


@pytest.mark.django_db
def test_typo_vocabulary_is_cached_until_the_catalog_changes(client, real_catalog, django_assert_max_num_queries):
    client.get(URL, {"q": "cognitve"})  # loads the vocabulary
    with django_assert_max_num_queries(5):  # no match, cached vocabulary, corrected search (2), top links
        assert first(client.get(URL, {"q": "cognitve"})) == "cbt"
    ApproachFactory(name="Zebrafish therapy", slug="zebrafish-therapy")  # a catalog change
    assert client.get(URL, {"q": "zebrafsh"}).context["results"].searched_for == "zebrafish"
