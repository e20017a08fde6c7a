"""Questions to ask: curated in the admin like the catalog (roles, history, the version guard), with no
restore, since they are not in the catalog format; their invariants hold in Postgres."""
import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse

from therapies.choices import Status
from therapies.models import QuestionToAsk, Revision
from tests.admin_forms import admin_post_data
from tests.factories import ApproachFactory, QuestionToAskFactory

pytestmark = pytest.mark.django_db
ADD = reverse("admin:therapies_questiontoask_add")


def test_editors_write_questions_and_reviewers_also_delete_them():
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    reviewers = set(Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True))
    assert {"add_questiontoask", "change_questiontoask", "view_questiontoask"} <= editors
    assert "delete_questiontoask" not in editors and "delete_questiontoask" in reviewers


def test_an_editor_adds_a_draft_question_and_its_history_is_kept(client, editor):
    approach = ApproachFactory(slug="emdr", name="EMDR")
    client.force_login(editor)
    data = admin_post_data(client.get(ADD)) | {
        "approach": approach.pk, "text": "  Will I have to talk about the trauma in detail?  ", "position": "1",
        "status": Status.DRAFT, "change_reason": "Asked by readers.",
    }
    response = client.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    question = QuestionToAsk.objects.get(approach=approach)
    assert question.text == "Will I have to talk about the trauma in detail?"  # stripped by clean()
    revision = Revision.objects.for_record(question).get()
    assert (revision.user, revision.reason, revision.action) == (editor, "Asked by readers.", "created")
    assert revision.snapshot == {"approach": "emdr", "text": question.text, "position": 1, "status": "draft"}
    assert question.get_absolute_url() == "/summary/?t=emdr"


def test_an_editor_cannot_publish_a_question(client, editor):
    client.force_login(editor)
    data = admin_post_data(client.get(ADD)) | {"text": "How long is the wait?", "status": Status.PUBLISHED}
    assert client.post(ADD, data).status_code == 200  # not a choice an editor is offered
    assert not QuestionToAsk.objects.filter(text="How long is the wait?").exists()


def test_a_reviewer_publishes_with_the_action_and_history_has_no_restore(client, reviewer):
    question = QuestionToAskFactory(text="Is it free?", status=Status.DRAFT)
    client.force_login(reviewer)
    changelist = reverse("admin:therapies_questiontoask_changelist")
    assert client.get(changelist).status_code == 200
    client.post(changelist, {"action": "publish", "_selected_action": [question.pk]})
    question.refresh_from_db()
    assert (question.status, question.version) == (Status.PUBLISHED, 2)
    revision = Revision.objects.for_record(question).get()
    assert revision.diff == {"status": ["draft", "published"]}
    history = client.get(reverse("admin:therapies_questiontoask_history", args=[question.pk]))
    assert history.status_code == 200 and "Restore this version" not in history.content.decode()
    restore = reverse("admin:therapies_questiontoask_restore", args=[question.pk, revision.pk])
    response = client.post(restore, follow=True)
    assert response.status_code == 200
    assert "cannot be restored" in response.content.decode()


def test_a_stale_edit_is_refused(client, editor):
    question = QuestionToAskFactory(text="Old words?", status=Status.DRAFT)
    url = reverse("admin:therapies_questiontoask_change", args=[question.pk])
    client.force_login(editor)
    stale = admin_post_data(client.get(url))
    QuestionToAsk.objects.get(pk=question.pk).save()  # someone else saved it meanwhile
    response = client.post(url, stale | {"text": "New words?"})
    assert response.status_code == 200 and "Someone else saved this record" in response.content.decode()


def test_a_question_cannot_be_blank_in_the_database():
    with pytest.raises(IntegrityError, match="therapies_questiontoask_text_not_blank"), transaction.atomic():
        QuestionToAskFactory(text="")


def test_general_questions_link_to_the_summary():
    assert QuestionToAskFactory(approach=None).get_absolute_url() == "/summary/"
