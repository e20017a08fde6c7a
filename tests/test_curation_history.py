"""History: every change kept with who, when, a field-by-field diff and a reason; restore; the public changelog."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from therapies.curation.history import history_record, record_snapshot
from therapies.curation.review import pending_change_approve, pending_change_propose
from therapies.choices import Level
from therapies.models import Approach, EvidenceLink, PendingChange, Revision
from tests.admin_forms import admin_post_data
from tests.factories import ApproachFactory, ConditionFactory, EvidenceLinkFactory, FormatFactory

pytestmark = pytest.mark.django_db


def edit(client, url, **changes):
    response = client.post(url, admin_post_data(client.get(url)) | changes)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_an_admin_save_records_who_when_what_and_why(client, editor):
    approach = ApproachFactory(summary="Old summary.")
    client.force_login(editor)
    edit(client, reverse("admin:therapies_approach_change", args=[approach.pk]),
         summary="New summary.", change_reason="Plainer words.")
    revision = Revision.objects.for_record(approach).get()
    assert (revision.user, revision.reason, revision.action) == (editor, "Plainer words.", "changed")
    assert revision.diff == {"summary": ["Old summary.", "New summary."]}
    assert revision.snapshot["summary"] == "New summary."


def test_rating_changes_and_publish_actions_are_recorded(client, reviewer):
    link = EvidenceLinkFactory(status="draft")
    client.force_login(reviewer)
    url = reverse("admin:therapies_evidencelink_change", args=[link.pk])
    edit(client, url, **{"ratings-0-level": "moderate"})
    client.post(reverse("admin:therapies_evidencelink_changelist"), {"action": "publish", "_selected_action": [link.pk]})
    first, second = reversed(Revision.objects.for_record(link))
    assert first.diff["ratings"][0][0]["level"] == "strong" and first.diff["ratings"][1][0]["level"] == "moderate"
    assert second.diff == {"status": ["draft", "published"]}


def test_history_page_shows_the_diff_and_restoring_is_itself_recorded(client, editor):
    approach = ApproachFactory(summary="First wording.", formats=[FormatFactory()])
    client.force_login(editor)
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    edit(client, url, summary="Second wording.")
    edit(client, url, summary="Third wording.")
    page = client.get(reverse("admin:therapies_approach_history", args=[approach.pk])).content.decode()
    assert "Second wording." in page and "Third wording." in page and "Restore this version" in page
    oldest = Revision.objects.for_record(approach).last()
    response = client.post(reverse("admin:therapies_approach_restore", args=[approach.pk, oldest.pk]), follow=True)
    assert "Restored the earlier version." in response.content.decode()
    assert Approach.objects.get(pk=approach.pk).summary == "Second wording."
    latest = Revision.objects.for_record(approach).first()
    assert latest.action == Revision.Action.RESTORED and latest.user == editor
    assert latest.diff == {"summary": ["Third wording.", "Second wording."]}
    assert "Restored the version of" in latest.reason


def test_restoring_a_published_links_level_goes_through_review(editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    history_record(instance=link, before=None, user=editor)
    change = pending_change_propose(link=link, proposed={"level": "strong"}, user=editor)
    pending_change_approve(change=change, reviewer=reviewer)
    from therapies.curation.workflow import revision_restore

    revision_restore(revision=Revision.objects.for_record(link).last(), user=editor)
    assert EvidenceLink.objects.get(pk=link.pk).level == Level.STRONG
    assert PendingChange.objects.open().get(link=link).proposed["level"] == "moderate"


def test_public_changelog_names_no_editor_and_takes_one_query(editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE, condition=ConditionFactory(name="PTSD"))
    change = pending_change_propose(link=link, proposed={"level": "strong"}, user=editor, reason="Two new trials.")
    hidden = EvidenceLinkFactory(approach=link.approach, condition=ConditionFactory(status="draft"), level=Level.EMERGING)
    before = record_snapshot(hidden)
    hidden.level = Level.MODERATE
    hidden.save()
    history_record(instance=hidden, before=before, user=editor)
    assert list(Revision.objects.public_changes(approach=link.approach)) == []  # pending: nothing public yet
    pending_change_approve(change=change, reviewer=reviewer)
    # One query: the entries with their approach and condition joined in.
    with CaptureQueriesContext(connection) as queries:
        entries = list(Revision.objects.public_changes(approach=link.approach))
        text = [f"{e.condition.name}: {e.public_summary} ({e.reason})" for e in entries]
    assert len(queries) == 1
    assert text == ["PTSD: moderate → strong (Two new trials.)"]  # the draft condition's change is not shown
    assert [e.approach.name for e in Revision.objects.public_changes(condition=link.condition)] == [link.approach.name]


def test_deleting_a_record_keeps_its_last_state(client, reviewer):
    link = EvidenceLinkFactory(status="draft")
    client.force_login(reviewer)
    client.post(reverse("admin:therapies_evidencelink_delete", args=[link.pk]), {"post": "yes"})
    assert not EvidenceLink.objects.filter(pk=link.pk).exists()
    revision = Revision.objects.get(object_id=link.pk, action="deleted")
    assert revision.snapshot["level"] == "strong" and revision.user == reviewer
