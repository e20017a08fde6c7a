"""Logging pieces: every line carries the request id, and no line carries an email or an IP address.

Readers may send an email with a report and every request comes from an address; neither belongs in
logs. Redaction runs on the finished line, tracebacks included, so a database error that quotes a
value is caught too.
"""
from __future__ import annotations

import logging
import re
import threading
import time

from explorer.middleware import current_request_id

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
# Full or compressed IPv6 (at least two colons and hex groups); times like 12:30:01 have no hex letters
# or '::', so they are left alone unless they have more than three groups.
IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])|(?<![\w:])[0-9A-Fa-f:]*::[0-9A-Fa-f:]*(?![\w:])")
TIME = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the id of the request the record names (Django logs 4xx and 5xx
    responses after the middleware has finished), else of the request being handled, "-" outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "id", None) or current_request_id.get()
        return True


def redact(text: str) -> str:
    """Replace emails and IP addresses with placeholders."""
    text = EMAIL.sub("[email]", text)
    text = IPV4.sub("[ip]", text)
    return IPV6.sub(lambda match: match.group(0) if TIME.match(match.group(0)) else "[ip]", text)


class RedactingFormatter(logging.Formatter):
    """A formatter whose output never holds an email or an IP address."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return redact(super().format(record))


class DropTraceback(logging.Filter):
    """Keeps the message of an expected refusal (a bad Host header) and drops its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.exc_info, record.exc_text = None, None
        return True


class Throttled:
    """Logs a failure that repeats on every request (a cache outage) once per interval, in one line."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0) -> None:
        self.logger, self.interval = logger, interval
        self._last = float("-inf")
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Log the next failure whenever it comes (tests, and a recovered outage's successor)."""
        with self._lock:
            self._last = float("-inf")

    def warning(self, message: str, error: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last < self.interval:
                return
            self._last = now
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        self.logger.warning("%s (%s: %s)", message, type(error).__name__, first_line)
