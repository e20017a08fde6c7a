"""What the browse page says about the chosen filters: the title, a chip per chosen value, notices about
ignored input, and which filter to drop when nothing matches. All follow the FilterSet's declarations."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlencode

from therapies.browse.filterset import TherapyFilter
from therapies.fields import ignored_notices

RELAXATIONS_TRIED = 4  # at most this many "drop this filter" counts for an empty result


def title(filterset: TherapyFilter) -> str:
    """The page title: what was chosen, in words."""
    if not filterset.conditions:
        return "Browse therapies"
    return "Therapies for " + ", ".join(condition.name for condition in filterset.conditions)


def active_filters(filterset: TherapyFilter) -> list[tuple[str, str | None, str]]:
    """(parameter, value, chip text) for each chosen value, in declaration order; value None for a
    single-valued filter (removing it removes every value the URL gives)."""
    active = []
    for name in filterset.chosen():
        chip, field, value = filterset.filters[name].chip, filterset.form.fields[name], filterset.cleaned[name]
        if isinstance(value, str):
            if value.strip():
                label = field.label_of(value) if hasattr(field, "label_of") else value
                active.append((name, None, chip.format(label=label, lower=label.lower())))
            continue
        for item in value:
            label = field.label_of(item)
            active.append((name, item, chip.format(label=label, lower=label.lower())))
    return active


def notices(filterset: TherapyFilter) -> list[str]:
    """Messages about input that was refused or ignored, for the page to show."""
    form = filterset.form
    form.is_valid()
    errors = [f"{form.fields[name].label}: {error}" for name, errors in form.errors.items() for error in errors]
    return errors + ignored_notices(form)


def relaxations(filterset: TherapyFilter) -> list[tuple[str, int]]:
    """For an empty result: which filter to drop and how many results that would give, most first."""
    found = [(name, filterset.queryset_without(name).count()) for name in filterset.chosen()[:RELAXATIONS_TRIED]]
    return sorted([item for item in found if item[1]], key=lambda item: -item[1])


def removal_query(params: Iterable[tuple[str, str]], parameter: str, value: str | None = None) -> str:
    """The query string without one value of a parameter (every value when None), and without `page`."""
    kept = [(k, v) for k, v in params if not (k == parameter and (value is None or v == value)) and k != "page"]
    return urlencode(kept)
