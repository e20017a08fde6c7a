"""Reads (and the one counter write) of the search records editors control: best bets and searches that
found nothing (therapies/models/search.py). Apart from therapies/querysets.py, which is about the catalog."""
from __future__ import annotations

from django.db import connections, models
from django.db.models import Max, Sum

from therapies.choices import Status


class BestBetQuerySet(models.QuerySet):
    def published_rows(self) -> list[tuple[str, str, str]]:
        """(phrase, url, reason) of every published best bet, for the search vocabulary (one query)."""
        return list(self.filter(status=Status.PUBLISHED).values_list("phrase", "url", "reason"))


class SearchMissQuerySet(models.QuerySet):
    def count_one(self, text: str, day) -> None:
        """Add one to today's count of searches for `text` that found nothing (one upsert, safe under
        concurrency: Postgres adds, no read-modify-write)."""
        table = self.model._meta.db_table
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (day, text, count) VALUES (%s, %s, 1) "
                "ON CONFLICT (day, text) DO UPDATE SET count = {table}.count + 1".replace("{table}", table),
                [day, text],
            )

    def most_frequent(self, since, limit: int = 30) -> models.QuerySet:
        """The texts that found nothing most often since a day, with their total (for the review queue)."""
        return (
            self.filter(day__gte=since).values("text").annotate(total=Sum("count"), last=Max("day"))
            .order_by("-total", "text")[:limit]
        )
