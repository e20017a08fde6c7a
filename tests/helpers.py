"""Shared test helpers: a URL for the test database, free ports, and a served app."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.db import connection, connections

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """A DATABASE_URL for the database the tests are using (a unix-socket host is percent-encoded)."""
    settings = connection.settings_dict
    user = quote(settings["USER"] or "", safe="")
    password = f":{quote(settings['PASSWORD'], safe='')}" if settings.get("PASSWORD") else ""
    host = quote(settings["HOST"] or "", safe="")
    port = f":{settings['PORT']}" if settings.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{process.stdout.read() if process.stdout else ''}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def production_env(tmp_path: Path, port: int, **extra: str) -> dict[str, str]:
    """Environment for running the app as production does, against the test database."""
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE: production never sets it, and `check --deploy` refuses it.
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DJANGO_ENV="production", SECRET_KEY="test-secret-key-for-the-production-path-" + "x7Q2mZ9pL4vB8nR1",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # the test server speaks plain HTTP on loopback; no TLS proxy in front
        DATABASE_URL=test_database_url(), STATIC_ROOT=str(tmp_path / "static"), HOST="127.0.0.1",
        PORT=str(port), WEB_CONCURRENCY="1", DJANGO_SETTINGS_MODULE="explorer.settings",
    )
    env.update(extra)
    return env


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )


@contextmanager
def scratch_database(prefix: str):
    """An empty database of its own beside the test database, dropped afterwards; yields its DATABASE_URL
    (for a server process the test starts, e.g. the entrypoint on an empty database)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield test_database_url().rsplit("/", 1)[0] + "/" + name
    finally:
        connections.close_all()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
