"""Limit/offset paging for the API: strict parameters, `next`/`previous` in the body and a Link header, and
the total and facet counts only when asked for (`?extra=count,facets`), since counting costs a query."""
from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from therapies.api.filters import EXTRAS

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000


def whole_number(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not value.isdigit() or not low <= int(value) <= high:
        raise ValidationError({name: [f"A whole number from {low} to {high}."]})
    return int(value)


def extras(request: Request) -> set[str]:
    """What `extra` asks for (comma-separated or repeated): count, facets."""
    asked = {part.strip() for value in request.query_params.getlist("extra") for part in value.split(",") if part.strip()}
    unknown = asked - set(EXTRAS)
    if unknown:
        raise ValidationError({"extra": [f"Unknown value {', '.join(sorted(unknown))}. Allowed: {', '.join(EXTRAS)}."]})
    return asked


class Paging:
    """One page of a list: `limit` rows from `offset`, reading one row more to know whether there is a next."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.limit = whole_number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        self.offset = whole_number(request, "offset", 0, 0, MAX_OFFSET)
        self.extras = extras(request)
        self.has_next = False

    def rows(self, queryset: QuerySet | list) -> list:
        rows = list(queryset[self.offset:self.offset + self.limit + 1])
        self.has_next = len(rows) > self.limit
        return rows[:self.limit]

    def page_of(self, queryset: QuerySet, serializer: type) -> Response:
        """A list endpoint's answer: this page of `queryset` in `serializer`, counted when asked."""
        rows = self.rows(queryset)
        return self.response(serializer(rows, many=True, context={"request": self.request}).data,
                             count=queryset.count() if "count" in self.extras else None)

    def next_url(self) -> str | None:
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(replace_query_param(url, "limit", self.limit), "offset", self.offset + self.limit)

    def previous_url(self) -> str | None:
        if self.offset <= 0:
            return None
        url = replace_query_param(self.request.build_absolute_uri(), "limit", self.limit)
        previous = max(self.offset - self.limit, 0)
        return replace_query_param(url, "offset", previous) if previous else remove_query_param(url, "offset")

    def response(self, results: list, count: int | None = None, facets: dict | None = None,
                 **extra: Any) -> Response:
        body: dict[str, Any] = {"next": self.next_url(), "previous": self.previous_url()}
        if count is not None:
            body["count"] = count
        if facets is not None:
            body["facets"] = facets
        body.update(extra)
        body["results"] = results
        response = Response(body)
        links = [f'<{url}>; rel="{rel}"' for rel, url in (("next", body["next"]), ("prev", body["previous"])) if url]
        if links:
            response["Link"] = ", ".join(links)
        if count is not None:
            response["X-Total-Count"] = str(count)
        return response
