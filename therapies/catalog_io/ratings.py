"""Writing one evidence link's source ratings, shared by the catalog import and an approved proposal."""
from __future__ import annotations

from therapies.models import EvidenceLink, SourceRating


def ratings_apply(link: EvidenceLink, ratings: list[tuple]) -> bool:
    """Make the link's ratings exactly those listed, as (source, level, finding, population, is_about_umbrella);
    True when anything changed."""
    current = {r.source_id: r for r in link.ratings.all()}
    wanted = {source.pk for source, *_ in ratings}
    changed = False
    stale = [rating.pk for source_id, rating in current.items() if source_id not in wanted]
    if stale:
        SourceRating.objects.filter(pk__in=stale).delete()
        changed = True
    for source, level, finding, population, about_umbrella in ratings:
        values = {"level": level, "finding": finding, "population": population, "is_about_umbrella": about_umbrella}
        rating = current.get(source.pk)
        if rating is None:
            SourceRating.objects.create(link=link, source=source, **values)
            changed = True
        elif any(getattr(rating, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(rating, name, value)
            rating.save(update_fields=list(values))
            changed = True
    return changed
