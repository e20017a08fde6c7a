"""The history of every curated record: snapshots in the catalog format, one entry per saved change with
its field-by-field diff, and what the public changelog says about a change to an evidence link."""
from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from therapies.catalog_io.records import (
    CatalogChange,
    approach_record,
    condition_record,
    link_record,
    record_diff,
)
from therapies.choices import Status
from therapies.models import Approach, BestBet, Condition, EvidenceLink, QuestionToAsk, Revision

BEST_BET_FIELDS = ("phrase", "url", "reason", "status")


def record_snapshot(instance: Model) -> dict[str, Any] | None:
    """The record as the database holds it now, in the catalog format; None if it is gone (runs 1-3 queries)."""
    model = type(instance)
    if model is Approach:
        found = Approach.objects.select_related("parent").prefetch_related("formats").filter(pk=instance.pk)
        builder = approach_record
    elif model is Condition:
        found, builder = Condition.objects.filter(pk=instance.pk), condition_record
    elif model is QuestionToAsk:
        found, builder = QuestionToAsk.objects.select_related("approach").filter(pk=instance.pk), question_record
    elif model is BestBet:
        found, builder = BestBet.objects.filter(pk=instance.pk), best_bet_record
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


def question_record(question: QuestionToAsk) -> dict[str, Any]:
    """A question to ask as history keeps it. Not part of the catalog format (docs/catalog.md): questions
    are curated in the admin only, so their history is kept but has no "restore" through an import."""
    return {
        "approach": question.approach.slug if question.approach else None, "text": question.text,
        "position": question.position, "status": question.status,
    }


def history_record(
    *, instance: Model, before: dict | None, user, reason: str = "", action: str | None = None
) -> Revision | None:
    """Write one history entry for what changed in `instance` since `before`; nothing when nothing changed."""
    after = record_snapshot(instance)
    if after is None or (before is not None and before == after):
        return None
    action = action or (Revision.Action.CREATED if before is None else Revision.Action.CHANGED)
    revision = _revision(
        model=type(instance), pk=instance.pk, label=str(instance), version=record_version(instance),
        before=before, after=after, action=action, user=user, reason=reason,
    )
    revision.save()
    return revision


def history_record_deleted(*, instance: Model, user, reason: str = "") -> Revision:
    """Keep the last state of a record that is about to be deleted."""
    before = record_snapshot(instance)
    revision = _revision(
        model=type(instance), pk=instance.pk, label=str(instance), version=record_version(instance),
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


def best_bet_record(bet: BestBet) -> dict[str, Any]:
    """A best bet as its history keeps it (best bets are not part of the catalog file)."""
    return {name: getattr(bet, name) for name in BEST_BET_FIELDS}


def record_version(instance: Model) -> int | None:
    if not hasattr(instance, "version"):  # a record without an edit version (a best bet)
        return None
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
