"""Two-person review: a change to a published evidence link's level, finding or sources reaches the public
only once another reviewer approves it. Every path that edits a link (its admin page, the links inline on
an approach or condition, a restore) asks `evidence_link_hold` what to hold back, then proposes it."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from therapies.catalog_io.ratings import ratings_apply
from therapies.catalog_io.records import record_diff
from therapies.choices import Status
from therapies.curation.history import history_record, record_snapshot, record_version
from therapies.models import EvidenceLink, PendingChange, Revision, Source

REVIEW_PERMISSION = "therapies.review"
# What of a published evidence link only reaches the public after a second person approves it.
REVIEWED_FIELDS = ("level", "finding", "ratings")


class CurationError(Exception):
    """A curation step was refused; the message says why, for the person who tried."""


def is_reviewer(user) -> bool:
    return bool(user and user.has_perm(REVIEW_PERMISSION))


def held_for_review(*, before: dict[str, Any] | None, submitted: dict[str, Any]) -> dict[str, Any]:
    """The part of an edit (catalog-format values) that must wait for a second person: whatever changes a
    published link's level, finding or ratings. Empty when the link was not published (`before`: its
    snapshot before the edit, None for a new link)."""
    if not before or before["status"] != Status.PUBLISHED:
        return {}
    return {name: value for name, value in submitted.items() if name in REVIEWED_FIELDS and value != before[name]}


def evidence_link_hold(*, link: EvidenceLink, before: dict[str, Any] | None, submitted: dict[str, Any]) -> dict[str, Any]:
    """Set aside what of an edit to `link` waits for review (see held_for_review): the instance gets its
    published level and finding back, so saving it applies only the rest. Returns what was held, for
    `pending_change_propose` once the link is saved; the caller must not save held ratings."""
    held = held_for_review(before=before, submitted=submitted)
    for name in ("level", "finding"):
        if name in held:
            setattr(link, name, before[name])
    return held


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
        link=link, proposed=proposal, base_version=record_version(link), reason=reason[:500], author=user
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
    ratings_apply(link, [
        (sources[r["source"]], r["level"], r["finding"], r.get("population", ""), r.get("is_about_umbrella", False))
        for r in values["ratings"]
    ])
