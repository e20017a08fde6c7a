"""/summary/: "My summary" of one to four approaches, for a condition or not; the shortlist is the address,
and the page stores nothing. The links to it from other pages, and the questions editors curate."""
import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from therapies.choices import Status
from therapies.models import EvidenceLink, QuestionToAsk, ReaderReport, Revision
from tests.conftest import build_catalog, grow_catalog
from tests.factories import QuestionToAskFactory
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db
URL = reverse("therapies:summary")
FOUR = ["cbt", "erp", "dbt", "art-therapy"]
ROWS = ["what", "session", "sessions", "formats", "evidence", "cautions", "questions", "reviewed"]


def text(response) -> str:
    return response.content.decode()


def summarised(response) -> list[str]:
    return [entry["approach"].slug for entry in response.context["entries"]]


def rows_of_each_approach(html: str) -> list[list[str]]:
    """The data-row names of each approach's block, in page order."""
    blocks = html.split('<article class="summary-approach"')[1:]
    return [re.findall(r'data-row="([a-z]+)"', block.split("</article>")[0]) for block in blocks]


def notices(response) -> str:
    return " ".join(response.context["notices"])


@pytest.mark.parametrize("count", [1, 2, 3, 4])
@pytest.mark.parametrize("condition", ["ocd", None])
def test_every_approach_gets_every_row_in_the_same_order(client, catalog, count, condition):
    params = {"t": FOUR[:count]} | ({"c": condition} if condition else {})
    response = client.get(URL, params)
    assert response.status_code == 200
    assert summarised(response) == FOUR[:count]
    assert response.context["notices"] == []
    assert rows_of_each_approach(text(response)) == [ROWS] * count


def test_for_a_condition_each_approach_shows_its_level_sources_years_and_review_date(client, catalog):
    EvidenceLink.objects.filter(approach__slug="dbt", condition__slug="ocd").update(last_reviewed=datetime.date(2025, 3, 3))
    html = text(client.get(URL, {"c": "ocd", "t": ["cbt", "dbt", "art-therapy"]}))
    assert "<h1>My summary: Obsessive-compulsive disorder</h1>" in html
    assert "CBT that includes ERP is first-line." in html
    assert '<a href="#source-nice">NICE guideline</a><span class="source-year"> (2020)</span>: strong evidence' in html
    assert '<a href="#source-review">A review</a><span class="source-year"> (2020)</span>: insufficient evidence (not yet shown)' in html
    assert "Not shown for OCD; ERP is the first-line treatment." in html  # the finding, not a claim of benefit
    assert html.count('<time datetime="2026-11-01">1 November 2026</time>') == 4  # each approach, the condition
    assert html.count("Evidence reviewed") == 1 and "Evidence reviewed 3 Mar 2025." in html  # only when it differs
    # Art therapy has no OCD evidence: said calmly, not left blank
    assert "No evidence rated here yet. That means it has not been reviewed on this site" in html
    assert '<li id="source-nice"><strong>NICE guideline</strong> (2020)' in html  # each source once, with its URL
    assert html.count('id="source-nice"') == 1 and '>https://example.org/nice</a>' in html


def test_the_age_group_chooses_the_evidence_population(client, catalog):
    adults = text(client.get(URL, {"c": "depression", "t": "cbt", "age": "adults"}))
    assert "Evidence for Depression (adults)" in adults and "Strong evidence" in adults
    children = text(client.get(URL, {"c": "depression", "t": "cbt", "age": "children"}))
    assert "<strong>Age group:</strong> Children." in children
    assert "Strong evidence" not in children  # the depression evidence is about adults
    assert "No evidence rated here yet for this age group." in children


def test_without_a_condition_each_approach_lists_its_conditions_by_level(client, catalog):
    response = client.get(URL, {"t": ["cbt", "person-centred-therapy"]})
    html = text(response)
    assert "Evidence by condition" in html
    assert "Depression, Obsessive-compulsive disorder" in html  # CBT: both strong, by name
    assert "Hidden condition" not in html and "Draft therapy" not in html
    assert "Not recommended</span> Psychosis" in html  # a guideline's advice against is kept
    assert response.context["sources"] == []
    # the condition picker offers exactly the conditions these approaches have evidence for
    assert [c.slug for c in response.context["conditions"]] == ["depression", "ocd", "psychosis"]


def test_a_summary_holds_what_a_reader_takes_to_a_clinician(client, catalog):
    html = text(client.get(URL, {"c": "ocd", "t": ["cbt", "dbt"]}))
    assert 'Permanent link: <a class="bare-url" href="http://testserver/summary/?c=ocd&amp;t=cbt&amp;t=dbt">' in html
    assert re.search(r'Made on <time datetime="\d{4}-\d\d-\d\d">', html)
    assert "Obsessive-compulsive disorder last reviewed here: <time" in html
    assert "Information, not medical advice." in html
    assert 'href="/help/">crisis help</a>' in html
    for number in ("988", "116 123", "112", "999", "findahelpline.com"):
        assert number in html
    assert "My notes" in html  # room for the reader's notes (printed)
    # the uncertainty: what each level shown means (only those shown, to keep it to two pages)
    assert "What the evidence levels above mean" in html and "Not yet shown is not the same as" in html
    assert "A guideline advises against" not in html


def test_questions_to_ask_general_and_per_approach_published_only(client, catalog):
    QuestionToAsk.objects.all().delete()
    QuestionToAskFactory(text="How long is the wait?")
    QuestionToAskFactory(text="A draft general question?", status=Status.DRAFT)
    QuestionToAskFactory(approach=catalog.approaches["erp"], text="Will we practise exposures between sessions?")
    QuestionToAskFactory(approach=catalog.approaches["dbt"], text="Is there a skills group near me?")
    response = client.get(URL, {"t": ["cbt", "erp"]})
    html = text(response)
    assert response.context["general_questions"] == ["How long is the wait?"]
    assert [entry["questions"] for entry in response.context["entries"]] == [
        [], ["Will we practise exposures between sessions?"]]
    assert "See the questions for any approach below." in html  # CBT has none of its own: the row stays
    assert "draft general" not in html and "skills group" not in html


def test_the_migration_seeds_a_short_general_list():
    general = list(QuestionToAsk.objects.published().filter(approach=None).values_list("text", flat=True))
    assert 4 <= len(general) <= 8
    assert any("wait" in question for question in general)
    assert any("not help" in question for question in general)
    assert any("progress" in question for question in general)


def test_more_than_four_shows_the_first_four_and_says_so(client, catalog):
    response = client.get(URL, {"t": FOUR + ["person-centred-therapy"]})
    assert summarised(response) == FOUR
    assert "A summary holds up to 4 approaches" in notices(response)
    assert 'id="summary-add"' not in text(response)  # no room to add


def test_unknown_and_unpublished_slugs_give_a_calm_notice(client, catalog):
    response = client.get(URL, {"c": "hidden-condition", "t": ["cbt", "nope", "draft-therapy", "cbt"]})
    assert response.status_code == 200
    assert summarised(response) == ["cbt"]
    assert "We could not find “nope”, “draft-therapy”" in notices(response)
    assert "We could not find the condition “hidden-condition”" in notices(response)
    assert "more than once" in notices(response)


def test_one_condition_at_a_time_and_unknown_ages_are_named(client, catalog):
    response = client.get(URL, {"c": ["ocd", "depression"], "t": "cbt", "age": ["nobody", "adults"]})
    assert response.context["condition"].slug == "ocd" and response.context["age"] == "adults"
    assert "it is about Obsessive-compulsive disorder" in notices(response)
    assert "Ignored unknown age groups: “nobody”" in notices(response)


def test_an_empty_summary_explains_itself_and_offers_approaches(client, catalog):
    response = client.get(URL)
    assert response.status_code == 200
    html = text(response)
    assert "Nothing about you is stored" in html
    assert '<label for="summary-add">Choose an approach</label>' in html
    assert 'data-shortlist-query=""' in html  # nothing for the browser to remember


@pytest.mark.parametrize("params", [
    {"t": "x" * 5000},
    {"t": "\x00", "c": "\x00", "age": "\x00"},
    {"t": ["cbt\x00", "ocd\x00"], "c": "ocd\x00"},
    {"t": ["cbt"] * 50},
    {"t": [f"nope-{n}" for n in range(50)] + ["cbt"]},
    {"t": ["<script>alert(1)</script>", "../../etc/passwd", "é" * 3, "%00", " "], "c": "<b>", "age": "<i>"},
    {"c": "x" * 5000, "age": "x" * 5000},
    {"t": "", "c": "", "age": ""},
    {"x": "1"},
])
def test_hostile_input_is_a_normal_page(client, catalog, params):
    response = client.get(URL, params, follow=True)  # a parameter the page does not read redirects away
    assert response.status_code == 200
    body = text(response).split("</header>")[1]
    assert "<script>alert" not in body and "<b>" not in body


def test_the_page_sets_no_cookie_and_writes_nothing(client, catalog, settings):
    settings.PAGE_CACHE_SECONDS = 60  # as in production: a page the same for everyone may be kept by proxies
    QuestionToAskFactory(approach=catalog.approaches["cbt"])
    before = (Revision.objects.count(), ReaderReport.objects.count(), QuestionToAsk.objects.count())
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"c": "ocd", "t": ["cbt", "erp"], "age": "adults"})
    assert response.status_code == 200
    assert not response.cookies and "Set-Cookie" not in response.headers
    writes = re.compile(r"\s*(INSERT|UPDATE|DELETE|COPY|CREATE|ALTER|DROP|TRUNCATE)\b", re.IGNORECASE)
    assert not [query["sql"] for query in queries.captured_queries if writes.match(query["sql"])]
    assert (Revision.objects.count(), ReaderReport.objects.count(), QuestionToAsk.objects.count()) == before
    assert "csrfmiddlewaretoken" not in text(response)  # GET forms only: nothing per visitor, so it can be cached
    assert "public" in response.headers["Cache-Control"]


def test_get_and_head_only(client, catalog):
    assert client.head(URL, {"t": "cbt"}).status_code == 200
    assert client.post(URL, {"t": "cbt"}).status_code == 405


def test_cached_like_other_public_pages(client, catalog, settings):
    settings.SERVER_PAGE_CACHE_SECONDS = 60
    params = {"c": "ocd", "t": ["cbt", "erp"]}
    assert client.get(URL, params).headers["X-Page-Cache"] == "miss"
    assert client.get(URL, params).headers["X-Page-Cache"] == "hit"
    QuestionToAskFactory(text="A new question?")  # editors' changes reach cached summaries at once
    response = client.get(URL, params)
    assert response.headers["X-Page-Cache"] == "miss" and "A new question?" in text(response)


def test_remove_and_add_keep_the_rest_of_the_shortlist(client, catalog):
    html = text(client.get(URL, {"c": "ocd", "t": ["cbt", "erp"], "age": "adults"}))
    assert 'href="/summary/?c=ocd&amp;t=erp&amp;age=adults">Remove<span class="visually-hidden"> Cognitive' in html
    add_form = html.split('<form class="compare-picker"')[1].split("</form>")[0]
    for hidden in ('name="c" value="ocd"', 'name="t" value="cbt"', 'name="t" value="erp"', 'name="age" value="adults"'):
        assert hidden in add_form
    assert '<option value="Cognitive behavioural therapy (CBT)">' not in add_form  # already listed
    assert 'name="add"' in add_form


def test_the_summary_picker_adds_a_typed_abbreviation_and_keeps_the_condition(client, catalog):
    response = client.get(URL, {"c": "ocd", "t": "cbt", "add": "ERP", "age": "adults"})
    assert response.status_code == 302 and response["Location"] == "/summary/?c=ocd&t=cbt&t=erp&age=adults"


def test_other_pages_offer_the_shortlist_and_a_summary(client, catalog):
    approach_page = text(client.get("/therapies/cbt/"))
    assert 'data-shortlist-add href="/summary/?t=cbt">Add to my shortlist</a>' in approach_page
    compare = text(client.get("/compare/", {"t": ["cbt", "erp"]}))
    assert '<a class="button" href="/summary/?t=cbt&amp;t=erp">Make a summary of these</a>' in compare
    assert 'data-shortlist-add href="/summary/?t=erp">Add to my shortlist</a>' in compare
    condition = text(client.get("/conditions/ocd/", {"age": "adults"}))
    assert '<a class="button" href="/summary/?c=ocd&amp;t=cbt&amp;t=erp&amp;age=adults">Make a summary of these</a>' in condition
    assert 'data-shortlist-add href="/summary/?c=ocd&amp;t=dbt&amp;age=adults">Add to my shortlist</a>' in condition
    browse = text(client.get("/therapies/", {"condition": "ocd"}))
    assert 'data-shortlist-add href="/summary/?c=ocd&amp;t=erp">Add to my shortlist</a>' in browse
    assert 'href="/summary/?t=erp">Add' in text(client.get("/therapies/"))
    assert '<a href="/summary/" data-shortlist-link>My summary</a>' in approach_page  # in the menu, every page


def test_the_cautions_row_sits_between_evidence_and_questions():
    """Every approach gets the cautions row in the same place, saying so when it has none."""
    template = (ROOT / "templates/therapies/summary.html").read_text()
    assert template.index('data-row="evidence"') < template.index('data-row="cautions"') < template.index('data-row="questions"')


@pytest.mark.parametrize(("params", "queries"), [
    # requested slugs that are published; the condition; the approaches with format names; their published
    # links with conditions; the condition's ratings with sources; the questions (general and per approach);
    # the cautions with sources
    ({"c": "ocd", "t": FOUR, "age": "adults"}, 7),
    # the same without a condition (no ratings), plus the "add an approach" picker
    ({"t": ["cbt", "erp"]}, 6),
    # nothing chosen: the picker only
    ({}, 2),
])
def test_query_count_is_pinned_and_independent_of_catalog_size(client, django_assert_num_queries, params, queries):
    """A fixed number of queries, whatever the size of the catalog (the list above says which)."""
    catalog = build_catalog()
    for approach in catalog.approaches.values():
        QuestionToAskFactory(approach=approach)
    with django_assert_num_queries(queries):
        assert client.get(URL, params).status_code == 200
    grow_catalog(30)
    with django_assert_num_queries(queries):
        assert client.get(URL, params).status_code == 200
