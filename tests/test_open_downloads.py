"""CSV and JSON twins of the list pages: same filters as the page, one row per rating where pages show
ratings, spreadsheet-safe CSV, advertised on each page, no drafts; pinned query counts."""
import csv
import io

import pytest
from django.urls import reverse

from therapies.catalog_io.tables import csv_bytes, neutralise
from therapies.models import EvidenceLink, PendingChange

pytestmark = pytest.mark.django_db
BROWSE = reverse("therapies:therapy-list")


def read_csv(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark: spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("params", [{}, {"condition": "ocd"}, {"format": "group", "sort": "sessions"},
                                    {"age": "children"}, {"q": "therapy", "family": "cognitive_behavioural"}])
def test_browse_twins_list_the_pages_results_in_its_order(client, catalog, params):
    page = [a.slug for a in client.get(BROWSE, params).context["page"].object_list]
    rows = read_csv(client.get(BROWSE, {**params, "download": "csv"}))
    assert [row["slug"] for row in rows] == page
    body = client.get(BROWSE, {**params, "download": "json"}).json()
    assert [row["slug"] for row in body["rows"]] == page
    assert body["licence"]["name"] == "CC-BY-4.0" and "download" not in body["page"]


def test_condition_twin_has_one_row_per_source_rating_with_iso_dates(client, catalog):
    link = EvidenceLink.objects.get(approach__slug="cbt", condition__slug="depression")
    link.last_reviewed = "2026-03-04"
    link.save()
    rows = read_csv(client.get("/conditions/depression/", {"download": "csv"}))
    assert sorted((r["approach"], r["source"], r["source_level"]) for r in rows) == [
        ("cbt", "nice", "strong"), ("cbt", "review", "moderate"), ("person-centred-therapy", "nice", "moderate")]
    assert {r["last_reviewed"] for r in rows if r["approach"] == "cbt"} == {"2026-03-04"}
    assert "draft-therapy" not in str(rows)


def test_no_draft_or_pending_change_in_any_download(client, catalog):
    link = EvidenceLink.objects.get(approach__slug="cbt", condition__slug="ocd")
    PendingChange.objects.create(link=link, base_version=link.version, reason="PENDING-REASON",
                                 proposed={"level": "emerging", "finding": "PENDING-FINDING", "ratings": []})
    for url in ("/therapies/", "/conditions/ocd/", "/conditions/depression/", "/evidence/",
                "/compare/?t=cbt&t=dbt", "/search/?q=therapy&plain=on"):
        for kind in ("csv", "json"):
            text = client.get(url, {"download": kind}).content.decode("utf-8-sig")
            for secret in ("draft-therapy", "Draft therapy", "hidden-condition", "PENDING"):
                assert secret not in text, (url, kind, secret)
    compare = read_csv(client.get("/compare/", {"t": ["cbt", "dbt"], "download": "csv"}))
    assert ("dbt", "depression") not in {(r["approach"], r["condition"]) for r in compare}  # a draft link
    assert next(r for r in compare if (r["approach"], r["condition"]) == ("cbt", "ocd"))["level"] == "strong"


def test_matrix_compare_and_search_twins(client, catalog):
    matrix = read_csv(client.get("/evidence/", {"download": "csv"}))
    cell = next(r for r in matrix if r["approach"] == "erp" and r["condition"] == "ocd")
    assert cell["best_level"] == "strong"
    assert "hidden-condition" not in str(matrix) and "draft-therapy" not in str(matrix)
    compare = read_csv(client.get("/compare/", {"t": ["cbt", "erp"], "download": "csv"}))
    assert {(r["approach"], r["condition"]) for r in compare} == {("cbt", "depression"), ("cbt", "ocd"), ("erp", "ocd")}
    search = client.get("/search/", {"q": "art therapy", "plain": "on", "download": "json"}).json()
    assert "art-therapy" in [row["slug"] for row in search["rows"]]


def test_pages_advertise_their_twins(client, catalog):
    for url in ("/therapies/?condition=ocd", "/conditions/ocd/", "/evidence/", "/compare/?t=cbt&t=erp", "/search/?q=cbt"):
        html = client.get(url, follow=True).content.decode()
        assert '<link rel="alternate" type="text/csv"' in html and '<link rel="alternate" type="application/json"' in html
        assert "download=csv" in html and ">CSV</a>" in html, url


def test_an_unknown_download_kind_is_a_400(client, catalog):
    response = client.get(BROWSE, {"download": "xlsx"})
    assert response.status_code == 400 and b"csv or json" in response.content


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(text):
    assert neutralise(text) == "'" + text
    cells = next(csv.reader(io.StringIO(csv_bytes(["finding"], [[text]]).decode().split("\r\n", 1)[1])))
    assert cells == ["'" + text]
    assert neutralise(5) == 5 and neutralise("2026-01-01") == "2026-01-01" and neutralise("ok =") == "ok ="


def test_a_formula_in_a_finding_is_neutralised_in_the_download(client, catalog):
    link = EvidenceLink.objects.get(approach__slug="erp", condition__slug="ocd")
    link.finding = '=HYPERLINK("http://evil.example","click")'
    link.save()
    rows = read_csv(client.get("/conditions/ocd/", {"download": "csv"}))
    assert next(r for r in rows if r["approach"] == "erp")["finding"] == "'" + link.finding


@pytest.mark.parametrize(("url", "queries"), [
    # format choices; chosen condition; the results (formats, sources, best level: subqueries)
    ("/therapies/?condition=ocd&format=group&download=csv", 3),
    # condition; links with approaches; approach formats; ratings with sources; format choices
    ("/conditions/ocd/?download=csv", 5),
    # as the matrix page
    ("/evidence/?download=csv", 6),
])
def test_download_query_counts_are_pinned_and_flat(assert_flat_queries, url, queries):
    assert_flat_queries(url, queries)
