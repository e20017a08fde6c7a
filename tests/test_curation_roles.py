"""Roles: Editors write drafts and propose; only Reviewers publish, unpublish and approve."""
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from therapies.choices import Status
from therapies.models import Approach
from tests.admin_forms import admin_post_data
from tests.factories import ApproachFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db


def test_migration_creates_both_groups_with_exactly_their_permissions():
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True))
    assert {"add_approach", "change_evidencelink", "view_revision", "change_readerreport"} <= editors
    assert not {"review", "delete_approach", "delete_evidencelink", "change_format"} & editors
    assert editors < reviewers
    assert {"review", "delete_evidencelink", "change_pendingchange"} <= reviewers
    assert not any(codename.endswith("_user") or codename.endswith("_group") for codename in reviewers)


def test_editor_cannot_publish_through_the_action(client, editor):
    approach = ApproachFactory(status=Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:therapies_approach_changelist")
    assert client.get(url).context["action_form"] is None  # no action at all is offered to editors
    response = client.post(url, {"action": "publish", "_selected_action": [approach.pk]})
    assert response.status_code == 200  # "No action selected": the action is not offered to editors
    assert Approach.objects.get(pk=approach.pk).status == Status.DRAFT


def test_editor_cannot_set_published_in_the_form(client, editor):
    approach = ApproachFactory(status=Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    data = admin_post_data(client.get(url)) | {"status": "published"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Approach.objects.get(pk=approach.pk).status == Status.DRAFT


def test_editor_can_save_a_draft_and_send_it_to_review(client, editor):
    approach = ApproachFactory(status=Status.DRAFT)
    client.force_login(editor)
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    data = admin_post_data(client.get(url)) | {"status": "in_review", "summary": "A clearer summary."}
    assert client.post(url, data).status_code == 302
    approach.refresh_from_db()
    assert (approach.status, approach.summary) == (Status.IN_REVIEW, "A clearer summary.")


def test_editor_cannot_unpublish_from_the_form(client, editor):
    approach = ApproachFactory()
    client.force_login(editor)
    url = reverse("admin:therapies_approach_change", args=[approach.pk])
    data = admin_post_data(client.get(url)) | {"status": "draft"}
    client.post(url, data)
    assert Approach.objects.get(pk=approach.pk).status == Status.PUBLISHED  # the field is disabled


def test_editor_cannot_delete_or_import(client, editor):
    link = EvidenceLinkFactory()
    client.force_login(editor)
    assert client.get(reverse("admin:therapies_evidencelink_delete", args=[link.pk])).status_code == 403
    assert client.get(reverse("admin:therapies_catalog_upload")).status_code == 403


def test_reviewer_can_publish_and_unpublish(client, reviewer):
    approach = ApproachFactory(status=Status.IN_REVIEW)
    client.force_login(reviewer)
    url = reverse("admin:therapies_approach_changelist")
    client.post(url, {"action": "publish", "_selected_action": [approach.pk]})
    assert Approach.objects.get(pk=approach.pk).status == Status.PUBLISHED
    client.post(url, {"action": "unpublish", "_selected_action": [approach.pk]})
    assert Approach.objects.get(pk=approach.pk).status == Status.DRAFT
