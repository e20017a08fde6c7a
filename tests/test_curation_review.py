"""Review before publishing: a change to a published link's level, finding or sources waits for a second person."""
import pytest
from django.urls import reverse

from therapies.curation.review import CurationError, pending_change_approve, pending_change_propose
from therapies.choices import Level
from therapies.models import EvidenceLink, PendingChange, Revision
from tests.admin_forms import admin_post_data
from tests.factories import EvidenceLinkFactory, SourceFactory

pytestmark = pytest.mark.django_db


def propose_in_admin(client, user, link, **changes):
    client.force_login(user)
    url = reverse("admin:therapies_evidencelink_change", args=[link.pk])
    data = admin_post_data(client.get(url)) | changes
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    return PendingChange.objects.open().get(link=link)


def test_editor_change_to_a_published_link_is_held_and_invisible_publicly(client, editor):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = propose_in_admin(client, editor, link, level="strong", change_reason="Two new trials.")
    link.refresh_from_db()
    assert link.level == Level.MODERATE  # the live row, which every public page reads, is untouched
    assert EvidenceLink.objects.published().get().level == Level.MODERATE
    assert change.proposed["level"] == "strong" and change.reason == "Two new trials."
    assert change.author == editor


def test_rating_changes_on_a_published_link_are_held_too(client, editor):
    link = EvidenceLinkFactory()
    new_source = SourceFactory()
    client.force_login(editor)
    url = reverse("admin:therapies_evidencelink_change", args=[link.pk])
    data = admin_post_data(client.get(url)) | {
        "ratings-1-source": new_source.pk, "ratings-1-level": "moderate", "ratings-1-finding": "A new review.",
    }
    assert client.post(url, data).status_code == 302
    assert link.ratings.count() == 1
    change = PendingChange.objects.open().get(link=link)
    assert [r["source"] for r in change.proposed["ratings"]] == sorted([link.ratings.get().source.key, new_source.key])


def test_the_admin_shows_the_pending_change_beside_the_published_version(client, editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = propose_in_admin(client, editor, link, level="strong")
    client.force_login(reviewer)
    page = client.get(reverse("admin:therapies_pendingchange_change", args=[change.pk])).content.decode()
    assert "Published now" in page and "<td>moderate</td><td>strong</td>" in page
    assert "Approve and publish" in page
    link_page = client.get(reverse("admin:therapies_evidencelink_change", args=[link.pk])).content.decode()
    assert "Proposed by edna" in link_page


def test_another_reviewer_approves_and_the_public_sees_it(client, editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = propose_in_admin(client, editor, link, level="strong")
    client.force_login(reviewer)
    client.post(reverse("admin:therapies_pendingchange_decide", args=[change.pk]), {"_approve": "1"})
    assert EvidenceLink.objects.published().get().level == Level.STRONG
    change.refresh_from_db()
    assert (change.state, change.reviewer) == (PendingChange.State.APPROVED, reviewer)
    assert Revision.objects.for_record(link).first().action == Revision.Action.APPROVED


def test_a_reviewer_cannot_approve_their_own_change(client, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = propose_in_admin(client, reviewer, link, level="strong")
    response = client.post(reverse("admin:therapies_pendingchange_decide", args=[change.pk]), {"_approve": "1"}, follow=True)
    assert "You cannot approve your own change" in response.content.decode()
    assert EvidenceLink.objects.get(pk=link.pk).level == Level.MODERATE
    with pytest.raises(CurationError):
        pending_change_approve(change=change, reviewer=reviewer)


def test_an_editor_cannot_approve(client, editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = pending_change_propose(link=link, proposed={"level": "strong"}, user=reviewer)
    client.force_login(editor)
    client.post(reverse("admin:therapies_pendingchange_decide", args=[change.pk]), {"_approve": "1"})
    assert EvidenceLink.objects.get(pk=link.pk).level == Level.MODERATE


def test_rejecting_keeps_the_published_version(client, editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE, finding="The published finding.")
    change = propose_in_admin(client, editor, link, level="strong", finding="A different finding.")
    client.force_login(reviewer)
    client.post(reverse("admin:therapies_pendingchange_decide", args=[change.pk]), {"_reject": "1", "review_note": "No."})
    link.refresh_from_db()
    assert (link.level, link.finding) == (Level.MODERATE, "The published finding.")
    assert PendingChange.objects.get(pk=change.pk).state == PendingChange.State.REJECTED


def test_approval_is_refused_when_the_link_changed_since_the_proposal(editor, reviewer):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    change = pending_change_propose(link=link, proposed={"level": "strong"}, user=editor)
    link.last_reviewed = None
    link.save()
    with pytest.raises(CurationError, match="edited after this change was proposed"):
        pending_change_approve(change=change, reviewer=reviewer)


def test_draft_links_change_directly(client, editor):
    link = EvidenceLinkFactory(level=Level.MODERATE, status="draft")
    client.force_login(editor)
    url = reverse("admin:therapies_evidencelink_change", args=[link.pk])
    client.post(url, admin_post_data(client.get(url)) | {"level": "strong"})
    assert EvidenceLink.objects.get(pk=link.pk).level == Level.STRONG
    assert not PendingChange.objects.exists()


def test_inline_level_change_on_the_approach_page_is_held_for_review(client, editor):
    link = EvidenceLinkFactory(level=Level.MODERATE)
    client.force_login(editor)
    url = reverse("admin:therapies_approach_change", args=[link.approach.pk])
    data = admin_post_data(client.get(url)) | {"evidence-0-level": "strong"}
    assert client.post(url, data).status_code == 302
    assert EvidenceLink.objects.get(pk=link.pk).level == Level.MODERATE
    assert PendingChange.objects.open().get(link=link).proposed["level"] == "strong"
