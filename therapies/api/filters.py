"""The API's query parameters. Approaches are filtered by the browse page's own FilterSet (TherapyFilter), so
the HTML facets and the API agree; the API is strict where the page is lenient: an unknown parameter or value
is a 400 naming the parameter, never silently dropped."""
from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError

from therapies.browse.filterset import MIN_LEVEL_CHOICES, SORTS, MultipleChoiceFilter, SlugsFilter, TherapyFilter
from therapies.choices import Level, Population
from therapies.fields import LenientMultipleChoiceField
from therapies.models import Approach, Condition, EvidenceLink, Format
from therapies.text import quoted

PAGING_PARAMETERS = ("limit", "offset", "extra")
EXTRAS = ("count", "facets")
# Where to find the allowed values of the parameters that name records.
RECORD_LISTS = {"condition": "/api/v1/conditions/", "approach": "/api/v1/approaches/"}


def strict_errors(form: forms.Form, params: Any, allowed: tuple[str, ...]) -> dict[str, list[str]]:
    """{parameter: [messages]} for unknown parameters, invalid input and unknown values (the lenient
    fields' `rejected`)."""
    errors: dict[str, list[str]] = {
        name: [f"Unknown parameter. Allowed: {', '.join(allowed)}."] for name in params if name not in allowed
    }
    form.is_valid()
    for name, messages in form.errors.items():
        errors.setdefault(name, []).extend(str(message) for message in messages)
    for name, field in form.fields.items():
        if getattr(field, "rejected", None):
            where = RECORD_LISTS.get(name)
            allowed_values = f"see {where}" if where else ", ".join(str(value) for value, _ in field.choices if value)
            errors.setdefault(name, []).append(f"Unknown value {quoted(field.rejected)}. Allowed: {allowed_values}.")
    return errors


def raise_for(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


class ApiTherapyFilter(TherapyFilter):
    """The browse filters as API parameters (q, condition, format, family, age, level, sort)."""

    def validate(self) -> None:
        """Raise a 400 naming each unknown parameter or value."""
        raise_for(strict_errors(self.form, self.data, (*self.filters, *PAGING_PARAMETERS)))



class EvidenceFilter(django_filters.FilterSet):
    """Evidence links by approach, condition, level, population and format (all repeatable: any of)."""

    approach = SlugsFilter(label="Approach", lookup=Approach.objects.published().by_slugs, method="filter_approach",
                           label_plural="approaches")
    condition = SlugsFilter(label="Condition", lookup=Condition.objects.published().by_slugs,
                            method="filter_condition", label_plural="conditions")
    level = MultipleChoiceFilter(label="Level", choices=Level.choices, method="filter_level", label_plural="levels")
    population = MultipleChoiceFilter(label="Population", choices=Population.choices, method="filter_population",
                                      label_plural="populations")
    format = MultipleChoiceFilter(label="Format", choices=(), method="filter_format",  # choices: per request
                                  label_plural="formats")

    class Meta:
        model = EvidenceLink
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters["format"].extra["choices"], self.format_ids = Format.objects.options()

    def validate(self) -> None:
        raise_for(strict_errors(self.form, self.data, (*self.filters, *PAGING_PARAMETERS)))

    def filter_approach(self, queryset: QuerySet, name: str, value: list) -> QuerySet:
        return queryset.for_approaches(found.pk for found in value) if value else queryset

    def filter_condition(self, queryset: QuerySet, name: str, value: list) -> QuerySet:
        return queryset.for_conditions(found.pk for found in value) if value else queryset

    def filter_level(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.at_levels(value) if value else queryset

    def filter_population(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.for_populations(value) if value else queryset

    def filter_format(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.offered_in(self.format_ids[slug] for slug in value) if value else queryset


class ConditionFilterForm(forms.Form):
    """The conditions list's one filter: category (repeatable)."""

    category = LenientMultipleChoiceField(choices=Condition.Category.choices, required=False,
                                          label_plural="categories")

    def validate(self, params: Any) -> list[str]:
        """The chosen categories; a 400 for anything else."""
        raise_for(strict_errors(self, params, ("category", *PAGING_PARAMETERS)))
        return self.cleaned_data.get("category") or []


class NoParametersForm(forms.Form):
    """Endpoints that take only paging parameters (or none, for a detail)."""

    def validate(self, params: Any, allowed: tuple[str, ...] = PAGING_PARAMETERS) -> None:
        raise_for(strict_errors(self, params, allowed))


__all__ = ["ApiTherapyFilter", "ConditionFilterForm", "EvidenceFilter", "EXTRAS", "MIN_LEVEL_CHOICES", "SORTS"]
