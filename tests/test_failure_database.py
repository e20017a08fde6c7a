"""When Postgres goes away: a calm 503 with Retry-After (never a 500), /healthz says so, and the site recovers
by itself when Postgres returns, with no restart of the app.

The embedded Postgres is shared by every process on the machine, so the outage is staged on a private
embedded server in a temporary folder, with the app served by gunicorn as in production.
"""
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.db import OperationalError
from django.test import RequestFactory

from explorer.embedded_db import embedded_postgres_host, stop_embedded_postgres
from explorer.middleware import DatabaseUnavailableMiddleware
from explorer.views import server_error
from tests.helpers import ROOT, collectstatic, free_port, production_env, wait_for

GUNICORN = [sys.executable, "-m", "gunicorn", "explorer.wsgi:application", "--config", "explorer/gunicorn.conf.py"]


def fetch(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def private_postgres(tmp_path: Path):
    """A Postgres server of our own (the embedded one, unix socket only), with a database for the app."""
    data = tmp_path / "pgdata"
    socket_dir = embedded_postgres_host(data)
    try:
        admin = psycopg2.connect(dbname="postgres", user="postgres", host=socket_dir)
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE outage")
        admin.close()
        yield data, f"postgres://postgres@{quote(socket_dir, safe='')}/outage"
    finally:
        stop_embedded_postgres(data)


@pytest.mark.django_db
def test_site_answers_503_while_postgres_is_down_and_recovers_without_a_restart(tmp_path: Path, private_postgres):
    data, database_url = private_postgres
    port = free_port()
    # Page cache off: this tests what a page does when it must reach the database. (A page already in
    # the page cache is still served during an outage, which is the better failure when it happens.)
    env = production_env(
        tmp_path, port, DATABASE_URL=database_url, DATABASE_RETRY_AFTER_SECONDS="30", SERVER_PAGE_CACHE_SECONDS="0"
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([sys.executable, "manage.py", "import_catalog", "-v0"], cwd=ROOT, env=env, check=True)
    collectstatic(env)
    base = f"http://127.0.0.1:{port}"
    # One worker keeping its connection (CONN_MAX_AGE): the case where a stale connection could linger.
    app = subprocess.Popen(GUNICORN, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(base + "/healthz", app)
        assert fetch(base + "/therapies/cbt/")[0] == 200

        stop_embedded_postgres(data)
        for path in ("/", "/therapies/", "/therapies/cbt/", "/conditions/depression/", "/about/"):
            status, headers, body = fetch(base + path)
            assert status == 503, path
            assert headers["Retry-After"] == "30"
            assert "back in a moment" in body and "116 123" in body  # calm, and still points to crisis lines
            assert "Traceback" not in body and "OperationalError" not in body
            assert "no-store" in headers["Cache-Control"]
        status, headers, body = fetch(base + "/healthz")
        assert (status, body) == (503, "database unavailable\n")
        assert fetch(base + "/help/")[0] == 200  # crisis help needs no database: it stays up

        embedded_postgres_host(data)  # the same data and socket: Postgres is back
        assert fetch(base + "/healthz")[:1] == (200,)
        status, _, body = fetch(base + "/therapies/cbt/")
        assert status == 200 and "Cognitive behavioural therapy" in body
        assert app.poll() is None  # the same gunicorn, never restarted
    finally:
        app.terminate()
        output = app.communicate(timeout=20)[0]
    assert "Traceback" not in output, output
    assert "Database unavailable" in output  # logged as a warning, with the request id


def test_a_database_error_raised_outside_a_view_is_a_503_too(settings):
    """handler500 sees the exception Django is handling; an outage there is still the 503 page."""
    request = RequestFactory().get("/")
    request.id = "abc123"
    try:
        raise OperationalError("connection refused")
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503 and response["Retry-After"]
    assert "Reference: abc123" in response.content.decode()
    other = server_error(request)
    assert other.status_code == 500 and "Something went wrong" in other.content.decode()


def test_a_bad_query_is_not_mistaken_for_an_outage():
    from django.db import ProgrammingError

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/"), ProgrammingError("no such column")) is None
