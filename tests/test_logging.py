"""Errors are logged with the request id; logs hold no reader emails or IP addresses."""
import logging

import pytest
from django.urls import path

from explorer.log import RedactingFormatter, RequestIdFilter, redact
from explorer.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise ValueError("could not reply to reader@example.org from 203.0.113.9 or 2001:db8::1")


urlpatterns = [path("broken/", broken_view), *site_urlpatterns]
handler500 = "explorer.views.server_error"


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(RedactingFormatter("%(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        self.addFilter(RequestIdFilter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def captured():
    handler = Capture()
    logging.getLogger().addHandler(handler)
    yield handler.lines
    logging.getLogger().removeHandler(handler)


@pytest.mark.urls("tests.test_logging")
def test_an_error_is_logged_with_the_request_id_and_without_personal_data(client, captured):
    client.raise_request_exception = False
    response = client.get("/broken/", HTTP_X_REQUEST_ID="req-0123456789", REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 500
    assert "Reference: req-0123456789" in response.content.decode()  # a person can quote it
    text = "\n".join(captured)
    assert "[req-0123456789] django.request: Internal Server Error: /broken/" in text
    assert "ValueError: could not reply to [email] from [ip] or [ip]" in text  # the traceback, redacted
    for personal in ("reader@example.org", "203.0.113.9", "2001:db8::1", "198.51.100.7"):
        assert personal not in text


def test_redaction_leaves_times_and_ordinary_text_alone():
    line = "2026-11-01 12:30:01,123 INFO [-] explorer: 3 rows in 0.5s; version 1.2.3"
    assert redact(line) == line
    assert redact("from ::1 and 10.0.0.1 and fe80::1ff:fe23:4567:890a") == "from [ip] and [ip] and [ip]"


@pytest.mark.django_db
def test_a_failed_sign_in_is_not_logged_with_its_address_or_username(client, captured):
    client.post("/admin/login/", {"username": "someone@example.org", "password": "wrong"}, REMOTE_ADDR="192.0.2.44")
    text = "\n".join(captured)
    assert "192.0.2.44" not in text and "someone@example.org" not in text


@pytest.mark.django_db
def test_a_not_found_line_carries_its_request_id(client, captured):
    """Django logs 4xx responses after the middleware has finished; the line still names the request."""
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404-abcdefgh")
    assert response.status_code == 404
    assert "[req-404-abcdefgh] django.request: Not Found: /no-such-page/" in "\n".join(captured)


@pytest.mark.django_db
def test_a_bad_host_header_is_one_line_without_a_traceback(client, captured):
    for _ in range(2):
        assert client.get("/", HTTP_HOST="attacker.example").status_code == 400
    lines = [line for line in captured if "DisallowedHost" in line or "Invalid HTTP_HOST" in line]
    assert len(lines) == 2 and all("Traceback" not in line for line in lines)


def test_gunicorn_names_no_client_address(tmp_path):
    """gunicorn's own warnings ("Invalid request from ip=...") go through the redacting formatter."""
    import socket
    import subprocess
    import sys

    from tests.helpers import ROOT, collectstatic, free_port, production_env, wait_for

    port = free_port()
    env = production_env(tmp_path, port, DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    collectstatic(env)
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "explorer.wsgi:application", "--config",
                               "explorer/gunicorn.conf.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/help/", server)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"NOT A REQUEST LINE\r\n\r\n")
            connection.recv(1024)
    finally:
        server.terminate()
        output = server.communicate(timeout=20)[0]
    assert "Invalid request from ip=[ip]" in output, output
    assert "127.0.0.1" not in output.replace("http://127.0.0.1", "")
