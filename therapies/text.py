"""Small text and URL helpers shared by models, pages and the admin: no queries, no models."""
from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from django.urls import get_script_prefix, reverse

from therapies.choices import Population

_SLUG = "slug-placeholder"


@functools.cache
def _slug_url_parts(viewname: str, script_prefix: str) -> tuple[str, str]:
    """What reverse() puts before and after the slug: depends on the URLconf and prefix, never on data."""
    head, _, tail = reverse(viewname, args=[_SLUG]).partition(_SLUG)
    return head, tail


def slug_url(viewname: str, slug: str) -> str:
    """reverse(viewname, args=[slug]) for a URL whose one argument is a slug, at the cost of joining three
    strings: a page links to dozens of records, and reverse() costs tens of microseconds each time."""
    head, tail = _slug_url_parts(viewname, get_script_prefix())
    return f"{head}{slug}{tail}"


def summary_url(slugs: Iterable[str], condition: str = "", age: str = "") -> str:
    """The address of "My summary" for these approaches, for a condition and an age group when given: the
    shortlist lives in this address (`c`, then `t` repeated, then `age`), never in a cookie or on the server."""
    params = [("c", condition)] if condition else []
    params += [("t", slug) for slug in slugs] + ([("age", age)] if age else [])
    return reverse("therapies:summary") + ("?" + urlencode(params) if params else "")


def compare_url(slugs: Iterable[str]) -> str:
    """The comparison of these approaches: the list is the address (`t` repeated)."""
    return reverse("therapies:compare") + "?" + urlencode([("t", slug) for slug in slugs])


def range_text(low: int | None, high: int | None, unit: str) -> str:
    """'12-16 sessions', 'about 6 sessions', 'at least 16 sessions' or 'varies'."""
    if low is None and high is None:
        return "Varies"
    if low is not None and high is not None:
        return f"About {low} {unit}" if low == high else f"{low}\u2013{high} {unit}"
    if low is not None:
        return f"At least {low} {unit}"
    return f"Up to {high} {unit}"


def evidence_anchor(condition_slug: str, population: str) -> str:
    """The id of a link's row on its approach page; shared URLs point at it, so one definition."""
    suffix = "" if population == Population.ALL else f"-{population}"
    return f"evidence-{condition_slug}{suffix}"


def shorten(value: Any, limit: int = 80) -> str:
    """A field value in one short line for a message or a diff: "—" for nothing, lists as JSON, cut with "…"."""
    if value in (None, "", []):
        text = "—"
    elif isinstance(value, (list, dict)):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(values: list[str], shown: int = 3, limit: int = 40) -> str:
    """“a”, “b”, “c” and 2 more: a few values a visitor typed, each cut short, for a notice."""
    text = ", ".join(f"“{value[:limit]}”" for value in values[:shown])
    return text + (f" and {len(values) - shown} more" if len(values) > shown else "")
