"""ApproachStats, ConditionStats and ConditionFormatStats: totals Postgres keeps in step with every write
(migrations 0007 and 0011).

Each test changes the catalog the way editors, curation or imports do and compares the stored totals with
the same totals counted from the rows themselves.
"""
import pytest
from django.db import connection, transaction
from django.db.models import Count, Max, Q

from therapies.choices import Status
from therapies.models import Approach, ApproachStats, Condition, ConditionFormatStats, ConditionStats, EvidenceLink, Format
from tests.factories import ApproachFactory, ConditionFactory, EvidenceLinkFactory

pytestmark = pytest.mark.django_db

PUBLIC = Q(evidence__status=Status.PUBLISHED)


def counted_approach_stats() -> dict[int, tuple]:
    """(best rank, conditions, links) per approach, counted from public links."""
    public = PUBLIC & Q(status=Status.PUBLISHED, evidence__condition__status=Status.PUBLISHED)
    rows = Approach.objects.annotate(
        best=Max("evidence__level_rank", filter=public),
        conditions=Count("evidence__condition", filter=public, distinct=True),
        links=Count("evidence", filter=public),
    ).values_list("pk", "best", "conditions", "links")
    return {pk: (best, conditions, links) for pk, best, conditions, links in rows}


def counted_condition_stats() -> dict[int, int]:
    public = PUBLIC & Q(status=Status.PUBLISHED, evidence__approach__status=Status.PUBLISHED)
    rows = Condition.objects.annotate(n=Count("evidence__approach", filter=public, distinct=True))
    return dict(rows.values_list("pk", "n"))


def counted_condition_format_stats() -> dict[tuple[int, int], int]:
    """{(condition, format): approaches offered in the format with public evidence for the condition}."""
    public = Q(status=Status.PUBLISHED, approach__status=Status.PUBLISHED, condition__status=Status.PUBLISHED)
    rows = (
        EvidenceLink.objects.filter(public, approach__formats__isnull=False)
        .values_list("condition", "approach__formats").annotate(n=Count("approach", distinct=True))
    )
    return {(condition, format_id): n for condition, format_id, n in rows}


def stored_approach_stats() -> dict[int, tuple]:
    return {row[0]: row[1:] for row in ApproachStats.objects.values_list("approach_id", "best_rank", "condition_count", "link_count")}


def assert_in_step() -> None:
    assert stored_approach_stats() == counted_approach_stats()
    assert dict(ConditionStats.objects.values_list("condition_id", "approach_count")) == counted_condition_stats()
    stored = ConditionFormatStats.objects.values_list("condition_id", "format_id", "approach_count")
    assert {(condition, format_id): n for condition, format_id, n in stored} == counted_condition_format_stats()


def test_every_record_has_totals_matching_its_rows(catalog):
    assert_in_step()
    cbt = ApproachStats.objects.get(approach=catalog.approaches["cbt"])
    # CBT: strong for depression (adults) and OCD; its link to the draft condition is not public.
    assert (cbt.best_rank, cbt.condition_count, cbt.link_count) == (5, 2, 2)
    assert ConditionStats.objects.get(condition=catalog.conditions["ocd"]).approach_count == 3


def test_publishing_and_unpublishing_a_link_moves_the_totals(catalog):
    draft = EvidenceLink.objects.get(approach=catalog.approaches["dbt"], condition=catalog.conditions["depression"])
    draft.status = Status.PUBLISHED
    draft.save()
    assert ConditionStats.objects.get(condition=catalog.conditions["depression"]).approach_count == 3
    assert_in_step()
    EvidenceLink.objects.filter(condition=catalog.conditions["ocd"]).update(status=Status.ARCHIVED)  # curation's bulk path
    assert ConditionStats.objects.get(condition=catalog.conditions["ocd"]).approach_count == 0
    assert ApproachStats.objects.get(approach=catalog.approaches["erp"]).best_rank is None
    assert_in_step()


def test_an_approachs_formats_move_the_per_format_counts(catalog):
    """Formats added, removed or deleted in the admin reach every condition the approach has evidence for."""
    ocd, online = catalog.conditions["ocd"], Format.objects.get(slug="online")

    def online_for_ocd() -> int:
        row = ConditionFormatStats.objects.filter(condition=ocd, format=online).first()
        return row.approach_count if row else 0

    before = online_for_ocd()
    catalog.approaches["erp"].formats.add(online)
    assert online_for_ocd() == before + 1
    assert_in_step()
    catalog.approaches["erp"].formats.remove(online)
    assert online_for_ocd() == before
    catalog.approaches["cbt"].formats.clear()
    assert_in_step()
    group = Format.objects.get(slug="group")
    assert ConditionFormatStats.objects.filter(format_id=group.pk).exists()
    group.delete()
    assert_in_step()
    assert not ConditionFormatStats.objects.filter(format_id=group.pk).exists()


def test_a_changed_level_changes_the_best_rank(catalog):
    link = EvidenceLink.objects.get(approach=catalog.approaches["erp"], condition=catalog.conditions["ocd"])
    link.level = "emerging"
    link.save()
    assert ApproachStats.objects.get(approach=catalog.approaches["erp"]).best_rank == 3
    assert_in_step()


def test_unpublishing_an_approach_or_a_condition_reaches_the_other_side(catalog):
    Approach.objects.filter(pk=catalog.approaches["cbt"].pk).update(status=Status.IN_REVIEW)
    assert ConditionStats.objects.get(condition=catalog.conditions["ocd"]).approach_count == 2
    assert_in_step()
    condition = catalog.conditions["psychosis"]
    condition.status = Status.ARCHIVED
    condition.save()
    assert ApproachStats.objects.get(approach=catalog.approaches["art"]).link_count == 0
    assert_in_step()


def test_new_records_start_at_zero_and_deleted_ones_leave_nothing(catalog):
    approach, condition = ApproachFactory(), ConditionFactory()
    assert stored_approach_stats()[approach.pk] == (None, 0, 0)
    EvidenceLinkFactory(approach=approach, condition=condition)
    assert ConditionStats.objects.get(condition=condition).approach_count == 1
    deleted = catalog.approaches["counselling"].pk
    catalog.approaches["counselling"].delete()  # Django deletes its links first, then the approach
    catalog.conditions["ocd"].delete()
    assert_in_step()
    assert not ApproachStats.objects.filter(approach_id=deleted).exists()


@pytest.mark.django_db(transaction=True)
def test_totals_survive_commit_and_a_failed_transaction_leaves_them_untouched():
    from tests.conftest import build_catalog, delete_catalog

    with transaction.atomic():
        catalog = build_catalog()
    before = stored_approach_stats()
    with pytest.raises(RuntimeError), transaction.atomic():
        EvidenceLink.objects.filter(approach=catalog.approaches["cbt"]).update(status=Status.DRAFT)
        assert stored_approach_stats() != before  # seen inside the transaction at once
        raise RuntimeError("the editor's save failed")
    assert stored_approach_stats() == before
    delete_catalog()  # deferred foreign keys are checked here: no totals left pointing at deleted rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM therapies_approachstats")
        assert cursor.fetchone() == (0,)
    assert not ConditionStats.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_editors_changing_one_condition_at_once_leave_the_right_total():
    """Editor two's refresh waits for editor one's commit; it must then count editor one's change too."""
    import threading

    from django.db import connections

    from tests.conftest import build_catalog, delete_catalog

    with transaction.atomic():
        catalog = build_catalog()
    ocd = catalog.conditions["ocd"]
    first, second = EvidenceLink.objects.filter(condition=ocd, status=Status.PUBLISHED).values_list("pk", flat=True)[:2]
    first_saved, errors = threading.Event(), []

    def editor(link: int, wait_for: threading.Event | None) -> None:
        try:
            if wait_for is not None:
                wait_for.wait(10)
            with transaction.atomic():
                EvidenceLink.objects.filter(pk=link).update(status=Status.DRAFT)
                if wait_for is None:
                    first_saved.set()
                    # Hold the transaction open while editor two saves (and blocks on the totals' row).
                    with connections["default"].cursor() as cursor:
                        cursor.execute("SELECT pg_sleep(0.5)")
        except Exception as error:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=(first, None)), threading.Thread(target=editor, args=(second, first_saved))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert ConditionStats.objects.get(condition=ocd).approach_count == 1
    assert_in_step()
    delete_catalog()
