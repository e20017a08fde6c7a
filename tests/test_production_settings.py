"""One switch (DJANGO_ENV=production, or DEBUG=0) puts the app in production mode: `check --deploy` is clean,
it refuses to start without a real SECRET_KEY and ALLOWED_HOSTS, and cookies are Secure, HttpOnly, SameSite."""
import json
import os
import runpy
import subprocess
import sys

import pytest

from tests.helpers import ROOT

REAL_KEY = "k3Y-8vJ2q9ZxW4mN7pR1tL6sB0cH5dF8gA2eU9yI3oQ7wE4rT1"  # 51 characters, random-looking
# Settings load without a database connection; this URL is never connected to.
BASE = {"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "DJANGO_SETTINGS_MODULE": "explorer.settings"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS",
                                                              "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True,
                          env={**clean, **BASE, **env})


def production_settings(**env: str) -> dict:
    names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
             "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS",
             "SECURE_HSTS_INCLUDE_SUBDOMAINS", "ALLOWED_HOSTS"]
    code = f"from django.conf import settings; import json; print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    result = manage("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_reports_no_issues_in_production_mode(tmp_path):
    env = {"DJANGO_ENV": "production", "SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "therapy-explorer.example",
           "STATIC_ROOT": str(tmp_path / "static")}
    assert manage("collectstatic", "--noinput", "-v0", **env).returncode == 0
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_before_collectstatic(tmp_path):
    """WhiteNoise serves only collected, hashed files: the deploy check (the entrypoint runs it) says so."""
    result = manage("check", "--deploy", "--fail-level", "ERROR", DJANGO_ENV="production", SECRET_KEY=REAL_KEY,
                    ALLOWED_HOSTS="therapy-explorer.example", STATIC_ROOT=str(tmp_path / "never-collected"))
    assert result.returncode != 0
    assert "explorer.E001" in result.stderr and "collectstatic" in result.stderr


def test_development_mode_is_not_deploy_ready():
    """The control: the same check finds problems with development defaults."""
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0


@pytest.mark.parametrize("switch", [{"DJANGO_ENV": "production"}, {"DEBUG": "0"}])
def test_one_switch_derives_secure_cookies_hsts_and_https(switch):
    values = production_settings(**switch, SECRET_KEY=REAL_KEY, ALLOWED_HOSTS="therapy-explorer.example")
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_HTTPONLY"] and values["CSRF_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_SSL_REDIRECT"] and values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]


@pytest.mark.parametrize("env, message", [
    ({}, "Set SECRET_KEY"),
    ({"SECRET_KEY": "dev-only-insecure-key-never-use-in-production-but-long-enough"}, "Set SECRET_KEY"),
    ({"SECRET_KEY": "too-short-to-be-a-real-key"}, "Set SECRET_KEY"),
    ({"SECRET_KEY": "a" * 60}, "Set SECRET_KEY"),
    ({"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS"),
    ({"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "*"}, "Set ALLOWED_HOSTS"),
    ({"SECRET_KEY": REAL_KEY, "ALLOWED_HOSTS": "x.example", "DEBUG": "1"}, "DEBUG must be off"),
])
def test_production_refuses_to_start_without_a_real_key_and_hosts(env, message):
    env = {"ALLOWED_HOSTS": "therapy-explorer.example", **env}
    if not env["ALLOWED_HOSTS"]:
        env.pop("ALLOWED_HOSTS")
    result = manage("check", DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_a_malformed_switch_is_refused():
    result = manage("check", DJANGO_ENV="prod")
    assert result.returncode != 0 and "DJANGO_ENV must be" in result.stderr


def test_gunicorn_takes_workers_timeouts_and_trusted_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "45")
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.2")
    config = runpy.run_path(str(ROOT / "explorer" / "gunicorn.conf.py"))
    assert (config["workers"], config["timeout"], config["forwarded_allow_ips"]) == (3, 45, "10.0.0.2")
    assert "%(h)s" not in config["access_log_format"]  # no client addresses in the access log
    assert "x-request-id" in config["access_log_format"]
