"""The public page cache: warm pages skip the database, any catalog change invalidates, personal pages never cached.

Runs against real Redis when REDIS_URL is set (as in CI), process memory otherwise.
"""
import os
import subprocess
import sys
import time

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from explorer.cachekeys import code_fingerprint
from tests.helpers import ROOT
from therapies.cache import RecentPages, bump_catalog_version, catalog_version, outage, page_key
from therapies.curation.workflow import records_set_status
from therapies.choices import Status
from therapies.models import Approach

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings, own_cache_key_space):
    """The page cache on, in this test's own key space (tests/conftest.py)."""
    settings.SERVER_PAGE_CACHE_SECONDS = 600
    return own_cache_key_space


def test_uses_redis_when_redis_url_is_set(page_cache):
    expected = "RedisCache" if os.environ.get("REDIS_URL") else "LocMemCache"
    assert expected in page_cache["BACKEND"]


@pytest.mark.parametrize("url", ["/", "/therapies/", "/therapies/?condition=ocd&format=group", "/conditions/",
                                 "/about/", "/help/", "/compare/?t=cbt&t=erp", "/search/?q=ocd", "/evidence/",
                                 "/summary/?c=ocd&t=cbt&t=erp"])
def test_warm_page_is_served_without_touching_the_database(client, catalog, url):
    first = client.get(url)
    assert first.status_code == 200 and first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert len(queries) == 0
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content


def test_htmx_fragment_and_full_page_are_cached_apart(client, catalog):
    page = client.get("/therapies/", {"condition": "ocd"})
    fragment = client.get("/therapies/", {"condition": "ocd"}, HTTP_HX_REQUEST="true")
    assert fragment["X-Page-Cache"] == "miss"
    assert "<html" in page.content.decode() and "<html" not in fragment.content.decode()
    assert "HX-Request" in page["Vary"]


def test_saving_a_record_invalidates_at_once(client, catalog):
    client.get("/therapies/")
    approach = catalog.approaches["art"]
    approach.name = "Art and craft therapy"
    approach.save()
    response = client.get("/therapies/")
    assert response["X-Page-Cache"] == "miss"
    assert "Art and craft therapy" in response.content.decode()


def test_publish_and_unpublish_through_the_admin_action_invalidate(client, catalog, django_user_model):
    """The admin's publish/unpublish actions use queryset.update(), which sends no signal."""
    reviewer = django_user_model.objects.create_user("rev", "rev@example.org", "a-long-test-password", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    assert "Draft therapy" not in client.get("/therapies/").content.decode()
    records_set_status(queryset=Approach.objects.filter(slug="draft-therapy"), status=Status.PUBLISHED, user=reviewer)
    assert "Draft therapy" in client.get("/therapies/").content.decode()
    records_set_status(queryset=Approach.objects.filter(slug="draft-therapy"), status=Status.DRAFT, user=reviewer)
    assert "Draft therapy" not in client.get("/therapies/").content.decode()


def test_deleting_a_link_invalidates(client, catalog):
    assert "Art therapy" in client.get("/conditions/psychosis/").content.decode()
    catalog.approaches["art"].evidence.all().delete()
    assert "Art therapy" not in client.get("/conditions/psychosis/").content.decode()


def test_version_is_bumped_again_at_commit(django_capture_on_commit_callbacks):
    before = catalog_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        bump_catalog_version()
    assert len(callbacks) == 1
    assert catalog_version() == before + 2


def test_a_lost_version_starts_afresh_not_at_an_old_number():
    before = catalog_version()
    cache.delete("catalog-version")
    assert catalog_version() > before


def test_signed_in_people_are_never_served_or_stored(client, catalog, admin_client_logged_in):
    anonymous = client.__class__()
    anonymous.get("/therapies/")
    response = admin_client_logged_in.get("/therapies/")
    assert "X-Page-Cache" not in response
    anonymous_hit = anonymous.get("/therapies/")
    assert anonymous_hit["X-Page-Cache"] == "hit"


def test_pages_with_a_csrf_form_are_not_cached(client, catalog):
    """The reader-report page carries a CSRF token: per visitor, never shared."""
    first = client.get("/therapies/cbt/report/")
    assert "csrfmiddlewaretoken" in first.content.decode()
    assert "X-Page-Cache" not in first
    assert "X-Page-Cache" not in client.get("/therapies/cbt/report/")


def test_approach_and_condition_pages_are_cached_with_a_link_to_the_report_form(client, catalog):
    for url in ("/therapies/cbt/", "/conditions/ocd/"):
        first = client.get(url)
        assert "csrfmiddlewaretoken" not in first.content.decode()
        assert 'href="' + url + 'report/"' in first.content.decode()
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_not_found_and_posts_are_not_cached(client, catalog):
    assert "X-Page-Cache" not in client.get("/therapies/nope/")
    assert client.get("/therapies/nope/").status_code == 404
    assert client.post("/therapies/").status_code == 405


def test_a_page_stored_in_another_shape_is_a_miss_not_an_error(client, catalog):
    """A release that stored pages differently, under the same key (APP_VERSION left unchanged)."""
    cache.set(shared_key("/help/"), (200, [], b"an older release's page"), 600)
    response = client.get("/help/")
    assert response.status_code == 200 and response["X-Page-Cache"] == "miss"


def test_a_head_request_gets_the_same_answer_whether_or_not_the_page_is_cached(client, catalog):
    uncached = client.head("/help/")
    client.get("/help/")  # now cached
    cached = client.head("/help/")
    assert cached.status_code == uncached.status_code and "X-Page-Cache" not in cached


def shared_key(url: str) -> str:
    """The key the page at `url` is stored under in the shared cache (Redis in CI) right now."""
    return page_key(RequestFactory().get(url), catalog_version())


def test_a_worker_serves_a_page_it_has_from_its_own_memory_until_the_catalog_changes(client, catalog):
    client.get("/therapies/")
    cache.delete(shared_key("/therapies/"))  # gone from the shared cache: only the worker's copy is left
    again = client.get("/therapies/")
    assert again["X-Page-Cache"] == "hit" and "Art therapy" in again.content.decode()
    approach = catalog.approaches["art"]
    approach.name = "Art and craft therapy"
    approach.save()  # another worker may have done this: only the shared version number tells this one
    response = client.get("/therapies/")
    assert response["X-Page-Cache"] == "miss"
    assert "Art and craft therapy" in response.content.decode()


def stored_page(body_bytes: int, expires_in: float = 600) -> tuple:
    """A page as the middleware stores it: status, headers, body, expiry time."""
    return (200, [], b"x" * body_bytes, time.time() + expires_in)


def test_a_worker_keeps_only_its_most_recent_pages_within_its_byte_budget(settings):
    settings.SERVER_PAGE_CACHE_LOCAL_BYTES = 10_000
    pages = RecentPages()
    for n in range(8):  # each counts 2,000 bytes of body + 2 of key: four fit, a fifth would not
        pages.put(f"p{n}", 1, stored_page(2_000))
    assert [pages.get(f"p{n}", 1) is not None for n in range(8)] == [False] * 4 + [True] * 4
    pages.put("huge", 1, stored_page(3_000))  # over a quarter of the budget: never kept
    assert pages.get("huge", 1) is None and pages.get("p7", 1) is not None


def test_a_worker_drops_expired_pages_and_never_mixes_catalog_versions(settings):
    pages = RecentPages()
    pages.put("old", 1, stored_page(10, expires_in=-1))
    assert pages.get("old", 1) is None  # its shared copy has expired too
    pages.put("page", 2, stored_page(10))  # a newer version: everything of version 1 goes
    pages.put("late", 1, stored_page(10))  # a slow request still holding version 1 stores nothing...
    assert pages.get("late", 1) is None
    assert pages.get("page", 2) is not None  # ...and wipes nothing of version 2


def test_only_views_that_can_be_cached_ask_the_cache(client, catalog, settings, caplog):
    """With the cache server unreachable, a cacheable page logs that it rendered without it; a page that
    is never cached (a form, the health check) does not even try."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
                                   "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    outage.reset()
    with caplog.at_level("WARNING", logger="therapies.cache"):
        assert client.get("/therapies/cbt/report/").status_code == 200
        assert client.get("/healthz").status_code == 200
    assert not [r for r in caplog.records if "Page cache unavailable" in r.getMessage()]
    with caplog.at_level("WARNING", logger="therapies.cache"):
        assert client.get("/help/").status_code == 200
    assert [r for r in caplog.records if "Page cache unavailable" in r.getMessage()]


def test_a_cache_outage_is_one_line_a_minute_not_a_traceback_a_request(client, catalog, settings, caplog):
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    outage.reset()
    with caplog.at_level("WARNING", logger="therapies.cache"):
        for path in ("/help/", "/about/", "/therapies/cbt/"):
            assert client.get(path).status_code == 200
    lines = [r for r in caplog.records if r.name == "therapies.cache"]
    assert len(lines) == 1 and lines[0].exc_info is None


@pytest.mark.parametrize("url, canonical", [
    ("/therapies/?condition=ocd&utm_source=x7", "/therapies/?condition=ocd"),
    ("/about/?fbclid=123", "/about/"),
    ("/compare/?t=cbt&ref=mail&t=erp", "/compare/?t=cbt&t=erp"),
    ("/search/?q=ocd&q2=x", "/search/?q=ocd"),
])
def test_unknown_parameters_redirect_to_the_page_without_them(client, catalog, url, canonical):
    """A made-up parameter cannot add a stored page: the URL redirects to the one page it shows."""
    response = client.get(url)
    assert response.status_code == 301 and response["Location"] == canonical
    head = client.head(url)  # HEAD is answered as GET is
    assert head.status_code == 301 and head["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_a_cached_page_is_never_served_for_a_host_the_site_does_not_serve(client, catalog):
    assert client.get("/about/")["X-Page-Cache"] == "miss"
    assert client.get("/about/")["X-Page-Cache"] == "hit"
    response = client.get("/about/", HTTP_HOST="attacker.example")
    assert response.status_code == 400 and "X-Page-Cache" not in response


def test_cache_off_renders_every_time(client, catalog, settings):
    settings.SERVER_PAGE_CACHE_SECONDS = 0
    client.get("/about/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/about/")
    assert len(queries) > 0 and "X-Page-Cache" not in response


def run_python(code: str, **env: str) -> str:
    """Run code in a fresh interpreter with the project's settings; its standard output."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "explorer.settings", **env}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_cache_keys_name_the_database_and_the_code():
    """One Redis may serve several databases, and a deploy must not serve the old release's pages: a key
    made by the configured cache names the database and the code version (APP_VERSION when set)."""
    show_key = "import django; django.setup(); from django.core.cache import cache; print(cache.make_key('page'))"
    embedded = {"DATABASE_URL": "", "DATABASE_NAME": "one"}  # settings only: nothing connects
    assert run_python(show_key, APP_VERSION="release-42", **embedded) == "explorer:one:release-42:1:page"
    assert run_python(show_key, APP_VERSION="", **embedded) == f"explorer:one:{code_fingerprint(ROOT)}:1:page"
    other = run_python(show_key, APP_VERSION="", DATABASE_URL="postgres://nobody@127.0.0.1:1/two")
    assert other == f"explorer:two:{code_fingerprint(ROOT)}:1:page"


def test_code_fingerprint_changes_with_a_template_and_only_then(tmp_path):
    """The digest is the same for the same files and moves when a template, app module or static file does."""
    for name, text in (("templates/base.html", "<p>one</p>"), ("therapies/views.py", "x = 1"), ("static/site.css", "a{}")):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "README.md").write_text("not code")
    first = code_fingerprint(tmp_path)
    assert code_fingerprint(tmp_path) == first
    (tmp_path / "README.md").write_text("still not code")
    assert code_fingerprint(tmp_path) == first
    for name in ("templates/base.html", "therapies/views.py", "static/site.css"):
        before = code_fingerprint(tmp_path)
        (tmp_path / name).write_text((tmp_path / name).read_text() + " ")
        assert code_fingerprint(tmp_path) != before, name
    before = code_fingerprint(tmp_path)
    (tmp_path / "templates/base.html").rename(tmp_path / "templates/other.html")  # same bytes, another name
    assert code_fingerprint(tmp_path) != before


def test_importing_settings_starts_no_database_and_hashes_no_files():
    """Settings are read from the environment only: Postgres starts when a connection is first needed."""
    loaded = run_python(
        "import sys, explorer.settings, explorer.cachekeys as keys; "
        "print(sorted(m for m in ('pgserver', 'explorer.embedded_db', 'psycopg2') if m in sys.modules), "
        "keys.code_version.cache_info().currsize)",
        DATABASE_URL="",
    )
    assert loaded == "[] 0"
