"""Project-wide middleware: request ids, security headers, early refusal of oversized requests, and a calm
503 page when Postgres is unreachable."""
from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.cache import patch_cache_control, patch_vary_headers

logger = logging.getLogger("explorer.requests")

# The id of the request being handled, for log records (see explorer.logging.RequestIdFilter).
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# An id a proxy or load balancer already gave the request is kept when it is short and plain.
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Scripts and styles only from this site; no inline code, no eval, never framed, forms post only here.
# img-src allows data: because the admin's own stylesheets draw a few icons as data: URLs.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Powerful browser features the site never uses.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation",
        "gyroscope", "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get",
        "screen-wake-lock", "serial", "usb", "xr-spatial-tracking", "browsing-topics", "interest-cohort",
    )
)


class RequestIdMiddleware:
    """Give every request an id: on `request.id`, in every log line, and in the `X-Request-ID` response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request.id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = current_request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response (Django's SecurityMiddleware sets
    HSTS, nosniff, Referrer-Policy and Cross-Origin-Opener-Policy), and proxy caching only where safe."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if not response.has_header("Cache-Control"):
            self.set_cache_control(request, response)
        return response

    @staticmethod
    def set_cache_control(request: HttpRequest, response: HttpResponse) -> None:
        """A shared cache may keep a page only when it is the same for everyone: a successful GET that set
        no cookie and does not depend on one (no session, no CSRF token). Everything else is private."""
        shareable = (
            request.method in {"GET", "HEAD"}
            and response.status_code == 200
            and not response.cookies
            and "cookie" not in response.get("Vary", "").lower()
            and not request.path.startswith("/" + settings.ADMIN_URL)
            and settings.PAGE_CACHE_SECONDS > 0
        )
        if shareable:
            # Browsers revalidate; proxies keep the page briefly. htmx requests get a fragment of the same URL.
            patch_cache_control(response, public=True, max_age=0, s_maxage=settings.PAGE_CACHE_SECONDS)
            patch_vary_headers(response, ["HX-Request"])
        else:
            patch_cache_control(response, private=True, no_cache=True)


class RequestSizeLimitMiddleware:
    """Refuse huge query strings (400) and huge bodies (413) before anything reads them.

    gunicorn already caps the request line and headers; this covers every server, and bodies, which
    Django would otherwise read up to DATA_UPLOAD_MAX_MEMORY_SIZE before refusing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if len(request.META.get("QUERY_STRING", "")) > settings.MAX_QUERY_STRING_LENGTH:
            logger.info("Refused a query string of %d characters", len(request.META["QUERY_STRING"]))
            return self.refuse(request, 400, "The address is too long.")
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self.refuse(request, 400, "The request is malformed.")
        # The admin takes catalog uploads; public forms take a few kilobytes at most.
        is_admin = request.path.startswith("/" + settings.ADMIN_URL)
        limit = settings.MAX_ADMIN_BODY_BYTES if is_admin else settings.MAX_PUBLIC_BODY_BYTES
        if length > limit:
            logger.info("Refused a body of %d bytes", length)
            return self.refuse(request, 413, "What was sent is too large.")
        return self.get_response(request)

    @staticmethod
    def refuse(request: HttpRequest, status: int, message: str) -> HttpResponse:
        return HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")


def database_unavailable_response(request: HttpRequest | None = None) -> HttpResponse:
    """The calm 503 page: rendered without the request so no context processor can touch the database."""
    request_id = getattr(request, "id", current_request_id.get())
    html = loader.get_template("503.html").render({"request_id": request_id})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(settings.DATABASE_RETRY_AFTER_SECONDS)
    patch_cache_control(response, no_store=True)
    return response


def is_database_outage(exception: BaseException) -> bool:
    """Postgres down, restarting or unreachable (not a bad query, which is a bug and should be a 500)."""
    return isinstance(exception, (OperationalError, InterfaceError))


class DatabaseUnavailableMiddleware:
    """Turn "Postgres is unreachable" into a 503 with Retry-After instead of a 500 traceback.

    Recovery needs nothing here: CONN_HEALTH_CHECKS makes the next request open a fresh connection.
    Errors raised outside views reach explorer.views.server_error, which makes the same choice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        first_line = str(exception).strip().splitlines()[0] if str(exception).strip() else ""
        logger.warning("Database unavailable (%s: %s); answered 503", type(exception).__name__, first_line)
        return database_unavailable_response(request)
