"""Safe concurrent edits: a save based on an older version of a record is refused, saying what changed."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Model
from django.utils import timezone

from therapies.models import Revision
from therapies.text import shorten

CONFLICT_VALUE_CHARS = 2000  # each before/after value in the message: whole, for any field an editor writes


@dataclass
class Conflict:
    current_version: int
    revisions: list[Revision]

    def message(self) -> str:
        changes = "; ".join(
            f"{r.user or 'someone'} at {timezone.localtime(r.created_at):%H:%M} changed "
            + (", ".join(f"{name} ({shorten(old, CONFLICT_VALUE_CHARS)} → {shorten(new, CONFLICT_VALUE_CHARS)})" for name, (old, new) in r.diff.items()) or "it")
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
