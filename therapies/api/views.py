"""The API's endpoints: each parses its parameters (a FilterSet or Form), reads through QuerySet methods and
serializes. Read-only: GET and HEAD only."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from therapies.api import serializers as s
from therapies.api.filters import ApiTherapyFilter, ConditionFilterForm, EvidenceFilter, NoParametersForm
from therapies.api.pagination import Paging
from therapies.api.schema import (
    APPROACH_PARAMETERS,
    CONDITION_PARAMETERS,
    EVIDENCE_PARAMETERS,
    PAGING,
    paged,
)
from therapies.browse.facets import facets_for
from therapies.cache import ANY_PARAMS, cache_public_page
from therapies.models import Approach, Condition, EvidenceLink, Format, Revision, Source

SAFE = ["GET", "HEAD"]
# Every endpoint's answers are kept by the page cache like the site's pages (therapies/cache.py): a hit costs no
# query and skips the rate limit. Unknown parameters are the endpoints' own 400s, so the cache takes any.
cached = cache_public_page(params=ANY_PARAMS)


@cached
@extend_schema(
    operation_id="approach_list", tags=["approach"],
    parameters=[*APPROACH_PARAMETERS, *PAGING],
    responses=paged(s.ApproachSerializer, facets=True),
)
@api_view(SAFE)
def approach_list(request: Request) -> Response:
    """Published approaches, filtered exactly as the browse page (/therapies/) filters them."""
    filterset = ApiTherapyFilter(request.query_params, queryset=Approach.objects.published())
    filterset.validate()
    paging = Paging(request)
    rows = paging.rows(filterset.results_for_export())
    facets = facets_for(filterset) if paging.extras & {"count", "facets"} else None
    return paging.response(
        s.ApproachSerializer(rows, many=True, context={"request": request}).data,
        count=facets.total if facets and "count" in paging.extras else None,
        facets={name: getattr(facets, name) for name in ("condition", "format", "family", "age", "level")}
        if facets and "facets" in paging.extras else None,
    )


@cached
@extend_schema(operation_id="approach_detail", tags=["approach"], responses=s.ApproachDetailSerializer)
@api_view(SAFE)
def approach_detail(request: Request, slug: str) -> Response:
    """One published approach with its public evidence by condition and every source's rating."""
    NoParametersForm().validate(request.query_params, ())
    approach = get_object_or_404(Approach.objects.published().for_api_detail(), slug=slug)
    return Response(s.ApproachDetailSerializer(approach, context={"request": request}).data)


@cached
@extend_schema(
    operation_id="condition_list", tags=["condition"],
    parameters=[*CONDITION_PARAMETERS, *PAGING],
    responses=paged(s.ConditionSerializer),
)
@api_view(SAFE)
def condition_list(request: Request) -> Response:
    """Published conditions by name, with how many approaches have public evidence for each."""
    categories = ConditionFilterForm(request.query_params).validate(request.query_params)
    conditions = Condition.objects.published().in_categories(categories).for_api().order_by("name", "slug")
    return Paging(request).page_of(conditions, s.ConditionSerializer)


@cached
@extend_schema(operation_id="condition_detail", tags=["condition"], responses=s.ConditionDetailSerializer)
@api_view(SAFE)
def condition_detail(request: Request, slug: str) -> Response:
    """One published condition with its approaches' public evidence, strongest first."""
    NoParametersForm().validate(request.query_params, ())
    condition = get_object_or_404(Condition.objects.published().for_api(), slug=slug)
    condition.public_evidence = EvidenceLink.objects.for_api().for_conditions([condition.pk]).strongest_first()
    return Response(s.ConditionDetailSerializer(condition, context={"request": request}).data)


@cached
@extend_schema(
    operation_id="evidence_list", tags=["evidence"],
    parameters=[*EVIDENCE_PARAMETERS, *PAGING],
    responses=paged(s.EvidenceSerializer),
)
@api_view(SAFE)
def evidence_list(request: Request) -> Response:
    """Public evidence links with their level, population, formats, finding, review date and every source's
    own rating, by approach, then condition, then population."""
    filterset = EvidenceFilter(request.query_params, queryset=EvidenceLink.objects.for_api())
    filterset.validate()
    links = filterset.qs
    return Paging(request).page_of(links, s.EvidenceSerializer)


@cached
@extend_schema(operation_id="source_list", tags=["source"], parameters=PAGING, responses=paged(s.SourceSerializer))
@api_view(SAFE)
def source_list(request: Request) -> Response:
    """Every source public evidence cites, with its full reference, by key."""
    NoParametersForm().validate(request.query_params)
    sources = Source.objects.cited().with_rating_counts().order_by("key")
    return Paging(request).page_of(sources, s.SourceSerializer)


@cached
@extend_schema(operation_id="source_detail", tags=["source"], responses=s.SourceDetailSerializer)
@api_view(SAFE)
def source_detail(request: Request, key: str) -> Response:
    """One source: its full reference and every public rating that cites it."""
    NoParametersForm().validate(request.query_params, ())
    source = get_object_or_404(Source.objects.cited().with_rating_counts().for_source_page(), key=key)
    return Response(s.SourceDetailSerializer(source, context={"request": request}).data)


@cached
@extend_schema(operation_id="format_list", tags=["format"], parameters=PAGING, responses=paged(s.FormatSerializer))
@api_view(SAFE)
def format_list(request: Request) -> Response:
    """How therapy is delivered, in the site's order."""
    NoParametersForm().validate(request.query_params)
    formats = Format.objects.order_by("position", "slug")
    return Paging(request).page_of(formats, s.FormatSerializer)


@cached
@extend_schema(operation_id="change_list", tags=["change"], parameters=PAGING, responses=paged(s.ChangeSerializer))
@api_view(SAFE)
def change_list(request: Request) -> Response:
    """The public changelog of evidence, newest first (names no editor)."""
    NoParametersForm().validate(request.query_params)
    changes = Revision.objects.public_feed()
    return Paging(request).page_of(changes, s.ChangeSerializer)
