"""The compare and summary pickers' reads: the approaches a picker offers and the one a reader typed. A mixin
of ApproachQuerySet (therapies/querysets.py), apart because it is its own concern: matching what people type."""
from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Q, When


class ApproachPickerMixin:
    """For ApproachQuerySet: `self` is a queryset of approaches with `search()` (SearchableQuerySet)."""

    def for_picker(self, exclude: Iterable[str] = (), limit: int = 100) -> list[tuple[str, str, str]]:
        """(slug, label, other names) of the most-studied approaches not yet chosen, by name; the label is
        "Name (ABBR)", what the picker's typed text is matched against. A bounded picker that reads the top of
        ApproachStats' index on link counts, not every approach or link."""
        stats = self.model._meta.get_field("stats").related_model  # ApproachStats, without importing the models
        top = (
            stats.objects.filter(approach__in=self.exclude(slug__in=list(exclude)))
            .order_by("-link_count", "approach_id").values("approach_id")[:limit]
        )
        rows = self.filter(pk__in=top).values_list("slug", "name", "abbreviation", "other_names")
        return sorted(
            ((slug, f"{name} ({abbreviation})" if abbreviation else name, ", ".join(other_names[:4]))
             for slug, name, abbreviation, other_names in rows),
            key=lambda item: item[1].lower(),
        )

    def named(self, text: str) -> str | None:
        """The slug of the approach a reader typed: its name, abbreviation, slug or another name (any case),
        or the picker's "Name (ABBR)"; else the best full-text match; None when nothing matches. One query,
        two when the exact names miss."""
        text = " ".join(text.split())[:200]
        if not text:
            return None
        name, _, abbreviation = text.removesuffix(")").rpartition(" (") if text.endswith(")") else (text, "", "")
        exact = (Q(name__iexact=text) | Q(abbreviation__iexact=text) | Q(slug__iexact=text)
                 | Q(other_names__contains=[text]) | Q(other_names__contains=[text.lower()]))
        if abbreviation:
            exact |= Q(name__iexact=name, abbreviation__iexact=abbreviation)
        found = self.filter(exact).order_by(  # the abbreviation or name itself before another name
            Case(When(Q(abbreviation__iexact=text) | Q(name__iexact=text), then=0), default=1), "name",
        ).values_list("slug", flat=True).first()
        if found is None:
            found = self.search(text).order_by("-search_rank", "name").values_list("slug", flat=True).first()
        return found
