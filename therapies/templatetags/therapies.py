"""Template helpers shared by every page: evidence-level badges and small formatting."""
from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from therapies.choices import LEVEL_DEFINITIONS, LEVEL_RANK, Level, levels_disagree
from therapies.evidence_rows import population_levels as _population_levels
from therapies.text import evidence_anchor

register = template.Library()

RANK_LEVEL = {rank: level for level, rank in LEVEL_RANK.items()}
# A symbol per level, so a badge never relies on colour alone.
SYMBOLS = {
    Level.STRONG: "●●●",
    Level.MODERATE: "●●○",
    Level.EMERGING: "●○○",
    Level.INSUFFICIENT: "?",
    Level.NOT_RECOMMENDED: "✕",
}


@register.simple_tag
def level_badge(level: str | int | None, short: bool = False, titled: bool = True) -> str:
    """A level as text + symbol + colour; accepts a level value or a rank number. `titled` adds the
    definition as a tooltip (left off where a legend explains and the page repeats many badges).
    Built in Python rather than from a template: pages show dozens of badges."""
    if isinstance(level, int):
        level = RANK_LEVEL.get(level)
    if not level:
        return mark_safe('<span class="level level-none">No evidence rated</span>')
    level = Level(level)
    label = level.label
    if short:
        label = {Level.INSUFFICIENT: "Not yet shown", Level.NOT_RECOMMENDED: "Not recommended"}.get(
            level, label.replace(" evidence", "")
        )
    title = format_html(' title="{}"', LEVEL_DEFINITIONS[level]) if titled else ""
    return format_html(
        '<span class="level level-{}"{}><span class="level-symbol" aria-hidden="true">{}</span> {}</span>',
        level.value, title, SYMBOLS[level], label,
    )


@register.simple_tag
def facet_checkboxes(name: str, options: list[tuple[str, str, int, bool]]) -> str:
    """A facet's checkboxes from TherapyFilter.facet_options(): each option with how many results choosing
    it gives ("none" when nothing). Built in Python like level_badge: the browse page prints about 50, and
    each text is escaped once (format_html would escape every repeat of it, and the counts)."""
    name = escape(name)
    html = []
    for value, label, count, checked in options:
        value, count = escape(value), int(count)
        html.append(
            f'<div class="option{"" if count else " is-empty"}"><input type="checkbox" name="{name}" value="{value}" '
            f'id="id_{name}_{value}"{" checked" if checked else ""}><label for="id_{name}_{value}">{escape(label)} '
            f'<span class="count">({count}{"" if count else ", none"})</span></label></div>'
        )
    return mark_safe("\n".join(html))


@register.filter
def sources_disagree(ratings) -> bool:
    """True when a link's sources are more than one level apart."""
    return levels_disagree([rating.level for rating in ratings])


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key) if mapping else None


FILTER_LABELS = {"q": "search text", "condition": "condition", "format": "format", "family": "type of therapy",
                 "age": "age group", "level": "evidence level"}


@register.filter
def filter_label(name: str) -> str:
    return FILTER_LABELS.get(name, name)


@register.inclusion_tag("includes/level_legend.html")
def level_legend() -> dict:
    """The public definition of every level, strongest first."""
    return {"levels": [(level.value, LEVEL_DEFINITIONS[level]) for level in Level]}


@register.filter
def split(text: str) -> list[str]:
    return text.split()


@register.simple_tag
def anchor(condition, link) -> str:
    """The row id of `link` (to `condition`) on its approach page; takes the condition so a grid that
    already holds it needs no query."""
    return evidence_anchor(condition.slug, link.population)


# Source names as some sources abbreviate them, and as a reader would understand them.
PLAIN_SOURCE_NAMES = {"Div. 12": "APA Division 12"}


@register.filter
def plain_source_name(name: str) -> str:
    """A source's short name with insider abbreviations spelled out ("Div. 12" -> "APA Division 12")."""
    for jargon, plain in PLAIN_SOURCE_NAMES.items():
        if name.startswith(jargon):
            return plain + name[len(jargon):]
    return name


@register.filter
def population_levels(population_ranks) -> list[tuple[str, str, int]]:
    """(population, label, rank) per age group with a level, strongest first; empty when not split by age."""
    return _population_levels(population_ranks)


@register.simple_tag
def population_anchor(condition_slug: str, population: str) -> str:
    """The id of an approach page's evidence row for a condition (by slug) and population."""
    return evidence_anchor(condition_slug, population)
