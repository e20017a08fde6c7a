"""One row per approach: a condition page and browse cards show each approach once, its headline level
for the condition first and each age group's level (with its sources) underneath."""
import re

import pytest

from tests.factories import ApproachFactory, EvidenceLinkFactory
from therapies.choices import Level

pytestmark = pytest.mark.django_db


@pytest.fixture
def split_catalog(catalog):
    """CBT for OCD: strong for all ages (the catalog's link), plus moderate in adults and emerging in children;
    ERP's relative sentence; DBT stays insufficient."""
    cbt, ocd = catalog.approaches["cbt"], catalog.conditions["ocd"]
    EvidenceLinkFactory(approach=cbt, condition=ocd, level=Level.MODERATE, population="adults",
                        finding="Adult trials agree.", ratings=[(catalog.sources["review"], Level.MODERATE)])
    EvidenceLinkFactory(approach=cbt, condition=ocd, level=Level.EMERGING, population="children_and_adolescents",
                        finding="Few trials in young people.", ratings=[(catalog.sources["review"], Level.EMERGING)])
    erp = catalog.approaches["erp"]
    erp.differs_from_parent = "The form of CBT aimed at obsessive fears."
    erp.save()
    return catalog


def rows_of(html: str) -> list[str]:
    return re.findall(r'<tr id="approach-([\w-]+)">', html)


def test_each_approach_has_one_row_with_its_populations_underneath(client, split_catalog):
    response = client.get("/conditions/ocd/")
    html = response.content.decode()
    assert rows_of(html) == ["cbt", "erp", "dbt"]  # CBT once, not three times
    cbt = response.context["supported"][0]
    assert cbt.level == Level.STRONG and [link.population for link in cbt.links] == [
        "all", "adults", "children_and_adolescents"]
    assert cbt.population_summary == "All ages: strong · Adults: moderate · Children and teenagers: emerging"
    row = html[html.index('<tr id="approach-cbt">'):html.index('<tr id="approach-erp">')]
    assert "Adults: <span class=\"level level-moderate\"" in row
    assert "<strong>Children and teenagers:</strong> Few trials in young people." in row
    assert "each one rests only on the studies done in that age group" in row
    assert '<summary>Sources for adults (1)</summary>' in row  # each population's sources, one click away


def test_a_row_with_one_level_for_all_ages_names_no_population_and_no_reason(client, split_catalog):
    html = client.get("/conditions/ocd/").content.decode()
    row = html[html.index('<tr id="approach-erp">'):html.index('<tr id="approach-dbt">')]
    assert "population-levels" not in row and "rests only on the studies" not in row
    assert "Sources for" not in row and "NICE guideline" in row


def test_a_close_relative_says_how_it_differs_when_both_are_listed(client, split_catalog):
    html = client.get("/conditions/ocd/").content.decode()
    assert 'How it differs from <a href="#approach-cbt">Cognitive behavioural therapy</a>: The form of CBT aimed at obsessive fears.' in html
    html = client.get("/conditions/ocd/", {"age": "children"}).content.decode()  # CBT is not for children here
    assert "approach-cbt" not in html and "How it differs" not in html


def test_condition_page_offers_compare_for_the_top_and_the_ticked(client, split_catalog):
    html = client.get("/conditions/ocd/").content.decode()
    assert 'href="/compare/?t=cbt&amp;t=erp">Compare the top 2</a>' in html
    assert '<form id="compare-form"' in html
    assert html.count('form="compare-form"') == 3  # a tick box per row, DBT's included


def test_condition_page_query_count_stays_flat_with_split_rows(client, split_catalog, django_assert_num_queries):
    """condition; links with approaches; approach formats; ratings with sources; format choices; changelog; cautions."""
    with django_assert_num_queries(7):
        client.get("/conditions/ocd/")
    for index in range(5):
        approach = ApproachFactory()
        for population in ("all", "adults", "children_and_adolescents"):
            EvidenceLinkFactory(approach=approach, condition=split_catalog.conditions["ocd"], population=population,
                                level=Level.MODERATE)
    with django_assert_num_queries(7):
        assert len(rows_of(client.get("/conditions/ocd/").content.decode())) == 8


def test_browse_card_shows_each_age_groups_level_linked_to_its_sources(client, split_catalog):
    html = client.get("/therapies/", {"condition": "ocd"}).content.decode()
    card = html[html.index('href="/therapies/cbt/"'):html.index('href="/therapies/erp/"')]
    assert '<a href="/therapies/cbt/#evidence-ocd-adults">Adults</a>: <span class="level level-moderate"' in card
    assert card.index("All ages") < card.index("Adults") < card.index("Children and teenagers")
    erp = html[html.index('href="/therapies/erp/"'):]
    assert "card-populations" not in erp.split("</article>")[0]  # all ages only: nothing to split


def test_approach_page_says_how_it_differs_from_its_parent(client, split_catalog):
    html = client.get("/therapies/erp/").content.decode()
    assert "How it differs: The form of CBT aimed at obsessive fears." in html


def test_the_shipped_catalog_says_how_family_based_treatment_differs_from_family_therapy():
    from tests.helpers import ROOT
    from therapies.catalog_io.files import catalog_read

    data, _ = catalog_read(path=ROOT / "therapies" / "catalog" / "catalog.json")
    fbt = next(a for a in data["approaches"] if a["slug"] == "family-based-treatment")
    assert fbt["parent"] == "family-therapy" and "parents or carers take charge of meals" in fbt["differs_from_parent"]


def test_ids_stay_unique_when_several_approaches_are_split_by_age(client, split_catalog):
    from collections import Counter

    EvidenceLinkFactory(approach=split_catalog.approaches["erp"], condition=split_catalog.conditions["ocd"],
                        level=Level.MODERATE, population="adults")
    html = client.get("/conditions/ocd/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [name for name, count in ids.items() if count > 1] == []
    assert 'id="sources-erp-adults"' in html and 'id="sources-cbt-adults"' in html
