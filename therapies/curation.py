"""Curation writes: the history of every record, changes awaiting a second person, restores, the review queue.

Functions are named `<entity>_<verb>(*, keyword_only_args)` like those in services.py; they run inside the
caller's transaction (the admin wraps each save in one) unless they say otherwise.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, F, Model, Q, QuerySet
from django.utils import timezone

from therapies.cache import bump_catalog_version
from therapies.models import (
    Approach,
    Condition,
    EvidenceLink,
    PendingChange,
    ReaderReport,
    Revision,
    Source,
    Status,
)
from therapies.services import (
    CatalogChange,
    CatalogError,
    _Importer,
    approach_record,
    catalog_import,
    condition_record,
    link_record,
    record_diff,
)

REVIEW_PERMISSION = "therapies.review"
# What of a published evidence link only reaches the public after a second person approves it.
REVIEWED_FIELDS = ("level", "finding", "ratings")
REVIEW_MAX_AGE = datetime.timedelta(days=730)  # 24 months, as in checks.py
SECTION_OF = {Approach: "approaches", Condition: "conditions", EvidenceLink: "evidence"}
IDENTITY_FIELDS = {Approach: ("slug",), Condition: ("slug",), EvidenceLink: ("approach", "condition", "population")}


class CurationError(Exception):
    """A curation step was refused; the message says why, for the person who tried."""


def is_reviewer(user) -> bool:
    return bool(user and user.has_perm(REVIEW_PERMISSION))


# --- History ------------------------------------------------------------------------------------------------

def record_snapshot(instance: Model) -> dict[str, Any] | None:
    """The record as the database holds it now, in the catalog format; None if it is gone (runs 1-3 queries)."""
    model = type(instance)
    if model is Approach:
        found = Approach.objects.select_related("parent").prefetch_related("formats").filter(pk=instance.pk)
        builder = approach_record
    elif model is Condition:
        found, builder = Condition.objects.filter(pk=instance.pk), condition_record
    else:
        found = (
            EvidenceLink.objects.filter(pk=instance.pk)
            .select_related("approach", "condition")
            .prefetch_related("formats")
            .with_ratings()
        )
        builder = link_record
    record = next(iter(found), None)
    return builder(record) if record is not None else None


def history_record(
    *, instance: Model, before: dict | None, user, reason: str = "", action: str | None = None
) -> Revision | None:
    """Write one history entry for what changed in `instance` since `before`; nothing when nothing changed."""
    after = record_snapshot(instance)
    if after is None or (before is not None and before == after):
        return None
    action = action or (Revision.Action.CREATED if before is None else Revision.Action.CHANGED)
    revision = _revision(
        model=type(instance), pk=instance.pk, label=str(instance), version=_version(instance),
        before=before, after=after, action=action, user=user, reason=reason,
    )
    revision.save()
    return revision


def history_record_deleted(*, instance: Model, user, reason: str = "") -> Revision:
    """Keep the last state of a record that is about to be deleted."""
    before = record_snapshot(instance)
    revision = _revision(
        model=type(instance), pk=instance.pk, label=str(instance), version=_version(instance),
        before=before, after=None, action=Revision.Action.DELETED, user=user, reason=reason,
    )
    revision.snapshot = before or {}
    revision.save()
    return revision


def history_record_import(*, changes: list[CatalogChange], user, reason: str, action: str) -> None:
    """History entries for the approaches, conditions and links an import created or changed (3 queries)."""
    wanted = {section: [c for c in changes if c.section == section and c.after is not None]
              for section in ("approaches", "conditions", "evidence")}
    found = {
        "approaches": {(a.slug,): a for a in Approach.objects.filter(slug__in=[c.identity[0] for c in wanted["approaches"]])},
        "conditions": {(c.slug,): c for c in Condition.objects.filter(slug__in=[c.identity[0] for c in wanted["conditions"]])},
        "evidence": {
            (link.approach.slug, link.condition.slug, link.population): link
            for link in EvidenceLink.objects.select_related("approach", "condition").filter(
                approach__slug__in=[c.identity[0] for c in wanted["evidence"]],
                condition__slug__in=[c.identity[1] for c in wanted["evidence"]],
            )
        },
    }
    revisions = []
    for section, section_changes in wanted.items():
        for change in section_changes:
            instance = found[section].get(change.identity)
            if instance is None:
                continue
            before = None if change.kind == "created" else change.after | {k: old for k, (old, _) in change.fields.items()}
            revisions.append(_revision(
                model=type(instance), pk=instance.pk, label=str(instance), version=instance.version,
                before=before, after=change.after, action=action, user=user, reason=reason,
            ))
    Revision.objects.bulk_create(revisions)


def _version(instance: Model) -> int | None:
    return type(instance).objects.filter(pk=instance.pk).values_list("version", flat=True).first()


def _revision(*, model, pk, label, version, before, after, action, user, reason) -> Revision:
    revision = Revision(
        content_type=ContentType.objects.get_for_model(model), object_id=pk, object_repr=label[:300],
        version=version, action=action, user=user, reason=reason[:500], diff=record_diff(before, after),
        snapshot=after or {},
    )
    if model is EvidenceLink:
        link = EvidenceLink.objects.only("approach_id", "condition_id").get(pk=pk) if after or before else None
        revision.approach_id, revision.condition_id = link.approach_id, link.condition_id
        revision.public_summary = public_summary(before=before, after=after, action=action)
    return revision


def public_summary(*, before: dict | None, after: dict | None, action: str) -> str:
    """What the public changelog says about a change to an evidence link; "" when it is not public news.

    Only links the public saw (published before or after) count, and a catalog's first import of a link
    is the starting point, not news.
    """
    was_public = bool(before) and before["status"] == Status.PUBLISHED
    is_public = bool(after) and after["status"] == Status.PUBLISHED
    if not (was_public or is_public) or (before is None and action == Revision.Action.IMPORTED):
        return ""
    if not is_public:
        return "no longer listed"
    if not was_public:
        return f"added: {_level(after['level'])}"
    parts = []
    if before["level"] != after["level"]:
        parts.append(f"{_level(before['level'])} → {_level(after['level'])}")
    if before["finding"] != after["finding"]:
        parts.append("finding updated")
    if before["ratings"] != after["ratings"]:
        parts.append("sources updated")
    return "; ".join(parts)


def _level(value: str) -> str:
    return value.replace("_", " ")


# --- Safe concurrent edits -------------------------------------------------------------------------------------

@dataclass
class Conflict:
    current_version: int
    revisions: list[Revision]

    def message(self) -> str:
        changes = "; ".join(
            f"{r.user or 'someone'} at {timezone.localtime(r.created_at):%H:%M} changed "
            + (", ".join(f"{name} ({_brief(old)} → {_brief(new)})" for name, (old, new) in r.diff.items()) or "it")
            for r in reversed(self.revisions)
        ) or "it was saved again"
        return (
            f"Someone else saved this record after you opened it: {changes}. Your changes were NOT saved; they "
            "are still in the form. Check them against the current version (open the record in a new tab), "
            "then save again to keep yours."
        )


def version_conflict(*, instance: Model, submitted_version: int | None) -> Conflict | None:
    """Lock the record until the transaction ends; a Conflict if it was saved since `submitted_version`."""
    current = type(instance).objects.select_for_update().filter(pk=instance.pk).values_list("version", flat=True).first()
    if current is None or submitted_version is None or current == submitted_version:
        return None
    revisions = list(
        Revision.objects.for_record(instance).filter(version__gt=submitted_version).select_related("user")
    )
    return Conflict(current_version=current, revisions=revisions)


def _brief(value: Any, limit: int = 60) -> str:
    text = "—" if value in (None, "", []) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- Changes awaiting review --------------------------------------------------------------------------------

def pending_change_propose(*, link: EvidenceLink, proposed: dict[str, Any], user, reason: str = "") -> PendingChange:
    """Hold a change to a published link's level, finding or ratings until another reviewer approves it.

    A newer proposal supersedes an open one (which is kept, marked rejected, so nothing is lost).
    """
    current = record_snapshot(link)
    proposal = {name: proposed.get(name, current[name]) for name in REVIEWED_FIELDS}
    superseded = PendingChange.objects.open().filter(link=link)
    superseded.update(
        state=PendingChange.State.REJECTED, reviewed_at=timezone.now(), review_note="Superseded by a newer proposal."
    )
    return PendingChange.objects.create(
        link=link, proposed=proposal, base_version=_version(link), reason=reason[:500], author=user
    )


def pending_change_diff(change: PendingChange) -> dict[str, list]:
    """Field -> [published, proposed] for the fields the proposal changes (runs 3 queries)."""
    current = record_snapshot(change.link) or {}
    return record_diff({name: current.get(name) for name in REVIEWED_FIELDS}, change.proposed)


def pending_change_approve(*, change: PendingChange, reviewer, note: str = "") -> Revision | None:
    """Apply a proposal to the published link, in one transaction; only a reviewer who is not its author."""
    with transaction.atomic():
        change = PendingChange.objects.select_for_update().get(pk=change.pk)
        _check_reviewable(change, reviewer)
        if change.author_id == reviewer.pk:
            raise CurationError("You cannot approve your own change: another reviewer must.")
        link = EvidenceLink.objects.select_for_update().get(pk=change.link_id)
        if link.version != change.base_version:
            raise CurationError(
                "The link was edited after this change was proposed, so approving it could undo that edit. "
                "Reject it and propose the change again against the current version."
            )
        before = record_snapshot(link)
        _link_apply(link=link, values=change.proposed)
        change.state, change.reviewer, change.reviewed_at = PendingChange.State.APPROVED, reviewer, timezone.now()
        change.review_note = note[:500]
        change.save(update_fields=["state", "reviewer", "reviewed_at", "review_note"])
        reason = change.reason or note
        return history_record(instance=link, before=before, user=change.author, reason=reason,
                              action=Revision.Action.APPROVED)


def pending_change_reject(*, change: PendingChange, reviewer, note: str = "") -> None:
    """Turn a proposal down; the published link stays exactly as it is."""
    with transaction.atomic():
        change = PendingChange.objects.select_for_update().get(pk=change.pk)
        _check_reviewable(change, reviewer)
        change.state, change.reviewed_at, change.review_note = PendingChange.State.REJECTED, timezone.now(), note[:500]
        change.reviewer = None if change.author_id == reviewer.pk else reviewer  # withdrawing one's own
        change.save(update_fields=["state", "reviewer", "reviewed_at", "review_note"])


def _check_reviewable(change: PendingChange, reviewer) -> None:
    if not is_reviewer(reviewer):
        raise CurationError("Only reviewers can approve or reject changes.")
    if change.state != PendingChange.State.PENDING:
        raise CurationError(f"This change was already {change.get_state_display().lower()}.")


def _link_apply(*, link: EvidenceLink, values: dict[str, Any]) -> None:
    """Set a link's level, finding and ratings (catalog format) and save it."""
    sources = {s.key: s for s in Source.objects.filter(key__in=[r["source"] for r in values["ratings"]])}
    missing = [r["source"] for r in values["ratings"] if r["source"] not in sources]
    if missing:
        raise CurationError(f"Source(s) {', '.join(missing)} no longer exist.")
    link.level, link.finding = values["level"], values["finding"]
    link.save()
    _Importer.apply_ratings(link, [(sources[r["source"]], r["level"], r["finding"]) for r in values["ratings"]])


# --- Workflow and restore -----------------------------------------------------------------------------------

def records_set_status(*, queryset: QuerySet, status: str, user) -> int:
    """Publish, unpublish or archive records one by one, so each gets a history entry."""
    count, model = 0, queryset.model
    # A fresh queryset: the admin's may carry annotations, and Postgres cannot lock grouped rows.
    for record in model.objects.filter(pk__in=list(queryset.values_list("pk", flat=True))).select_for_update().order_by("pk"):
        if record.status == status:
            continue
        before = record_snapshot(record)
        type(record).objects.filter(pk=record.pk).update(status=status, version=F("version") + 1)
        bump_catalog_version()  # update() sends no signal; cached public pages must not outlive this
        history_record(instance=record, before=before, user=user)
        count += 1
    return count


def revision_restore(*, revision: Revision, user) -> str:
    """Bring back a record's content as of `revision`; recorded as a change of its own. Returns what happened.

    The record keeps its current identity (slug) and status. For a published evidence link, a restored
    level, finding or ratings become a proposal awaiting review, like any other change to them.
    """
    model = revision.content_type.model_class()
    instance = model.objects.filter(pk=revision.object_id).first()
    if instance is None or not revision.snapshot:
        raise CurationError("This record no longer exists, so it cannot be restored here.")
    current = record_snapshot(instance)
    record = dict(revision.snapshot)
    for name in IDENTITY_FIELDS[model] + ("status",):
        record[name] = current[name]
    proposal = None
    if model is EvidenceLink and current["status"] == Status.PUBLISHED:
        proposal = {name: record[name] for name in REVIEWED_FIELDS if record[name] != current[name]}
        record.update({name: current[name] for name in REVIEWED_FIELDS})
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


# --- Review queue -------------------------------------------------------------------------------------------

def review_queue(*, today: datetime.date | None = None) -> dict[str, Any]:
    """What needs a curator: proposals, records due a review, single-source links, open reader reports."""
    today = today or timezone.localdate()
    due = Q(last_reviewed__isnull=True) | Q(last_reviewed__lt=today - REVIEW_MAX_AGE)
    active = ~Q(status=Status.ARCHIVED)
    return {
        "pending": PendingChange.objects.open().select_related("link__approach", "link__condition", "author"),
        "due_approaches": Approach.objects.filter(due, active).order_by("last_reviewed", "name"),
        "due_conditions": Condition.objects.filter(due, active).order_by("last_reviewed", "name"),
        "due_links": EvidenceLink.objects.filter(due, active).select_related("approach", "condition")
        .order_by("last_reviewed", "approach__name"),
        "single_source": EvidenceLink.objects.filter(status=Status.PUBLISHED)
        .annotate(source_count=Count("ratings")).filter(source_count=1).select_related("approach", "condition"),
        "reports": ReaderReport.objects.open().select_related("approach", "condition"),
    }
