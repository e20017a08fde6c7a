"""The review queue: everything that needs a curator's attention."""
from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from therapies.choices import Status
from therapies.models import Approach, Condition, EvidenceLink, PendingChange, ReaderReport, SearchMiss

REVIEW_MAX_AGE = datetime.timedelta(days=730)  # 24 months: a record not checked against its sources since is due
SEARCH_MISS_DAYS = 30  # searches that found nothing, summed over this many days


def review_queue(*, today: datetime.date | None = None) -> dict[str, Any]:
    """What needs a curator: proposals, records due a review, single-source links, open reader reports, and
    the searches that most often found nothing (to add an alias or a best bet)."""
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
        "search_misses": SearchMiss.objects.most_frequent(today - datetime.timedelta(days=SEARCH_MISS_DAYS)),
        "search_miss_days": SEARCH_MISS_DAYS,
    }
