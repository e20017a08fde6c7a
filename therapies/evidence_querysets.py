"""The QuerySets of formats, sources and evidence links: the reads of the records between approaches and
conditions. Below the models like therapies/querysets.py (approaches, conditions), whose helpers it shares."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from therapies.choices import Status, populations_for
from therapies.evidence_rows import ApproachEvidence, group_by_approach
from therapies.querysets import _related


class FormatQuerySet(models.QuerySet):
    def options(self) -> tuple[list[tuple[str, str]], dict[str, int]]:
        """The formats in display order as (slug, name) choices, and {slug: id}: one query."""
        rows = list(self.order_by("position", "name").values_list("slug", "name", "pk"))
        return [(slug, name) for slug, name, _ in rows], {slug: pk for slug, _, pk in rows}


class SourceQuerySet(models.QuerySet):
    def cited(self) -> SourceQuerySet:
        """Sources that at least one public evidence link cites (a source only a draft cites stays private)."""
        ratings = _related(self, "ratings").objects.filter(
            source=OuterRef("pk"), link__status=Status.PUBLISHED,
            link__approach__status=Status.PUBLISHED, link__condition__status=Status.PUBLISHED)
        return self.filter(Exists(ratings))

    def with_rating_counts(self) -> SourceQuerySet:
        """Annotate rating_count: how many public evidence links cite each source (a subquery)."""
        ratings = _related(self, "ratings").objects.filter(
            source=OuterRef("pk"), link__status=Status.PUBLISHED,
            link__approach__status=Status.PUBLISHED, link__condition__status=Status.PUBLISHED)
        return self.annotate(rating_count=Coalesce(Subquery(ratings.order_by().values("source").annotate(
            n=Count("*")).values("n")), 0))

    def for_source_page(self) -> SourceQuerySet:
        """A source with every public rating that cites it, with its link's approach and condition (two queries)."""
        ratings = (
            _related(self, "ratings").objects.filter(
                link__status=Status.PUBLISHED, link__approach__status=Status.PUBLISHED,
                link__condition__status=Status.PUBLISHED)
            .select_related("link__approach", "link__condition")
            .defer("link__approach__search_vector", "link__condition__search_vector")
            .order_by("link__approach__name", "link__condition__name", "link__population", "pk")
        )
        return self.prefetch_related(Prefetch("ratings", queryset=ratings, to_attr="public_ratings"))


class EvidenceLinkQuerySet(models.QuerySet):
    def published(self) -> EvidenceLinkQuerySet:
        """Links the public may see: published, between a published approach and condition."""
        status = Status.PUBLISHED
        return self.filter(status=status, approach__status=status, condition__status=status)

    def with_ratings(self) -> EvidenceLinkQuerySet:
        """Prefetch each link's source ratings with their sources (one extra query)."""
        return self.prefetch_related(
            Prefetch("ratings", queryset=_related(self, "ratings").objects.select_related("source").order_by("source__key"))
        )

    def best_levels(self, approaches, conditions) -> dict:
        """{(approach id, condition id): its published links, strongest first} for a grid, in one query."""
        links = (
            self.published()
            .filter(approach__in=[a.pk for a in approaches], condition__in=[c.pk for c in conditions])
            .order_by("approach_id", "condition_id", "-level_rank", "population")
            .only("approach_id", "condition_id", "level", "level_rank", "population")
        )
        cells: dict = {}
        for link in links:
            cells.setdefault((link.approach_id, link.condition_id), []).append(link)
        return cells

    def for_condition_page(self, condition, format_ids: Iterable[int] = (), ages: Iterable[str] = ()) -> EvidenceLinkQuerySet:
        """A condition's published links, strongest first, optionally limited by format (ids) and age group."""
        approaches = _related(self, "approach").objects.published()
        if format_ids:
            approaches = approaches.in_formats(format_ids)
        if ages:
            approaches = approaches.for_ages(ages)
        links = self.published().filter(condition=condition, approach__in=approaches)
        if ages:
            links = links.filter(population__in=populations_for(ages))
        return (
            links
            .select_related("approach")
            .prefetch_related("approach__formats")
            .with_ratings()
            .order_by("-level_rank", "approach__name", "population")
        )


    def for_api(self) -> EvidenceLinkQuerySet:
        """Published links with approach, condition, format slugs and ratings with sources, in a stable order
        (three queries: the links, their formats, their ratings)."""
        return (
            self.published().select_related("approach", "condition")
            .defer("approach__search_vector", "condition__search_vector")
            .prefetch_related(Prefetch("formats", queryset=_related(self, "formats").objects.order_by("position", "slug")))
            .with_ratings()
            .order_by("approach__slug", "condition__slug", "population", "pk")
        )

    def strongest_first(self) -> EvidenceLinkQuerySet:
        return self.order_by("-level_rank", "approach__name", "condition__name", "population", "pk")

    def for_approaches(self, approach_ids: Iterable[int]) -> EvidenceLinkQuerySet:
        return self.filter(approach_id__in=list(approach_ids))

    def for_conditions(self, condition_ids: Iterable[int]) -> EvidenceLinkQuerySet:
        return self.filter(condition_id__in=list(condition_ids))

    def at_levels(self, levels: Iterable[str]) -> EvidenceLinkQuerySet:
        return self.filter(level__in=list(levels))

    def for_populations(self, populations: Iterable[str]) -> EvidenceLinkQuerySet:
        return self.filter(population__in=list(populations))

    def offered_in(self, format_ids: Iterable[int]) -> EvidenceLinkQuerySet:
        """Links whose approach is offered in any of these formats (as the condition page narrows by format)."""
        offered = _related(self, "approach").formats.through.objects.filter(
            approach=OuterRef("approach_id"), format__in=list(format_ids))
        return self.filter(Exists(offered))

    def by_approach(self) -> list[ApproachEvidence]:
        """One row per approach (its links strongest first, one per population), in the order the approaches
        first appear: grouped as the links are read, no query of its own."""
        return group_by_approach(self)

    def between(self, approach_id: int, condition_id: int) -> EvidenceLinkQuerySet:
        """The published links of one approach for one condition (one per population), strongest first, with
        their sources: the search page's answer to "emdr ptsd"."""
        return (
            self.published().filter(approach=approach_id, condition=condition_id)
            .select_related("approach", "condition").with_ratings().order_by("-level_rank", "population")
        )


class CautionQuerySet(models.QuerySet):
    """Cautions with what a page prints beside each: its source, approach and condition (one query)."""

    def _shown(self) -> CautionQuerySet:
        return self.select_related("source", "approach", "condition").order_by("approach__name", "condition__name", "key")

    def for_approaches(self, approach_ids: Iterable[int], condition_id: int | None = None) -> CautionQuerySet:
        """Cautions on these approaches (for one condition, or general ones, when a condition is given), and
        with a condition, that condition's own cautions."""
        ids = list(approach_ids)
        if condition_id is None:
            return self.filter(approach__in=ids)._shown()
        about_approach = Q(approach__in=ids) & (Q(condition__isnull=True) | Q(condition=condition_id))
        return self.filter(about_approach | Q(approach__isnull=True, condition=condition_id))._shown()

    def for_condition(self, condition_id: int) -> CautionQuerySet:
        """A condition's cautions: its own and those on an approach for it."""
        return self.filter(condition=condition_id)._shown()
