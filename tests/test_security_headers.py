"""Security headers on every page, and proxy caching only for pages that are the same for everyone."""
import pytest
from django.urls import reverse

from explorer.middleware import CONTENT_SECURITY_POLICY
from tests.public_urls import public_urls

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_csp_allows_scripts_and_styles_only_from_the_site_and_forbids_framing():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "unsafe" not in CONTENT_SECURITY_POLICY


def test_every_public_page_sends_the_security_headers(client, catalog):
    urls = public_urls() + ["/healthz", "/no-such-page/", reverse("admin:login")]
    assert len(urls) >= 9
    for url in urls:
        response = client.get(url)
        assert response.status_code < 500, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin",
                                               "strict-origin"}
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]
        assert len(response["X-Request-ID"]) == 32


def test_pages_have_no_inline_script_or_style(client, catalog):
    """What the policy would block: <script> without src, <style>, style= and on*= attributes."""
    from html.parser import HTMLParser

    class Finder(HTMLParser):
        found: list = []

        def handle_starttag(self, tag, attrs):
            names = {name for name, _ in attrs}
            if (tag == "script" and "src" not in names and dict(attrs).get("type") != "application/json") \
                    or tag == "style" or "style" in names or any(name.startswith("on") for name in names):
                self.found.append((tag, attrs))

    for url in public_urls() + ["/no-such-page/"]:
        finder = Finder()
        finder.found = []
        finder.feed(client.get(url).content.decode())
        assert finder.found == [], url


def test_htmx_is_told_not_to_inject_its_inline_style(client, catalog):
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in client.get("/").content.decode()


def test_hsts_is_sent_on_https_in_production(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/help/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_a_page_the_same_for_everyone_may_sit_in_a_shared_cache_briefly(client, catalog, settings):
    settings.PAGE_CACHE_SECONDS = 60
    response = client.get("/therapies/")
    assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=0", "s-maxage=60"}
    assert "HX-Request" in response["Vary"]  # the htmx fragment of a URL is cached apart from the page


def test_pages_with_a_form_token_or_for_staff_are_never_shared(client, catalog, settings, admin_client_logged_in):
    settings.PAGE_CACHE_SECONDS = 60
    response = client.get(reverse("therapies:therapy-report", args=["cbt"]))  # carries a CSRF token
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
    # The approach page links to that form rather than embedding it, so a proxy may share it.
    assert "public" in client.get("/therapies/cbt/")["Cache-Control"]
    admin_page = admin_client_logged_in.get(reverse("admin:index"))
    assert "private" in admin_page["Cache-Control"]
    not_found = client.get("/no-such-page/")
    assert "public" not in not_found["Cache-Control"]


def test_an_incoming_request_id_is_kept_only_when_plain(client):
    assert client.get("/help/", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    assert client.get("/help/", HTTP_X_REQUEST_ID="<script>x</script>")["X-Request-ID"] != "<script>x</script>"
