"""Best bets editors control, and the searches that found nothing shown in the review queue."""
import pytest

from therapies.choices import Status
from therapies.models import BestBet, SearchMiss


@pytest.mark.django_db
def test_a_published_best_bet_comes_first_and_a_draft_does_not(client, real_catalog):
    bet = BestBet.objects.create(phrase="NHS talking therapies", url="/therapies/cbt/", reason="What the NHS offers first")
    assert "Recommended by our editors" not in client.get("/search/", {"q": "nhs talking therapies"}).content.decode()
    bet.status = Status.PUBLISHED
    bet.save()  # moves the catalog version: the cached vocabulary is read again
    html = client.get("/search/", {"q": "nhs talking therapies"}).content.decode()
    assert "Recommended by our editors" in html and '<a href="/therapies/cbt/">What the NHS offers first</a>' in html


@pytest.mark.django_db
def test_a_best_bet_must_point_at_this_site(db):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        BestBet(phrase="x", url="https://evil.example/", reason="r").full_clean()
    with pytest.raises(ValidationError):
        BestBet(phrase="x", url="//evil.example/", reason="r").full_clean()


@pytest.mark.django_db
def test_only_a_reviewer_sets_a_best_bets_status(client, editor, reviewer):
    client.force_login(editor)
    html = client.get("/admin/therapies/bestbet/add/").content.decode()
    assert 'name="status"' not in html
    client.force_login(reviewer)
    assert 'name="status"' in client.get("/admin/therapies/bestbet/add/").content.decode()


@pytest.mark.django_db
def test_the_review_queue_lists_the_searches_that_found_nothing(client, real_catalog, editor):
    for _ in range(2):
        client.get("/search/", {"q": "gamblng habit"})
    assert SearchMiss.objects.get().count == 2
    client.force_login(editor)
    html = client.get("/admin/therapies/pendingchange/queue/").content.decode()
    assert "Searches that found nothing" in html and "gamblng habit" in html and "<td>2</td>" in html


@pytest.mark.django_db
def test_best_bet_edits_are_kept_in_the_history(client, reviewer):
    from therapies.models import Revision

    client.force_login(reviewer)
    data = {"phrase": "nhs talking therapies", "url": "/therapies/cbt/", "reason": "What the NHS offers first",
            "status": "draft"}
    assert client.post("/admin/therapies/bestbet/add/", data).status_code == 302
    bet = BestBet.objects.get()
    client.post(f"/admin/therapies/bestbet/{bet.pk}/change/", {**data, "status": "published"})
    entries = list(Revision.objects.for_record(bet).order_by("created_at", "pk").values_list("action", "diff", "user__username"))
    assert [action for action, _, _ in entries] == ["created", "changed"]
    assert entries[1][1] == {"status": ["draft", "published"]} and entries[1][2] == "rita"
