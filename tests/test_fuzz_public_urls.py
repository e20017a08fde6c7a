"""Property-based: any query string on any public URL gives a normal page, a 400 or a 404 (after at most a
redirect that drops parameters the page does not read); never a 5xx, never an unescaped echo of what was
sent."""
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


PUBLIC_URLS = ["/", "/therapies/", "/therapies/cbt/", "/conditions/", "/conditions/ocd/", "/about/", "/help/",
               "/summary/"]
PARAMETERS = ["q", "condition", "format", "family", "age", "level", "sort", "page", "t", "c", "x"]
PROBE = "<x-probe>"

values = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["ocd", "group", "strong", "-1", "abc", "0", "9" * 40, "", " ", "' OR 1=1 --", "%00", "\x00",
                     "<script>alert(1)</script>", "🙂", "ǅ" * 50, "x" * 10_000]),
    st.text(max_size=20).map(lambda text: PROBE + text),
)
query_strings = st.lists(st.tuples(st.sampled_from(PARAMETERS), values), max_size=8)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.sampled_from(PUBLIC_URLS), params=query_strings)
def test_no_query_string_breaks_a_public_page(client, published_catalog, url, params):
    response = client.get(url + "?" + urlencode(params), follow=True)
    assert response.status_code in {200, 400, 404}, (url, params)
    assert len(response.redirect_chain) <= 1 and all(status == 301 for _, status in response.redirect_chain)
    assert PROBE not in response.content.decode(errors="replace")


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slug=st.text(min_size=1, max_size=200))
def test_no_slug_breaks_a_detail_page(client, published_catalog, slug):
    from urllib.parse import quote

    for prefix in ("/therapies/", "/conditions/"):
        response = client.get(prefix + quote(slug, safe="") + "/")
        assert response.status_code in {200, 301, 400, 404}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS + ["/compare/", "/search/", "/evidence/"])
def test_every_parameter_survives_values_postgres_cannot_take(client, published_catalog, url):
    """Not left to chance: a NUL byte cannot be sent to Postgres at all, so any parameter that reaches a
    query (condition and compare slugs are looked up) must stop it first."""
    failed = []
    for name in PARAMETERS + ["category"]:
        for value in ["\x00", "ocd\x00", "\x00" * 100, "é" * 3, "x" * 300]:
            response = client.get(url + "?" + urlencode([(name, value), (name, "ocd"), (name, "cbt")]), follow=True)
            status = response.status_code
            if status not in {200, 400, 404}:
                failed.append((name, value[:8], status))
    assert not failed
