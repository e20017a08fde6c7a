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
