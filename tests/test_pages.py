"""Home, approach, condition, conditions list, about and help pages; 404s; pinned query counts."""
import pytest

from tests.helpers import ROOT
from tests.public_urls import public_urls

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_home_has_search_conditions_by_category_formats_and_disclaimer(client, catalog):
    html = text(client.get("/"))
    assert 'action="/search/"' in html and 'name="q"' in html
    assert "<h3>Mood</h3>" in html and 'href="/conditions/depression/"' in html
    assert "Hidden condition" not in html
    assert 'href="/therapies/?format=group"' in html
    assert "information, not medical advice" in html


def test_home_lists_eight_conditions_per_category_and_links_to_the_rest(client, catalog):
    from tests.factories import ConditionFactory

    for index in range(12):
        ConditionFactory(name=f"Mood condition {index:02}", category="mood")
    ConditionFactory(name="Mood condition 00 draft", category="mood", status="draft")  # neither listed nor counted
    html = text(client.get("/"))
    assert "Depression" in html  # first by name
    assert html.count("Mood condition") == 7  # 8 shown per category
    assert "draft" not in html
    assert 'href="/conditions/#category-mood">All 13 mood conditions</a>' in html


def test_every_page_links_to_crisis_help_and_has_title_and_description(client, catalog):
    for url in ["/", "/therapies/", "/therapies/cbt/", "/conditions/", "/conditions/ocd/", "/about/", "/help/"]:
        html = text(client.get(url))
        assert '<a class="help-now" href="/help/">Need help now?</a>' in html, url
        assert "<title>" in html and '<meta name="description" content="' in html, url
        assert 'href="#main"' in html, url  # skip link


def test_approach_page_shows_everything_a_reader_needs(client, catalog):
    html = text(client.get("/therapies/cbt/"))
    assert "<h1>Cognitive behavioural therapy" in html
    assert "Also called: cognitive behavioral therapy, talking therapy" in html
    assert "6\u201320 sessions" in html
    assert "Individual" in html and "Group" in html and "Online" in html
    assert "Teenagers, Adults" in html
    assert 'href="/therapies/erp/">Exposure and response prevention</a>' in html  # a form of CBT
    assert 'href="/compare/?t=cbt"' in html
    assert "Hidden condition" not in html  # unpublished condition's link is not shown


def test_approach_page_evidence_table_shows_sources_and_disagreement(client, catalog):
    html = text(client.get("/therapies/art-therapy/"))
    assert '<th scope="col">Evidence</th>' in html
    assert "NICE guideline</a>" in html and "A review</a>" in html
    assert "The sources disagree:" in html  # moderate vs insufficient
    html = text(client.get("/therapies/cbt/"))
    assert "The sources disagree" not in html  # strong vs moderate is one level


def test_approach_page_for_dbt_does_not_claim_ocd_benefit(client, catalog):
    html = text(client.get("/therapies/dbt/"))
    assert "Insufficient evidence (not yet shown)" in html
    assert "ERP is the first-line treatment" in html
    assert "Dialectical behaviour therapy (moderate" not in html  # draft link not shown


def test_condition_page_ranks_and_separates_levels(client, catalog):
    response = client.get("/conditions/psychosis/")
    assert [row.approach.name for row in response.context["supported"]] == ["Art therapy"]
    assert [row.approach.name for row in response.context["not_recommended"]] == ["Person-centred therapy"]
    html = text(response)
    assert "Not recommended" in html and "not the same as evidence that they do not work" not in html
    response = client.get("/conditions/ocd/")
    assert [row.approach.name for row in response.context["supported"]] == [
        "Cognitive behavioural therapy", "Exposure and response prevention",
    ]
    assert [row.approach.name for row in response.context["insufficient"]] == ["Dialectical behaviour therapy"]
    assert "not the same as evidence that they do not work" in text(response)


def test_condition_page_filters_by_format_and_age(client, catalog):
    response = client.get("/conditions/ocd/", {"age": "children"})
    assert [row.approach.name for row in response.context["supported"]] == ["Exposure and response prevention"]
    response = client.get("/conditions/depression/", {"format": "online"})
    assert [row.approach.name for row in response.context["supported"]] == ["Cognitive behavioural therapy"]
    response = client.get("/conditions/depression/", {"format": ["nope", "online"], "age": "x" * 5000})
    assert response.status_code == 200
    assert "Ignored unknown formats: “nope”." in text(response)


def test_condition_page_age_filter_uses_the_evidence_population(client, catalog):
    response = client.get("/conditions/depression/", {"age": "adolescents"})
    assert response.context["supported"] == []  # CBT's depression evidence is for adults only
    response = client.get("/conditions/depression/", {"age": "adults"})
    assert [row.approach.name for row in response.context["supported"]] == [
        "Cognitive behavioural therapy", "Person-centred therapy",
    ]


def test_conditions_list_groups_by_category_with_counts(client, catalog):
    html = text(client.get("/conditions/"))
    assert html.index("<h2 id=\"category-mood\">Mood</h2>") < html.index("Obsessive-compulsive</h2>")
    assert "3 approaches with rated evidence" in html  # OCD: CBT, ERP, DBT
    assert "Hidden condition" not in html


def test_about_explains_levels_and_not_medical_advice(client, catalog):
    html = text(client.get("/about/"))
    assert "Not yet shown is not the same as shown not to work." in html
    assert "Information, not medical advice" in html
    assert 'id="accessibility"' in html
    assert "2 sources" in html


def test_help_page_lists_crisis_lines(client):
    html = text(client.get("/help/"))
    for line in ("988", "116 123", "112", "findahelpline.com"):
        assert line in html


@pytest.mark.parametrize("url", ["/therapies/draft-therapy/", "/therapies/nope/", "/conditions/hidden-condition/",
                                 "/conditions/nope/", "/no-such-page/"])
def test_unknown_or_unpublished_pages_are_friendly_404s(client, catalog, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "We could not find that page" in text(response)
    assert "Need help now?" in text(response)


def test_post_to_a_page_is_refused_cleanly(client, catalog):
    assert client.post("/therapies/").status_code == 405


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # approach + parent; formats; published children; evidence links with conditions; their ratings with
        # sources; cautions with sources; related approaches; public changelog
        ("/therapies/cbt/", 8),
        # condition; links with approaches; approach formats; ratings with sources; format choices; public
        # changelog; cautions with sources
        ("/conditions/ocd/", 7),
        # conditions with counts
        ("/conditions/", 1),
        # conditions; formats; popular-comparison names
        ("/", 3),
        # review dates; source count
        ("/about/", 2),
        ("/help/", 0),
    ],
)
def test_query_counts_are_pinned_and_independent_of_catalog_size(assert_flat_queries, url, queries):
    assert_flat_queries(url, queries)


VOLATILE_HEADERS = {"Date", "X-Request-ID", "X-Page-Cache"}


@pytest.mark.parametrize("path", public_urls())
def test_every_public_page_answers_head_as_it_answers_get(client, catalog, path):
    """Link checkers and uptime monitors ask with HEAD: the same status and headers as GET, and no body."""
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert {k: v for k, v in head.items() if k not in VOLATILE_HEADERS} == {
        k: v for k, v in get.items() if k not in VOLATILE_HEADERS}


def test_every_page_links_an_icon_and_favicon_ico_answers(client, catalog):
    """Browsers ask for /favicon.ico whatever a page links: no page logs a missing-icon error."""
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text(client.get("/"))
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    assert client.head("/favicon.ico").status_code == 301
    assert (ROOT / "static" / "favicon.svg").read_text().startswith("<svg")


def test_condition_page_browse_link_keeps_the_chosen_age_and_format(client, catalog):
    html = text(client.get("/conditions/ocd/", {"age": "children", "format": "group"}))
    assert 'href="/therapies/?condition=ocd&amp;format=group&amp;age=children">Browse these therapies' in html


def test_glossary_explains_the_words_in_plain_language(client, catalog):
    html = text(client.get("/glossary/"))
    for anchor in ("family-cognitive_behavioural", "systematic-review", "meta-analysis", "randomised-trial", "guideline",
                   "family-systemic", "family-psychodynamic", "evidence-levels", "level-insufficient", "apa-division-12",
                   "sources-disagree", "type-of-therapy", "format"):
        assert f'id="{anchor}"' in html, anchor
    assert "<dt><abbr>CBT</abbr> and other cognitive-behavioural therapies</dt>" in html  # expanded in the text
    assert "Not yet shown is not the same as shown not to work." in html  # the level definitions themselves


def test_pages_link_their_terms_to_the_glossary(client, catalog):
    from therapies.models import Approach

    families = {value for value, _ in Approach.Family.choices}
    glossary = text(client.get("/glossary/"))
    assert all(f'id="family-{family}"' in glossary for family in families)  # every type a card links to exists
    browse = text(client.get("/therapies/"))
    assert "<legend>Type of therapy</legend>" in browse and "<legend>Family</legend>" not in browse
    assert 'href="/glossary/#type-of-therapy">What the types mean</a>' in browse
    assert '<dt>Type of therapy</dt><dd><a href="/glossary/#family-cognitive_behavioural">' in browse
    assert 'href="/glossary/#sources-disagree"' in text(client.get("/therapies/art-therapy/"))
    assert 'href="/glossary/">Glossary</a>' in text(client.get("/help/"))


def test_source_names_spell_out_insider_abbreviations(client, catalog):
    catalog.sources["review"].short_name = "Div. 12: ERP for OCD"
    catalog.sources["review"].save()
    html = text(client.get("/therapies/dbt/"))
    assert "APA Division 12: ERP for OCD" in html and "Div. 12" not in html


def test_related_approaches_are_those_with_evidence_for_the_same_conditions(client, catalog):
    """ERP's page: CBT shares OCD (strong) and is its parent; DBT's OCD evidence is insufficient, so DBT
    is no alternative for OCD, however close its type; art therapy shares nothing."""
    from tests.factories import ApproachFactory, EvidenceLinkFactory
    from therapies.choices import Level

    mbt = ApproachFactory(slug="other-ocd", name="Another OCD therapy", family="psychodynamic")
    EvidenceLinkFactory(approach=mbt, condition=catalog.conditions["ocd"], level=Level.EMERGING)
    response = client.get("/therapies/erp/")
    related = [(a.slug, a.shared) for a in response.context["related"]]
    assert related[:2] == [("cbt", 1), ("other-ocd", 1)]  # shared conditions first, then relatives
    assert "art-therapy" not in dict(related) and "dbt" not in dict(related)
    assert "(1 condition in common)" in text(response)


def test_related_approaches_fall_back_to_close_relatives(client, catalog):
    related = [a.slug for a in client.get("/therapies/dbt/").context["related"]]
    assert related == []  # DBT: no supported evidence, and nothing else is third-wave
    related = [a.slug for a in client.get("/therapies/cbt/").context["related"]]
    assert related[0] == "erp"  # OCD in common, and a form of CBT
    assert "person-centred-therapy" in related  # depression (moderate) in common
