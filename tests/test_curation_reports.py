"""Reader reports: a plain form on approach and condition pages, spam-resistant, escaped in the admin."""
import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse

from therapies.curation.review import pending_change_propose
from therapies.choices import Status
from therapies.models import ReaderReport
from tests.factories import ApproachFactory, ConditionFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_report_from_an_approach_page_is_stored_and_thanked(client):
    approach = ApproachFactory()
    url = reverse("therapies:therapy-report", args=[approach.slug])
    response = client.post(url, {"message": "The session count looks too high.", "source_url": "https://example.org/s"})
    assert response.status_code == 302 and response["Location"].endswith("?sent=1")
    assert "Thank you" in client.get(response["Location"]).content.decode()
    report = ReaderReport.objects.get()
    assert (report.approach, report.status, report.source_url) == (approach, "new", "https://example.org/s")


def test_report_form_page_works_without_javascript_for_a_condition(client):
    condition = ConditionFactory()
    url = reverse("therapies:condition-report", args=[condition.slug])
    page = client.get(url).content.decode()
    assert '<form method="post"' in page and 'name="message"' in page
    client.post(url, {"message": "Please add the 2024 NICE update.", "email": "reader@example.org"})
    assert ReaderReport.objects.get().condition == condition


def test_bad_input_re_renders_with_errors_not_a_500(client):
    approach = ApproachFactory()
    url = reverse("therapies:therapy-report", args=[approach.slug])
    response = client.post(url, {"message": "x" * 2001, "source_url": "javascript:alert(1)", "email": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid URL" in page and "Enter a valid email address" in page and "at most 2000" in page
    assert client.post(url, {"message": "short"}).status_code == 400
    assert not ReaderReport.objects.exists()


def test_honeypot_submissions_are_thanked_but_not_stored(client):
    approach = ApproachFactory()
    response = client.post(reverse("therapies:therapy-report", args=[approach.slug]),
                           {"message": "Buy cheap things online now!", "website": "http://spam.example"})
    assert response.status_code == 302
    assert not ReaderReport.objects.exists()


def test_per_address_rate_limit(client, settings):
    settings.READER_REPORTS_PER_HOUR = 2
    approach = ApproachFactory()
    url = reverse("therapies:therapy-report", args=[approach.slug])
    for _ in range(2):
        assert client.post(url, {"message": "Something is wrong here."}).status_code == 302
    response = client.post(url, {"message": "Something is wrong here."})
    assert response.status_code == 429 and "try again later" in response.content.decode()
    assert ReaderReport.objects.count() == 2
    other = client.post(url, {"message": "Something is wrong here."}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_reports_only_for_published_pages(client):
    draft = ApproachFactory(status=Status.DRAFT)
    assert client.post(reverse("therapies:therapy-report", args=[draft.slug]), {"message": "Hello there."}).status_code == 404


def test_a_report_with_a_script_tag_is_stored_as_is_and_shown_escaped(client, editor):
    approach = ApproachFactory()
    attack = "<script>alert('x')</script> the finding is wrong"
    client.post(reverse("therapies:therapy-report", args=[approach.slug]), {"message": attack})
    report = ReaderReport.objects.get()
    assert report.message == attack
    client.force_login(editor)
    for url in (reverse("admin:therapies_readerreport_change", args=[report.pk]),
                reverse("admin:therapies_readerreport_changelist"), reverse("admin:therapies_review_queue")):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page, url


def test_review_queue_lists_everything_that_needs_a_curator(client, editor):
    single = EvidenceLinkFactory()  # published, one source
    stale = ApproachFactory(last_reviewed=datetime.date(2020, 1, 1), name="Stale approach")
    never = ConditionFactory(last_reviewed=None, name="Never reviewed condition")
    change = pending_change_propose(link=single, proposed={"level": "moderate"}, user=editor)
    report = ReaderReport.objects.create(approach=single.approach, message="Check the sources.")
    client.force_login(editor)
    page = client.get(reverse("admin:therapies_review_queue")).content.decode()
    for url in (
        reverse("admin:therapies_pendingchange_change", args=[change.pk]),
        reverse("admin:therapies_approach_change", args=[stale.pk]),
        reverse("admin:therapies_condition_change", args=[never.pk]),
        reverse("admin:therapies_evidencelink_change", args=[single.pk]),
        reverse("admin:therapies_readerreport_change", args=[report.pk]),
    ):
        assert url in page


def test_approach_and_condition_pages_carry_the_report_form_and_the_changelog(client, editor, reviewer):
    from therapies.curation.review import pending_change_approve

    link = EvidenceLinkFactory(level="moderate", condition=ConditionFactory(name="PTSD"))
    change = pending_change_propose(link=link, proposed={"level": "strong"}, user=editor, reason="New trials.")
    pending_change_approve(change=change, reviewer=reviewer)
    approach_page = client.get(link.approach.get_absolute_url()).content.decode()
    assert reverse("therapies:therapy-report", args=[link.approach.slug]) in approach_page
    assert "Report an error or suggest a study" in approach_page
    assert "PTSD: moderate → strong" in approach_page and "New trials." in approach_page
    assert "edna" not in approach_page and "rita" not in approach_page
    condition_page = client.get(link.condition.get_absolute_url()).content.decode()
    assert reverse("therapies:condition-report", args=[link.condition.slug]) in condition_page
    assert f"{link.approach.name}: moderate → strong" in condition_page


UNREACHABLE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
               "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}


@pytest.fixture
def silent_redis():
    """A TCP server that accepts connections and never answers: a Redis that hangs."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    stop.set()
    thread.join(2)
    for connection in accepted:
        connection.close()
    server.close()


@pytest.fixture
def full_redis(tmp_path):
    """A real Redis with no room left and no eviction: every write answers OOM."""
    import shutil
    import subprocess
    import time

    from tests.helpers import free_port

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                "--dir", str(tmp_path), "--maxmemory", "1", "--maxmemory-policy", "noeviction"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    with pytest.raises(redis.ResponseError, match="maxmemory"):
        client.set("probe", "x")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


@pytest.mark.parametrize("where", ["down", "not responding", "full"])
def test_reports_are_stored_when_the_limit_cannot_be_counted(client, settings, caplog, request, where):
    """The rate limiter fails open: the report is kept and thanked, and the outage is logged once."""
    location = {"down": lambda: UNREACHABLE["LOCATION"], "not responding": lambda: request.getfixturevalue("silent_redis"),
                "full": lambda: request.getfixturevalue("full_redis")}[where]()
    settings.CACHES = {**settings.CACHES, "limits": {**UNREACHABLE, "LOCATION": location}}
    from therapies import reports

    reports.outage.reset()
    approach = ApproachFactory()
    url = reverse("therapies:therapy-report", args=[approach.slug])
    for _ in range(2):
        response = client.post(url, {"message": "The session count looks too high."})
        assert response.status_code == 302
    assert ReaderReport.objects.count() == 2
    warnings = [r for r in caplog.records if "rate limit unavailable" in r.getMessage()]
    assert len(warnings) == 1 and not warnings[0].exc_info


def test_behind_a_trusted_proxy_each_client_has_its_own_report_limit(client, settings):
    settings.READER_REPORTS_PER_HOUR = 1
    url = reverse("therapies:therapy-report", args=[ApproachFactory().slug])
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}  # FORWARDED_ALLOW_IPS: loopback, the proxy
    assert client.post(url, {"message": "Report from the first reader."}, **via_proxy,
                       HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 302
    assert client.post(url, {"message": "Report from the second reader."}, **via_proxy,
                       HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 302
    assert client.post(url, {"message": "The first reader again."}, **via_proxy,
                       HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    # Anyone else's X-Forwarded-For is ignored: a client cannot choose a fresh address for each report.
    direct = {"REMOTE_ADDR": "203.0.113.7"}
    assert client.post(url, {"message": "Direct, first."}, **direct, HTTP_X_FORWARDED_FOR="10.1.1.1").status_code == 302
    assert client.post(url, {"message": "Direct, second."}, **direct, HTTP_X_FORWARDED_FOR="10.1.1.2").status_code == 429


def test_clearing_the_page_cache_leaves_the_report_limit_in_place(client, settings):
    """The counters live in the `limits` cache (docker-compose: a Redis of their own that never evicts), so
    a flood of page entries, or a flush of the page cache, cannot take them away."""
    settings.READER_REPORTS_PER_HOUR = 1
    settings.CACHES = {**settings.CACHES, "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                      "LOCATION": "limits-apart"}}
    url = reverse("therapies:therapy-report", args=[ApproachFactory().slug])
    assert client.post(url, {"message": "The first report."}).status_code == 302
    cache.clear()
    assert client.post(url, {"message": "The second report."}).status_code == 429
