"""Cautions: sourced safety notes on an approach, a condition, or an approach for a condition (for example
"not where there is domestic abuse"), shown wherever that approach or condition is."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from therapies.models.catalog import Approach, Condition, Source
from therapies.evidence_querysets import CautionQuerySet


class Caution(models.Model):
    """One safety note with the source it comes from. On an approach, a condition, or both (the approach for
    that condition, in every population)."""

    key = models.SlugField(max_length=80, unique=True, help_text="Short stable key, e.g. couples-domestic-abuse.")
    text = models.CharField(max_length=400, help_text="What a reader should know, in plain words, in our own words.")
    source = models.ForeignKey(
        Source, on_delete=models.PROTECT, related_name="cautions", help_text="Where this caution comes from."
    )
    approach = models.ForeignKey(
        Approach, null=True, blank=True, on_delete=models.CASCADE, related_name="cautions",
        help_text="The approach it is about; blank for a caution about the condition itself.",
    )
    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.CASCADE, related_name="cautions",
        help_text="The condition it applies to; blank when it applies to the approach for every condition.",
    )

    objects = CautionQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approach__isnull=False) | Q(condition__isnull=False),
                name="therapies_caution_about_something",
            ),
        ]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        """The page the caution shows on: its approach's, else its condition's (follows a relation)."""
        return (self.approach or self.condition).get_absolute_url()

    def clean(self) -> None:
        if self.approach_id is None and self.condition_id is None:
            raise ValidationError("A caution is about an approach, a condition, or both.")
