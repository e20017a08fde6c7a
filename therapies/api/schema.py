"""What the OpenAPI schema says about the API's parameters and list bodies: each filter with its allowed
values (the formats, which curators edit, are read when the schema is generated)."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from therapies.api.filters import EXTRAS, MIN_LEVEL_CHOICES, SORTS
from therapies.api.pagination import DEFAULT_LIMIT, MAX_LIMIT
from therapies.choices import AgeGroup, Level, Population
from therapies.models import Approach, Condition, Format

FORMAT_DESCRIPTION = "A format's slug (see /api/v1/formats/); repeatable: any of."


def _values(choices: Any) -> list[str]:
    return [str(value) for value, _ in choices]


def query(name: str, description: str, *, enum: list[str] | None = None, many: bool = False,
          type_: type = str) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, enum=enum, many=many,
                            explode=True if many else None)


PAGING = [
    query("limit", f"Results per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}).", type_=int),
    query("offset", "How many results to skip.", type_=int),
    query("extra", "Also return the total (`count`) or facet counts (`facets`, approaches only); comma-separated.",
          enum=list(EXTRAS), many=True),
]
APPROACH_PARAMETERS = [
    query("q", "Words to search for (at most 200 characters)."),
    query("condition", "A published condition's slug (see /api/v1/conditions/); repeatable: any of.", many=True),
    query("format", FORMAT_DESCRIPTION, many=True),
    query("family", "The approach's family; repeatable: any of.", enum=_values(Approach.Family.choices), many=True),
    query("age", "An age group the approach suits; repeatable: any of.", enum=_values(AgeGroup.choices), many=True),
    query("level", "Evidence at least this strong (for the chosen conditions and ages).",
          enum=_values(MIN_LEVEL_CHOICES)),
    query("sort", "Order: by evidence (default with a condition), name (default) or fewest sessions.",
          enum=_values(SORTS)),
]
CONDITION_PARAMETERS = [
    query("category", "A condition category; repeatable: any of.", enum=_values(Condition.Category.choices), many=True),
]
EVIDENCE_PARAMETERS = [
    query("approach", "A published approach's slug; repeatable: any of.", many=True),
    query("condition", "A published condition's slug; repeatable: any of.", many=True),
    query("level", "The link's level; repeatable: any of.", enum=_values(Level.choices), many=True),
    query("population", "Whom the research was about; repeatable: any of.", enum=_values(Population.choices), many=True),
    query("format", FORMAT_DESCRIPTION, many=True),
]


def paged(serializer: type[serializers.Serializer], *, facets: bool = False) -> serializers.Serializer:
    """The body of a page of a list: next, previous, count and facets when asked for, the results."""
    fields: dict[str, serializers.Field] = {
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "count": serializers.IntegerField(required=False, help_text="With ?extra=count."),
        "results": serializer(many=True),
    }
    if facets:
        fields["facets"] = serializers.DictField(
            child=serializers.DictField(child=serializers.IntegerField()), required=False,
            help_text="With ?extra=facets: per filter, how many results each value would give.")
    return inline_serializer(f"Paged{serializer.__name__.removesuffix('Serializer')}List", fields=fields)


def record_enums(result: dict, generator: Any, request: Any, public: bool) -> dict:
    """Postprocessing hook: the allowed values of the parameters that name records (formats, published
    conditions and approaches) are those on record when the schema is served. Only when serving a request:
    `manage.py check --deploy` generates the schema too, and must not need a database."""
    if request is None:
        return result
    values = {
        "format": list(Format.objects.order_by("position", "slug").values_list("slug", flat=True)),
        "condition": list(Condition.objects.published().order_by("slug").values_list("slug", flat=True)),
        "approach": list(Approach.objects.published().order_by("slug").values_list("slug", flat=True)),
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") in values:
                    parameter["schema"]["items"]["enum"] = values[parameter["name"]]
    return result
