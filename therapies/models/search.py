"""Search records editors control: best bets (a typed phrase sent straight to a page) and the daily count of
searches that found nothing (what to add as an alias or a best bet). Neither names a person."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from therapies.choices import Status
from therapies.models.catalog import TimeStamped
from therapies.search.querysets import BestBetQuerySet, SearchMissQuerySet


class BestBet(TimeStamped):
    """What the search rules get wrong: when someone types exactly `phrase`, the search page shows this
    destination first, with the reason. Published bets reach the public; drafts wait for a reviewer."""

    phrase = models.CharField(
        max_length=100, unique=True,
        help_text="What people type, e.g. 'nhs talking therapies'. Matched whole, ignoring case, punctuation and "
        "UK/US spelling.",
    )
    url = models.CharField(
        max_length=200, help_text="A page of this site, as a path starting with '/', e.g. '/conditions/ptsd/'.",
    )
    reason = models.CharField(max_length=200, help_text="Shown to the reader under the link: why this page.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)

    objects = BestBetQuerySet.as_manager()

    class Meta:
        ordering = ["phrase"]
        constraints = [
            models.CheckConstraint(condition=models.Q(url__startswith="/") & ~models.Q(url__startswith="//"),
                                   name="therapies_bestbet_local_url"),
        ]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.url}"

    def get_absolute_url(self) -> str:
        return reverse("therapies:search") + "?q=" + self.phrase.replace(" ", "+")

    def clean(self) -> None:
        if not self.url.startswith("/") or self.url.startswith("//"):
            raise ValidationError({"url": "Use a path on this site, starting with a single '/'."})


class SearchMiss(models.Model):
    """How many searches for this (normalised) text found nothing on this day: an aggregate, no visitor data."""

    day = models.DateField()
    text = models.CharField(max_length=100, help_text="The query, lower-cased, spelling and spacing normalised.")
    count = models.PositiveIntegerField(default=0)

    objects = SearchMissQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-count"]
        constraints = [models.UniqueConstraint(fields=["day", "text"], name="therapies_searchmiss_day_text")]

    def __str__(self) -> str:
        return f"{self.text} ({self.count} on {self.day})"

    def get_absolute_url(self) -> str:
        return reverse("therapies:search") + "?q=" + self.text.replace(" ", "+")
