"""Admin forms: the version guard against lost concurrent edits, status choices by role, a reason for each
change, the inline formsets' source rules, and the catalog upload."""
from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet
from django.http import HttpRequest

from therapies.choices import Status
from therapies.curation.conflicts import version_conflict
from therapies.curation.review import is_reviewer

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class VersionedForm(forms.ModelForm):
    """Carries the version the record was opened at; refuses the save if someone saved it since.

    The check locks the row (SELECT ... FOR UPDATE) inside the admin's transaction, so of two saves racing,
    the second waits for the first, then sees the new version and is refused with what changed.
    """

    # Not named "version": the model field is not editable, so the admin refuses a form field of that name.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # What each field showed when the record was opened, as the browser sends it back when left alone: after
    # a conflict, the fields this editor did not touch are refreshed from the saved record.
    loaded_values = forms.CharField(widget=forms.HiddenInput, required=False)
    curator = None  # the signed-in user, set per request by the admin

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
            self.fields["loaded_values"].initial = json.dumps(self.shown_values())
        status = self.fields.get("status")
        if status is not None and not is_reviewer(self.curator):
            if self.instance.pk and self.instance.status in (Status.PUBLISHED, Status.ARCHIVED):
                status.disabled = True
                status.help_text = "Only a reviewer can unpublish or archive."
            else:
                status.choices = [(Status.DRAFT, Status.DRAFT.label), (Status.IN_REVIEW, Status.IN_REVIEW.label)]
                status.help_text = "Send it to review when it is ready; a reviewer publishes it."

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.instance.pk and self.has_changed():
            if cleaned.get("loaded_version") is None:
                raise ValidationError(
                    "This form did not say which version of the record it was opened at, so saving it could undo "
                    "someone else's change. Open the record again and make your change there.", code="no_version",
                )
            conflict = version_conflict(instance=self.instance, submitted_version=cleaned["loaded_version"])
            if conflict:
                self.refresh_untouched(conflict.current_version)
                raise ValidationError(conflict.message(), code="conflict")
        return cleaned

    def shown_values(self) -> dict[str, list[str]]:
        """Each editable field's value as its widget shows it (and a browser sends it back unchanged)."""
        shown = {}
        for name, field in self.fields.items():
            if name in ("loaded_version", "loaded_values") or field.disabled:
                continue
            value = self[name].value()
            if isinstance(field.widget, forms.CheckboxInput):
                shown[name] = ["on"] if value else []
            elif isinstance(value, (list, tuple)):
                shown[name] = [str(item) for item in value]
            else:
                shown[name] = [field.widget.format_value(value) or ""]
        return shown

    def refresh_untouched(self, current_version: int) -> None:
        """After a conflict, show the saved values in every field this editor left as it was when opened, and
        carry the current version: saving again keeps the other editor's change and applies only this one's."""
        try:
            loaded = json.loads(self.data.get(self.add_prefix("loaded_values")) or "{}")
        except ValueError:
            loaded = {}  # unreadable: treat every field as this editor's input, as before
        saved = type(self)(instance=type(self.instance).objects.get(pk=self.instance.pk)).shown_values()
        self.data = self.data.copy()
        for name, values in saved.items():
            key = self.add_prefix(name)
            if name in loaded and self.data.getlist(key) == loaded[name]:
                self.data.setlist(key, values)
        self.data[self.add_prefix("loaded_version")] = str(current_version)
        self.data[self.add_prefix("loaded_values")] = json.dumps(saved)


class CuratedForm(VersionedForm):
    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text="Optional. Kept in the history; for evidence, shown in the public changelog (never your name).",
    )


def with_curator(form_class: type[forms.Form], request: HttpRequest) -> type[forms.Form]:
    return type(form_class.__name__, (form_class,), {"curator": request.user})


class InlineLinkFormSet(BaseInlineFormSet):
    """Evidence links edited from an approach or condition: a link cannot be published there unsourced."""

    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            if form.cleaned_data.get("status") != Status.PUBLISHED:
                continue
            link = form.instance
            if link.pk is None or not link.ratings.exists():
                form.add_error(
                    "status",
                    "A link cannot be published without a source. Save it as a draft, open it, add a source "
                    "rating, then publish.",
                )


class RatingFormSet(BaseInlineFormSet):
    """On the link's own page: a published link keeps at least one source rating."""

    def clean(self) -> None:
        super().clean()
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if self.instance.status == Status.PUBLISHED and not kept:
            raise ValidationError("A published link needs at least one source rating.")


class CatalogUploadForm(forms.Form):
    file = forms.FileField(help_text="A catalog JSON file, in the format of therapies/catalog/catalog.json.")
    reason = forms.CharField(max_length=500, required=False, help_text="Optional; kept in each record's history.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise ValidationError("The file is larger than 5 MB; that is not a catalog.")
        return upload
