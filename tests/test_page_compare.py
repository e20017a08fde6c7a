"""/compare/: two to four approaches side by side; every invalid combination still shows a page."""
import pytest

from tests.conftest import build_catalog, grow_catalog

pytestmark = pytest.mark.django_db
URL = "/compare/"


def compared(response) -> list[str]:
    return [a.slug for a in response.context["approaches"]]


def notices(response) -> str:
    return " ".join(response.context["notices"])


def test_compares_approaches_in_the_order_given(client, catalog):
    response = client.get(URL, {"t": ["erp", "cbt", "dbt"]})
    assert compared(response) == ["erp", "cbt", "dbt"]
    assert response.context["notices"] == []
    html = response.content.decode()
    for text in ("In short", "Type of therapy", "Formats", "Typical sessions", "Session length", "Suited to",
                 "What a session is like"):
        assert f'<th scope="row">{text}</th>' in html
    assert "12\u201320 sessions" in html and "6\u201320 sessions" in html


def test_evidence_rows_are_aligned_by_condition_with_blank_cells(client, catalog):
    response = client.get(URL, {"t": ["erp", "cbt", "dbt"]})
    rows = {condition.slug: [[link.level for link in links] for links in cells]
            for condition, cells in response.context["rows"]}
    # union of the three approaches' conditions; one cell per approach, in column order
    assert rows == {
        "ocd": [["strong"], ["strong"], ["insufficient"]],
        "depression": [[], ["strong"], []],  # DBT's depression link is a draft: not shown
    }
    assert "No evidence rated" in response.content.decode()
    assert list(rows) == ["depression", "ocd"]  # both have strong evidence; then by name


def test_each_level_shows_its_sources(client, catalog):
    html = client.get(URL, {"t": ["cbt", "art-therapy"]}).content.decode()
    assert "NICE guideline</a>: strong evidence" in html
    assert "A review</a>: moderate evidence" in html


def test_one_approach_asks_for_another_and_still_shows_it(client, catalog):
    response = client.get(URL, {"t": "cbt"})
    assert response.status_code == 200
    assert compared(response) == ["cbt"]
    assert "Add at least one more approach" in notices(response)


def test_more_than_four_shows_the_first_four(client, catalog):
    response = client.get(URL, {"t": ["cbt", "erp", "dbt", "art-therapy", "person-centred-therapy"]})
    assert compared(response) == ["cbt", "erp", "dbt", "art-therapy"]
    assert "up to 4 approaches" in notices(response)
    assert 'id="add-approach"' not in response.content.decode()  # the picker hides when full


def test_unknown_and_unpublished_slugs_are_named_and_left_out(client, catalog):
    response = client.get(URL, {"t": ["cbt", "nope", "draft-therapy", "erp"]})
    assert compared(response) == ["cbt", "erp"]
    assert "We could not find “nope”, “draft-therapy”" in notices(response)


def test_repeated_slugs_are_shown_once(client, catalog):
    response = client.get(URL, {"t": ["cbt", "cbt", "erp"]})
    assert compared(response) == ["cbt", "erp"]
    assert "more than once" in notices(response)


def test_no_approach_shows_the_picker(client, catalog):
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="add"' in html and "Choose two to four approaches" in html


def test_picker_keeps_current_approaches_and_remove_links_drop_one(client, catalog):
    html = client.get(URL, {"t": ["cbt", "erp"]}).content.decode()
    assert '<input type="hidden" name="t" value="cbt">' in html
    assert '<option value="Cognitive behavioural therapy (CBT)">' not in html  # already compared
    assert '<option value="Exposure and response prevention (ERP)">' not in html
    assert 'href="?t=erp" aria-label="Remove Cognitive behavioural therapy from the comparison"' in html


def test_picker_lists_the_most_studied_approaches_by_name(client, catalog):
    addable = client.get(URL, {"t": "cbt"}).context["addable"]
    assert [slug for slug, _, _ in addable] == ["art-therapy", "dbt", "erp", "person-centred-therapy"]
    assert ("person-centred-therapy", "Person-centred therapy", "counselling, client-centred therapy") in addable


def test_an_unpublished_parent_is_not_named(client, catalog):
    from therapies.choices import Status

    catalog.approaches["cbt"].status = Status.DRAFT
    catalog.approaches["cbt"].save()
    assert "A form of" not in client.get(URL, {"t": ["erp", "dbt"]}).content.decode()


def test_approach_page_links_to_compare(client, catalog):
    assert 'href="/compare/?t=cbt"' in client.get("/therapies/cbt/").content.decode()


@pytest.mark.parametrize("extra", [{"t": ["<script>", "x" * 5000]}, {"t": ["", " "]}, {"x": "1"}])
def test_odd_input_is_a_normal_page(client, catalog, extra):
    response = client.get(URL, extra, follow=True)  # a parameter compare does not read redirects away
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("</header>")[1]


def test_query_count_is_pinned_and_independent_of_catalog_size(client, django_assert_num_queries):
    """7 queries: which requested slugs are published; the compared approaches with parents; their
    formats; their published links with conditions; those links' ratings with sources; their cautions with
    sources; the picker."""
    build_catalog()
    params = {"t": ["cbt", "erp", "dbt"]}
    with django_assert_num_queries(7):
        assert client.get(URL, params).status_code == 200
    grow_catalog(30)
    with django_assert_num_queries(7):
        assert client.get(URL, params).status_code == 200


@pytest.mark.parametrize(("typed", "slug"), [
    ("ERP", "erp"), ("erp", "erp"), ("DBT", "dbt"), ("counselling", "person-centred-therapy"),
    ("Exposure and response prevention (ERP)", "erp"), ("art therapy", "art-therapy"),
    ("  Dialectical   behaviour therapy ", "dbt"),
])
def test_the_picker_finds_an_approach_by_abbreviation_or_other_name(client, catalog, typed, slug):
    """Typed text (not a slug) is matched by the server, so the picker works without JavaScript too."""
    response = client.get(URL, {"t": "cbt", "add": typed})
    assert response.status_code == 302 and response["Location"] == f"/compare/?t=cbt&t={slug}"


def test_the_picker_finds_the_real_catalogs_trauma_therapies_by_abbreviation(client, db):
    from tests.factories import ApproachFactory

    for slug, name, abbreviation in [("emdr", "Eye movement desensitisation and reprocessing", "EMDR"),
                                     ("prolonged-exposure", "Prolonged exposure therapy", "PE"),
                                     ("cpt", "Cognitive processing therapy", "CPT"), ("pst", "Problem-solving therapy", "PST")]:
        ApproachFactory(slug=slug, name=name, abbreviation=abbreviation)
    for typed, slug in [("EMDR", "emdr"), ("PE", "prolonged-exposure"), ("cpt", "cpt"), ("pe", "prolonged-exposure")]:
        assert client.get(URL, {"add": typed})["Location"] == f"/compare/?t={slug}"


def test_a_typed_name_nothing_matches_is_a_notice_not_an_error(client, catalog):
    response = client.get(URL, {"t": "cbt", "add": "zzqx therapy"})
    assert response.status_code == 200
    assert "We could not find an approach called “zzqx therapy”" in response.content.decode()
    assert [a.slug for a in response.context["approaches"]] == ["cbt"]


def test_the_picker_adds_no_fifth(client, catalog):
    response = client.get(URL, {"t": ["cbt", "erp", "dbt", "art-therapy"], "add": "counselling"})
    assert response["Location"] == "/compare/?t=cbt&t=erp&t=dbt&t=art-therapy"
