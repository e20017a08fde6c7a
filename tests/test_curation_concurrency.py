"""Safe concurrent edits: the second of two saves of the same version is refused, the first survives."""
import pytest
from django.urls import reverse

from therapies.models import Approach, EvidenceLink
from tests.admin_forms import admin_post_data
from tests.factories import ApproachFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db


def opened_by_both(client, url: str, first, second) -> tuple[dict, dict]:
    """The change form's data as each of two people saw it when they opened the record."""
    client.force_login(first)
    firsts = admin_post_data(client.get(url))
    client.force_login(second)
    return firsts, admin_post_data(client.get(url))


def test_second_save_is_refused_with_what_changed_and_keeps_the_input(client, editor, reviewer):
    approach = ApproachFactory(summary="Original.")
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    editors_form, reviewers_form = opened_by_both(client, url, editor, reviewer)
    client.force_login(editor)
    assert client.post(url, editors_form | {"summary": "The editor's words."}).status_code == 302

    client.force_login(reviewer)
    response = client.post(url, reviewers_form | {"summary": "The reviewer's words."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Someone else saved this record after you opened it" in page
    assert "edna" in page and "Original." in page and "The editor&#x27;s words." in page  # what changed
    assert "The reviewer&#x27;s words." in page  # their input is still on the form
    assert Approach.objects.get(pk=approach.pk).summary == "The editor's words."

    # Having seen the conflict, saving again is a deliberate choice and goes through.
    again = admin_post_data(response)
    assert client.post(url, again).status_code == 302
    assert Approach.objects.get(pk=approach.pk).summary == "The reviewer's words."


def test_concurrent_edits_to_an_inline_evidence_link_are_refused(client, editor, reviewer):
    link = EvidenceLinkFactory(status="draft", finding="Original finding.")
    approach_url = reverse("admin:therapies_approach_change", args=[link.approach.pk])
    link_url = reverse("admin:therapies_evidencelink_change", args=[link.pk])
    client.force_login(editor)
    stale = admin_post_data(client.get(approach_url))
    client.force_login(reviewer)
    assert client.post(link_url, admin_post_data(client.get(link_url)) | {"finding": "First save."}).status_code == 302

    client.force_login(editor)
    response = client.post(approach_url, stale | {"evidence-0-finding": "Second save."})
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    assert EvidenceLink.objects.get(pk=link.pk).finding == "First save."


def test_every_save_moves_the_version_on():
    approach = ApproachFactory()
    assert approach.version == 1
    approach.save()
    assert Approach.objects.get(pk=approach.pk).version == 2


def test_after_a_conflict_the_fields_not_touched_show_the_saved_values(client, editor, reviewer):
    """Saving again after a conflict keeps the other editor's change: the form no longer carries the stale
    values of fields this editor left alone."""
    approach = ApproachFactory(summary="Original summary.", name="Original name")
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    editors_form, reviewers_form = opened_by_both(client, url, editor, reviewer)
    client.force_login(editor)
    assert client.post(url, editors_form | {"summary": "The editor's summary."}).status_code == 302

    client.force_login(reviewer)
    response = client.post(url, reviewers_form | {"name": "The reviewer's name"})
    assert response.status_code == 200 and "Someone else saved this record" in response.content.decode()
    again = admin_post_data(response)
    assert again["summary"] == "The editor's summary." and again["name"] == "The reviewer's name"
    assert client.post(url, again).status_code == 302
    saved = Approach.objects.get(pk=approach.pk)
    assert (saved.summary, saved.name) == ("The editor's summary.", "The reviewer's name")


def test_a_save_without_the_version_it_was_opened_at_is_refused(client, editor):
    approach = ApproachFactory(summary="Original.")
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    client.force_login(editor)
    data = admin_post_data(client.get(url))
    del data["loaded_version"]
    response = client.post(url, data | {"summary": "Changed without a version."})
    assert response.status_code == 200
    assert "did not say which version" in response.content.decode()
    assert Approach.objects.get(pk=approach.pk).summary == "Original."


def test_the_conflict_message_shows_a_long_change_whole(client, editor, reviewer):
    approach = ApproachFactory(session_description="Short.")
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    long_text = "You and the therapist agree on goals, then practise one step at a time. " * 4
    editors_form, reviewers_form = opened_by_both(client, url, editor, reviewer)
    client.force_login(editor)
    assert client.post(url, editors_form | {"session_description": long_text}).status_code == 302
    client.force_login(reviewer)
    response = client.post(url, reviewers_form | {"summary": "Another summary."})
    assert long_text.strip() in response.content.decode()
