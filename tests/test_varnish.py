"""A real Varnish (deploy/varnish/default.vcl) in front of gunicorn: public pages are served from it, and a
publish purges exactly the pages that show the changed record (surrogate keys, explorer/purge.py)."""
import os
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from explorer.purge import purge_regex
from tests.conftest import build_catalog
from tests.helpers import collectstatic, production_env
from tests.servers import fetch, gunicorn, varnish
from therapies.choices import Status
from therapies.curation.workflow import records_set_status
from therapies.models import Approach

VARNISHD = shutil.which("varnishd") or (Path("/usr/sbin/varnishd") if Path("/usr/sbin/varnishd").exists() else None)
# CI (REQUIRE_SERVERS=1) never skips: a missing varnishd fails there.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(VARNISHD is None and not os.environ.get("REQUIRE_SERVERS"),
                       reason="varnishd not installed (Debian package 'varnish'; scripts/test-deps installs it)"),
]


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory):
    """One gunicorn (no page cache of its own: Varnish is the only cache here) and Varnish, for the module."""
    folder = tmp_path_factory.mktemp("varnish-stack")
    collectstatic(production_env(folder, 0))
    with gunicorn(folder, SERVER_PAGE_CACHE_SECONDS="0", SURROGATE_KEYS="1") as app:
        with varnish(int(app.rsplit(":", 1)[1])) as front:
            yield app, front


@pytest.fixture
def stack(servers, settings):
    """The small catalog, an empty Varnish, and this process purging it as the admin would."""
    app, front = servers
    request = urllib.request.Request(front + "/", method="BAN", headers={"X-Purge-Regex": purge_regex(["catalog"])})
    assert urllib.request.urlopen(request, timeout=5).status == 200  # what earlier tests left in it
    build_catalog()
    settings.CACHE_PURGE_BACKEND = "varnish"
    settings.CACHE_PURGE_URLS = [front + "/"]
    return app, front


def test_pages_carry_surrogate_keys_naming_their_records(stack):
    app, _ = stack
    _, headers, _ = fetch(app + "/therapies/cbt/")
    keys = headers["Surrogate-Key"].split()
    assert {"catalog", "approach-cbt", "approach-erp", "condition-ocd", "condition-depression"} <= set(keys)
    assert "list" not in keys and "condition-psychosis" not in keys
    assert headers["Cache-Tag"] == ",".join(keys)
    assert "s-maxage=" in headers["Cache-Control"] and "public" in headers["Cache-Control"]
    _, headers, _ = fetch(app + "/therapies/")
    assert "list" in headers["Surrogate-Key"].split()


def test_varnish_serves_pages_and_a_publish_purges_exactly_those_showing_the_record(stack):
    app, front = stack
    shows_cbt = ["/therapies/cbt/", "/conditions/ocd/", "/therapies/", "/compare/?t=cbt&t=erp"]
    unrelated = ["/conditions/psychosis/", "/help/"]
    for path in unrelated:  # the choice of pages is checked, not assumed
        keys = fetch(app + path)[1]["Surrogate-Key"].split()
        assert "approach-cbt" not in keys and "list" not in keys, path
    for path in shows_cbt + unrelated:
        status, headers, _ = fetch(front + path)
        assert status == 200 and headers["X-Cache"] == "MISS", path
        status, headers, body = fetch(front + path)
        assert status == 200 and headers["X-Cache"] == "HIT", path
        assert "Surrogate-Key" not in headers  # for caches, not browsers

    approach = Approach.objects.get(slug="cbt")
    approach.name = "Cognitive behavioural therapy (renamed)"
    approach.save()  # autocommit: the purge is sent at once

    for path in shows_cbt:
        status, headers, body = fetch(front + path)
        assert headers["X-Cache"] == "MISS", path
        assert "Cognitive behavioural therapy (renamed)" in body, path
    for path in unrelated:
        assert fetch(front + path)[1]["X-Cache"] == "HIT", path


def test_signed_in_and_admin_requests_pass_through(stack):
    _, front = stack
    fetch(front + "/therapies/erp/")
    status, headers, _ = fetch(front + "/therapies/erp/", {"Cookie": "sessionid=abc"})
    assert headers["X-Cache"] == "MISS"
    status, headers, _ = fetch(front + "/admin/login/")
    assert headers["X-Cache"] == "MISS" and "private" in headers["Cache-Control"]


def test_a_ban_from_outside_needs_its_regex(stack):
    _, front = stack
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(front + "/", method="BAN"), timeout=5)
    assert refused.value.code == 400


def test_unpublishing_through_the_workflow_purges_the_conditions_it_was_listed_under(stack, django_user_model):
    _, front = stack
    reviewer = django_user_model.objects.create_user("rita", "rita@example.org", "a-long-test-password", is_staff=True)
    for path in ("/conditions/psychosis/", "/conditions/ocd/", "/therapies/"):
        fetch(front + path)
        assert fetch(front + path)[1]["X-Cache"] == "HIT", path
    records_set_status(queryset=Approach.objects.filter(slug="art-therapy"), status=Status.DRAFT, user=reviewer)
    status, headers, body = fetch(front + "/conditions/psychosis/")
    assert headers["X-Cache"] == "MISS" and "Art therapy" not in body
    assert fetch(front + "/therapies/")[1]["X-Cache"] == "MISS"
    assert fetch(front + "/conditions/ocd/")[1]["X-Cache"] == "HIT"  # never showed it
