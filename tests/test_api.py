"""/api/v1/: the schema is valid OpenAPI 3.1, every filter agrees with the browse page, bad input is a 400
naming the parameter, paging is stable, conditional requests, CORS, the rate limit, provenance, no drafts
and pinned query counts."""
import pytest
import yaml
from django.urls import reverse
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from therapies.choices import Level
from django.contrib.contenttypes.models import ContentType

from therapies.models import Approach, EvidenceLink, PendingChange, Revision

pytestmark = pytest.mark.django_db
APPROACHES = "/api/v1/approaches/"
ENDPOINTS = ["/api/v1/approaches/", "/api/v1/approaches/cbt/", "/api/v1/conditions/", "/api/v1/conditions/ocd/",
             "/api/v1/evidence/", "/api/v1/sources/", "/api/v1/sources/nice/", "/api/v1/formats/",
             "/api/v1/changes/"]


def public_change(approach: str, condition: str, summary: str = "moderate → strong") -> Revision:
    """A public changelog entry about the link between these two records."""
    link = EvidenceLink.objects.get(approach__slug=approach, condition__slug=condition)
    return Revision.objects.create(
        content_type=ContentType.objects.get_for_model(EvidenceLink), object_id=link.pk, object_repr=str(link),
        action=Revision.Action.CHANGED, approach=link.approach, condition=link.condition, public_summary=summary,
        reason="A new guideline.")


def schema(client) -> dict:
    response = client.get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3_1_with_each_filters_allowed_values(client, catalog):
    spec = schema(client)
    validate(spec, cls=OpenAPIV31SpecValidator)  # raises on any violation of the 3.1 specification
    assert spec["openapi"] == "3.1.0"
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/approaches/"]["get"]["parameters"]}
    assert {"q", "condition", "format", "family", "age", "level", "sort", "limit", "offset", "extra"} <= set(parameters)
    assert set(parameters["family"]["schema"]["items"]["enum"]) == set(Approach.Family.values)
    assert parameters["format"]["schema"]["items"]["enum"] == ["individual", "group", "online"]  # from the database
    assert parameters["condition"]["schema"]["items"]["enum"] == ["depression", "ocd", "psychosis"]  # published only
    evidence = {p["name"]: p for p in spec["paths"]["/api/v1/evidence/"]["get"]["parameters"]}
    assert "draft-therapy" not in evidence["approach"]["schema"]["items"]["enum"]
    assert "cbt" in evidence["approach"]["schema"]["items"]["enum"]
    assert set(parameters["level"]["schema"]["enum"]) == {"strong", "moderate", "emerging"}
    assert set(parameters["sort"]["schema"]["enum"]) == {"evidence", "name", "sessions"}
    assert {path.removeprefix("/api/v1") for path in spec["paths"]} == {
        "/approaches/", "/approaches/{slug}/", "/conditions/", "/conditions/{slug}/", "/evidence/", "/sources/",
        "/sources/{key}/", "/formats/", "/changes/"}


def test_docs_page_uses_only_the_sites_own_scripts(client, catalog):
    html = client.get("/api/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "/static/js/api-docs.js" in html
    assert "<script>" not in html and "http://cdn" not in html and "https://cdn" not in html


BROWSE_QUERIES = [
    {}, {"condition": "ocd"}, {"condition": ["ocd", "depression"]}, {"format": "group"},
    {"format": ["group", "online"]}, {"family": "third_wave"}, {"age": "children"}, {"age": "adults"},
    {"level": "strong"}, {"condition": "ocd", "level": "moderate"}, {"condition": "psychosis", "age": "adults"},
    {"q": "therapy"}, {"q": "counselling"}, {"sort": "sessions"}, {"sort": "evidence"},
    {"condition": "ocd", "format": "group", "family": "cognitive_behavioural", "sort": "name"},
]


@pytest.mark.parametrize("params", BROWSE_QUERIES)
def test_every_browse_filter_agrees_with_the_html_page(client, catalog, params):
    """The same query gives the same approaches, in the same order, and the same counts, on both."""
    html = client.get(reverse("therapies:therapy-list"), params)
    api = client.get(APPROACHES, {**params, "limit": 100, "extra": "count,facets"})
    assert api.status_code == 200, api.content
    body = api.json()
    assert [row["slug"] for row in body["results"]] == [a.slug for a in html.context["page"].object_list]
    facets = html.context["facets"]
    assert body["count"] == facets.total
    for name in ("format", "family", "age", "level", "condition"):
        assert body["facets"][name] == getattr(facets, name), name


def test_condition_and_evidence_endpoints_agree_with_the_condition_page(client, catalog):
    page = client.get(reverse("therapies:condition-detail", args=["ocd"])).context
    shown = [(link.approach.slug, link.population, link.level)
             for row in page["supported"] + page["insufficient"] + page["not_recommended"] for link in row.links]
    detail = client.get("/api/v1/conditions/ocd/").json()
    assert sorted((e["approach"], e["population"], e["level"]) for e in detail["evidence"]) == sorted(shown)
    evidence = client.get("/api/v1/evidence/", {"condition": "ocd", "limit": 100}).json()["results"]
    assert sorted((e["approach"], e["population"], e["level"]) for e in evidence) == sorted(shown)


def test_approach_detail_carries_evidence_with_every_sources_rating_and_provenance(client, catalog):
    body = client.get("/api/v1/approaches/cbt/").json()
    assert body["url"] == "http://testserver/therapies/cbt/"
    assert body["licence"]["name"] == "CC-BY-4.0"
    assert body["sources"] == ["nice", "review"]
    depression = next(e for e in body["evidence"] if e["condition"] == "depression")
    assert depression["level"] == "strong" and depression["population"] == "adults"
    assert {(r["source"], r["level"]) for r in depression["ratings"]} == {("nice", "strong"), ("review", "moderate")}
    assert "last_reviewed" in depression and "hidden-condition" not in str(body)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_record_carries_provenance(client, catalog, url):
    public_change("cbt", "ocd")
    body = client.get(url).json()
    records = body.get("results", [body])
    assert records
    for record in records:
        assert record["url"].startswith("http://testserver/")
        assert record["licence"]["path"] == "https://creativecommons.org/licenses/by/4.0/"
        if url.startswith(("/api/v1/approaches", "/api/v1/conditions", "/api/v1/evidence")):
            assert "last_reviewed" in record and record["sources"]


@pytest.mark.parametrize(("url", "params", "parameter"), [
    (APPROACHES, {"condition": "no-such-condition"}, "condition"),
    (APPROACHES, {"condition": "hidden-condition"}, "condition"),  # a draft is unknown to the public
    (APPROACHES, {"condition": "\x00"}, "condition"),
    (APPROACHES, {"format": "telepathy"}, "format"),
    (APPROACHES, {"family": "x"}, "family"),
    (APPROACHES, {"age": "babies"}, "age"),
    (APPROACHES, {"level": "insufficient"}, "level"),
    (APPROACHES, {"sort": "random"}, "sort"),
    (APPROACHES, {"q": "x" * 201}, "q"),
    (APPROACHES, {"utm_source": "mail"}, "utm_source"),
    (APPROACHES, {"limit": "0"}, "limit"),
    (APPROACHES, {"limit": "101"}, "limit"),
    (APPROACHES, {"limit": "ten"}, "limit"),
    (APPROACHES, {"offset": "-1"}, "offset"),
    (APPROACHES, {"offset": "1e9"}, "offset"),
    (APPROACHES, {"extra": "everything"}, "extra"),
    ("/api/v1/evidence/", {"level": "great"}, "level"),
    ("/api/v1/evidence/", {"approach": "draft-therapy"}, "approach"),
    ("/api/v1/evidence/", {"population": "cats"}, "population"),
    ("/api/v1/conditions/", {"category": "nope"}, "category"),
    ("/api/v1/sources/", {"kind": "x"}, "kind"),
    ("/api/v1/approaches/cbt/", {"x": "1"}, "x"),
])
def test_hostile_parameters_get_a_400_naming_the_parameter(client, catalog, url, params, parameter):
    response = client.get(url, params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert parameter in response.json()


def test_unknown_records_are_404_json(client, catalog):
    for url in ("/api/v1/approaches/draft-therapy/", "/api/v1/conditions/hidden-condition/", "/api/v1/sources/x/"):
        response = client.get(url)
        assert response.status_code == 404 and "detail" in response.json()


def test_paging_walks_every_result_once_in_a_stable_order_with_link_headers(client, catalog):
    everything = [row["slug"] for row in client.get(APPROACHES, {"limit": 100}).json()["results"]]
    seen, url, pages = [], APPROACHES + "?limit=2", 0
    while url:
        response = client.get(url)
        body = response.json()
        seen += [row["slug"] for row in body["results"]]
        if body["next"]:
            assert f'<{body["next"]}>; rel="next"' in response["Link"]
        if body["previous"]:
            assert 'rel="prev"' in response["Link"]
        url, pages = body["next"], pages + 1
        assert "count" not in body and "facets" not in body  # only when asked for
    assert seen == everything and len(everything) == 5 and pages == 3


def test_conditional_requests_get_304_until_the_catalog_changes(client, catalog, django_assert_num_queries):
    first = client.get(APPROACHES)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert "public" in first["Cache-Control"] and "s-maxage=" in first["Cache-Control"]
    with django_assert_num_queries(0):  # answered from the catalog version alone
        again = client.get(APPROACHES, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and again.content == b""
    assert client.get(APPROACHES, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
    assert client.get(APPROACHES + "?limit=3", HTTP_IF_NONE_MATCH=etag).status_code == 200  # another address
    approach = Approach.objects.get(slug="cbt")
    approach.summary = "Changed."
    approach.save()
    changed = client.get(APPROACHES, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_cors_allows_any_origin_to_read_without_credentials(client, catalog):
    response = client.get(APPROACHES, HTTP_ORIGIN="https://example.org")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"] and "Link" in response["Access-Control-Expose-Headers"]
    preflight = client.options(APPROACHES, HTTP_ORIGIN="https://example.org", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert client.post(APPROACHES).status_code == 405
    assert "Access-Control-Allow-Origin" not in client.get(reverse("therapies:therapy-list"))  # the API only


def test_anonymous_clients_get_429_with_retry_after_past_the_limit(client, catalog, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    statuses = [client.get(APPROACHES, {"limit": n}).status_code for n in range(1, 5)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get(APPROACHES)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0 and "detail" in limited.json()
    assert limited["Access-Control-Allow-Origin"] == "*"


def test_no_draft_or_pending_change_appears_anywhere(client, catalog):
    link = EvidenceLink.objects.get(approach__slug="cbt", condition__slug="ocd")
    public_change("draft-therapy", "depression", "DRAFT-CHANGE")
    public_change("cbt", "hidden-condition", "DRAFT-CHANGE")
    PendingChange.objects.create(link=link, base_version=link.version, reason="PENDING-REASON", proposed={
        "level": Level.EMERGING, "finding": "PENDING-FINDING", "ratings": []})
    urls = [*ENDPOINTS, "/api/v1/sources/review/", "/api/v1/approaches/erp/", "/api/v1/conditions/depression/",
            "/api/v1/evidence/?limit=100", "/api/v1/conditions/?limit=100", "/api/v1/approaches/?limit=100"]
    for url in urls:
        text = client.get(url).content.decode()
        for secret in ("draft-therapy", "Draft therapy", "hidden-condition", "Hidden condition",
                       "PENDING-FINDING", "PENDING-REASON", "DRAFT-CHANGE"):
            assert secret not in text, (url, secret)
    # the dbt × depression link is a draft: not in the evidence list
    evidence = client.get("/api/v1/evidence/", {"approach": "dbt", "limit": 100}).json()["results"]
    assert [e["condition"] for e in evidence] == ["ocd"]
    cbt_ocd = client.get("/api/v1/evidence/", {"approach": "cbt", "condition": "ocd"}).json()["results"]
    assert cbt_ocd[0]["level"] == "strong"  # the published level, not the proposed one


@pytest.mark.parametrize(("url", "queries"), [
    # format choices; chosen conditions; the page of approaches (format slugs, sources, best level: subqueries)
    ("/api/v1/approaches/?condition=ocd&format=group&level=moderate", 3),
    # as above, plus the three facet queries (which also count)
    ("/api/v1/approaches/?condition=ocd&extra=count,facets", 6),
    # format choices; the page
    ("/api/v1/approaches/?q=therapy", 2),
    # approach with parent; its links with approach and condition; their formats; their ratings with sources
    ("/api/v1/approaches/cbt/", 4),
    ("/api/v1/conditions/", 1),
    # condition; its links; their formats; their ratings
    ("/api/v1/conditions/ocd/", 4),
    # format choices; chosen condition; links; formats; ratings
    ("/api/v1/evidence/?condition=ocd", 5),
    ("/api/v1/sources/", 1),
    # source; its public ratings with links, approaches and conditions
    ("/api/v1/sources/nice/", 2),
    ("/api/v1/formats/", 1),
    ("/api/v1/changes/", 1),
])
def test_query_counts_are_pinned_and_independent_of_catalog_size(assert_flat_queries, url, queries):
    assert_flat_queries(url, queries)


def test_the_page_cache_keeps_api_answers_until_the_catalog_changes(client, catalog, settings, django_assert_num_queries):
    settings.SERVER_PAGE_CACHE_SECONDS = 600
    first = client.get(APPROACHES, {"condition": "ocd"})
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        hit = client.get(APPROACHES, {"condition": "ocd"})
    assert hit["X-Page-Cache"] == "hit" and hit.content == first.content and hit["ETag"] == first["ETag"]
    assert client.get(APPROACHES, {"condition": "ocd", "utm_source": "x"}).status_code == 400  # not redirected
    Approach.objects.filter(slug="cbt").update(summary="Changed.")
    Approach.objects.get(slug="cbt").save()
    assert "Changed." in client.get(APPROACHES, {"condition": "ocd"}).content.decode()


@pytest.mark.parametrize("url", ENDPOINTS)
def test_head_answers_as_get_without_a_body(client, catalog, url):
    get, head = client.get(url), client.head(url)
    assert head.status_code == get.status_code == 200 and head.content == b""
    assert head["ETag"] == get["ETag"] and head["Content-Type"] == get["Content-Type"]



def test_conditions_sources_and_approach_evidence_agree_with_their_pages(client, catalog):
    listed = [(c.slug, c.approach_count) for _, _, group in client.get("/conditions/").context["categories"] for c in group]
    api = client.get("/api/v1/conditions/", {"limit": 100, "extra": "count"}).json()
    assert sorted((c["slug"], c["approach_count"]) for c in api["results"]) == sorted(listed)
    assert api["count"] == len(listed)
    mood = client.get("/api/v1/conditions/", {"category": "mood"}).json()["results"]
    assert [c["slug"] for c in mood] == ["depression"]
    page = [source.key for source, _ in client.get("/sources/").context["sources"]]
    assert sorted(s["key"] for s in client.get("/api/v1/sources/").json()["results"]) == sorted(page)
    shown = [(link.condition.slug, link.population, link.level) for link in client.get("/therapies/cbt/").context["evidence"]]
    evidence = client.get("/api/v1/evidence/", {"approach": "cbt"}).json()["results"]
    assert sorted((e["condition"], e["population"], e["level"]) for e in evidence) == sorted(shown)
    detail = client.get("/api/v1/approaches/cbt/").json()["evidence"]
    assert [(e["condition"], e["population"], e["level"]) for e in detail] == shown  # the page's order too


def test_the_api_still_answers_when_the_cache_is_down(client, catalog, settings):
    """No ETag and no rate limit without the cache; never a 500."""
    down = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    settings.CACHES = {"default": down, "limits": down}
    response = client.get(APPROACHES, {"condition": "ocd"})
    assert response.status_code == 200 and "ETag" not in response
    assert response["Access-Control-Allow-Origin"] == "*" and len(response.json()["results"]) == 3
