"""Questions a reader can take to a clinician: printed on "My summary", curated by editors like the catalog."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse

from therapies.choices import Status
from therapies.models.catalog import Approach, Curated
from therapies.curation.querysets import QuestionToAskQuerySet
from therapies.text import shorten


class QuestionToAsk(Curated):
    """One plain question to ask about an approach (or, with no approach, about any approach): waiting
    times, formats, what happens if it does not help. Process questions, not medical facts."""

    approach = models.ForeignKey(
        Approach, null=True, blank=True, on_delete=models.CASCADE, related_name="questions",
        help_text="Leave blank for a general question, printed once for every summary.",
    )
    text = models.CharField(
        max_length=200, help_text="One question in the reader's own words, e.g. “How long is the wait to start?”",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the summary, lowest first.")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.DRAFT,
        help_text="Only published questions are printed. Keep each list short: a summary fits on two pages.",
    )

    objects = QuestionToAskQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "question to ask"
        verbose_name_plural = "questions to ask"
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="therapies_questiontoask_text_not_blank"),
        ]

    def __str__(self) -> str:
        return shorten(self.text, 80)

    def get_absolute_url(self) -> str:
        """A summary that prints this question (follows approach)."""
        url = reverse("therapies:summary")
        return f"{url}?t={self.approach.slug}" if self.approach_id else url

    def clean(self) -> None:
        self.text = self.text.strip()
        if not self.text:
            raise ValidationError({"text": "Write the question."})
