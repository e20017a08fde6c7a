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


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-never-use-in-production")
if not DEBUG and SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_filters",
    "django_htmx",
    "axes",
    "therapies.apps.TherapiesConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: a cached public page is answered without them (therapies/cache.py).
    "therapies.cache.PublicPageCacheMiddleware",
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

# Database: DATABASE_URL when set (CI, Docker, production); otherwise the embedded Postgres under var/.
EMBEDDED_PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = env_str("DATABASE_NAME", "therapy_explorer")
if os.environ.get("DATABASE_URL"):
    try:
        DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from error
else:
    from explorer.embedded_db import embedded_postgres_host

    EMBEDDED_PGDATA.parent.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": DATABASE_NAME,
            "USER": "postgres",
            "HOST": embedded_postgres_host(EMBEDDED_PGDATA),
        }
    }
# Keep connections between requests but check them first, so a restarted Postgres is picked up.
DATABASES["default"]["CONN_MAX_AGE"] = int(env_str("CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(env_str("AXES_COOLOFF_HOURS", "0.5"))  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one locks: the account, or the address
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # record failures only, not every successful sign-in
# Staff sessions end after 8 hours and when the browser closes; the public site sets no session.
SESSION_COOKIE_AGE = int(env_str("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Where the admin lives; move it off the guessable default with ADMIN_URL=some-path/.
ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured(f"ADMIN_URL must be a relative path ending in '/', like 'admin/', not {ADMIN_URL!r}")

# The cache holds the reader-report rate limit (addresses are never stored) and rendered public pages
# (therapies/cache.py). Redis when REDIS_URL is set: shared by every worker, so a publish reaches them all;
# process memory otherwise, which suits one process (runserver, tests). Short timeouts: a slow or absent
# Redis makes pages render uncached, never fail.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "explorer",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "therapy-explorer",
                          "OPTIONS": {"MAX_ENTRIES": 2000}}}
# How long this server keeps a rendered public page for anonymous visitors (therapies/cache.py); 0: off.
# Off in development, where templates change under a running server; a publish never waits for expiry.
SERVER_PAGE_CACHE_SECONDS = int(env_str("SERVER_PAGE_CACHE_SECONDS", "0" if DEBUG else "600"))
READER_REPORTS_PER_HOUR = int(env_str("READER_REPORTS_PER_HOUR", "5"))

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start while it is missing
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}},
}
