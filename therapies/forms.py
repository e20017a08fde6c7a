"""Forms between GET parameters and the ORM for pages that are not the browse FilterSet."""
from __future__ import annotations

from django import forms

from therapies.choices import AgeGroup
from therapies.fields import LenientMultipleChoiceField, could_be_slug, ignored_notices
from therapies.models import Condition, Format, ReaderReport
from therapies.text import quoted


class FormatFilterForm(forms.Form):
    """A page's narrowing by format (and the subclass's other field); unknown values are ignored."""

    format = LenientMultipleChoiceField(
        label="Format", choices=(), required=False, widget=forms.CheckboxSelectMultiple, label_plural="formats",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].choices, self.format_ids = Format.objects.options()  # once per request

    def chosen_format_ids(self) -> list[int]:
        self.is_valid()
        return [self.format_ids[slug] for slug in self.cleaned_data.get("format", [])]

    def notices(self) -> list[str]:
        self.is_valid()
        return ignored_notices(self)


class ConditionPageFilterForm(FormatFilterForm):
    """The condition page's narrowing: by format and by age group."""

    age = LenientMultipleChoiceField(
        label="Age group", choices=AgeGroup.choices, required=False, widget=forms.CheckboxSelectMultiple,
        label_plural="age groups",
    )

    def values(self) -> tuple[list[int], list[str]]:
        """The chosen formats' ids and the chosen age groups."""
        return self.chosen_format_ids(), self.cleaned_data.get("age", [])


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


class SearchForm(forms.Form):
    q = forms.CharField(label="Search therapies and conditions", max_length=200, required=False, strip=True)
    plain = forms.BooleanField(required=False, label="Search the exact words, without reading the question")

    def text(self) -> str:
        """The cleaned search text; empty when missing, blank or invalid (the errors say why)."""
        return self.cleaned_data.get("q", "") if self.is_valid() else ""

    def is_plain(self) -> bool:
        """Whether the reader asked for a plain text search (the "search the exact words" link)."""
        return bool(self.is_valid() and self.cleaned_data.get("plain"))


SUGGEST_MAX_LENGTH = 100


class SuggestForm(forms.Form):
    """The typeahead's one parameter: what has been typed so far (longer input is refused with a 400)."""

    q = forms.CharField(max_length=SUGGEST_MAX_LENGTH, required=False, strip=True)

    def text(self) -> str:
        return self.cleaned_data.get("q", "") if self.is_valid() else ""


MAX_COMPARED = 4
MAX_SUMMARISED = 4  # four approaches still print on two pages


class ApproachSlugsForm(forms.Form):
    """Approaches chosen by slug (`t`, repeatable): keeps what it can and says what it dropped."""

    max_chosen = MAX_COMPARED

    def __init__(self, data, approaches):
        super().__init__(data)
        self.requested = [value.strip() for value in data.getlist("t")][:50]
        # One query: which of the requested slugs are published approaches.
        lookup = [slug for slug in self.requested if could_be_slug(slug)]
        self.published_slugs = set(approaches.filter(slug__in=lookup).values_list("slug", flat=True))
        # The picker's typed text (`add`): a name, an abbreviation or another name, matched by the QuerySet.
        self.typed = " ".join(str(data.get("add", "")).split())[:200]
        self.added = approaches.named(self.typed) if self.typed else None

    def slugs_with_added(self) -> list[str]:
        """The chosen slugs and then the typed approach (when found and not chosen yet), at most `max_chosen`."""
        slugs = self.slugs()
        if self.added and self.added not in slugs:
            slugs.append(self.added)
        return slugs[:self.max_chosen]

    def typed_notice(self) -> list[str]:
        if self.typed and self.added is None:
            return [f"We could not find an approach called {quoted([self.typed])}. Try its full name or an "
                    "abbreviation such as CBT or EMDR."]
        return []

    def slugs(self) -> list[str]:
        """Known, distinct slugs in the order given, at most `max_chosen`."""
        kept = []
        for slug in self.requested:
            if slug in self.published_slugs and slug not in kept:
                kept.append(slug)
        return kept[:self.max_chosen]

    def unknown(self) -> list[str]:
        return [s for s in self.requested if s and s not in self.published_slugs]

    def slug_notices(self, too_many: str) -> list[str]:
        """What was left out: unknown slugs, repeats, and (in `too_many`'s words) those over the limit."""
        notices = []
        unknown = self.unknown()
        if unknown:
            notices.append(f"We could not find {quoted(unknown)}, so {'it is' if len(unknown) == 1 else 'they are'} left out.")
        known = [s for s in self.requested if s in self.published_slugs]
        if len(known) != len(set(known)):
            notices.append("An approach was listed more than once; it is shown once.")
        if len(set(known)) > self.max_chosen:
            notices.append(too_many)
        return notices


class CompareForm(ApproachSlugsForm):
    """The approaches to compare (`t`, repeatable): keeps what it can and says what it dropped."""

    def notices(self) -> list[str]:
        notices = self.slug_notices(
            f"You can compare up to {MAX_COMPARED} approaches at a time; showing the first {MAX_COMPARED}."
        )
        notices += self.typed_notice()
        count = len(self.slugs())
        if count == 1:
            notices.append("Add at least one more approach to compare side by side.")
        elif count == 0 and not self.unknown():
            notices.append("Choose two to four approaches to compare.")
        return notices


class SummaryForm(ApproachSlugsForm):
    """ "My summary": the approaches (`t`), a condition (`c`, optional) and an age group (`age`, optional).
    Lenient like CompareForm: what cannot be used is left out with a notice, never an error."""

    max_chosen = MAX_SUMMARISED

    def __init__(self, data, approaches, conditions):
        super().__init__(data, approaches)
        requested = list(dict.fromkeys(value.strip() for value in data.getlist("c")[:50] if value.strip()))
        self.requested_condition = requested[0] if requested else ""
        self.extra_conditions = requested[1:]
        # One query, only for a value that could be a slug: the published condition itself (the page shows it).
        found = conditions.filter(slug=self.requested_condition) if could_be_slug(self.requested_condition) else []
        self.condition = next(iter(found), None)
        ages = [value.strip() for value in data.getlist("age")[:50] if value.strip()]
        self.age = next((age for age in ages if age in AgeGroup.values), "")
        self.rejected_ages = [age for age in ages if age not in AgeGroup.values]

    def notices(self) -> list[str]:
        notices = self.slug_notices(
            f"A summary holds up to {MAX_SUMMARISED} approaches; showing the first {MAX_SUMMARISED}. "
            "Remove one to make room for another."
        )
        if self.requested_condition and self.condition is None:
            notices.append(f"We could not find the condition {quoted([self.requested_condition])}, so this summary is "
                           "not about one condition.")
        if self.extra_conditions and self.condition is not None:
            notices.append(f"A summary is about one condition; it is about {self.condition.name}.")
        if self.rejected_ages:
            notices.append(f"Ignored unknown age groups: {quoted(self.rejected_ages)}.")
        return notices + self.typed_notice()


class MatrixFilterForm(FormatFilterForm):
    """The evidence matrix's filters: condition category and format."""

    category = LenientMultipleChoiceField(
        label="Condition category", choices=Condition.Category.choices, required=False, label_plural="categories",
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["category", "format"]

    def values(self) -> tuple[list[str], list[int]]:
        """The chosen categories and the chosen formats' ids."""
        format_ids = self.chosen_format_ids()
        return self.cleaned_data.get("category", []), format_ids
