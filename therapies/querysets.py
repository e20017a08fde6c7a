"""QuerySet methods own every query the site runs: filters, prefetches and annotations live here.

The models import this module, so it imports none of them: a method reaches another model through a
relation of its own (`_related(self, "evidence")` is EvidenceLink), as Django's own managers do.
"""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Case, Count, Exists, F, Func, IntegerField, Max, OuterRef, Prefetch, Q, Subquery, When
from django.db.models.functions import Coalesce

from therapies.choices import LEVEL_RANK, Level, Population, Status
from therapies.picker import ApproachPickerMixin
from therapies.search.vectors import search_query


RELATED_CANDIDATES = 24  # approaches sharing most conditions, read from an index before ranking them


def _related(queryset: models.QuerySet, name: str) -> type[models.Model]:
    """The model at the other end of one of this queryset's model's relations."""
    return queryset.model._meta.get_field(name).related_model


def strongest(population_ranks: list[int | None] | None, populations: Iterable[str] = ()) -> int | None:
    """From a `population_ranks` annotation (see with_population_ranks): the strongest level in any of
    these populations, or in any population at all when none (or every one) are given."""
    if not population_ranks:
        return None
    wanted = set(populations)
    if not wanted or wanted >= set(Population.values):
        return population_ranks[0]
    ranks = [rank for population, rank in zip(Population.values, population_ranks[1:]) if population in wanted]
    return max((rank for rank in ranks if rank is not None), default=None)


class ArrayOf(Func):
    """ARRAY[a, b, ...] of integer expressions."""

    template = "ARRAY[%(expressions)s]"
    output_field = ArrayField(models.SmallIntegerField())


class CountAll(Func):
    """COUNT(*) as a plain expression, for a scalar subquery: Django sees no aggregate, so it adds no
    GROUP BY (grouping by a column to get one would make Postgres read that column from the table rather
    than count an index). Only for a queryset with no joins and no .values() grouping."""

    template = "COUNT(*)"
    output_field = IntegerField()


class SearchableQuerySet(models.QuerySet):
    """For models with a `search_vector` (see therapies/search/vectors.py for what goes into it)."""

    def published(self) -> models.QuerySet:
        """Records the public may see."""
        return self.filter(status=Status.PUBLISHED)

    def by_slugs(self, slugs: Iterable[str]) -> dict[str, tuple[int, str]]:
        """{slug: (id, name)} for those of these slugs that exist here: validates a few chosen slugs without
        loading every record."""
        return {slug: (pk, name) for slug, pk, name in self.filter(slug__in=list(slugs)).values_list("slug", "pk", "name")}

    def search(self, text: str | list[str]) -> models.QuerySet:
        """Full-text match of what a person typed (or of any of several phrases), annotated with search_rank
        (ts_rank_cd)."""
        query = search_query(text)
        if query is None:
            return self.none()
        return self.filter(search_vector=query).annotate(search_rank=models.Func(
            models.F("search_vector"), query, function="ts_rank_cd", output_field=models.FloatField()
        ))


class ApproachQuerySet(ApproachPickerMixin, SearchableQuerySet):

    def _published_links(
        self, condition_ids: Iterable[int] = (), min_rank: int | None = None, populations: Iterable[str] = ()
    ) -> models.QuerySet:
        """Published links of the outer approach (OuterRef("pk")), optionally limited by condition, level and
        population. `condition_ids` must name published conditions (as a filter's validated choices do):
        given ids are matched on the link itself, with no join; without them the condition must be published."""
        links = _related(self, "evidence").objects.filter(approach=OuterRef("pk"), status=Status.PUBLISHED)
        ids, populations = list(condition_ids), list(populations)
        links = links.filter(condition_id__in=ids) if ids else links.filter(condition__status=Status.PUBLISHED)
        if min_rank is not None:
            links = links.filter(level_rank__gte=min_rank)
        if populations:
            links = links.filter(population__in=populations)
        return links

    def with_evidence_count(self) -> ApproachQuerySet:
        """Annotate evidence_count: the number of public links (a popularity tie-breaker), from ApproachStats."""
        return self.annotate(evidence_count=Coalesce(F("stats__link_count"), 0))

    def for_compare(self) -> ApproachQuerySet:
        """What the compare page shows for each approach, in a fixed number of queries."""
        return self.select_related("parent").prefetch_related(
            "formats",
            Prefetch(
                "evidence",
                queryset=_related(self, "evidence").objects.published().select_related("condition").with_ratings(),
                to_attr="published_evidence",
            ),
        )

    def for_summary(self, condition_id: int | None = None) -> ApproachQuerySet:
        """What "My summary" shows for each approach, in three queries: the approaches with their format names,
        their published links with conditions, and (for a chosen condition) that condition's ratings with sources."""
        links = _related(self, "evidence").objects.published().select_related("condition").order_by(
            "-level_rank", "condition__name", "population")
        if condition_id is not None:
            ratings = _related(links, "ratings").objects.filter(link__condition=condition_id).select_related("source")
            links = links.prefetch_related(Prefetch("ratings", queryset=ratings.order_by("source__short_name")))
        return self.defer("search_vector").annotate(
            format_names=ArraySubquery(
                _related(self, "formats").objects.filter(approaches=OuterRef("pk")).order_by("position").values("name")
            ),
        ).prefetch_related(Prefetch("evidence", queryset=links, to_attr="published_evidence"))

    def for_conditions(
        self, condition_ids: Iterable[int], min_rank: int | None = None, populations: Iterable[str] = ()
    ) -> ApproachQuerySet:
        """Published approaches with public evidence for any of these published conditions (or any condition
        when none are given), at least min_rank and for these populations when given."""
        condition_ids, populations = list(condition_ids), list(populations)
        if not condition_ids and not populations:  # any condition, any population: the totals already say
            return self.filter(stats__best_rank__gte=min_rank or 1)
        return self.filter(Exists(self._published_links(condition_ids, min_rank, populations)))

    def in_formats(self, format_ids: Iterable[int]) -> ApproachQuerySet:
        """Approaches offered in any of these formats. By id, not slug: with the ids in the SQL, Postgres
        can tell a common format from a rare one and start from the smaller side (docs/performance.md)."""
        offered = self.model.formats.through.objects.filter(approach=OuterRef("pk"), format__in=list(format_ids))
        return self.filter(Exists(offered))

    def format_counts(self) -> dict[int, int]:
        """{format id: how many of these approaches are offered in it}, formats with none left out; one
        query, grouped from these approaches' side so that a narrow set reads only its own rows."""
        offered = self.model.formats.through.objects.filter(approach__in=self.values("pk"))
        return dict(offered.order_by().values_list("format_id").annotate(n=Count("*")))

    def in_families(self, families: Iterable[str]) -> ApproachQuerySet:
        return self.filter(family__in=list(families))

    def for_ages(self, ages: Iterable[str]) -> ApproachQuerySet:
        """Approaches suited to any of these age groups."""
        return self.filter(age_groups__overlap=list(ages))

    def with_best_rank(self, condition_ids: Iterable[int] = (), populations: Iterable[str] = ()) -> ApproachQuerySet:
        """Annotate best_rank: the strongest public level (for the given published conditions and populations)."""
        condition_ids, populations = list(condition_ids), list(populations)
        if not condition_ids and not populations:
            return self.annotate(best_rank=F("stats__best_rank"))
        best = self._published_links(condition_ids, populations=populations).order_by().values("approach").annotate(best=Max("level_rank"))
        return self.annotate(best_rank=Subquery(best.values("best")[:1]))

    def with_population_ranks(self, condition_ids: Iterable[int] = ()) -> ApproachQuerySet:
        """Annotate population_ranks: the strongest public level for these published conditions (any, when
        none), first in any population, then in each EvidenceLink.Population in order; None where there is
        none. One subquery serves every population filter: read it with strongest()."""
        links = self._published_links(condition_ids).order_by().values("approach")
        ranks = ArrayOf(Max("level_rank"), *(Max("level_rank", filter=Q(population=p)) for p in Population.values))
        return self.annotate(population_ranks=Subquery(links.annotate(ranks=ranks).values("ranks")[:1]))

    def for_browse(self) -> ApproachQuerySet:
        """What a result card shows (and only that): format names and how many conditions have rated evidence."""
        return self.only("name", "slug", "abbreviation", "summary", "family", "sessions_min", "sessions_max").annotate(
            format_names=ArraySubquery(
                _related(self, "formats").objects.filter(approaches=OuterRef("pk")).order_by("position").values("name")
            ),
            condition_count=Coalesce(F("stats__condition_count"), 0),
        )

    def for_detail(self) -> ApproachQuerySet:
        """Everything the approach page shows, in a fixed number of queries."""
        return self.select_related("parent").prefetch_related(
            "formats",
            Prefetch("children", queryset=self.model.objects.published().order_by("name"), to_attr="published_children"),
            Prefetch(
                "evidence",
                queryset=_related(self, "evidence").objects.published()
                .select_related("condition")
                .with_ratings()
                .order_by("-level_rank", "condition__name", "population"),
                to_attr="published_evidence",
            ),
        )

    def for_api(self) -> ApproachQuerySet:
        """What an API or download row of an approach carries besides its own columns: format slugs and the
        keys of every source its public evidence cites (two subqueries, no extra query)."""
        ratings = _related(_related(self, "evidence").objects.all(), "ratings").objects.filter(
            link__approach=OuterRef("pk"), link__status=Status.PUBLISHED, link__condition__status=Status.PUBLISHED)
        return self.defer("search_vector").annotate(
            format_slugs=ArraySubquery(
                _related(self, "formats").objects.filter(approaches=OuterRef("pk")).order_by("position", "slug").values("slug")
            ),
            source_keys=ArraySubquery(ratings.order_by("source__key").distinct().values("source__key")),
            condition_count=Coalesce(F("stats__condition_count"), 0),
        )

    def for_api_detail(self) -> ApproachQuerySet:
        """An approach for the API: for_api() with its parent and its public evidence (links, their formats,
        their ratings with sources), strongest first."""
        links = _related(self, "evidence").objects.for_api().strongest_first()
        return self.for_api().select_related("parent").prefetch_related(
            Prefetch("evidence", queryset=links, to_attr="published_evidence"))

    def vocabulary_rows(self) -> list[tuple]:
        """(id, slug, name, abbreviation, other_names, parent slug) of every published approach: the search
        vocabulary's share (one query; cached per catalog version by therapies/search/site.py)."""
        return list(self.published().order_by("name").values_list(
            "pk", "slug", "name", "abbreviation", "other_names", "parent__slug"))

    def for_search_card(self) -> ApproachQuerySet:
        """What the search page's card for one approach shows."""
        return self.only("slug", "name", "abbreviation", "summary", "sessions_min", "sessions_max")

    def ways_in(self, umbrella) -> ApproachQuerySet:
        """For an umbrella (online, group, couples therapy): the published specific approaches offered in its
        formats, the ones its page points to. Expects the umbrella's formats prefetched."""
        format_ids = [f.pk for f in umbrella.formats.all()]
        return (
            self.published().filter(is_umbrella=False, formats__in=format_ids).exclude(pk=umbrella.pk)
            .distinct().order_by("name").only("slug", "name")
        )

    def related_to(self, approach) -> ApproachQuerySet:
        """Published approaches people weigh against this one: those with evidence of benefit (emerging or
        stronger) for the conditions this one has such evidence for, most shared conditions first (annotated
        `shared`), then its close relatives (same type or parent). One query; slice it."""
        supported = {"status": Status.PUBLISHED, "level_rank__gte": LEVEL_RANK[Level.EMERGING]}
        links = _related(self, "evidence").objects
        mine = links.published().filter(approach=approach.pk, **supported).values("condition_id")
        theirs = links.filter(condition_id__in=mine, **supported)
        top = theirs.exclude(approach=approach.pk).values("approach").annotate(n=Count("condition_id", distinct=True))
        shared = theirs.filter(approach=OuterRef("pk")).values("approach").annotate(n=Count("condition_id", distinct=True))
        relative = Q(family=approach.family) | Q(parent_id=approach.pk)
        if approach.parent_id:
            relative |= Q(parent_id=approach.parent_id) | Q(pk=approach.parent_id)
        return (
            self.published().exclude(pk=approach.pk)
            .filter(Q(pk__in=top.order_by("-n", "approach").values("approach")[:RELATED_CANDIDATES]) | relative)
            .annotate(shared=Coalesce(Subquery(shared.values("n")[:1]), 0),
                      is_relative=Case(When(relative, then=1), default=0))
            .order_by("-shared", "-is_relative", "name")
        )


class ConditionQuerySet(SearchableQuerySet):

    def first_published_per_category(self, limit: int) -> models.query.RawQuerySet:
        """The first `limit` published conditions of each category by name (only id, name, slug and
        category), each with category_total: one query that reads the top of the (category, name) index
        per category, however many conditions there are. Published only: filters chained before this
        call do not apply."""
        table = self.model._meta.db_table
        return self.raw(
            f"""SELECT c.id, c.name, c.slug, c.category, totals.category_total
                FROM (SELECT category, COUNT(*) AS category_total FROM {table}
                      WHERE status = %s GROUP BY category) AS totals
                CROSS JOIN LATERAL (SELECT id, name, slug, category FROM {table}
                      WHERE status = %s AND category = totals.category ORDER BY name LIMIT %s) AS c""",
            [Status.PUBLISHED, Status.PUBLISHED, limit],
        )

    def vocabulary_rows(self) -> list[tuple]:
        """(id, slug, name, other_names) of every published condition, for the search vocabulary (one query)."""
        return list(self.published().order_by("name").values_list("pk", "slug", "name", "other_names"))

    def in_categories(self, categories: Iterable[str]) -> ConditionQuerySet:
        """Conditions in any of these categories (all when none are given)."""
        categories = list(categories)
        return self.filter(category__in=categories) if categories else self

    def with_approach_counts(self) -> ConditionQuerySet:
        """Annotate approach_count: published approaches with public evidence for the condition."""
        return self.annotate(approach_count=Coalesce(F("stats__approach_count"), 0))

    def for_api(self) -> ConditionQuerySet:
        """Conditions with approach_count and the keys of every source their public evidence cites (subqueries)."""
        ratings = _related(_related(self, "evidence").objects.all(), "ratings").objects.filter(
            link__condition=OuterRef("pk"), link__status=Status.PUBLISHED, link__approach__status=Status.PUBLISHED)
        return self.defer("search_vector").with_approach_counts().annotate(
            source_keys=ArraySubquery(ratings.order_by("source__key").distinct().values("source__key")),
        )

    def most_studied(self, limit: int) -> models.QuerySet:
        """Ids of the `limit` conditions of this set with public evidence for the most approaches: read
        from the top of ConditionStats' index, however many conditions there are."""
        return _related(self, "stats").objects.filter(condition__in=self).order_by("-approach_count", "condition_id").values("condition_id")[:limit]

    def most_studied_and(self, ids: Iterable[int], limit: int) -> ConditionQuerySet:
        """These conditions (ids of this set) and the `limit` most studied. A union of the two id lists,
        which Postgres reads from indexes; `pk IN (...) OR pk IN (...)` made it filter every condition."""
        ids = list(ids)
        listed = self.most_studied(limit)
        if ids:
            listed = listed.union(_related(self, "stats").objects.filter(condition_id__in=ids).values("condition_id"))
        return self.filter(pk__in=listed)


    def facet_rows(
        self, chosen_ids: Iterable[int], limit: int, *, format_id: int | None = None,
        approaches: models.QuerySet | None = None, min_rank: int | None = None, populations: Iterable[str] = (),
    ) -> tuple[list[tuple[str, str, int]], int]:
        """The browse page's condition options: (slug, name, count) for the chosen conditions and the `limit`
        most studied of this set, by name, and how many of this set are not listed; one query. A count is
        how many of `approaches` have public evidence for the condition (at least `min_rank`, in these
        populations), counted on the option's own links; without `approaches` it is on record: every
        approach (ConditionStats), or those offered in one format (ConditionFormatStats)."""
        if approaches is not None:
            links = _related(self, "evidence").objects.filter(status=Status.PUBLISHED, condition=OuterRef("pk"))
            if min_rank is not None:
                links = links.filter(level_rank__gte=min_rank)
            populations = list(populations)
            if populations:
                links = links.filter(population__in=populations)
            # In the aggregate's FILTER, the matching approaches are one hashed subplan, built once for all
            # options; in WHERE, Postgres would re-join them for every option.
            matching = Q(approach__in=approaches.values("pk"))
            count = Subquery(links.order_by().values("condition").annotate(
                n=Count("approach", distinct=True, filter=matching)).values("n"))
        elif format_id is not None:
            on_record = _related(self, "format_stats").objects.filter(condition=OuterRef("pk"), format=format_id)
            count = Subquery(on_record.values("approach_count"))
        else:
            count = F("stats__approach_count")  # no other filter: the count on record is this count
        total = self.order_by().annotate(n=CountAll()).values("n")  # an index-only scan
        rows = list(
            self.most_studied_and(chosen_ids, limit)
            .annotate(n=Coalesce(count, 0), total=Subquery(total))
            .order_by("name")
            .values_list("slug", "name", "n", "total")
        )
        return [(slug, name, n) for slug, name, n, _ in rows], (rows[0][3] - len(rows) if rows else 0)

    def format_counts_on_record(self, condition_id: int) -> dict[int, int]:
        """{format id: approaches offered in it with public evidence for this condition} (ConditionFormatStats)."""
        on_record = _related(self, "format_stats").objects.filter(condition=condition_id)
        return dict(on_record.values_list("format_id", "approach_count"))
