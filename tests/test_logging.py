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
