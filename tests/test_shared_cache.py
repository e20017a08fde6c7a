"""Two app instances (two gunicorn processes, as two containers or pods) sharing one Redis: a publish through
one makes the other's cached pages, shared and per-process copies alike, current at its next request."""
import os
import uuid

import pytest
import redis

from tests.conftest import build_catalog
from tests.helpers import collectstatic, production_env
from tests.servers import Browser, fetch, gunicorn
from therapies.models import Approach

REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"


def redis_answers() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not redis_answers() and not os.environ.get("REQUIRE_SERVERS"), reason=f"no Redis at {REDIS_URL}"),
]


@pytest.fixture
def two_instances(tmp_path, django_user_model):
    build_catalog()
    django_user_model.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    # A code version of this test's own: every key the instances write is in a namespace no one else reads.
    namespace = f"shared-cache-test-{uuid.uuid4().hex[:8]}"
    extra = {"REDIS_URL": REDIS_URL, "APP_VERSION": namespace, "SERVER_PAGE_CACHE_SECONDS": "600", "SECURE_COOKIES": "0"}
    collectstatic(production_env(tmp_path, 0, **extra))
    try:
        with gunicorn(tmp_path, **extra) as first, gunicorn(tmp_path, **extra) as second:
            yield first, second
    finally:
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(match=f"*:{namespace}:*"):
            client.delete(key)


def test_a_publish_through_one_instance_is_current_on_the_other_at_once(two_instances):
    first, second = two_instances
    for base in (first, second):
        status, headers, body = fetch(base + "/therapies/")
        assert status == 200 and "Draft therapy" not in body
        assert fetch(base + "/therapies/")[1]["X-Page-Cache"] == "hit"  # now in Redis and in the process
    assert fetch(second + "/therapies/?format=group")[1]["X-Page-Cache"] == "miss"
    assert fetch(first + "/therapies/?format=group")[1]["X-Page-Cache"] == "hit"  # stored by the other

    editor = Browser(first)
    editor.sign_in("curator", "a-long-test-password")
    draft = Approach.objects.get(slug="draft-therapy")
    assert editor.admin_action("/admin/therapies/approach/", "publish", [draft.pk]) == 302

    status, headers, body = fetch(second + "/therapies/")
    assert status == 200 and headers["X-Page-Cache"] == "miss" and "Draft therapy" in body
    status, headers, body = fetch(first + "/therapies/?format=group")
    assert headers["X-Page-Cache"] == "miss" and "Draft therapy" in body
