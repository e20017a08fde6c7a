"""Choosing between approaches: compare (two to four side by side) and "My summary" (a shortlist to print
or take to a clinician). Both keep the reader's list in the address, never on the server."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from therapies.browse import summary
from therapies.cache import cache_public_page
from therapies.choices import LEVEL_DEFINITIONS, AgeGroup, Level, populations_for
from therapies.forms import MAX_COMPARED, MAX_SUMMARISED, CompareForm, SummaryForm
from therapies.models import Approach, Caution, Condition, EvidenceLink, QuestionToAsk, Source
from therapies.open import twins
from therapies.text import compare_url, summary_url


@require_safe
@cache_public_page(params=["t", "add", twins.PARAMETER])
def compare(request: HttpRequest) -> HttpResponse:
    """Two to four approaches side by side, with evidence rows aligned by condition. A typed name the picker
    found (`add`) redirects to the comparison's own address, with it added."""
    form = CompareForm(request.GET, Approach.objects.published())
    if form.added:
        return redirect(compare_url(form.slugs_with_added()))
    slugs = form.slugs()
    by_slug = {a.slug: a for a in Approach.objects.published().filter(slug__in=slugs).for_compare()}
    approaches = [by_slug[slug] for slug in slugs if slug in by_slug]
    if (download := twins.requested(request)) is not None:
        return twins.respond(request, download, "compare", twins.rating_rows(request, twins.compare_links(approaches)))
    params = [("t", slug) for slug in slugs]
    return render(request, "therapies/compare.html", {
        "approaches": approaches,
        "rows": _compare_rows(approaches),
        "cautions": Caution.objects.for_approaches([a.pk for a in approaches]) if approaches else [],
        "notices": form.notices(),
        "addable": Approach.objects.published().for_picker(exclude=slugs) if len(slugs) < MAX_COMPARED else [],
        "removal_queries": {slug: summary.removal_query(params, "t", slug) for slug in slugs},
        "picker_hidden": params,
        "summary_url": summary_url(slugs) if slugs else "",
    })


@require_safe
@cache_public_page(params=["t", "c", "age", "add"])
def summary_page(request: HttpRequest) -> HttpResponse:
    """ "My summary": one to four approaches (and a condition, an age group) with the same rows for each, to
    print or share. The shortlist is the address; nothing about the reader is stored. A typed name the picker
    found (`add`) redirects to the summary's own address, with it added."""
    form = SummaryForm(request.GET, Approach.objects.published(), Condition.objects.published())
    slugs, condition, age = form.slugs(), form.condition, form.age
    if form.added:
        return redirect(summary_url(form.slugs_with_added(), condition.slug if condition else "", age))
    found = Approach.objects.published().filter(slug__in=slugs).for_summary(condition.pk if condition else None)
    by_slug = {approach.slug: approach for approach in found}
    approaches = [by_slug[slug] for slug in slugs if slug in by_slug]
    questions = QuestionToAsk.objects.for_summary(approach.pk for approach in approaches)
    cautions = list(Caution.objects.for_approaches([a.pk for a in approaches], condition.pk if condition else None)
                    ) if approaches or condition else []
    entries = _summary_entries(approaches, condition, populations_for([age] if age else []), questions, cautions)
    condition_slug = condition.slug if condition else ""
    address = summary_url(slugs, condition_slug, age)
    return render(request, "therapies/summary.html", {
        "entries": entries,
        "condition": condition,
        "age": age,
        "age_label": dict(AgeGroup.choices).get(age, ""),
        "age_choices": AgeGroup.choices,
        "notices": form.notices(),
        "general_questions": questions.get(None, []),
        "condition_cautions": [caution for caution in cautions if caution.approach_id is None],
        "sources": _summary_sources(entries, cautions),
        "levels": _levels_shown(entries),
        "conditions": _evidence_conditions(approaches),
        "addable": Approach.objects.published().for_picker(exclude=slugs) if len(slugs) < MAX_SUMMARISED else [],
        "permanent_url": request.build_absolute_uri(address),
        "query": address.partition("?")[2],
        "picker_hidden": [*([("c", condition_slug)] if condition_slug else []), *(("t", slug) for slug in slugs),
                          *([("age", age)] if age else [])],
        "removal_urls": {slug: summary_url([s for s in slugs if s != slug], condition_slug, age) for slug in slugs},
    })


def _compare_rows(approaches: list[Approach]) -> list[tuple[Condition, list[list[EvidenceLink]]]]:
    """One row per condition any of the approaches has evidence for; a cell per approach (maybe empty);
    rows with the strongest evidence first."""
    conditions: dict[int, Condition] = {}
    best: dict[int, int] = {}
    cells: dict[tuple[int, int], list[EvidenceLink]] = {}
    for approach in approaches:
        for link in approach.published_evidence:
            conditions[link.condition_id] = link.condition
            best[link.condition_id] = max(best.get(link.condition_id, 0), link.level_rank)
            cells.setdefault((link.condition_id, approach.pk), []).append(link)
    ordered = sorted(conditions.values(), key=lambda c: (-best[c.pk], c.name))
    return [(c, [cells.get((c.pk, a.pk), []) for a in approaches]) for c in ordered]


def _summary_entries(approaches: list[Approach], condition: Condition | None, populations: list[str],
                     questions: dict[int | None, list[str]], cautions: list[Caution]) -> list[dict]:
    """Per approach, what its rows show. For a condition: its links there (in these populations, when given),
    strongest first. Without one: each condition it has evidence for, under the strongest level found."""
    entries = []
    for approach in approaches:
        links, by_level, seen = [], {}, set()
        for link in approach.published_evidence:  # strongest first
            if condition is not None:
                if link.condition_id == condition.pk and (not populations or link.population in populations):
                    links.append(link)
            elif link.condition_id not in seen:
                seen.add(link.condition_id)
                by_level.setdefault(link.level, []).append(link.condition)
        entries.append({
            "approach": approach,
            "links": links,
            "by_level": [(level, by_level[level]) for level in Level if level in by_level],
            "questions": questions.get(approach.pk, []),
            "cautions": [caution for caution in cautions if caution.approach_id == approach.pk],
        })
    return entries


def _levels_shown(entries: list[dict]) -> list[tuple[str, str]]:
    """(level, definition) for each level the summary shows, strongest first; every level when none is shown."""
    shown = {link.level for entry in entries for link in entry["links"]} | {
        level for entry in entries for level, _ in entry["by_level"]}
    return [(level.value, LEVEL_DEFINITIONS[level]) for level in Level if level in shown or not shown]


def _summary_sources(entries: list[dict], cautions: list[Caution]) -> list[Source]:
    """Each source the summary's evidence and cautions cite, once, in the order first cited."""
    sources = {rating.source_id: rating.source for entry in entries for link in entry["links"] for rating in link.ratings.all()}
    sources.update((caution.source_id, caution.source) for caution in cautions if caution.source_id not in sources)
    return list(sources.values())


def _evidence_conditions(approaches: list[Approach]) -> list[Condition]:
    """The conditions any of these approaches has public evidence for, by name (from their prefetched links)."""
    conditions = {link.condition_id: link.condition for approach in approaches for link in approach.published_evidence}
    return sorted(conditions.values(), key=lambda condition: condition.name)
