"""Public pages. Each view parses input through a FilterSet or Form, queries through QuerySet methods,
and renders; with htmx, the browse page returns just the part that changed."""
from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from therapies.browse import summary
from therapies.browse.facets import facet_options, facets_for
from therapies.browse.filterset import TherapyFilter
from therapies.cache import cache_public_page
from therapies.choices import LEVEL_DEFINITIONS, Level
from therapies.evidence_rows import matrix_grid
from therapies.forms import (
    MAX_SUMMARISED,
    ConditionPageFilterForm,
    MatrixFilterForm,
    ReaderReportForm,
    SearchForm,
    SuggestForm,
)
from therapies.helplines import helplines_by_topic, helplines_for
from therapies.models import Approach, Caution, Condition, EvidenceLink, Format, Revision, Source
from therapies.open import twins
from therapies.open.citing import approach_citation, condition_citation
from therapies.reports import reader_report_rate_limited
from therapies.search.site import search_miss_count, search_site, vocabulary
from therapies.search.understand import suggestions
from therapies.text import compare_url, summary_url

PAGE_SIZE = 20
SUGGEST_MAX_AGE = 300  # seconds: suggestions change only when the catalog does
HOME_CONDITIONS_PER_CATEGORY = 8  # the first by name; the rest are one click away on /conditions/
# Pairs people often weigh up; shown on the home page when both are published.
POPULAR_COMPARISONS = [("cbt", "emdr"), ("cbt", "psychodynamic-therapy"), ("dbt", "mbt"), ("cbt", "act")]


@require_safe
@cache_public_page()
def home(request: HttpRequest) -> HttpResponse:
    """Home: search, browse by condition (by category) and by format, popular comparisons."""
    conditions = Condition.objects.first_published_per_category(HOME_CONDITIONS_PER_CATEGORY)
    slugs = {slug for pair in POPULAR_COMPARISONS for slug in pair}
    names = {
        slug: abbreviation or name
        for slug, abbreviation, name in Approach.objects.published()
        .filter(slug__in=slugs)
        .values_list("slug", "abbreviation", "name")
    }
    comparisons = [(pair, [names[s] for s in pair]) for pair in POPULAR_COMPARISONS if set(pair) <= set(names)]
    return render(request, "therapies/home.html", {
        "categories": [(key, label, group, group[0].category_total) for key, label, group in _by_category(conditions)],
        "formats": Format.objects.order_by("position"),
        "comparisons": comparisons,
    })


@require_safe
@cache_public_page(params=[*TherapyFilter.base_filters, "page", twins.PARAMETER])
def therapy_list(request: HttpRequest) -> HttpResponse:
    """Browse approaches with filters, facet counts, chips and pagination; or every result as CSV or JSON."""
    filterset = TherapyFilter(request.GET, queryset=Approach.objects.published())
    if (download := twins.requested(request)) is not None:
        rows = filterset.results_for_export()[:twins.EXPORT_MAX]
        return twins.respond(request, download, "therapies", twins.browse_rows(request, rows))
    facets = facets_for(filterset)
    page = filterset.page(request.GET.get("page"), PAGE_SIZE, facets.total)
    params = [(key, value) for key, values in request.GET.lists() for value in values]
    context = {
        "filter": filterset,
        "page": page,
        "page_title": summary.title(filterset),
        "facets": facets,
        "facet_options": facet_options(filterset, facets),
        "chips": [(label, summary.removal_query(params, name, value)) for name, value, label in summary.active_filters(filterset)],
        "notices": summary.notices(filterset),
        "relaxations": [
            (name, count, summary.removal_query(params, name)) for name, count in summary.relaxations(filterset)
        ] if not page.paginator.count else [],
        "chosen_conditions": filterset.conditions,
    }
    template = "therapies/_browse.html" if _wants_fragment(request) else "therapies/therapy_list.html"
    return render(request, template, context)


def _wants_fragment(request: HttpRequest) -> bool:
    """htmx swapping part of a page; not htmx restoring a whole page from history (it wants it all)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


@require_safe
@cache_public_page()
def therapy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One approach: what it is, what a session is like, and its evidence by condition."""
    approach = get_object_or_404(Approach.objects.published().for_detail(), slug=slug)
    return render(request, "therapies/therapy_detail.html", {
        "approach": approach,
        "evidence": approach.published_evidence,
        "cautions": Caution.objects.for_approaches([approach.pk]),
        "ways_in": Approach.objects.ways_in(approach)[:24] if approach.is_umbrella else [],
        "related": Approach.objects.related_to(approach)[:8],
        "changes": Revision.objects.public_changes(approach=approach),
        "citation": approach_citation(request, approach),
    })


@require_safe
@cache_public_page()
def condition_list(request: HttpRequest) -> HttpResponse:
    """All conditions by category, each with how many approaches have rated evidence."""
    conditions = Condition.objects.published().with_approach_counts()
    return render(request, "therapies/condition_list.html", {"categories": _by_category(conditions)})


@require_safe
@cache_public_page(params=[*ConditionPageFilterForm.base_fields, twins.PARAMETER])
def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One condition: approaches ranked by evidence, supported ones apart from the rest."""
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    form = ConditionPageFilterForm(request.GET)
    format_ids, ages = form.values()
    links = EvidenceLink.objects.for_condition_page(condition, format_ids, ages)
    if (download := twins.requested(request)) is not None:
        return twins.respond(request, download, condition.slug, twins.rating_rows(request, links, condition))
    rows = links.by_approach()
    unsupported = {Level.INSUFFICIENT, Level.NOT_RECOMMENDED}
    supported = [row for row in rows if row.level not in unsupported]
    age = ages[0] if len(ages) == 1 else ""  # a summary is for one age group
    strongest = [row.approach.slug for row in supported][:MAX_SUMMARISED]
    browse_query = urlencode([("condition", condition.slug), *(("format", slug) for slug in form.cleaned_data["format"]),
                              *(("age", age) for age in ages)])
    return render(request, "therapies/condition_detail.html", {
        "condition": condition,
        "form": form,
        "browse_query": browse_query,
        "notices": form.notices(),
        "supported": supported,
        "summary_age": age,
        "summary_url": summary_url(strongest, condition.slug, age) if strongest else "",
        "compare_url": compare_url(strongest),
        "compare_count": len(strongest),
        "can_compare": len(rows) > 1,
        "insufficient": [row for row in rows if row.level == Level.INSUFFICIENT],
        "not_recommended": [row for row in rows if row.level == Level.NOT_RECOMMENDED],
        "is_filtered": bool(format_ids or ages),
        "chosen_count": len(format_ids) + len(ages),
        "changes": Revision.objects.public_changes(condition=condition),
        "citation": condition_citation(request, condition),
        "cautions": Caution.objects.for_condition(condition.pk),
        "helplines": helplines_for(condition.category),
    })


@require_safe
@cache_public_page()
def about(request: HttpRequest) -> HttpResponse:
    """How evidence is rated, where it comes from, and what this site is not."""
    reviewed = EvidenceLink.objects.published().aggregate(oldest=Min("last_reviewed"), newest=Max("last_reviewed"))
    return render(request, "therapies/about.html", {
        "levels": [(Level(level), LEVEL_DEFINITIONS[level]) for level in Level],
        "source_kinds": Source.Kind.choices,
        "source_count": Source.objects.filter(ratings__link__in=EvidenceLink.objects.published()).distinct().count(),
        "reviewed": reviewed,
    })


@require_safe
@cache_public_page()
def glossary(request: HttpRequest) -> HttpResponse:
    """The words the site uses, in plain language; other pages link to its entries."""
    return render(request, "therapies/glossary.html", {"levels": [(Level(level), LEVEL_DEFINITIONS[level]) for level in Level]})


@require_safe
@cache_public_page()
def help_now(request: HttpRequest) -> HttpResponse:
    """Crisis and emergency help, one click from every page."""
    return render(request, "therapies/help.html", {"helplines": helplines_by_topic()})


@require_safe
@cache_public_page(params=[*SearchForm.base_fields, twins.PARAMETER])
def search(request: HttpRequest) -> HttpResponse:
    """Read the question, answer it, then list the text matches; htmx gets only the results. A search that
    found nothing is counted (for editors) and never stored by any cache, so every one is counted."""
    form = SearchForm(request.GET)
    text = form.text()
    results = search_site(text, plain=form.is_plain()) if text.strip() else None
    if (download := twins.requested(request)) is not None:
        return twins.respond(request, download, "search", twins.search_rows(request, results))
    if results is not None and results.redirect and not _wants_fragment(request):
        return redirect(results.redirect)
    context = {"form": form, "text": text, "results": results, "plain_query": urlencode({"q": text, "plain": "on"})}
    template = "therapies/_search_results.html" if _wants_fragment(request) else "therapies/search.html"
    response = render(request, template, context)
    if results is not None and results.found_nothing:
        if request.method == "GET":  # a HEAD (a link checker) is no search
            search_miss_count(text)
        patch_cache_control(response, no_store=True)
    return response


@require_safe
@cache_public_page(params=["q"])
def search_suggest(request: HttpRequest) -> HttpResponse:
    """Typeahead: up to eight names the typed text could start, from the vocabulary in memory (no query
    once it is cached). JSON; a browser or proxy may keep it for SUGGEST_MAX_AGE seconds."""
    form = SuggestForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"error": " ".join(form.errors.get("q", ["Invalid input."]))}, status=400)
    response = JsonResponse({"q": form.text(), "suggestions": suggestions(form.text(), vocabulary())})
    patch_cache_control(response, public=True, max_age=SUGGEST_MAX_AGE)
    return response

MATRIX_COLUMNS = 30  # conditions per page of columns
MATRIX_ROWS = 50  # approaches per page of rows


@require_safe
@cache_public_page(params=[*MatrixFilterForm.base_fields, "page", "cpage", twins.PARAMETER])
def evidence_matrix(request: HttpRequest) -> HttpResponse:
    """Conditions × approaches at a glance, gaps visible, in a fixed number of queries."""
    form = MatrixFilterForm(request.GET)
    categories, format_ids = form.values()
    conditions = Condition.objects.published().in_categories(categories).order_by("name")
    columns = Paginator(conditions, MATRIX_COLUMNS).get_page(request.GET.get("cpage"))
    approaches = Approach.objects.published().in_formats(format_ids) if format_ids else Approach.objects.published()
    rows = Paginator(approaches.order_by("name").only("slug", "name", "abbreviation"), MATRIX_ROWS).get_page(
        request.GET.get("page")
    )
    cells = EvidenceLink.objects.best_levels(rows.object_list, columns.object_list)
    grid, shown_columns, hidden_rows, hidden_columns = matrix_grid(
        list(rows), list(columns.object_list), cells, hide_empty=bool(categories or format_ids))
    if (download := twins.requested(request)) is not None:
        return twins.respond(request, download, "evidence-matrix", twins.matrix_rows(request, grid))
    return render(request, "therapies/evidence_matrix.html", {
        "form": form,
        "notices": form.notices(),
        "columns": columns,
        "shown_columns": shown_columns,
        "rows": grid,
        "hidden_rows": hidden_rows,
        "hidden_columns": hidden_columns,
        "row_page": rows,
    })


def _by_category(conditions) -> list[tuple[str, str, list[Condition]]]:
    """(category key, label, conditions by name), categories in their defined order."""
    order = {key: index for index, key in enumerate(Condition.Category.values)}
    labels = dict(Condition.Category.choices)
    ordered = sorted(conditions, key=lambda c: (order[c.category], c.name))
    return [(key, labels[key], list(group)) for key, group in groupby(ordered, key=lambda c: c.category)]


@require_http_methods(["GET", "HEAD", "POST"])
def reader_report(request: HttpRequest, kind: str, slug: str) -> HttpResponse:
    """ "Report an error or suggest a study" on an approach or condition page: a plain POST form, no account."""
    model = Approach if kind == "therapy" else Condition
    page = get_object_or_404(model.objects.published(), slug=slug)
    if request.GET.get("sent") == "1":
        return render(request, "therapies/report_thanks.html", {"page": page})
    form, status = ReaderReportForm(request.POST or None), 200
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:  # a filled honeypot gets the same thanks, and nothing is stored
            if reader_report_rate_limited(request):
                form.add_error(None, "You have sent several reports in the last hour. Please try again later.")
                status = 429
            else:
                form.instance.approach, form.instance.condition = (page, None) if kind == "therapy" else (None, page)
                form.save()
        if status == 200:
            return redirect(request.path + "?sent=1")
    elif request.method == "POST":
        status = 400
    return render(request, "therapies/report_form.html", {"page": page, "form": form}, status=status)
