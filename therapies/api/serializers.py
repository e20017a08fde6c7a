"""How each public record reads in the API. Every record carries its provenance: the sources behind it
(keys, resolvable at /api/v1/sources/{key}/), when a curator last reviewed it, the data licence and its page."""
from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from therapies.choices import DATA_LICENCE, LEVEL_RANK, AgeGroup, Level, Population
from therapies.models import Approach, Condition, Source
from therapies.text import slug_url

LEVEL_OF_RANK = {rank: str(level) for level, rank in LEVEL_RANK.items()}


def absolute(context: dict, path: str) -> str:
    request = context.get("request")
    return request.build_absolute_uri(path) if request is not None else path


class LicenceSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="SPDX identifier of the data licence.")
    title = serializers.CharField()
    path = serializers.URLField()


class Provenance(serializers.Serializer):
    """Fields every record carries: its licence and its page on the site."""

    licence = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="The record's page on the site.")

    @extend_schema_field(LicenceSerializer)
    def get_licence(self, obj: Any) -> dict:
        return DATA_LICENCE

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Any) -> str:
        return absolute(self.context, obj.get_absolute_url())


class RatingSerializer(serializers.Serializer):
    source = serializers.CharField(source="source.key", help_text="The source's key (see /api/v1/sources/{key}/).")
    source_name = serializers.CharField(source="source.short_name")
    level = serializers.ChoiceField(choices=Level.choices, help_text="The level as this source puts it.")
    finding = serializers.CharField(help_text="What this source found, in our own words.")


class LinkFields(serializers.Serializer):
    population = serializers.ChoiceField(choices=Population.choices)
    level = serializers.ChoiceField(choices=Level.choices, help_text="The curators' synthesis of the sources.")
    finding = serializers.CharField()
    formats = serializers.SerializerMethodField(help_text="Only when the evidence concerns some formats.")
    last_reviewed = serializers.DateField(allow_null=True)
    sources = serializers.SerializerMethodField(help_text="Keys of the sources rating this link.")
    ratings = RatingSerializer(many=True, source="ratings.all", help_text="Every source's own rating.")

    def get_formats(self, obj: Any) -> list[str]:
        return [format.slug for format in obj.formats.all()]

    def get_sources(self, obj: Any) -> list[str]:
        return [rating.source.key for rating in obj.ratings.all()]


class EvidenceSerializer(Provenance, LinkFields):
    """One evidence link: how well an approach is supported for a condition in a population."""

    approach = serializers.CharField(source="approach.slug")
    approach_name = serializers.CharField(source="approach.name")
    condition = serializers.CharField(source="condition.slug")
    condition_name = serializers.CharField(source="condition.name")


class ApproachSerializer(Provenance):
    """An approach as listed (and filtered) like the browse page."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    abbreviation = serializers.CharField()
    family = serializers.ChoiceField(choices=Approach.Family.choices)
    summary = serializers.CharField()
    sessions_min = serializers.IntegerField(allow_null=True)
    sessions_max = serializers.IntegerField(allow_null=True)
    session_minutes_min = serializers.IntegerField(allow_null=True)
    session_minutes_max = serializers.IntegerField(allow_null=True)
    formats = serializers.ListField(child=serializers.SlugField(), source="format_slugs")
    age_groups = serializers.ListField(child=serializers.ChoiceField(choices=AgeGroup.choices))
    condition_count = serializers.IntegerField(help_text="Conditions with public evidence.")
    best_level = serializers.SerializerMethodField(
        help_text="The strongest public level (for the chosen conditions and ages, when filtered)."
    )
    last_reviewed = serializers.DateField(allow_null=True)
    sources = serializers.ListField(child=serializers.CharField(), source="source_keys",
                                    help_text="Keys of every source its public evidence cites.")
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Level.choices, allow_null=True))
    def get_best_level(self, obj: Approach) -> str | None:
        return LEVEL_OF_RANK.get(getattr(obj, "best_rank", None))

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj: Approach) -> str:
        return absolute(self.context, slug_url("api:approach-detail", obj.slug))


class ConditionEvidenceSerializer(LinkFields):
    approach = serializers.CharField(source="approach.slug")
    approach_name = serializers.CharField(source="approach.name")


class ApproachEvidenceSerializer(LinkFields):
    condition = serializers.CharField(source="condition.slug")
    condition_name = serializers.CharField(source="condition.name")


class ApproachDetailSerializer(ApproachSerializer):
    """An approach with everything its page shows, and its evidence by condition."""

    other_names = serializers.ListField(child=serializers.CharField())
    parent = serializers.SlugField(source="parent.slug", allow_null=True, default=None)
    session_description = serializers.CharField()
    evidence = ApproachEvidenceSerializer(many=True, source="published_evidence")


class ConditionSerializer(Provenance):
    slug = serializers.SlugField()
    name = serializers.CharField()
    other_names = serializers.ListField(child=serializers.CharField())
    category = serializers.ChoiceField(choices=Condition.Category.choices)
    summary = serializers.CharField()
    approach_count = serializers.IntegerField(help_text="Published approaches with public evidence.")
    last_reviewed = serializers.DateField(allow_null=True)
    sources = serializers.ListField(child=serializers.CharField(), source="source_keys")
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj: Condition) -> str:
        return absolute(self.context, slug_url("api:condition-detail", obj.slug))


class ConditionDetailSerializer(ConditionSerializer):
    evidence = ConditionEvidenceSerializer(many=True, source="public_evidence",
                                           help_text="Its approaches' evidence, strongest first.")


class SourceSerializer(Provenance):
    """A source with its full reference."""

    key = serializers.SlugField()
    short_name = serializers.CharField()
    authors = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField(help_text="Issuing body, or the journal for articles.")
    year = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=Source.Kind.choices)
    doi = serializers.CharField()
    code = serializers.CharField(help_text="The issuer's own code for a guideline.")
    link = serializers.CharField(help_text="The canonical address (or the DOI resolver).")
    rating_count = serializers.IntegerField(help_text="Public evidence links this source rates.")
    api_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_api_url(self, obj: Source) -> str:
        return absolute(self.context, slug_url("api:source-detail", obj.key))

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Source) -> str:
        return absolute(self.context, slug_url("therapies:source-detail", obj.key))


class SourceRatingSerializer(serializers.Serializer):
    approach = serializers.CharField(source="link.approach.slug")
    condition = serializers.CharField(source="link.condition.slug")
    population = serializers.ChoiceField(choices=Population.choices, source="link.population")
    link_level = serializers.ChoiceField(choices=Level.choices, source="link.level")
    level = serializers.ChoiceField(choices=Level.choices, help_text="The level as this source puts it.")
    finding = serializers.CharField()


class SourceDetailSerializer(SourceSerializer):
    ratings = SourceRatingSerializer(many=True, source="public_ratings", help_text="Every public rating citing it.")


class FormatSerializer(Provenance):
    """A format; its page is the browse page filtered to it."""

    slug = serializers.SlugField()
    name = serializers.CharField()
    description = serializers.CharField()
    position = serializers.IntegerField()


class ChangeSerializer(Provenance):
    """One entry of the public changelog of evidence (names no editor)."""

    date = serializers.DateTimeField(source="created_at")
    approach = serializers.CharField(source="approach.slug")
    condition = serializers.CharField(source="condition.slug")
    change = serializers.CharField(source="public_summary", help_text="E.g. 'moderate → strong'.")
    reason = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Any) -> str:
        return absolute(self.context, obj.approach.get_absolute_url())
