"""/evidence/: the matrix's cells match the catalog, gaps are marked, filters work, queries are pinned."""
import pytest

from therapies.models import EvidenceLink
from tests.conftest import build_catalog, grow_catalog

pytestmark = pytest.mark.django_db
URL = "/evidence/"


def grid(response) -> dict[tuple[str, str], str | None]:
    return {
        (approach.slug, cell.condition.slug): (cell.link.level if cell.link else None)
        for approach, cells in response.context["rows"]
        for cell in cells
    }


def test_cells_show_the_strongest_published_level(client, catalog):
    cells = grid(client.get(URL))
    assert cells[("erp", "ocd")] == "strong"
    assert cells[("dbt", "ocd")] == "insufficient"
    assert cells[("person-centred-therapy", "psychosis")] == "not_recommended"
    assert cells[("dbt", "depression")] is None  # a draft link is a gap
    assert cells[("art-therapy", "ocd")] is None
    assert ("draft-therapy", "depression") not in cells  # unpublished approach: no row
    assert all(condition != "hidden-condition" for _, condition in cells)


def test_every_published_link_is_a_cell(client, catalog):
    cells = grid(client.get(URL))
    for link in EvidenceLink.objects.published().select_related("approach", "condition"):
        assert cells[(link.approach.slug, link.condition.slug)] is not None


def test_gaps_are_marked_and_levels_never_rely_on_colour(client, catalog):
    html = client.get(URL).content.decode()
    assert '<td class="cell gap">—<span class="visually-hidden"> not yet studied</span></td>' in html
    assert "Not yet studied (no rated evidence here)</span>" in html  # in the legend too
    assert '<span class="level-symbol" aria-hidden="true">●●●</span> Strong' in html


def test_filter_by_category_and_format(client, catalog):
    response = client.get(URL, {"category": "psychosis", "format": "individual"})
    conditions = {c.slug for c in response.context["columns"].object_list}
    approaches = {a.slug for a, _ in response.context["rows"]}
    assert conditions == {"psychosis"}
    assert "art-therapy" not in approaches  # group only
    assert grid(response)[("person-centred-therapy", "psychosis")] == "not_recommended"


def test_cells_link_to_their_evidence(client, catalog):
    assert 'href="/therapies/erp/#evidence-ocd"' in client.get(URL).content.decode()


@pytest.mark.parametrize("params", [{"category": "nope"}, {"format": ["x", "<b>"]}, {"page": "abc", "cpage": "-5"}])
def test_bad_input_is_a_normal_page(client, catalog, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "<b>" not in response.content.decode().split("</header>")[1]


def test_query_count_is_pinned_and_independent_of_catalog_size(client, django_assert_num_queries):
    """6 queries: format choices; conditions count and page (columns); approaches count and page (rows);
    the strongest published link per cell (one query for the whole grid)."""
    build_catalog()
    with django_assert_num_queries(6):
        client.get(URL)
    grow_catalog(40)
    with django_assert_num_queries(6):
        response = client.get(URL)
    assert len(response.context["columns"].object_list) == 30  # paged, not unbounded


def test_every_cell_link_points_at_a_row_that_exists(client, catalog):
    """The anchors are a contract between the matrix, EvidenceLink.get_absolute_url and the approach page."""
    import re

    html = client.get(URL).content.decode()
    targets = set(re.findall(r'href="(/therapies/[^"#]+/)#([^"]+)"', html))
    assert ("/therapies/cbt/", "evidence-depression-adults") in targets  # a population other than "all"
    for page, anchor in targets:
        assert f'id="{anchor}"' in client.get(page).content.decode(), (page, anchor)
    link = EvidenceLink.objects.get(approach__slug="cbt", condition__slug="depression")
    assert link.get_absolute_url() == "/therapies/cbt/#evidence-depression-adults"


def test_a_filter_hides_rows_and_columns_with_no_evidence_and_says_how_many(client, catalog):
    """Unfiltered, every approach is a row (gaps are information); under a filter, all-dash rows go."""
    everything = client.get(URL)
    assert len(everything.context["rows"]) == 5 and everything.context["hidden_rows"] == 0
    response = client.get(URL, {"category": "psychosis"})
    assert [approach.slug for approach, _ in response.context["rows"]] == ["art-therapy", "person-centred-therapy"]
    assert response.context["hidden_rows"] == 3
    assert "3 therapies with no rated evidence for these conditions are not shown." in response.content.decode()
    response = client.get(URL, {"format": "online"})  # CBT only: depression and OCD, not psychosis
    assert [c.slug for c in response.context["shown_columns"]] == ["depression", "ocd"]
    assert response.context["hidden_columns"] == 1
    assert "1 condition with no rated evidence from these therapies is not shown." in response.content.decode()


def test_a_cell_names_each_age_group_when_their_levels_differ(client, catalog):
    from tests.factories import EvidenceLinkFactory
    from therapies.choices import Level

    EvidenceLinkFactory(approach=catalog.approaches["erp"], condition=catalog.conditions["ocd"],
                        population="children_and_adolescents", level=Level.MODERATE)
    html = client.get(URL).content.decode()
    cell = html[html.index('href="/therapies/erp/#evidence-ocd"'):].split("</td>")[0]
    assert "All ages" in cell and "Children and teenagers" in cell
    assert 'href="/therapies/erp/#evidence-ocd-children_and_adolescents"' in cell
    same = html[html.index('href="/therapies/cbt/#evidence-ocd"'):].split("</td>")[0]
    assert "All ages" not in same  # one level: no population named
