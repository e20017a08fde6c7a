"""Publishing and restoring: a record's status changes one by one with history, and an earlier version is
brought back as a change of its own (through review, for a published link's evidence)."""
from __future__ import annotations

from django.db import transaction
from django.db.models import Count, F, QuerySet
from django.utils import timezone

from therapies.cache import bump_catalog_version_for
from therapies.catalog_io.records import CatalogError
from therapies.choices import Status
from therapies.curation.history import history_record, record_snapshot
from therapies.curation.imports import catalog_import
from therapies.curation.review import REVIEWED_FIELDS, CurationError, held_for_review, pending_change_propose
from therapies.models import Approach, Condition, EvidenceLink, Revision

SECTION_OF = {Approach: "approaches", Condition: "conditions", EvidenceLink: "evidence"}
IDENTITY_FIELDS = {Approach: ("slug",), Condition: ("slug",), EvidenceLink: ("approach", "condition", "population")}


@transaction.atomic  # select_for_update needs one, and a batch is all or nothing (the admin's action has none)
def records_set_status(*, queryset: QuerySet, status: str, user) -> int:
    """Publish, unpublish or archive records one by one, so each gets a history entry. Publishing evidence
    links that cite no source is refused (CurationError), before anything changes."""
    count, model = 0, queryset.model
    if model is EvidenceLink and status == Status.PUBLISHED:
        unsourced = list(queryset.annotate(n=Count("ratings")).filter(n=0)[:5])
        if unsourced:
            raise CurationError(f"Not published: {', '.join(map(str, unsourced))} cite no source. Add a source rating first.")
    # A fresh queryset: the admin's may carry annotations, and Postgres cannot lock grouped rows.
    for record in model.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))).select_for_update().order_by("pk"):
        if record.status == status:
            continue
        before = record_snapshot(record)
        type(record).objects.filter(pk=record.pk).update(status=status, version=F("version") + 1)
        bump_catalog_version_for(record)  # update() sends no signal; cached public pages must not outlive this
        history_record(instance=record, before=before, user=user)
        count += 1
    return count


def revision_restore(*, revision: Revision, user) -> str:
    """Bring back a record's content as of `revision`; recorded as a change of its own. Returns what happened.

    The record keeps its current identity (slug) and status. For a published evidence link, a restored
    level, finding or ratings become a proposal awaiting review, like any other change to them.
    """
    model = revision.content_type.model_class()
    if model not in SECTION_OF:  # a question to ask: its history is kept, but it is not in the catalog format
        raise CurationError("This kind of record cannot be restored; copy what you need from its history.")
    instance = model.objects.filter(pk=revision.object_id).first()
    if instance is None or not revision.snapshot:
        raise CurationError("This record no longer exists, so it cannot be restored here.")
    current = record_snapshot(instance)
    record = dict(revision.snapshot)
    for name in IDENTITY_FIELDS[model] + ("status",):
        record[name] = current[name]
    proposal = None
    if model is EvidenceLink:
        proposal = held_for_review(before=current, submitted={name: record[name] for name in REVIEWED_FIELDS})
        record.update({name: current[name] for name in proposal})
    if record == current and not proposal:
        return "That version is the same as the current one; nothing to restore."
    reason = f"Restored the version of {timezone.localtime(revision.created_at):%Y-%m-%d %H:%M}."
    with transaction.atomic():
        if record != current:
            try:
                catalog_import(
                    data={SECTION_OF[model]: [record]}, label=str(instance), user=user, reason=reason,
                    action=Revision.Action.RESTORED,
                )
            except CatalogError as error:
                raise CurationError(" ".join(error.errors)) from error
        if proposal:
            pending_change_propose(link=instance, proposed=proposal, user=user, reason=reason)
            return "Restored; the evidence level, finding or sources of this published link now await review."
    return "Restored the earlier version."
