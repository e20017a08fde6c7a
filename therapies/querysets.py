"""QuerySet methods own every query the site runs: filters, prefetches and annotations live here."""
from __future__ import annotations

from django.db import models
from django.db.models import Prefetch


def _published() -> str:
    from therapies.models import Status

    return Status.PUBLISHED


class ApproachQuerySet(models.QuerySet):
    def published(self) -> ApproachQuerySet:
        """Approaches the public may see."""
        return self.filter(status=_published())


class ConditionQuerySet(models.QuerySet):
    def published(self) -> ConditionQuerySet:
        """Conditions the public may see."""
        return self.filter(status=_published())


class EvidenceLinkQuerySet(models.QuerySet):
    def published(self) -> EvidenceLinkQuerySet:
        """Links the public may see: published, between a published approach and condition."""
        status = _published()
        return self.filter(status=status, approach__status=status, condition__status=status)

    def with_ratings(self) -> EvidenceLinkQuerySet:
        """Prefetch each link's source ratings with their sources (one extra query)."""
        from therapies.models import SourceRating

        return self.prefetch_related(
            Prefetch("ratings", queryset=SourceRating.objects.select_related("source").order_by("source__key"))
        )


class RevisionQuerySet(models.QuerySet):
    def for_record(self, record: models.Model) -> RevisionQuerySet:
        """The history of one approach, condition or evidence link, newest first."""
        from django.contrib.contenttypes.models import ContentType

        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)

    def public_changes(self, *, approach=None, condition=None, limit: int = 20) -> RevisionQuerySet:
        """The public evidence changelog of an approach or a condition page, in one query; names no editor.

        Each entry has created_at, reason, public_summary ("moderate → strong") and the approach and the
        condition the changed link joins (both published), so a page can say "PTSD: moderate → strong".
        """
        status = _published()
        entries = self.exclude(public_summary="").filter(approach__status=status, condition__status=status)
        if approach is not None:
            entries = entries.filter(approach=approach)
        if condition is not None:
            entries = entries.filter(condition=condition)
        return (
            entries.select_related("approach", "condition")
            .only("created_at", "reason", "public_summary", "approach__name", "approach__slug",
                  "approach__abbreviation", "condition__name", "condition__slug")
            .order_by("-created_at", "-pk")[:limit]
        )


class PendingChangeQuerySet(models.QuerySet):
    def open(self) -> PendingChangeQuerySet:
        """Changes still awaiting a reviewer."""
        return self.filter(state="pending")


class ReaderReportQuerySet(models.QuerySet):
    def open(self) -> ReaderReportQuerySet:
        """Reports nobody has finished with: new or accepted."""
        return self.filter(status__in=["new", "accepted"])
