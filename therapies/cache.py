"""Whole-page caching for anonymous visitors, invalidated by a catalog version number.

Views opt in with `@cache_public_page`; `PublicPageCacheMiddleware` (just after WhiteNoise) answers
repeat requests from the cache before sessions, CSRF or the database are touched, and stores what the
marked views render. Keys carry the catalog version: any save or delete of a catalog record (signals
below) and every `queryset.update()` of one (curation calls `bump_catalog_version_for()` there) moves the
version, so every page rendered before the change becomes unreachable at once and editors never see a
stale page. The cache is Redis when REDIS_URL is set (shared by all workers) and process memory
otherwise; `SERVER_PAGE_CACHE_SECONDS = 0` turns page caching off (tests, and the benchmark's cold runs).
Each process also keeps the pages it served most recently (`SERVER_PAGE_CACHE_LOCAL_BYTES`, under the
same versioned keys), so a hit on a popular page costs one small read of the version, not a copy of the
whole page out of Redis.

Never cached: signed-in people (anyone with a session cookie) or anyone with pending messages; requests
other than GET; a Host this site does not serve; responses other than 200; responses that set a cookie
(a CSRF token, a message) or say private/no-store. Each cacheable view names the query parameters it
reads; a URL with any other parameter (`?utm_source=<random>`) is redirected to the same URL without it,
so made-up parameters cannot multiply the stored pages.

Beyond one machine (docs/scaling.md): with read replicas each version also records the primary's WAL
position, and a replica renders pages only once it has replayed past it (explorer/replicas.py); with an
HTTP cache in front (CACHE_PURGE_BACKEND), pages carry surrogate keys (therapies/surrogate.py) and each
committed change purges the keys of the records it touched (explorer/purge.py), once per transaction.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import DisallowedHost
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers

from explorer.log import Throttled
from explorer.purge import purge
from explorer.replicas import primary_wal_position
from therapies.models import (
    Approach,
    BestBet,
    Caution,
    Condition,
    EvidenceLink,
    Format,
    QuestionToAsk,
    Revision,
    Source,
    SourceRating,
)
from therapies.surrogate import EVERYTHING, keys_for_change, tag_response

logger = logging.getLogger(__name__)
outage = Throttled(logger)  # an unreachable cache is logged once a minute, not once a request

VERSION_KEY = "catalog-version"
# The primary's WAL position when the current version was made (read replicas only; explorer/replicas.py).
WAL_KEY = "catalog-wal"
VERSION_TIMEOUT = 30 * 24 * 60 * 60  # refreshed by every bump; a lost version just starts a new one
# Cookies that mean "this visitor may see something personal": the session (signed in) and messages.
PERSONAL_COOKIES = ("SESSION_COOKIE_NAME", "MESSAGE_COOKIE_NAME")


def catalog_version() -> int:
    """The current catalog version, starting a new one (never an old number) when the cache lost it."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # A clock-based start cannot collide with a version some stale page was stored under.
        cache.add(VERSION_KEY, time.time_ns() // 1000, VERSION_TIMEOUT)
        version = cache.get(VERSION_KEY)
    return version


def bump_catalog_version(keys: frozenset[str] = EVERYTHING) -> None:
    """Make every cached page unreachable: now, and again when the current transaction commits; at the
    commit, purge the HTTP cache in front of the pages with surrogate `keys` (explorer/purge.py).

    Bumping now keeps readers inside this transaction honest; bumping at commit discards a page that
    another request rendered from the old rows between our first bump and the commit.
    """
    _bump()
    transaction.on_commit(_bump)
    if settings.CACHE_PURGE_BACKEND != "none" and keys:
        _pending_purge_keys().update(keys)
        transaction.on_commit(_purge_pending)  # one purge per transaction, however many records it changed


# The keys this thread's transaction will purge at its commit (a thread's transactions are on its own
# connection; another thread's commit must not purge them before they are committed).
_purge_state = threading.local()


def _pending_purge_keys() -> set[str]:
    if not hasattr(_purge_state, "keys"):
        _purge_state.keys = set()
    return _purge_state.keys


def _purge_pending() -> None:
    keys = set(_pending_purge_keys())
    _pending_purge_keys().clear()
    if keys:
        purge(keys)


def _bump() -> None:
    # With read replicas, the primary's WAL position first: a reader of the new version then reads a
    # position at least as recent as this publish (no page is rendered from a replica behind it).
    if settings.DATABASE_REPLICA_URLS:
        _record_wal_position()
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet (or evicted): start a fresh one
        cache.set(VERSION_KEY, time.time_ns() // 1000, VERSION_TIMEOUT)
    except Exception as error:  # a cache outage must not block an edit; its pages expire within SERVER_PAGE_CACHE_SECONDS
        outage.warning("Could not bump the catalog version", error)


# For views that refuse unknown parameters themselves (the API answers them with a 400, never stored).
ANY_PARAMS = frozenset({"*"})


def _record_wal_position() -> None:
    position = primary_wal_position()
    try:
        if position is None:
            cache.delete(WAL_KEY)  # unknown: catalog_wal_position reads the primary's position afresh
        else:
            cache.set(WAL_KEY, position, VERSION_TIMEOUT)
    except Exception as error:
        outage.warning("Could not record the catalog's WAL position", error)


def catalog_wal_position() -> str | None:
    """The primary's WAL position at the latest publish (REPLICA_MIN_WAL_FUNCTION): a read replica serves
    pages only once it has replayed past it. Lost from the cache, it is taken afresh from the primary
    (later than any publish, so never too early)."""
    position = cache.get(WAL_KEY)
    if position is None:
        position = primary_wal_position()
        if position is not None:
            cache.add(WAL_KEY, position, VERSION_TIMEOUT)
            position = cache.get(WAL_KEY) or position
    return position


def cache_public_page(*, params: Iterable[str] = ()) -> Callable[[Callable], Callable]:
    """Mark a public GET view's responses as cacheable for anonymous visitors (see the middleware); `params`
    are the query parameters the view reads (any other is redirected away), or ANY_PARAMS."""
    known = frozenset(params)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            patch_vary_headers(response, ("HX-Request",))  # the browse page answers htmx with a fragment
            response.cache_public = True
            if settings.SURROGATE_KEYS and response.status_code == 200:
                tag_response(request, response)  # stored with the page, so a hit carries them too
            return response

        # For the middleware, before the view runs (functools.wraps carries them up through other decorators).
        wrapper.cache_public, wrapper.cache_params = True, known
        return wrapper

    return decorator


class RecentPages:
    """The pages this process stored or fetched most recently, up to a byte budget.

    Keys are the shared cache's full keys, which carry the catalog version (page_key): a publish makes
    these entries unreachable exactly as it does the shared ones. Moving to a newer version drops them all
    at once, to free the memory; a request still holding an older version neither reads nor stores here.
    An entry expires when its shared copy does (the expiry is stored with the page).
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[str, tuple[int, tuple]] = OrderedDict()  # key -> (size, stored page)
        self._bytes = 0
        self._version: int | None = None
        self._lock = threading.Lock()  # for threaded servers (gunicorn's gthread workers)

    def get(self, key: str, version: int) -> tuple | None:
        with self._lock:
            if not self._at(version):
                return None
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[1][3] < time.time():  # expired: the shared copy is gone too
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: str, version: int, stored: tuple) -> None:
        status, headers, content, _ = stored
        budget = settings.SERVER_PAGE_CACHE_LOCAL_BYTES
        size = len(key) + len(content) + sum(len(name) + len(value) for name, value in headers)
        if size > budget // 4:  # one page may not push out most of the rest
            return
        with self._lock:
            if not self._at(version):
                return
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (size, stored)
            self._bytes += size
            while self._bytes > budget:
                self._drop(next(iter(self._entries)))

    def _at(self, version: int) -> bool:
        """Whether `version` is the one held; a newer one replaces it (and every entry), an older is refused."""
        if self._version is None or version > self._version:
            self._entries.clear()
            self._bytes, self._version = 0, version
        return version == self._version

    def _drop(self, key: str) -> None:
        size, _ = self._entries.pop(key)
        self._bytes -= size


recent_pages = RecentPages()


class PublicPageCacheMiddleware:
    """Serve and store pages marked with @cache_public_page; placed right after WhiteNoise."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.SERVER_PAGE_CACHE_SECONDS
        if not anonymous_read(request) or not served_host(request):
            return self.get_response(request)
        known = cacheable_params(request)
        if known is None:
            return self.get_response(request)
        if "*" not in known and set(request.GET) - known:
            return HttpResponsePermanentRedirect(canonical_url(request, known))
        if not seconds or request.method == "HEAD":  # a HEAD goes to the view: the same answer, cached or not
            return self.get_response(request)
        try:
            version = catalog_version()
            key = page_key(request, version)
            full_key = cache.make_key(key)  # with the prefix naming the database and code
            stored = recent_pages.get(full_key, version)
            if stored is None:
                stored = cache.get(key)
                if not (isinstance(stored, tuple) and len(stored) == 4):  # none, or stored by another release
                    stored = None
                else:
                    recent_pages.put(full_key, version, stored)
        except Exception as error:
            outage.warning("Page cache unavailable; rendering without it", error)
            return self.get_response(request)
        if stored is not None:
            status, headers, content, _ = stored
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response.headers[name] = value
            response.headers["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if storable(request, response):
            headers = [(name, value) for name, value in response.items() if name.lower() != "x-page-cache"]
            stored = (response.status_code, headers, response.content, time.time() + seconds)  # expires then
            try:
                cache.set(key, stored, seconds)
            except Exception as error:
                outage.warning("Could not store a page in the cache", error)
            else:
                recent_pages.put(full_key, version, stored)
            response.headers["X-Page-Cache"] = "miss"
        return response


def cacheable_params(request: HttpRequest) -> frozenset[str] | None:
    """The query parameters of the view the path names, when it is marked with @cache_public_page; None
    otherwise. Only those views are looked up, so the health check, the report forms and the admin's
    sign-in page cost no cache round trips."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return match.func.cache_params if getattr(match.func, "cache_public", False) else None


def canonical_url(request: HttpRequest, known: frozenset[str]) -> str:
    """The request's path with only the known query parameters, in their order."""
    kept = [(name, value) for name, values in request.GET.lists() if name in known for value in values]
    return request.path + (f"?{urlencode(kept)}" if kept else "")


def served_host(request: HttpRequest) -> bool:
    """Whether the Host header names this site (ALLOWED_HOSTS): a page is never served from the cache, or
    stored, for another host; Django answers those with a 400."""
    try:
        request.get_host()
    except DisallowedHost:
        return False
    return True


def anonymous_read(request: HttpRequest) -> bool:
    """A GET or HEAD from someone with no session or messages cookie and no credentials."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return False
    cookie_names = {getattr(settings, name, None) for name in PERSONAL_COOKIES} | {"sessionid", "messages"}
    return not cookie_names & request.COOKIES.keys()


def storable(request: HttpRequest, response: HttpResponse) -> bool:
    """A marked, complete 200 that sets no cookie, used no CSRF token and is not private."""
    if not getattr(response, "cache_public", False) or response.status_code != 200 or response.streaming:
        return False
    if response.cookies or request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    cache_control = response.get("Cache-Control", "").lower()
    return "private" not in cache_control and "no-store" not in cache_control


def page_key(request: HttpRequest, version: int) -> str:
    """One key per catalog version, full path (with query string) and htmx-or-not."""
    # A history restore sends HX-Request too, but wants the whole page (see views._wants_fragment).
    is_fragment = request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")
    fragment = "hx" if is_fragment else "page"
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{version}:{fragment}:{path}"


def bump_catalog_version_for(instance) -> None:
    """bump_catalog_version for a change to one record: the HTTP cache purges only the pages showing it."""
    if settings.CACHE_PURGE_BACKEND == "none" or instance is None:
        bump_catalog_version()
    else:
        bump_catalog_version(keys_for_change(instance))


def _catalog_changed(sender, instance=None, **kwargs) -> None:
    bump_catalog_version_for(instance)


def connect_signals() -> None:
    """Bump the version on every save/delete of what public pages show (called from AppConfig.ready)."""
    for model in (Approach, Condition, EvidenceLink, SourceRating, Source, Format, Revision, QuestionToAsk, BestBet,
                  Caution):
        post_save.connect(_catalog_changed, sender=model, dispatch_uid=f"page-cache-save-{model.__name__}")
        post_delete.connect(_catalog_changed, sender=model, dispatch_uid=f"page-cache-delete-{model.__name__}")
    for through in (Approach.formats.through, EvidenceLink.formats.through):
        m2m_changed.connect(_catalog_changed, sender=through, dispatch_uid=f"page-cache-m2m-{through.__name__}")


def catalog_changed_at(version: int) -> float:
    """When this catalog version was first seen (a Unix time): for Last-Modified. Never earlier than the change
    that started the version, so a client that saw the previous version always gets the new one."""
    key = f"catalog-changed-at:{version}"
    try:
        cache.add(key, time.time(), VERSION_TIMEOUT)
        changed_at = cache.get(key)
    except Exception as error:
        outage.warning("Could not read when the catalog changed", error)
        changed_at = None
    return changed_at if isinstance(changed_at, float) else time.time()
