"""What every API answer shares besides its body: CORS for anyone (GET and HEAD, no credentials), ETag and
Last-Modified from the catalog version with 304s for conditional requests, shared caching, and the anonymous
rate limit (429 with Retry-After)."""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from rest_framework.throttling import SimpleRateThrottle

from explorer.clientip import client_ip
from explorer.log import Throttled
from therapies.cache import catalog_changed_at, catalog_version

API_PREFIX = "/api/"
BROWSER_MAX_AGE = 60  # seconds a browser may reuse an answer before revalidating with its ETag
EXPOSED_HEADERS = "ETag, Last-Modified, Link, Retry-After, X-Total-Count"
outage = Throttled(logging.getLogger(__name__))


def cors(response: HttpResponse) -> None:
    """Anyone may read the API from a web page: any origin, no cookies or credentials."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response["Cross-Origin-Resource-Policy"] = "cross-origin"


def api_etag(request: HttpRequest, version: int) -> str:
    """One ETag per catalog version and address: the same request under the same catalog gives the same body."""
    digest = hashlib.sha256(f"{version}:{request.get_full_path()}".encode()).hexdigest()[:20]
    return quote_etag(f"{version}-{digest}")


class ApiHeadersMiddleware:
    """For /api/ only: answers CORS preflights and conditional requests, and labels every answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META:
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response["Access-Control-Allow-Headers"] = "If-None-Match, If-Modified-Since"
            response["Access-Control-Max-Age"] = "86400"
            cors(response)
            return response
        if request.method not in ("GET", "HEAD"):
            response = self.get_response(request)
            cors(response)
            return response
        try:
            version = catalog_version()
        except Exception as error:  # the cache is down: answer without validators rather than fail
            outage.warning("Catalog version unavailable; API answers carry no ETag", error)
            response = self.get_response(request)
            cors(response)
            return response
        etag, changed_at = api_etag(request, version), int(catalog_changed_at(version))
        response = get_conditional_response(request, etag=etag, last_modified=changed_at)
        if response is None:
            response = self.get_response(request)
        if response.status_code in (200, 304):
            response["ETag"] = etag
            response["Last-Modified"] = http_date(changed_at)
            patch_cache_control(response, public=True, max_age=BROWSER_MAX_AGE, s_maxage=settings.API_CACHE_SECONDS)
        cors(response)
        return response


class AnonymousThrottle(SimpleRateThrottle):
    """API_THROTTLE_RATE requests per client address, counted in the `limits` cache under a salted hash of the
    address (never the address itself). When that cache cannot answer, the request is let through."""

    scope = "anonymous"

    @property
    def cache(self):  # looked up per request: tests and deployments may change CACHES
        return caches["limits"]

    def get_rate(self) -> str:
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        address = hashlib.sha256(f"{settings.SECRET_KEY}:{client_ip(request)}".encode()).hexdigest()[:32]
        return f"api-throttle:{address}"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as error:  # Redis down or slow: the API stays up without its limit
            outage.warning("API rate limit unavailable; requests are let through", error)
            return True
