"""Pages for references and citations: the bibliography, a page per source, and citation downloads."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from therapies.cache import cache_public_page
from therapies.citations import reference_text
from therapies.models import Approach, Condition, Source
from therapies.open.citing import approach_citation, condition_citation, source_citation

CITATION_TYPES = {"bib": "application/x-bibtex; charset=utf-8", "ris": "application/x-research-info-systems; charset=utf-8"}


def full_reference(source: Source) -> str:
    return reference_text(authors=source.authors, year=source.year, title=source.title, publisher=source.publisher,
                          code=source.code, doi=source.doi, url=source.url)


@require_safe
@cache_public_page()
def source_list(request: HttpRequest) -> HttpResponse:
    """The bibliography: every source public evidence cites, with its full reference."""
    sources = Source.objects.cited().with_rating_counts().order_by("short_name", "key")
    return render(request, "open/source_list.html", {
        "sources": [(source, full_reference(source)) for source in sources],
    })


@require_safe
@cache_public_page()
def source_detail(request: HttpRequest, key: str) -> HttpResponse:
    """One source: its full reference and every public rating that cites it."""
    source = get_object_or_404(Source.objects.cited().for_source_page(), key=key)
    return render(request, "open/source_detail.html", {
        "source": source,
        "reference": full_reference(source),
        "ratings": source.public_ratings,
        "citation": source_citation(request, source, source.public_ratings),
    })


@require_safe
@cache_public_page()
def cite(request: HttpRequest, kind: str, slug: str, style: str) -> HttpResponse:
    """A page's reference as a BibTeX or RIS file, for reference managers."""
    if style not in CITATION_TYPES:
        raise Http404("No such citation format.")
    if kind == "therapy":
        citation = approach_citation(request, get_object_or_404(Approach.objects.published(), slug=slug))
    elif kind == "condition":
        citation = condition_citation(request, get_object_or_404(Condition.objects.published(), slug=slug))
    elif kind == "source":
        source = get_object_or_404(Source.objects.cited().for_source_page(), key=slug)
        citation = source_citation(request, source, source.public_ratings)
    else:
        raise Http404("No such page.")
    response = HttpResponse(citation.bibtex() if style == "bib" else citation.ris(), content_type=CITATION_TYPES[style])
    response["Content-Disposition"] = f'attachment; filename="{kind}-{slug}.{style}"'
    return response
