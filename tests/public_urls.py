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
