"""Forms between GET parameters and the ORM for pages that are not the browse FilterSet."""
from __future__ import annotations

from django import forms

from therapies.filters import LenientMultipleChoiceField, format_choices, ignored_notices
from therapies.models import Approach, ReaderReport


class ConditionPageFilterForm(forms.Form):
    """The condition page's narrowing: by format and by age group; unknown values are ignored."""

    format = LenientMultipleChoiceField(
        label="Format", choices=format_choices, required=False, widget=forms.CheckboxSelectMultiple,
        label_plural="formats",
    )
    age = LenientMultipleChoiceField(
        label="Age group", choices=Approach.AgeGroup.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label_plural="age groups",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices = format_choices()  # once per request, not on every access

    def values(self) -> tuple[list[str], list[str]]:
        self.is_valid()
        return self.cleaned_data.get("format", []), self.cleaned_data.get("age", [])

    def notices(self) -> list[str]:
        self.is_valid()
        return ignored_notices(self)


class ReaderReportForm(forms.ModelForm):
    """ "Report an error or suggest a study": no account; a honeypot field and length limits against spam."""

    # Hidden from people by CSS and from screen readers; bots that fill every field fill this one too.
    website = forms.CharField(required=False, label="Leave this empty", max_length=200)

    class Meta:
        model = ReaderReport
        fields = ["message", "source_url", "email"]
        labels = {
            "message": "What is wrong, or what should we look at?",
            "source_url": "Link to a study or source (optional)",
            "email": "Your email, if you would like a reply (optional)",
        }
        help_texts = {"email": "Used only to reply to you; never shown or shared."}
        widgets = {"message": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise forms.ValidationError("Please say a little more (at least 10 characters).")
        return message

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("website"))
