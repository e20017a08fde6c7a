"""Property-based: arbitrary POST data to every form and arbitrary query strings to every URL (read from the
URLconf, so new pages are included) never give a 5xx, and never echo what was sent unescaped.
tests/test_fuzz_public_urls.py covers the browse filters' own parameters in depth."""
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.public_urls import public_urls

PROBE = "<x-probe>"
text = st.one_of(
    st.text(max_size=300),
    st.text(max_size=30).map(lambda value: PROBE + value),
    st.sampled_from(["", " ", "\x00", "a" * 3000, "https://example.org/study", "javascript:alert(1)", "not an email",
                     "reader@example.org", "<script>alert(1)</script>", "' OR 1=1 --", "🙂" * 100, "\r\n" * 50]),
)
FORM_FIELDS = {
    "report": ["message", "source_url", "email", "website", "csrfmiddlewaretoken", "extra"],
    "login": ["username", "password", "next", "this_is_the_login_form"],
}


def form_urls() -> dict[str, list[str]]:
    return {
        "report": [reverse("therapies:therapy-report", args=["cbt"]),
                   reverse("therapies:condition-report", args=["ocd"])],
        "login": [reverse("admin:login")],
    }


def assert_handled(response, sent) -> None:
    assert response.status_code < 500, (response.status_code, sent)
    assert PROBE not in response.content.decode(errors="replace"), sent


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(form=st.sampled_from(sorted(FORM_FIELDS)), choice=st.integers(0, 1), data=st.data())
def test_no_post_breaks_a_form(client, published_catalog, form, choice, data):
    cache.clear()  # the reader-report rate limit would otherwise answer every later example with 429
    urls = form_urls()[form]
    url = urls[choice % len(urls)]
    fields = data.draw(st.lists(st.tuples(st.sampled_from(FORM_FIELDS[form]), text), max_size=8))
    body = urlencode(fields)
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert_handled(response, fields)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0), params=st.lists(st.tuples(st.text(max_size=20), text), max_size=6))
def test_no_query_string_breaks_any_url(client, published_catalog, index, params):
    urls = public_urls() + ["/healthz", reverse("admin:login"), "/no-such-page/"]
    url = urls[index % len(urls)]
    response = client.get(url + "?" + urlencode(params))
    assert_handled(response, (url, params))


@pytest.mark.django_db
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=2000), content_type=st.sampled_from([
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "multipart/form-data",
    "application/json", "text/plain; charset=utf-16", "application/x-www-form-urlencoded; charset=bogus"]))
def test_no_raw_body_breaks_the_report_form(client, published_catalog, body, content_type):
    cache.clear()
    response = client.generic("POST", reverse("therapies:therapy-report", args=["cbt"]), body, content_type=content_type)
    assert_handled(response, (body, content_type))
