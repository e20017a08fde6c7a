"""Content rules for the curated catalog, run by `manage.py check_catalog` and CI."""
from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from therapies.choices import Status
from therapies.curation.queue import REVIEW_MAX_AGE
from therapies.evidence_checks import link_problems, source_problems
from therapies.models import Approach, Condition, EvidenceLink, Source

SUMMARY_MAX_CHARS = 300
SUMMARY_MAX_SENTENCES = 2
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity.upper()}: {self.where}: {self.message}"


def catalog_problems(*, today: datetime.date | None = None) -> list[Problem]:
    """Every rule broken by what is in the database now, errors first."""
    today = today or timezone.localdate()
    problems: list[Problem] = []
    approaches = Approach.objects.prefetch_related("formats").order_by("slug")
    conditions = Condition.objects.order_by("slug")
    for approach in approaches:
        where = f"approach {approach.slug!r}"
        problems += _required(where, approach, ["name", "summary", "session_description", "family"])
        problems += _summary(where, approach.summary)
        if approach.status == Status.PUBLISHED:
            if not approach.formats.all():
                problems.append(Problem("error", where, "published without a format."))
            if not approach.age_groups:
                problems.append(Problem("error", where, "published without an age group."))
            problems += _review(where, approach.last_reviewed, today)
    for condition in conditions:
        where = f"condition {condition.slug!r}"
        problems += _required(where, condition, ["name", "summary", "category"])
        problems += _summary(where, condition.summary)
        if condition.status == Status.PUBLISHED:
            problems += _review(where, condition.last_reviewed, today)
    links = (
        EvidenceLink.objects.filter(status=Status.PUBLISHED)
        .select_related("approach", "condition")
        .with_ratings()
        .order_by("approach__slug", "condition__slug", "population")
    )
    links = list(links)
    for link in links:
        where = f"evidence {link.approach.slug} × {link.condition.slug} × {link.population}"
        if not link.finding.strip():
            problems.append(Problem("error", where, "missing finding."))
        ratings = list(link.ratings.all())
        if not any(rating.source.link for rating in ratings):
            problems.append(Problem("error", where, "published without a source that has a URL or DOI."))
        for record, kind in ((link.approach, "approach"), (link.condition, "condition")):
            if record.status != Status.PUBLISHED:
                problems.append(Problem("error", where, f"published, but its {kind} {record.slug!r} is not."))
        problems += _review(where, link.last_reviewed, today)
    problems += link_problems(links, Problem)
    cited = Source.objects.filter(
        Q(ratings__link__status=Status.PUBLISHED) | Q(cautions__isnull=False)
    ).distinct().order_by("key")
    problems += source_problems(cited, Problem)
    unsourced_drafts = EvidenceLink.objects.filter(~Q(status=Status.PUBLISHED), ratings__isnull=True).count()
    if unsourced_drafts:
        problems.append(Problem("warning", "evidence", f"{unsourced_drafts} unpublished link(s) cite no source yet."))
    return sorted(problems, key=lambda p: p.severity != "error")


def _required(where: str, record, fields: list[str]) -> list[Problem]:
    return [
        Problem("error", where, f"missing {name.replace('_', ' ')}.")
        for name in fields
        if not str(getattr(record, name) or "").strip()
    ]


def _summary(where: str, summary: str) -> list[Problem]:
    problems = []
    if len(summary) > SUMMARY_MAX_CHARS:
        problems.append(Problem("error", where, f"summary is {len(summary)} characters (at most {SUMMARY_MAX_CHARS})."))
    sentences = len(SENTENCE_END.findall(summary.strip()))
    if sentences > SUMMARY_MAX_SENTENCES:
        problems.append(Problem("error", where, f"summary has {sentences} sentences (at most {SUMMARY_MAX_SENTENCES})."))
    return problems


def _review(where: str, last_reviewed: datetime.date | None, today: datetime.date) -> list[Problem]:
    if last_reviewed is None:
        return [Problem("error", where, "published without a last-reviewed date.")]
    age = (today - last_reviewed).days
    if age > REVIEW_MAX_AGE.days:
        return [Problem("warning", where, f"last reviewed {last_reviewed.isoformat()}, more than 24 months ago.")]
    return []
