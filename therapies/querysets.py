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
