"""The citation of each citable page (approach, condition, source), built from its published record."""
from __future__ import annotations

from django.http import HttpRequest

from therapies.citations import PageCitation
from therapies.models import Approach, Condition, Source
from therapies.text import slug_url


def approach_citation(request: HttpRequest, approach: Approach) -> PageCitation:
    return PageCitation(key=f"therapy-{approach.slug}", title=approach.display_name,
                        url=request.build_absolute_uri(approach.get_absolute_url()), date=approach.last_reviewed,
                        description=approach.summary)


def condition_citation(request: HttpRequest, condition: Condition) -> PageCitation:
    return PageCitation(key=f"condition-{condition.slug}", title=f"Talking therapies for {condition.name}",
                        url=request.build_absolute_uri(condition.get_absolute_url()), date=condition.last_reviewed,
                        description=condition.summary)


def source_citation(request: HttpRequest, source: Source, ratings: list | None = None) -> PageCitation:
    """A source page's citation; dated by the latest review of the evidence citing it (prefetched ratings)."""
    dates = [rating.link.last_reviewed for rating in ratings or [] if rating.link.last_reviewed]
    return PageCitation(key=f"source-{source.key}", title=f"Evidence rated by {source.short_name}",
                        url=request.build_absolute_uri(slug_url("therapies:source-detail", source.key)),
                        date=max(dates, default=None), description=source.title)
