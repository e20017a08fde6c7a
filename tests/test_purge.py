"""Surrogate keys and purges without servers: which keys a page carries, which a change purges, and that the
single-machine default adds nothing (no router, no headers, no purge)."""
import logging
import re
import socket
import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from explorer.purge import purge, purge_regex
from tests.conftest import grow_catalog
from therapies.cache import bump_catalog_version
from therapies.models import Approach, Condition, EvidenceLink, Source
from therapies.surrogate import keys_for_change

pytestmark = pytest.mark.django_db


def test_the_default_installs_no_router_middleware_or_surrogate_keys(client, catalog):
    assert django_settings.DATABASE_ROUTERS == []
    assert "explorer.replicas.ReplicaRoutingMiddleware" not in django_settings.MIDDLEWARE
    assert django_settings.CACHE_PURGE_BACKEND == "none" and not django_settings.SURROGATE_KEYS
    response = client.get("/therapies/cbt/")
    assert "Surrogate-Key" not in response and "Cache-Tag" not in response
    assert "te_primary" not in response.cookies


def test_detail_listing_and_fixed_pages_carry_their_keys(client, catalog, settings):
    settings.SURROGATE_KEYS = True
    keys = client.get("/therapies/erp/")["Surrogate-Key"].split()
    assert keys[:2] == ["catalog", "approach-erp"] and "approach-cbt" in keys and "condition-ocd" in keys
    assert "list" not in keys
    assert client.get("/conditions/psychosis/")["Surrogate-Key"].split()[:2] == ["catalog", "condition-psychosis"]
    assert "list" in client.get("/therapies/?condition=ocd").get("Surrogate-Key").split()
    assert "condition-ocd" in client.get("/therapies/?condition=ocd")["Surrogate-Key"].split()
    assert client.get("/help/")["Surrogate-Key"] == "catalog"
    assert client.get("/compare/?t=cbt&t=erp")["Cache-Tag"].startswith("catalog,list,")


def test_a_page_naming_many_records_keeps_list_alone(client, catalog, settings):
    settings.SURROGATE_KEYS = True
    grow_catalog(45)
    keys = client.get("/therapies/?page=1").get("Surrogate-Key", "").split()
    matrix = client.get("/evidence/")["Surrogate-Key"].split()
    assert keys[:2] == ["catalog", "list"] and matrix == ["catalog", "list"]


def test_keys_a_change_purges(catalog):
    cbt = catalog.approaches["cbt"]
    assert keys_for_change(cbt) == {"approach-cbt", "list", "condition-depression", "condition-ocd",
                                    "condition-hidden-condition"}
    assert keys_for_change(catalog.conditions["psychosis"]) == {"condition-psychosis", "list", "approach-art-therapy",
                                                                 "approach-person-centred-therapy"}
    link = EvidenceLink.objects.get(approach=cbt, condition=catalog.conditions["ocd"])
    assert keys_for_change(link) == {"approach-cbt", "condition-ocd", "list"}
    assert keys_for_change(link.ratings.first()) == {"approach-cbt", "condition-ocd", "list"}
    assert keys_for_change(Source.objects.first()) == {"catalog"}


def test_the_purge_regex_matches_whole_keys_only():
    regex = re.compile(purge_regex(["approach-cbt", "list", "not a key!"]))
    assert regex.search("catalog approach-cbt condition-ocd") and regex.search("catalog list")
    assert not regex.search("catalog approach-cbt-online condition-ocd")
    assert not regex.search("catalog approach-dbt")


def test_an_unreachable_varnish_never_blocks_an_edit(catalog, settings, caplog, django_capture_on_commit_callbacks):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.CACHE_PURGE_BACKEND, settings.CACHE_PURGE_URLS = "varnish", [f"http://127.0.0.1:{port}/"]
    with django_capture_on_commit_callbacks(execute=True):
        approach = Approach.objects.get(slug="cbt")
        approach.summary = "Edited while the cache in front is down."
        approach.save()
    assert Approach.objects.get(slug="cbt").summary == "Edited while the cache in front is down."
    assert "Cache purge at" in caplog.text
    assert purge(set()) == 0


def test_purge_keys_cost_no_queries_without_a_purge_backend(catalog, django_capture_on_commit_callbacks):
    condition = Condition.objects.get(slug="ocd")
    with CaptureQueriesContext(connection) as queries:
        condition.name = "OCD (renamed)"
        condition.save()
    assert len(queries) == 1  # the UPDATE alone: no lookup of the keys to purge


@pytest.mark.django_db(transaction=True)
def test_a_commit_purges_its_own_keys_not_another_transactions(settings, caplog):
    """Two editors at once (two threads, two connections): each commit purges only what it changed, so a
    page is never purged before the change it shows is committed."""
    settings.CACHE_PURGE_BACKEND, settings.CACHE_PURGE_URLS = "varnish", ["http://127.0.0.1:9/"]  # nothing listens
    started, finish = threading.Event(), threading.Event()

    def other_editor():
        with transaction.atomic():
            bump_catalog_version(frozenset({"approach-other"}))
            started.set()
            finish.wait(10)
        connection.close()

    thread = threading.Thread(target=other_editor)
    thread.start()
    started.wait(10)
    with caplog.at_level(logging.INFO, logger="explorer.purge"):
        with transaction.atomic():
            bump_catalog_version(frozenset({"approach-mine"}))
        mine = caplog.text
        finish.set()
        thread.join(10)
    assert "approach-mine" in mine and "approach-other" not in mine
    assert "approach-other" in caplog.text  # purged at its own commit
