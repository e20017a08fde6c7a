"""/therapies/: filters, facet counts, chips, empty results, pagination and a pinned query count."""
import re

import pytest
from django.urls import reverse

from tests.conftest import build_catalog, grow_catalog
from tests.factories import ApproachFactory
from therapies.models import Condition

pytestmark = pytest.mark.django_db
URL = reverse("therapies:therapy-list")


def names(response) -> list[str]:
    """Approach names in result-card order."""
    return [a.name for a in response.context["page"].object_list]


def test_lists_only_published_approaches_by_name(client, catalog):
    response = client.get(URL)
    assert names(response) == [
        "Art therapy", "Cognitive behavioural therapy", "Dialectical behaviour therapy",
        "Exposure and response prevention", "Person-centred therapy",
    ]
    assert "Draft therapy" not in response.content.decode()
    assert "5 therapies" in response.content.decode()


def test_condition_filter_shows_levels_and_sorts_by_evidence(client, catalog):
    response = client.get(URL, {"condition": "ocd"})
    assert names(response) == [
        "Cognitive behavioural therapy", "Exposure and response prevention", "Dialectical behaviour therapy",
    ]
    html = response.content.decode()
    assert "Insufficient evidence (not yet shown)" in html
    assert "For your chosen condition: " in html


def test_repeated_condition_means_any_of(client, catalog):
    response = client.get(URL, {"condition": ["ocd", "psychosis"]})
    assert set(names(response)) == {
        "Cognitive behavioural therapy", "Exposure and response prevention", "Dialectical behaviour therapy",
        "Art therapy", "Person-centred therapy",
    }


def test_format_filter(client, catalog):
    assert names(client.get(URL, {"format": "online"})) == ["Cognitive behavioural therapy"]
    assert "Person-centred therapy" not in names(client.get(URL, {"format": "group"}))


def test_condition_and_format_together(client, catalog):
    response = client.get(URL, {"condition": "ocd", "format": "group"})
    assert names(response) == [
        "Cognitive behavioural therapy", "Exposure and response prevention", "Dialectical behaviour therapy",
    ]
    assert names(client.get(URL, {"condition": "psychosis", "format": "individual"})) == ["Person-centred therapy"]


def test_family_and_age_filters(client, catalog):
    assert names(client.get(URL, {"family": "third_wave"})) == ["Dialectical behaviour therapy"]
    assert names(client.get(URL, {"age": "children"})) == ["Exposure and response prevention"]


def test_minimum_level_applies_to_chosen_conditions(client, catalog):
    # OCD at least moderate: DBT's insufficient rating no longer qualifies
    assert "Dialectical behaviour therapy" not in names(client.get(URL, {"condition": "ocd", "level": "moderate"}))
    # Psychosis at least emerging: art therapy only; counselling is not recommended there
    assert names(client.get(URL, {"condition": "psychosis", "level": "emerging"})) == ["Art therapy"]
    # Without a condition, any condition counts
    assert "Person-centred therapy" in names(client.get(URL, {"level": "moderate"}))


def test_text_search_within_browse(client, catalog):
    assert names(client.get(URL, {"q": "counseling"})) == ["Person-centred therapy"]


def test_sort_by_sessions_puts_unknown_last(client, catalog):
    result = names(client.get(URL, {"sort": "sessions"}))
    assert result[0] == "Cognitive behavioural therapy"  # 6 sessions
    assert result[-2:] == ["Art therapy", "Dialectical behaviour therapy"]  # varies


def test_facet_counts_show_what_each_option_would_give(client, catalog):
    response = client.get(URL, {"format": "group"})
    facets = response.context["facets"]
    assert facets.condition["ocd"] == 3  # CBT, ERP, DBT are group and have OCD evidence
    assert facets.condition["depression"] == 1  # CBT only (counselling is not group)
    assert facets.format["individual"] == 4  # the format facet ignores its own choice
    assert facets.family["creative_arts"] == 1
    html = response.content.decode()
    assert re.search(r"Obsessive-compulsive disorder <span class=\"count\">\(3\)", html)
    assert 'id="id_condition_ocd"' in html


def test_exactly_the_chosen_options_are_checked(client, catalog):
    """What was applied is ticked, in every facet; an unknown value ticks nothing."""
    html = client.get(URL, {"condition": ["ocd", "nonsense"], "format": "group", "family": "third_wave"}).content.decode()
    checked = re.findall(r'<input type="checkbox" name="(\w+)" value="([\w-]+)" id="[^"]+" checked>', html)
    assert sorted(checked) == [("condition", "ocd"), ("family", "third_wave"), ("format", "group")]


def test_options_that_give_nothing_are_marked(client, catalog):
    response = client.get(URL, {"condition": "psychosis"})
    assert response.context["facets"].format["online"] == 0
    assert "(0, none)" in response.content.decode()


def test_active_filters_are_removable_chips(client, catalog):
    response = client.get(URL, {"condition": ["ocd", "depression"], "format": "group"})
    chips = dict(response.context["chips"])
    assert chips["Obsessive-compulsive disorder"] == "condition=depression&format=group"
    assert chips["Group"] == "condition=ocd&condition=depression"


def test_empty_result_explains_and_offers_nearest_change(client, catalog):
    response = client.get(URL, {"condition": "psychosis", "format": "online"})
    html = response.content.decode()
    assert "No therapy matches all of these filters" in html
    assert "Remove the format filter" in html
    assert 'href="?condition=psychosis"' in html


def test_pagination_keeps_filters(client, catalog):
    group = catalog.formats["group"]
    for index in range(25):
        ApproachFactory(name=f"Group approach {index:02}", formats=[group])
    response = client.get(URL, {"format": "group", "page": "2"})
    assert response.context["page"].number == 2
    assert "?format=group&amp;page=1" in response.content.decode()


@pytest.mark.parametrize("page", ["-1", "abc", "0", "99999999999999999999", ""])
def test_odd_page_numbers_give_a_normal_page(client, catalog, page):
    assert client.get(URL, {"page": page}).status_code == 200


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"condition": "ocdd"}, "Ignored unknown conditions: “ocdd”."),
        ({"format": "<script>alert(1)</script>"}, "Ignored unknown formats: “&lt;script&gt;alert(1)&lt;/script&gt;”."),
        ({"level": "great"}, "Ignored unknown evidence levels: “great”."),
        ({"sort": "'; DROP TABLE x; --"}, "Ignored unknown sort orders"),
        ({"q": "x" * 10_000}, "Search: Ensure this value has at most 200 characters"),
    ],
)
def test_bad_values_give_a_message_not_an_error(client, catalog, params, notice):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert notice in response.content.decode()
    assert "<script>alert(1)" not in response.content.decode()


def test_htmx_request_gets_only_the_browse_fragment_with_title_and_status(client, catalog):
    response = client.get(URL, {"condition": "ocd"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html and '<div id="browse" class="browse">' in html
    assert "<title>Therapies for Obsessive-compulsive disorder · Therapy Explorer</title>" in html
    assert '<p id="browse-status" data-hx-swap-oob="innerHTML">3 therapies found</p>' in html


def test_htmx_history_restore_gets_the_whole_page(client, catalog):
    response = client.get(URL, {"condition": "ocd"}, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>") and "Need help now?" in html


def test_condition_counts_respect_the_chosen_level(client, catalog):
    # With "at least strong" chosen for OCD, depression's count is what choosing it would give
    response = client.get(URL, {"condition": "ocd", "level": "strong"})
    assert response.context["facets"].condition["depression"] == 1  # CBT (strong, adults)
    assert response.context["facets"].condition.get("psychosis", 0) == 0  # nothing strong there
    assert names(client.get(URL, {"condition": "depression", "level": "strong"})) == ["Cognitive behavioural therapy"]


def test_age_filter_uses_the_evidence_population(client, catalog):
    # CBT's depression evidence is for adults only: choosing teenagers must not claim it
    response = client.get(URL, {"condition": "depression", "age": "adolescents"})
    assert names(response) == []
    response = client.get(URL, {"condition": "depression", "age": "adults"})
    assert names(response) == ["Cognitive behavioural therapy", "Person-centred therapy"]
    assert response.context["facets"].age["adolescents"] == 0


def test_removing_the_search_chip_drops_the_whole_search(client, catalog):
    chips = dict(client.get(URL + "?q=%20therapy%20&format=group").context["chips"])
    assert chips["Matching “therapy”"] == "format=group"


def test_long_condition_lists_show_the_most_useful_options(client, catalog):
    from tests.conftest import grow_catalog

    grow_catalog(40)
    response = client.get(URL, {"condition": "ocd"})
    facets = response.context["facets"]
    shown = [slug for slug, _ in facets.condition_options]
    assert "ocd" in shown and 30 <= len(shown) <= 31 and shown == sorted(shown, key=dict(facets.condition_options).get)
    published = Condition.objects.published().with_approach_counts()
    assert facets.hidden_conditions == published.count() - len(shown) > 0
    # The listed conditions (besides the chosen one) are the most studied: none left out has more approaches.
    counts = dict(published.values_list("slug", "approach_count"))
    least_listed = min(counts[slug] for slug in shown if slug != "ocd")
    assert all(counts[slug] <= least_listed for slug in counts.keys() - set(shown))
    assert "less-studied conditions not listed here" in response.content.decode()


@pytest.mark.parametrize("params, queries", [
    ({}, 5),
    ({"condition": "ocd", "format": "group", "level": "moderate", "q": "therapy"}, 6),
    ({"condition": "ocd", "age": "children", "family": "cognitive_behavioural", "sort": "evidence"}, 6),
])
def test_query_count_is_pinned_and_independent_of_catalog_size(client, django_assert_num_queries, params, queries):
    """Format choices; the chosen conditions (only when some are chosen: just those slugs are looked up);
    the condition facet (options and counts in one query), the format facet, the family/age/level facets
    (one grouped query, which also gives the result count); the result page (format names are a subquery)."""
    build_catalog()
    with django_assert_num_queries(queries):
        client.get(URL, params)
    grow_catalog(30)
    with django_assert_num_queries(queries):
        client.get(URL, params)


@pytest.mark.parametrize("params", [
    {},
    {"condition": ["ocd"]},  # the format counts on record per condition
    {"format": ["group"]},  # the condition counts on record per format
    {"condition": ["ocd"], "format": ["online"]},
    {"condition": ["depression"], "age": ["adults"]},
    {"condition": ["ocd", "psychosis"], "level": "moderate", "family": ["cognitive_behavioural", "creative_arts"]},
    {"age": ["children"], "level": "emerging"},
    {"age": ["adolescents", "older_adults"], "format": ["group"], "q": "therapy"},
    {"level": "strong", "family": ["third_wave"]},
])
def test_every_facet_count_is_the_result_count_of_choosing_that_option(catalog, params):
    """A count promises a result: swapping the option in (other facets kept) must give exactly that many."""
    from django.http import QueryDict

    from tests.factories import EvidenceLinkFactory
    from therapies.models import Approach

    # Evidence for one age band only, at levels that differ from the same approach's other evidence.
    approaches, conditions = catalog.approaches, catalog.conditions
    EvidenceLinkFactory(approach=approaches["dbt"], condition=conditions["psychosis"], level="strong", population="adults")
    EvidenceLinkFactory(approach=approaches["art"], condition=conditions["ocd"], level="moderate",
                        population="children_and_adolescents")
    EvidenceLinkFactory(approach=approaches["erp"], condition=conditions["depression"], level="emerging",
                        population="children_and_adolescents")
    EvidenceLinkFactory(approach=approaches["art"], condition=conditions["depression"], level="strong", population="adults")
    Approach.objects.filter(pk=approaches["art"].pk).update(age_groups=["children", "older_adults"])

    from therapies.browse.facets import facets_for
    from therapies.browse.filterset import TherapyFilter

    def query(values: dict) -> QueryDict:
        data = QueryDict(mutable=True)
        for key, value in values.items():
            data.setlist(key, value if isinstance(value, list) else [value])
        return data

    facets = facets_for(TherapyFilter(query(params), queryset=Approach.objects.published()))
    assert facets.total == TherapyFilter(query(params), queryset=Approach.objects.published()).qs.count()
    checked = 0
    for name in ("condition", "format", "family", "age", "level"):
        for option, promised in getattr(facets, name).items():
            swapped = {**params, name: option if name == "level" else [option]}
            found = TherapyFilter(query(swapped), queryset=Approach.objects.published()).qs.count()
            assert found == promised, f"{name}={option} with {params}: promised {promised}, found {found}"
            checked += 1
    assert checked >= 20


def test_population_ranks_give_the_strongest_level_for_any_set_of_populations(catalog):
    """One annotation answers every age filter's question: the best level among the chosen populations."""
    from tests.factories import ConditionFactory, EvidenceLinkFactory
    from therapies.choices import LEVEL_RANK, Level
    from therapies.models import Approach
    from therapies.querysets import strongest

    approach, condition = catalog.approaches["art"], ConditionFactory()
    EvidenceLinkFactory(approach=approach, condition=condition, level="strong", population="adults")
    EvidenceLinkFactory(approach=approach, condition=condition, level="emerging", population="children_and_adolescents")
    ranks = Approach.objects.with_population_ranks([condition.pk]).get(pk=approach.pk).population_ranks
    assert strongest(ranks) == LEVEL_RANK[Level.STRONG]
    assert strongest(ranks, ["children_and_adolescents", "all"]) == LEVEL_RANK[Level.EMERGING]
    assert strongest(ranks, ["adults", "all"]) == LEVEL_RANK[Level.STRONG]
    assert strongest(ranks, ["all"]) is None  # no evidence for all ages
    none = Approach.objects.with_population_ranks([ConditionFactory().pk]).get(pk=approach.pk).population_ranks
    assert strongest(none) is None and strongest(none, ["adults"]) is None


def test_facet_labels_are_escaped(client, catalog):
    """Condition names come from editors: a facet prints them as text, never as markup."""
    from tests.factories import ConditionFactory

    ConditionFactory(name='Fear of <b>"tags"</b> & more', slug="tags")
    html = client.get(URL, {"condition": "tags"}).content.decode()
    assert 'Fear of &lt;b&gt;&quot;tags&quot;&lt;/b&gt; &amp; more <span class="count">(0, none)</span>' in html
    assert "<b>" not in html


def test_the_sort_select_leaves_the_order_to_the_page_until_the_reader_picks_one(client, catalog):
    """The form as it stands (htmx sends it on every change) must not carry `sort=name`: its first, selected
    option is the empty default, so ticking a condition gives strongest evidence first."""
    html = client.get(URL).content.decode()
    select = re.search(r'<select name="sort".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"', select)[0] == ""
    assert re.findall(r'<option value="([^"]*)" selected', select) == [""]
    as_sent = names(client.get(URL, {"q": "", "condition": "ocd", "level": "", "sort": ""}))
    assert as_sent == ["Cognitive behavioural therapy", "Exposure and response prevention", "Dialectical behaviour therapy"]


def test_a_sort_the_reader_picked_wins_over_the_default(client, catalog):
    response = client.get(URL, {"condition": "ocd", "sort": "name"})
    assert names(response) == ["Cognitive behavioural therapy", "Dialectical behaviour therapy", "Exposure and response prevention"]
    assert re.search(r'<option value="name" selected>', response.content.decode())


def test_evidence_order_without_a_condition_falls_back_to_names_without_a_notice(client, catalog):
    response = client.get(URL, {"sort": "evidence"})
    assert names(response) == sorted(names(response))
    assert response.context["notices"] == []
    assert 'class="notice"' not in response.content.decode()
