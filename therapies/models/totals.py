"""Totals Postgres keeps in step with the catalog (triggers in migrations 0007 and 0011); never edited."""
from __future__ import annotations

from django.db import models

from therapies.models.catalog import Approach, Condition, Format


class ApproachStats(models.Model):
    """An approach's public evidence in totals: kept by Postgres triggers (migration 0007) in the same
    transaction as every change to links, approaches and conditions, so it is never stale and never
    edited. "Public" means the link, its approach and its condition are all published. Read by browse
    facets and the compare picker, which would otherwise count every link on every request."""

    approach = models.OneToOneField(
        Approach, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="stats"
    )
    best_rank = models.SmallIntegerField(null=True)  # strongest level (LEVEL_RANK), any condition or population
    condition_count = models.IntegerField(default=0)  # conditions with public evidence
    link_count = models.IntegerField(default=0)  # public links

    class Meta:
        verbose_name_plural = "approach stats"
        indexes = [models.Index(fields=["-link_count"], name="therapies_approachstats_links")]


class ConditionStats(models.Model):
    """A condition's public evidence in totals (see ApproachStats): how many approaches have some."""

    condition = models.OneToOneField(
        Condition, on_delete=models.DO_NOTHING, db_constraint=False, primary_key=True, related_name="stats"
    )
    approach_count = models.IntegerField(default=0)

    class Meta:
        verbose_name_plural = "condition stats"
        indexes = [models.Index(fields=["-approach_count"], name="therapies_conditionstats_count")]


class ConditionFormatStats(models.Model):
    """How many approaches offered in a format have public evidence for a condition (kept by Postgres like
    ConditionStats; formats with none have no row): the browse page's condition counts when one format is
    the only other filter, read from here instead of every link of the listed conditions."""

    # Read by (condition, format): the unique constraint's index serves that, so no index per column.
    condition = models.ForeignKey(
        Condition, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="format_stats"
    )
    format = models.ForeignKey(Format, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+")
    approach_count = models.IntegerField()

    class Meta:
        verbose_name_plural = "condition format stats"
        constraints = [
            models.UniqueConstraint(fields=["condition", "format"], name="therapies_conditionformatstats_unique")
        ]
