"""Read replicas: anonymous public reads go to a healthy Postgres streaming replica, everything else to the primary.

Only installed when DATABASE_REPLICA_URLS names replicas (settings.py adds the router and the middleware);
without them nothing here runs, and every query goes to "default" as before.

- `ReplicaRoutingMiddleware` decides, per request, whether its reads may use a replica: a GET or HEAD, not
  under the admin, from someone with no session or messages cookie (a signed-in person, or one with a
  message waiting, reads the primary) and not pinned. A request with another method sets the pin cookie:
  for REPLICA_PIN_SECONDS that browser reads the primary, so it sees what it just wrote.
- `ReplicaRouter.db_for_read` picks the replica on the first read of such a request (lazily: a page served
  from the page cache never asks), writes always go to the primary, migrations run only there.
- Health: each replica is checked at most every REPLICA_CHECK_SECONDS per process: connectable, in recovery,
  and either replayed up to the primary's WAL position read just before (an idle primary writes nothing, so
  the age of the last replayed transaction would grow without any lag), or, when behind, its last replayed
  transaction no older than REPLICA_MAX_LAG_SECONDS. An unhealthy replica is skipped; with none healthy
  the primary serves.
- WAL guard: REPLICA_MIN_WAL_FUNCTION (a dotted path, so this module imports nothing of the app) returns
  the primary's WAL position when the current catalog version was made (therapies/cache.py records it at
  every publish). A replica serves a request only once it has replayed past it; a page cached under the
  new version is therefore never rendered from rows older than the publish.
"""
from __future__ import annotations

import contextvars
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from explorer.log import Throttled

logger = logging.getLogger(__name__)
outage = Throttled(logger)

PIN_COOKIE = "te_primary"  # "read the primary for a while": set after a write
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def wal_position(text: str | None) -> int | None:
    """A pg_lsn ("16/B374D848") as a number, for comparing; None stays None."""
    if not text:
        return None
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def primary_wal_position() -> str | None:
    """The primary's current WAL insert position (pg_current_wal_lsn), or None when it cannot be read."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            return cursor.fetchone()[0]
    except DatabaseError as error:
        outage.warning("Could not read the primary's WAL position", error)
        return None


# --- Health -----------------------------------------------------------------------------------------------

@dataclass
class ReplicaState:
    checked_at: float = -1e9
    healthy: bool = False
    replayed: int | None = None  # pg_last_wal_replay_lsn as a number; None: not in recovery (a primary)
    reason: str = "not checked"


@dataclass
class ReplicaPool:
    """Per process: each replica's last health check, refreshed at most every REPLICA_CHECK_SECONDS."""
    states: dict[str, ReplicaState] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def state(self, alias: str) -> ReplicaState:
        with self.lock:
            state = self.states.setdefault(alias, ReplicaState())
            due = time.monotonic() - state.checked_at >= settings.REPLICA_CHECK_SECONDS
            if due:
                state.checked_at = time.monotonic()  # one thread checks; the others use the last result
        if due:
            self.states[alias] = replace = check_replica(alias)
            replace.checked_at = time.monotonic()
            if replace.healthy != state.healthy:
                (logger.info if replace.healthy else logger.warning)("Replica %s: %s", alias, replace.reason)
            return replace
        return state

    def mark_down(self, alias: str, reason: str) -> None:
        self.states[alias] = ReplicaState(time.monotonic(), False, None, reason)
        logger.warning("Replica %s skipped: %s", alias, reason)


def check_replica(alias: str) -> ReplicaState:
    """Connect to the replica and measure how far behind the primary it is."""
    primary = wal_position(primary_wal_position())
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
                "EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8"
            )
            in_recovery, replayed_text, age = cursor.fetchone()
    except DatabaseError as error:
        connection.close()
        return ReplicaState(healthy=False, reason=f"unreachable ({type(error).__name__})")
    if not in_recovery:  # promoted, or a pooler in front of a primary: current by definition
        return ReplicaState(healthy=True, replayed=None, reason="not in recovery; serving as current")
    replayed = wal_position(replayed_text)
    if primary is not None and replayed is not None and replayed >= primary:
        return ReplicaState(healthy=True, replayed=replayed, reason="caught up with the primary")
    if age is not None and age <= settings.REPLICA_MAX_LAG_SECONDS:
        return ReplicaState(healthy=True, replayed=replayed, reason=f"{age:.1f} s behind")
    return ReplicaState(healthy=False, replayed=replayed,
                        reason=f"lagging ({'unknown' if age is None else f'{age:.1f} s'} behind, "
                               f"limit {settings.REPLICA_MAX_LAG_SECONDS} s)")


def replayed_now(alias: str) -> int | None | bool:
    """The replica's replay position read now; False when it cannot be read."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
            in_recovery, replayed = cursor.fetchone()
    except DatabaseError:
        connections[alias].close()
        return False
    return wal_position(replayed) if in_recovery else None


pool = ReplicaPool()


def required_wal_position() -> int | None:
    """The WAL position a replica must have replayed to serve the current catalog version (None: no rule)."""
    path = getattr(settings, "REPLICA_MIN_WAL_FUNCTION", "")
    if not path:
        return None
    try:
        return wal_position(import_string(path)())
    except Exception as error:  # the cache is down: no version to protect, the lag bound still holds
        outage.warning("Could not read the catalog's WAL position", error)
        return None


def choose_replica() -> str:
    """A healthy replica that has replayed the current catalog version's publish, else the primary."""
    aliases = replica_aliases()
    random.shuffle(aliases)  # spread the load; each request sticks to the one it got
    required: int | None = None
    required_known = False
    for alias in aliases:
        state = pool.state(alias)
        if not state.healthy:
            continue
        if not required_known:
            required, required_known = required_wal_position(), True
        if required is not None and state.replayed is not None and state.replayed < required:
            fresh = replayed_now(alias)  # the last check may predate a replay that has happened since
            if fresh is False:
                pool.mark_down(alias, "unreachable")
                continue
            if fresh is not None and fresh < required:
                continue  # not yet replayed the latest publish: the primary serves this request
        try:
            # A replica stopped since the last check shows here, not as an error page: the kept connection
            # is tested (CONN_HEALTH_CHECKS' own test, done now rather than at the first query) and reopened.
            connections[alias].close_if_health_check_failed()
            connections[alias].ensure_connection()
        except DatabaseError as error:
            connections[alias].close()
            pool.mark_down(alias, f"unreachable ({type(error).__name__})")
            continue
        return alias
    return DEFAULT_DB_ALIAS


# --- Per request ------------------------------------------------------------------------------------------

@dataclass
class Route:
    may_use_replica: bool
    alias: str | None = None  # chosen on the first read


current_route: contextvars.ContextVar[Route | None] = contextvars.ContextVar("replica_route", default=None)


def chosen_database() -> str | None:
    """The alias this request's reads went to (None: no read yet, or no routing)."""
    route = current_route.get()
    return route.alias if route else None


def may_use_replica(request: HttpRequest) -> bool:
    if request.method not in SAFE_METHODS or "HTTP_AUTHORIZATION" in request.META:
        return False
    if request.path.startswith("/" + settings.ADMIN_URL):
        return False
    personal = {settings.SESSION_COOKIE_NAME, getattr(settings, "MESSAGE_COOKIE_NAME", "messages"), PIN_COOKIE}
    return not personal & request.COOKIES.keys()


class ReplicaRoutingMiddleware:
    """Marks each request as replica-eligible or not, and pins a browser to the primary after it writes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_route.set(Route(may_use_replica(request)))
        try:
            response = self.get_response(request)
        finally:
            current_route.reset(token)
        if request.method not in SAFE_METHODS and settings.REPLICA_PIN_SECONDS > 0:
            response.set_cookie(PIN_COOKIE, "1", max_age=settings.REPLICA_PIN_SECONDS, httponly=True,
                                samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        return response


class ReplicaRouter:
    """Reads of replica-eligible requests to a replica; all writes, and every other read, to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        route = current_route.get()
        if route is None or not route.may_use_replica:
            return DEFAULT_DB_ALIAS
        if route.alias is None:
            route.alias = choose_replica()
        return route.alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
