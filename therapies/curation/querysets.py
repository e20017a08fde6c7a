"""QuerySets of the curation records (therapies/models/curation.py, questions.py): history, proposals, reader
reports, questions to ask. A lower layer than the rest of this package: the models import it, and it
imports none of them. The catalog's QuerySets are in therapies/querysets.py."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from therapies.choices import Status


class QuestionToAskQuerySet(models.QuerySet):
    def published(self) -> QuestionToAskQuerySet:
        """Questions the public may see."""
        return self.filter(status=Status.PUBLISHED)

    def for_summary(self, approach_ids: Iterable[int]) -> dict[int | None, list[str]]:
        """{approach id, or None for the general ones: [question, ...] in order}: the published questions for
        these approaches and for any approach, in one query."""
        questions: dict[int | None, list[str]] = {}
        rows = self.published().filter(Q(approach__isnull=True) | Q(approach__in=list(approach_ids)))
        for approach_id, text in rows.order_by("position", "pk").values_list("approach_id", "text"):
            questions.setdefault(approach_id, []).append(text)
        return questions


class RevisionQuerySet(models.QuerySet):
    def for_record(self, record: models.Model) -> RevisionQuerySet:
        """The history of one approach, condition or evidence link, newest first."""
        return self.filter(content_type=ContentType.objects.get_for_model(record), object_id=record.pk)

    def public_feed(self) -> RevisionQuerySet:
        """Every public changelog entry of the site, newest first (unsliced, for paging): as public_changes()."""
        status = Status.PUBLISHED
        return (
            self.exclude(public_summary="").filter(approach__status=status, condition__status=status)
            .select_related("approach", "condition")
            .only("created_at", "reason", "public_summary", "approach__name", "approach__slug",
                  "approach__abbreviation", "condition__name", "condition__slug")
            .order_by("-created_at", "-pk")
        )

    def public_changes(self, *, approach=None, condition=None, limit: int = 20) -> RevisionQuerySet:
        """The public evidence changelog of an approach or a condition page, in one query; names no editor.

        Each entry has created_at, reason, public_summary ("moderate → strong") and the approach and the
        condition the changed link joins (both published), so a page can say "PTSD: moderate → strong".
        """
        status = Status.PUBLISHED
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
