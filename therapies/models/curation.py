"""Curation workflow records: the history of every change, changes awaiting a second person, reader reports."""
from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from therapies.models.catalog import Approach, Condition, EvidenceLink
from therapies.curation.querysets import PendingChangeQuerySet, ReaderReportQuerySet, RevisionQuerySet


class Revision(models.Model):
    """One saved change to a curated record: who, when, what changed field by field, why, and the result."""

    class Action(models.TextChoices):
        CREATED = "created", "Created"
        CHANGED = "changed", "Changed"
        DELETED = "deleted", "Deleted"
        RESTORED = "restored", "Restored an earlier version"
        APPROVED = "approved", "Approved a proposed change"
        IMPORTED = "imported", "Imported from a catalog file"

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=300)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The record's version after this change.")
    action = models.CharField(max_length=20, choices=Action.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Who made the change; blank for the command line. Never shown publicly.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500, blank=True, help_text="Why, in the editor's words; public for evidence.")
    diff = models.JSONField(default=dict, blank=True, help_text="Field name -> [before, after].")
    snapshot = models.JSONField(default=dict, blank=True, help_text="The whole record after the change (catalog format).")
    # Evidence-link changes the public changelog shows: the pages they belong to, and what to say.
    approach = models.ForeignKey(Approach, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    public_summary = models.CharField(
        max_length=300, blank=True, help_text="E.g. 'moderate → strong'. Blank: not in the public changelog."
    )

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-created_at"], name="therapies_revision_record_idx"),
            models.Index(fields=["approach", "-created_at"], name="therapies_revision_appr_idx"),
            models.Index(fields=["condition", "-created_at"], name="therapies_revision_cond_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.object_repr}: {self.get_action_display().lower()} {self.created_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse(f"admin:therapies_{self.content_type.model}_history", args=[self.object_id])


class PendingChange(models.Model):
    """A proposed change to a published evidence link's level, finding or sources, waiting for a second person."""

    class State(models.TextChoices):
        PENDING = "pending", "Awaiting review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    link = models.ForeignKey(EvidenceLink, on_delete=models.CASCADE, related_name="pending_changes")
    proposed = models.JSONField(help_text="The proposed level, finding and ratings, in the catalog format.")
    base_version = models.PositiveIntegerField(help_text="The link's version the proposal was made against.")
    reason = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.CharField(max_length=500, blank=True, help_text="Why it was approved or rejected.")

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        permissions = [("review", "Can review: approve others' changes, publish, unpublish and import")]
        constraints = [
            models.UniqueConstraint(
                fields=["link"], condition=Q(state="pending"), name="therapies_pendingchange_one_open_per_link"
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=models.F("author")),
                name="therapies_pendingchange_reviewer_not_author",
            ),
        ]

    def __str__(self) -> str:
        return f"Change to {self.link} ({self.get_state_display().lower()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:therapies_pendingchange_change", args=[self.pk])


class ReaderReport(models.Model):
    """A reader's "report an error or suggest a study", sent from an approach or condition page."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        DONE = "done", "Done"

    approach = models.ForeignKey(Approach, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    condition = models.ForeignKey(Condition, null=True, blank=True, on_delete=models.CASCADE, related_name="reports")
    message = models.TextField(max_length=2000, help_text="What the reader says is wrong. Untrusted text.")
    source_url = models.URLField(max_length=500, blank=True, help_text="A study or source the reader suggests.")
    email = models.EmailField(blank=True, help_text="Only to reply to the reader; never shown publicly.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    curator_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReaderReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approach__isnull=False) | Q(condition__isnull=False),
                name="therapies_readerreport_about_a_page",
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.approach or self.condition} ({self.created_at:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("admin:therapies_readerreport_change", args=[self.pk])


class CatalogImport(models.Model):
    """A record of each catalog import, so `make run` can skip re-importing an unchanged file."""

    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=500)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.path} at {self.imported_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("admin:therapies_catalogimport_change", args=[self.pk])
