"""Every public URL the site has, read from the URLconf so that new pages are covered without editing tests."""
from __future__ import annotations

from django.urls import URLPattern, reverse

# Slugs from tests.conftest.build_catalog, by the kind of page the route belongs to.
SLUGS = {"therapy": "cbt", "condition": "ocd"}


def public_urls() -> list[str]:
    """One address per route in therapies.urls, detail routes filled with a published slug."""
    from therapies import urls

    addresses = []
    for pattern in urls.urlpatterns:
        if not isinstance(pattern, URLPattern):
            continue
        name = f"{urls.app_name}:{pattern.name}"
        converters = pattern.pattern.converters
        if not converters:
            addresses.append(reverse(name))
        elif set(converters) == {"slug"}:
            kind = "condition" if pattern.name.startswith("condition") else "therapy"
            addresses.append(reverse(name, kwargs={"slug": SLUGS[kind]}))
    return addresses


JSON_ROUTES = {"search-suggest"}  # answer JSON, not an HTML page


def public_pages() -> list[str]:
    """The public URLs that answer an HTML page (every route but the JSON endpoints)."""
    from therapies import urls

    json_urls = {reverse(f"{urls.app_name}:{name}") for name in JSON_ROUTES}
    return [url for url in public_urls() if url not in json_urls]
