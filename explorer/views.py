"""Project-level views: the health check for a load balancer, and the 500 handler."""
from __future__ import annotations

import logging
import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from explorer.middleware import database_unavailable_response, is_database_outage

logger = logging.getLogger("explorer.requests")


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 "ok" when the app can run one trivial query; 503 otherwise. One query, no template."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        response = HttpResponse("ok\n", content_type="text/plain")
    except DatabaseError as error:
        logger.warning("Health check: database unavailable (%s)", type(error).__name__)
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        response["Retry-After"] = "5"
    patch_cache_control(response, no_store=True)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the cause is a database outage, else the friendly 500 page.

    Django calls this with the exception still being handled, and only when DEBUG is off. The template
    is rendered without the request, so no context processor can query a database that may be down.
    """
    exception = sys.exc_info()[1]
    if exception is not None and is_database_outage(exception):
        return database_unavailable_response(request)
    html = loader.get_template("500.html").render({"request_id": getattr(request, "id", "")})
    response = HttpResponse(html, status=500)
    patch_cache_control(response, no_store=True)
    return response


@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and feed readers ask for whatever the page links: the site's icon."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
