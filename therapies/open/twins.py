"""The CSV and JSON twin of each list page: the same URL with the same filters plus `download=csv` or
`download=json` (the browse page's `format` parameter already names a therapy format). CSV is UTF-8 with a
byte-order mark (spreadsheets then read it as UTF-8), ISO dates, one row per source rating where a page shows
ratings, and cells a spreadsheet would run as formulas neutralised (therapies/catalog_io/tables.py)."""
from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from therapies.catalog_io.tables import csv_bytes
from therapies.choices import DATA_LICENCE, LEVEL_RANK

PARAMETER = "download"
KINDS = {"csv": "text/csv; charset=utf-8", "json": "application/json"}
EXPORT_MAX = 1000  # rows in a browse download; the API pages through more
LEVEL_OF_RANK = {rank: str(level) for level, rank in LEVEL_RANK.items()}
Rows = tuple[list[str], list[list[Any]]]


def requested(request: HttpRequest) -> str | None:
    """'csv', 'json', '' for a value that is neither (answered with a 400), None for the HTML page."""
    value = request.GET.get(PARAMETER)
    if value is None:
        return None
    return value if value in KINDS else ""


def page_address(request: HttpRequest) -> str:
    """The HTML page this download is the twin of: the same address without `download`."""
    kept = [(key, value) for key, values in request.GET.lists() if key != PARAMETER for value in values]
    return request.build_absolute_uri(request.path + (f"?{urlencode(kept)}" if kept else ""))


def respond(request: HttpRequest, kind: str, name: str, table: Rows) -> HttpResponse:
    if not kind:
        return HttpResponseBadRequest(f"{PARAMETER} must be csv or json.\n", content_type="text/plain; charset=utf-8")
    columns, rows = table
    if kind == "csv":
        response = HttpResponse(csv_bytes(columns, rows, bom=True), content_type=KINDS["csv"])
        response["Content-Disposition"] = f'attachment; filename="therapy-explorer-{name}.csv"'
        return response
    body = {"page": page_address(request), "licence": DATA_LICENCE, "columns": columns,
            "rows": [dict(zip(columns, (_json_value(value) for value in row))) for row in rows]}
    return HttpResponse(json.dumps(body, ensure_ascii=False, indent=1), content_type=KINDS["json"])


def _json_value(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def browse_rows(request: HttpRequest, approaches: Iterable) -> Rows:
    """The browse page: one row per approach (annotated by ApproachQuerySet.for_api)."""
    columns = ["slug", "name", "abbreviation", "family", "best_level", "formats", "age_groups", "sessions_min",
               "sessions_max", "condition_count", "summary", "last_reviewed", "sources", "url"]
    return columns, [
        [a.slug, a.name, a.abbreviation, a.family, LEVEL_OF_RANK.get(a.best_rank), list(a.format_slugs),
         list(a.age_groups), a.sessions_min, a.sessions_max, a.condition_count, a.summary, a.last_reviewed,
         list(a.source_keys), _absolute(request, a.get_absolute_url())]
        for a in approaches
    ]


RATING_COLUMNS = ["approach", "approach_name", "condition", "condition_name", "population", "level", "finding",
                  "last_reviewed", "source", "source_name", "source_level", "source_finding", "source_url", "url"]


def rating_rows(request: HttpRequest, links: Iterable, condition: Any = None) -> Rows:
    """One row per source rating of these links (a link without one still gets a row); `condition`: the one
    condition all the links are for, when the page has it already."""
    rows = []
    for link in links:
        about = condition or link.condition
        common = [link.approach.slug, link.approach.name, about.slug, about.name, link.population,
                  link.level, link.finding, link.last_reviewed]
        page = _absolute(request, link.approach.get_absolute_url())
        ratings = list(link.ratings.all()) or [None]
        for rating in ratings:
            source = rating.source if rating else None
            rows.append(common + ([source.key, source.short_name, rating.level, rating.finding, source.link]
                                  if rating else [None] * 5) + [page])
    return RATING_COLUMNS, rows


def compare_links(approaches: Iterable) -> list:
    """The compared approaches' links (prefetched by for_compare), approach by approach."""
    return [link for approach in approaches for link in approach.published_evidence]


def matrix_rows(request: HttpRequest, rows: Iterable) -> Rows:
    """The evidence matrix: one row per cell shown, with the strongest level (empty: a gap)."""
    columns = ["approach", "approach_name", "condition", "condition_name", "best_level", "population", "url"]
    return columns, [
        [approach.slug, approach.name, cell.condition.slug, cell.condition.name,
         cell.link.level if cell.link else None, cell.link.population if cell.link else None,
         _absolute(request, approach.get_absolute_url())]
        for approach, cells in rows for cell in cells
    ]


def search_rows(request: HttpRequest, results: Any) -> Rows:
    """The search page's text matches, best first."""
    columns = ["kind", "slug", "name", "score", "summary", "url"]
    hits = results.hits if results is not None else []
    return columns, [
        [hit.kind, hit.record.slug, hit.record.name, round(hit.score, 4), hit.record.summary,
         _absolute(request, hit.record.get_absolute_url())]
        for hit in hits
    ]
