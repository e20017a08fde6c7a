"""Form fields that keep what a visitor got right: unknown values are dropped and remembered (`rejected`)
for a notice, instead of failing the whole page. Shared by the browse FilterSet and the page forms."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters.fields
from django import forms
from django.core.validators import slug_re

from therapies.text import quoted

MAX_VALUES = 20  # per repeatable parameter; more is not a real visitor
SLUG_MAX_LENGTH = 80  # max_length of Approach.slug and Condition.slug: a longer value names neither


def could_be_slug(value: str) -> bool:
    """Whether a visitor's value may be looked up as a slug: only these reach the database (a NUL byte,
    for one, cannot even be sent to Postgres)."""
    return len(value) <= SLUG_MAX_LENGTH and bool(slug_re.fullmatch(value))


class Lenient:
    """A field that remembers the values it dropped (`rejected`) and names them in the plural for notices."""

    def __init__(self, *args: Any, label_plural: str = "values", **kwargs: Any) -> None:
        self.label_plural = label_plural
        self.rejected: list[str] = []
        super().__init__(*args, **kwargs)

    def label_of(self, value: str) -> str:
        """How a kept value is named on the page (a chip, a title)."""
        return str(dict(self.choices).get(value, value))


class LenientMultipleChoiceField(Lenient, forms.MultipleChoiceField):
    """Keeps the valid values (de-duplicated, at most MAX_VALUES) and remembers the rest."""

    def clean(self, value: Any) -> list[str]:
        values = self.to_python(value)
        valid = {str(key) for key, _ in self.choices}
        kept = list(dict.fromkeys(v for v in values if v in valid))  # de-duplicated, in order
        self.rejected = [v for v in values if v not in valid and v.strip()]
        if len(kept) > MAX_VALUES:
            self.rejected += kept[MAX_VALUES:]
            kept = kept[:MAX_VALUES]
        return kept


class Found(str):
    """A slug the database knows, carrying its record's id and name: what a LenientSlugsField cleans to, so
    a FilterSet reads ids and names from its cleaned values like any other."""

    pk: int
    name: str

    def __new__(cls, slug: str, pk: int, name: str) -> Found:
        found = super().__new__(cls, slug)
        found.pk, found.name = pk, name
        return found


class LenientSlugsField(LenientMultipleChoiceField):
    """Slugs checked against the database: only the ones asked for are looked up (`lookup(slugs)` returns
    {slug: (id, name)}), in one query, so the form never loads every record. Cleans to the known ones, as
    `Found` slugs with their ids and names; unknown ones are remembered in `rejected`."""

    def __init__(self, *args: Any, lookup: Callable[[list[str]], dict[str, tuple[int, str]]], **kwargs: Any) -> None:
        self.lookup = lookup
        super().__init__(*args, **kwargs)

    def clean(self, value: Any) -> list[Found]:
        values = list(dict.fromkeys(v for v in self.to_python(value) if v.strip()))  # de-duplicated, in order
        asked = [v for v in values if could_be_slug(v)][:MAX_VALUES]
        known = self.lookup(asked) if asked else {}
        self.rejected = [v for v in values if v not in known]
        return [Found(v, *known[v]) for v in asked if v in known]

    def label_of(self, value: Found) -> str:
        return value.name


class LenientChoiceField(Lenient, django_filters.fields.ChoiceField):
    """A single choice (with django-filter's empty label) that falls back to empty (and remembers the bad value) when unknown."""

    def clean(self, value: Any) -> str:
        value = self.to_python(value)
        if value and not self.valid_value(value):
            self.rejected = [value]
            return ""
        return value


def ignored_notices(form: forms.Form) -> list[str]:
    """One message per field that dropped unknown values, quoting (and shortening) a few of them."""
    return [
        f"Ignored unknown {field.label_plural}: {quoted(field.rejected)}."
        for field in form.fields.values()
        if getattr(field, "rejected", None)
    ]
