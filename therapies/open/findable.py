"""For search engines and feed readers: sitemap.xml (every public page), robots.txt and the Atom feed of the
public changelog of evidence. Only published records, as every public page."""
from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap as sitemap_view
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe

from therapies.cache import cache_public_page, catalog_changed_at, catalog_version
from therapies.models import Approach, Condition, Revision, Source
from therapies.text import slug_url

FEED_ENTRIES = 50
STATIC_PAGES = [
    "therapies:home", "therapies:therapy-list", "therapies:condition-list", "therapies:evidence-matrix",
    "therapies:compare", "therapies:search", "therapies:about", "therapies:help", "therapies:source-list",
    "data:index", "api:docs",
]


def catalog_changed() -> datetime.datetime:
    return datetime.datetime.fromtimestamp(catalog_changed_at(catalog_version()), tz=datetime.UTC)


class StaticPages(Sitemap):
    """Pages that show the whole catalog: changed when the catalog last changed."""

    def items(self) -> list[str]:
        return STATIC_PAGES

    def location(self, item: str) -> str:
        return reverse(item)

    def lastmod(self, item: str) -> datetime.datetime:
        return catalog_changed()


class Approaches(Sitemap):
    def items(self):
        return Approach.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, approach: Approach) -> datetime.datetime:
        return approach.updated_at


class Conditions(Sitemap):
    def items(self):
        return Condition.objects.published().only("slug", "updated_at").order_by("slug")

    def lastmod(self, condition: Condition) -> datetime.datetime:
        return condition.updated_at


class Sources(Sitemap):
    def items(self):
        return Source.objects.cited().only("key").order_by("key")

    def location(self, source: Source) -> str:
        return slug_url("therapies:source-detail", source.key)


SITEMAPS = {"pages": StaticPages, "therapies": Approaches, "conditions": Conditions, "sources": Sources}


@require_safe
@cache_public_page()
def sitemap(request: HttpRequest) -> HttpResponse:
    """sitemap.xml: every public page, with when it last changed (three queries)."""
    response = sitemap_view(request, sitemaps=SITEMAPS)
    response.render()
    return response


@require_safe
@cache_public_page()
def robots(request: HttpRequest) -> HttpResponse:
    """robots.txt: everything public may be crawled except the admin and paged API lists."""
    lines = [
        "User-agent: *",
        f"Disallow: /{settings.ADMIN_URL}",
        "Disallow: /api/v1/*offset=",
        "Disallow: /api/v1/*limit=",
        "Disallow: /cite/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


class ChangesFeed(Feed):
    """The public changelog of evidence as Atom: what changed, on which page, and why (names no editor)."""

    feed_type = Atom1Feed
    title = "Therapy Explorer: changes to the evidence"
    subtitle = "Evidence levels that curators changed, with the reason given."

    def link(self) -> str:
        return reverse("therapies:home")

    def items(self):
        return Revision.objects.public_feed()[:FEED_ENTRIES]

    def item_title(self, change: Revision) -> str:
        return f"{change.approach.name} for {change.condition.name}: {change.public_summary}"

    def item_description(self, change: Revision) -> str:
        return change.reason or change.public_summary

    def item_link(self, change: Revision) -> str:
        return change.approach.get_absolute_url()

    def item_guid(self, change: Revision) -> str:
        return f"tag:therapy-explorer,{change.created_at:%Y-%m-%d}:change-{change.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, change: Revision) -> datetime.datetime:
        return change.created_at

    def item_updateddate(self, change: Revision) -> datetime.datetime:
        return change.created_at


changes_feed = require_safe(cache_public_page()(ChangesFeed()))
