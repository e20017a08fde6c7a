"""Purging the HTTP cache or CDN in front of the site when content changes, by surrogate key.

Public pages name the records they show in `Surrogate-Key` (space-separated, Fastly and Varnish) and
`Cache-Tag` (comma-separated, Cloudflare); therapies/surrogate.py makes them. After a publish commits,
`purge(keys)` asks every configured cache to drop the objects carrying any of the keys. CACHE_PURGE_BACKEND:

- "none" (default): nothing in front, or a cache that only expires (`s-maxage`, PAGE_CACHE_SECONDS).
- "varnish": an HTTP `BAN` to each of CACHE_PURGE_URLS with `X-Purge-Regex: (^|[^a-z0-9-])(key1|key2)([^a-z0-9-]|$)`;
  deploy/varnish/default.vcl turns it into `ban("obj.http.Surrogate-Key ~ " + regex)`.

A CDN's purge API has the same shape; a backend for one is a function here taking the keys. For example
Fastly: `POST https://api.fastly.com/service/<id>/purge` with `Fastly-Key: <token>` and JSON
`{"surrogate_keys": ["approach-cbt", "list"]}`; Cloudflare: `POST https://api.cloudflare.com/client/v4/
zones/<zone>/purge_cache` with `Authorization: Bearer <token>` and `{"tags": ["approach-cbt", "list"]}`.
Tokens come from the environment, never from the repository.

A purge that fails is logged and dropped: an edit never fails because a cache is down; what that cache
holds expires within PAGE_CACHE_SECONDS.
"""
from __future__ import annotations

import logging
import re
import urllib.error
import urllib.request
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

BACKENDS = ("none", "varnish")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,100}$")  # what therapies/surrogate.py makes: slugs and words
TIMEOUT_SECONDS = 2


def purge_regex(keys: Iterable[str]) -> str:
    """A regular expression matching a Surrogate-Key header that holds any of `keys` as a whole word."""
    names = sorted({key for key in keys if KEY.match(key)})
    # No spaces or backslashes: Varnish's ban parser splits its argument on spaces.
    return f"(^|[^a-z0-9-])({'|'.join(names)})([^a-z0-9-]|$)" if names else ""


def purge(keys: Iterable[str]) -> int:
    """Drop the cached objects tagged with any of `keys` from every configured cache; how many accepted."""
    backend = settings.CACHE_PURGE_BACKEND
    keys = set(keys)
    if backend == "none" or not keys:
        return 0
    if backend == "varnish":
        return varnish_ban(keys)
    raise ImproperlyConfigured(f"CACHE_PURGE_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")


def varnish_ban(keys: set[str]) -> int:
    regex = purge_regex(keys)
    accepted = 0
    for url in settings.CACHE_PURGE_URLS:
        request = urllib.request.Request(url, method="BAN", headers={"X-Purge-Regex": regex})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                accepted += response.status == 200
        except (urllib.error.URLError, OSError) as error:
            logger.warning("Cache purge at %s failed (%s); its pages expire within %s s",
                           url, error, settings.PAGE_CACHE_SECONDS)
    logger.info("Purged %s from %d of %d caches", " ".join(sorted(keys)), accepted, len(settings.CACHE_PURGE_URLS))
    return accepted
