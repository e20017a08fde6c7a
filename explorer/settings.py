"""Settings for Therapy Explorer: one file, read from the environment with safe development defaults."""
from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {value!r}") from None


# One switch: DJANGO_ENV=production (or DEBUG=0) turns on everything below marked "in production".
DJANGO_ENV = env_str("DJANGO_ENV", "")
if DJANGO_ENV not in {"", "development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be 'development' or 'production', not {DJANGO_ENV!r}")
DEBUG = env_bool("DEBUG", DJANGO_ENV != "production")
if DJANGO_ENV == "production" and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")
PRODUCTION = not DEBUG

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else DEV_SECRET_KEY)
# In production refuse to start with a missing, development or weak key (the rule `check --deploy` applies).
if PRODUCTION and (SECRET_KEY.startswith(("dev-only", "django-insecure")) or len(SECRET_KEY) < 50
                   or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random string of at least 50 characters in production, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and (not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the site's host names (comma-separated; not '*') in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The proxies in front whose X-Forwarded-For names the client (explorer/clientip.py); gunicorn trusts the
# same list for X-Forwarded-Proto. Addresses or networks, comma-separated; "*" trusts every peer.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django_filters",
    "django_htmx",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our own static files (no CDN)
    "explorer.apps.ExplorerConfig",
    "therapies.apps.TherapiesConfig",
]

MIDDLEWARE = [
    "explorer.middleware.RequestIdMiddleware",  # first, so every response and log line has the id
    "explorer.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "explorer.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS, conditional requests and shared caching for the public API (/api/ only; therapies/api/http.py).
    "therapies.api.http.ApiHeadersMiddleware",
    # Before sessions and auth: a cached public page is answered without them (therapies/cache.py).
    "therapies.cache.PublicPageCacheMiddleware",
    # Before the session and auth middleware, so a 503 still passes through them on the way out.
    "explorer.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "explorer.urls"
WSGI_APPLICATION = "explorer.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL when set (CI, Docker, production); otherwise the embedded Postgres under var/,
# found or started when a connection is first needed (explorer/embedded_backend), not on import.
EMBEDDED_PGDATA = Path(env_str("EMBEDDED_PGDATA", str(BASE_DIR / "var" / "pgdata")))
DATABASE_NAME = env_str("DATABASE_NAME", "therapy_explorer")
if os.environ.get("DATABASE_URL"):
    try:
        DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from error
else:
    DATABASES = {"default": {"ENGINE": "explorer.embedded_backend", "NAME": DATABASE_NAME, "USER": "postgres"}}
# Keep connections between requests but check them first, so a restarted Postgres is picked up.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Short web queries: Postgres' JIT compiler spends 30-40 ms compiling plans whose estimated cost passes
# jit_above_cost, to run them a few ms faster. Off for the site's connections (a setting per session).
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Read replicas (explorer/replicas.py): Postgres streaming replicas for anonymous public reads, as URLs like
# DATABASE_URL, comma-separated. Unset (the single-machine default): no router, no middleware, no change.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS", [])
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    try:
        _replica = dj_database_url.parse(_url)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URLS item {_number} is malformed: {error}") from error
    _replica.update(CONN_MAX_AGE=DATABASES["default"]["CONN_MAX_AGE"], CONN_HEALTH_CHECKS=True, TEST={"MIRROR": "default"})
    # jit off as on the primary; a replica that does not answer within 2 s is skipped, not waited for.
    _replica.setdefault("OPTIONS", {}).update(options="-c jit=off", connect_timeout=2,
                                               application_name="therapy-explorer-replica")
    DATABASES[f"replica{_number}"] = _replica
REPLICA_MAX_LAG_SECONDS = env_float("REPLICA_MAX_LAG_SECONDS", 5.0)  # a replica further behind is skipped
REPLICA_CHECK_SECONDS = env_float("REPLICA_CHECK_SECONDS", 2.0)  # how often each process re-checks each replica
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 15)  # after a write, that browser reads the primary this long
# The WAL position the current catalog version was published at: a replica serves only once past it.
REPLICA_MIN_WAL_FUNCTION = "therapies.cache.catalog_wal_position" if DATABASE_REPLICA_URLS else ""
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["explorer.replicas.ReplicaRouter"]
    # Before the page cache: a page it renders reads from the replica chosen for the request.
    MIDDLEWARE.insert(MIDDLEWARE.index("therapies.cache.PublicPageCacheMiddleware"),
                      "explorer.replicas.ReplicaRoutingMiddleware")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Admin sign-in: django-axes locks an account or an address after repeated failures, for a while.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_float("AXES_COOLOFF_HOURS", 0.5)  # hours
# A name and an address together: wrong passwords lock that pair out, not the account for everyone (a
# stranger could otherwise lock any editor out) nor every user of a shared address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "explorer.clientip.client_ip"  # the client behind a trusted proxy, not the proxy
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # record failures only, not every successful sign-in
AXES_VERBOSE = False  # axes would log each failed sign-in with its username and IP address
AXES_USERNAME_CALLABLE = "explorer.signin.axes_username"  # a posted name longer than any account is cut
# Staff sessions end after 8 hours and when the browser closes; the public site sets no session.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Where the admin lives; move it off the guessable default with ADMIN_URL=some-path/.
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured(f"ADMIN_URL must be a relative path ending in '/', like 'admin/', not {ADMIN_URL!r}")

# The cache holds the reader-report rate limit (addresses are never stored) and rendered public pages
# (therapies/cache.py). Redis when REDIS_URL is set: shared by every worker, so a publish reaches them all;
# process memory otherwise, which suits one process (runserver, tests). Short timeouts: a slow or absent
# Redis makes pages render uncached, never fail.
# Keys name the database and the code (explorer/cachekeys.py): one Redis can serve several databases (the
# benchmark's scales), and a deploy never serves pages rendered by the previous release's templates.
CACHE_KEY_PREFIX = f"explorer:{DATABASES['default']['NAME']}"
CACHE_KEY_FUNCTION = "explorer.cachekeys.make_key"
REDIS_URL = env_str("REDIS_URL", "")
# Rate-limit counters live apart from the pages (the "limits" cache): a flood of page entries must never
# evict them. REDIS_LIMITS_URL names a Redis that does not evict (docker-compose: the "limits" service).
REDIS_LIMITS_URL = env_str("REDIS_LIMITS_URL", "")


def redis_cache(location: str) -> dict:
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": location,
            "KEY_PREFIX": CACHE_KEY_PREFIX, "KEY_FUNCTION": CACHE_KEY_FUNCTION,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}


def memory_cache(name: str) -> dict:
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": name,
            "KEY_PREFIX": CACHE_KEY_PREFIX, "KEY_FUNCTION": CACHE_KEY_FUNCTION, "OPTIONS": {"MAX_ENTRIES": 2000}}


CACHES = {
    "default": redis_cache(REDIS_URL) if REDIS_URL else memory_cache("therapy-explorer"),
    "limits": redis_cache(REDIS_LIMITS_URL or REDIS_URL) if (REDIS_LIMITS_URL or REDIS_URL) else memory_cache("limits"),
}
# How long this server keeps a rendered public page for anonymous visitors (therapies/cache.py); 0: off.
# Off in development, where templates change under a running server; a publish never waits for expiry.
SERVER_PAGE_CACHE_SECONDS = env_int("SERVER_PAGE_CACHE_SECONDS", 0 if DEBUG else 600)
# Each worker also keeps the pages it served last, up to this many bytes, in front of the shared cache.
SERVER_PAGE_CACHE_LOCAL_BYTES = env_int("SERVER_PAGE_CACHE_LOCAL_BYTES", 16 * 1024 * 1024)
READER_REPORTS_PER_HOUR = env_int("READER_REPORTS_PER_HOUR", 5)

# The public read-only API (therapies/api/): JSON only, anonymous, throttled per client address in the
# "limits" cache. API_THROTTLE_RATE: requests per second/minute/hour/day ("600/minute"); API_CACHE_SECONDS:
# how long a shared cache (a CDN) may keep an answer; browsers revalidate with the ETag after a minute.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/minute")
API_CACHE_SECONDS = env_int("API_CACHE_SECONDS", 300)
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["therapies.api.http.AnonymousThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "URL_FORMAT_OVERRIDE": None,  # ?format= is not DRF's: the API answers JSON only
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Therapy Explorer open data API",
    "DESCRIPTION": "Read-only access to the published catalog: approaches, conditions, evidence links with "
                   "every source's own rating, sources, formats and the public changelog. Data: CC BY 4.0.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "LICENSE": {"name": "CC-BY-4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"},
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "therapies.api.schema.record_enums"],
    "ENUM_NAME_OVERRIDES": {"LevelEnum": "therapies.choices.Level.choices"},
    "COMPONENT_SPLIT_REQUEST": False,
}
# Open-data releases (manage.py release_data), served at /data/<version>/ and /data/latest/.
DATA_RELEASES_DIR = Path(env_str("DATA_RELEASES_DIR", str(BASE_DIR / "var" / "releases")))

# Security headers and cookies. CSP and Permissions-Policy: explorer/middleware.py.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # stricter than strict-origin-when-cross-origin: nothing leaves the site
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # forms carry the token in a hidden field; scripts never read the cookie
CSRF_COOKIE_SAMESITE = "Lax"
# In production: cookies only over HTTPS, HTTP redirected to HTTPS, and HSTS. TLS ends at a proxy in front;
# gunicorn trusts its X-Forwarded-Proto from FORWARDED_ALLOW_IPS (explorer/gunicorn.conf.py).
# `make run` serves plain HTTP on loopback and turns this off (SECURE_COOKIES=0).
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
# Public pages that are the same for everyone may sit in a shared cache this long (0: never).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 60 if PRODUCTION else 0)
# An HTTP cache or CDN in front (explorer/purge.py): "none", or "varnish" with CACHE_PURGE_URLS (its BAN
# endpoints, comma-separated). Pages then name their records in Surrogate-Key / Cache-Tag headers
# (therapies/surrogate.py; SURROGATE_KEYS=1 adds them without a purge backend, for a CDN purged by hand).
CACHE_PURGE_BACKEND = env_str("CACHE_PURGE_BACKEND", "none")
if CACHE_PURGE_BACKEND not in {"none", "varnish"}:
    raise ImproperlyConfigured(f"CACHE_PURGE_BACKEND must be 'none' or 'varnish', not {CACHE_PURGE_BACKEND!r}")
CACHE_PURGE_URLS = env_list("CACHE_PURGE_URLS", [])
if CACHE_PURGE_BACKEND == "varnish" and not CACHE_PURGE_URLS:
    raise ImproperlyConfigured("CACHE_PURGE_BACKEND=varnish needs CACHE_PURGE_URLS (e.g. http://varnish:6081/).")
SURROGATE_KEYS = env_bool("SURROGATE_KEYS", CACHE_PURGE_BACKEND != "none")
# Refused before they are read: a query string longer than this (400), a body larger than these (413).
# 16 KiB: pages answer a merely long search (10,000 characters) with a message; gunicorn already refuses
# request lines over 8190 bytes, so this guards other servers (runserver, tests) against the absurd.
MAX_QUERY_STRING_LENGTH = env_int("MAX_QUERY_STRING_LENGTH", 16 * 1024)
MAX_PUBLIC_BODY_BYTES = env_int("MAX_PUBLIC_BODY_BYTES", 64 * 1024)
MAX_ADMIN_BODY_BYTES = env_int("MAX_ADMIN_BODY_BYTES", 10 * 1024 * 1024)  # catalog uploads
DATABASE_RETRY_AFTER_SECONDS = env_int("DATABASE_RETRY_AFTER_SECONDS", 30)

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed, compressed files in production; plain files in development and tests (no collectstatic).
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

CATALOG_PATH = BASE_DIR / "therapies" / "catalog" / "catalog.json"

# Every line carries the request id; emails and IP addresses are redacted (explorer/log.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "explorer.log.RequestIdFilter"},
                "drop_traceback": {"()": "explorer.log.DropTraceback"}},
    "formatters": {
        "plain": {
            "()": "explorer.log.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # A request for another host name is refused with a 400: one line, not a traceback each time.
        "django.security.DisallowedHost": {"filters": ["drop_traceback"]},
    },
}

# Benchmark mode (bench/run.py only): an X-Query-Count header on every response and a trivial view at
# /bench/trivial/ as the throughput floor. Never set in production.
if env_bool("BENCH_MODE", False):
    MIDDLEWARE.insert(0, "bench.querycount.QueryCountMiddleware")
    ROOT_URLCONF = "bench.urls"
