"""Addresses at the site's root for machines: sitemap.xml, robots.txt and the changelog feed (no namespace,
as crawlers and feed readers expect them at these paths)."""
from django.urls import path

from therapies.open.findable import changes_feed, robots, sitemap

urlpatterns = [
    path("sitemap.xml", sitemap, name="sitemap"),
    path("robots.txt", robots, name="robots"),
    path("changes.atom", changes_feed, name="changes-feed"),
]
