"""Benchmark mode only: the site's URLs plus a trivial Django view, the floor a real page is measured against."""
from django.http import HttpRequest, HttpResponse
from django.urls import path

from explorer import urls as site


def trivial(request: HttpRequest) -> HttpResponse:
    """The least a Django response costs here: every middleware, no template, no query."""
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *site.urlpatterns]
handler500 = getattr(site, "handler500", "django.views.defaults.server_error")
