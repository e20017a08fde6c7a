"""Surrogate keys: which records a public page shows, for an HTTP cache or CDN to purge exactly those pages.

A page's keys (`Surrogate-Key`, space-separated; `Cache-Tag`, the same comma-separated):
- `catalog` on every page: purged when something every page may show changes (a source, a format, an
  import), or when the change is not known record by record;
- `approach-<slug>` / `condition-<slug>` for the record a detail page is about, each record the page links
  to, and each one its query names (`?t=cbt`, `?c=ptsd`, `?condition=ptsd`);
- `list` on every page that is not one record's page or a fixed text (browse, search, matrix, compare, home...): a change
  to any approach or condition may add it to, or drop it from, such a page. A page linking to more than
  MAX_RECORD_KEYS records keeps `list` alone instead of naming them all (headers stay small).

A change purges (`keys_for_change`): an approach's own key, `list`, and the conditions it has evidence for
(their pages list it, even if they did not link to it before it was published); a condition's likewise; an
evidence link or rating: its approach, its condition and `list`.
"""
from __future__ import annotations

import re

from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from therapies.models import Approach, BestBet, Condition, EvidenceLink, Format, QuestionToAsk, Revision, Source, SourceRating

MAX_RECORD_KEYS = 40
EVERYTHING = frozenset({"catalog"})
SLUG = r"([a-z0-9][a-z0-9_-]*)"


def _patterns() -> dict[str, re.Pattern]:
    approach = reverse("therapies:therapy-detail", args=["x"]).rsplit("x/", 1)[0]
    condition = reverse("therapies:condition-detail", args=["x"]).rsplit("x/", 1)[0]
    return {"approach": re.compile(rf'href="{re.escape(approach)}{SLUG}/'),
            "condition": re.compile(rf'href="{re.escape(condition)}{SLUG}/')}


def page_keys(request: HttpRequest, response: HttpResponse, detail: tuple[str, str] | None,
              listing: bool = True) -> list[str]:
    """The surrogate keys of a rendered page; `detail` is (kind, slug) for one record's own page, `listing`
    whether any record may appear on it (every page but the few fixed texts)."""
    records: set[str] = set()
    if not response.streaming:
        text = response.content.decode(response.charset or "utf-8", "replace")
        for kind, pattern in _patterns().items():
            records.update(f"{kind}-{slug}" for slug in pattern.findall(text))
    records.update(f"approach-{slug}" for slug in request.GET.getlist("t"))
    records.update(f"condition-{slug}" for name in ("c", "condition") for slug in request.GET.getlist(name))
    records = {key for key in records if len(key) <= 100 and re.fullmatch(r"[a-z0-9_-]+", key)}
    keys = ["catalog"]
    if detail is not None:
        keys.append(f"{detail[0]}-{detail[1]}")
    elif listing:
        keys.append("list")
    if len(records) <= MAX_RECORD_KEYS:
        keys += sorted(records - set(keys))
    elif "list" not in keys:
        keys.append("list")
    return keys


DETAIL_PAGES = {"therapy-detail": "approach", "condition-detail": "condition"}
FIXED_PAGES = {"about", "help"}  # texts that list no record (a source or level change purges "catalog")


def tag_response(request: HttpRequest, response: HttpResponse) -> None:
    """Name the page's records in Surrogate-Key and Cache-Tag (see the module's docstring)."""
    match = request.resolver_match
    kind = DETAIL_PAGES.get(match.url_name) if match else None
    detail = (kind, match.kwargs["slug"]) if kind and "slug" in match.kwargs else None
    keys = page_keys(request, response, detail, listing=not (match and match.url_name in FIXED_PAGES))
    response["Surrogate-Key"] = " ".join(keys)
    response["Cache-Tag"] = ",".join(keys)


def keys_for_change(instance) -> frozenset[str]:
    """What to purge when `instance` is saved or deleted (runs a query for approaches and conditions)."""
    if isinstance(instance, Approach):
        conditions = Condition.objects.filter(evidence__approach=instance).values_list("slug", flat=True)
        return frozenset({f"approach-{instance.slug}", "list", *(f"condition-{slug}" for slug in conditions)})
    if isinstance(instance, Condition):
        approaches = Approach.objects.filter(evidence__condition=instance).values_list("slug", flat=True)
        return frozenset({f"condition-{instance.slug}", "list", *(f"approach-{slug}" for slug in approaches)})
    if isinstance(instance, SourceRating):
        instance = EvidenceLink.objects.filter(pk=instance.link_id).select_related("approach", "condition").first()
        if instance is None:  # the link went with it: its own delete purged its pages
            return frozenset()
    if isinstance(instance, EvidenceLink):
        try:
            return frozenset({f"approach-{instance.approach.slug}", f"condition-{instance.condition.slug}", "list"})
        except ObjectDoesNotExist:  # deleted along with its approach or condition
            return EVERYTHING
    if isinstance(instance, Revision):
        return frozenset()  # history of a record whose own save (or status change) purges its pages
    if isinstance(instance, (Source, Format, QuestionToAsk, BestBet)):
        return EVERYTHING
    return EVERYTHING
