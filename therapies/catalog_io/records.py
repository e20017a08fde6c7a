"""The catalog format (docs/catalog.md): each record type's fields, one record of each kind as plain data,
and the difference between two catalogs. Import, export and history all speak this format."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from therapies.choices import AgeGroup
from therapies.models import Approach, Caution, Condition, EvidenceLink, Format, Source, SourceRating
from therapies.text import shorten

SECTIONS = ("formats", "sources", "conditions", "approaches", "evidence", "cautions")

# Field name -> JSON types accepted, per record type, in export order. `None` in a tuple allows null.
STR, INT, LIST, NULLABLE_INT, NULLABLE_STR = (str,), (int,), (list,), (int, type(None)), (str, type(None))
RECORD_FIELDS: dict[str, dict[str, tuple]] = {
    "formats": {"slug": STR, "name": STR, "description": STR, "position": INT},
    "sources": {
        "key": STR, "short_name": STR, "authors": STR, "title": STR, "publisher": STR, "year": NULLABLE_INT,
        "kind": STR, "code": STR, "url": STR, "doi": STR,
    },
    "conditions": {
        "slug": STR, "name": STR, "other_names": LIST, "category": STR, "summary": STR,
        "status": STR, "last_reviewed": NULLABLE_STR,
    },
    "approaches": {
        "slug": STR, "name": STR, "abbreviation": STR, "other_names": LIST, "family": STR,
        "parent": NULLABLE_STR, "differs_from_parent": STR, "is_umbrella": (bool,), "summary": STR,
        "session_description": STR,
        "sessions_min": NULLABLE_INT, "sessions_max": NULLABLE_INT,
        "session_minutes_min": NULLABLE_INT, "session_minutes_max": NULLABLE_INT,
        "formats": LIST, "age_groups": LIST, "status": STR, "last_reviewed": NULLABLE_STR,
    },
    "evidence": {
        "approach": STR, "condition": STR, "population": STR, "level": STR, "finding": STR,
        "formats": LIST, "status": STR, "last_reviewed": NULLABLE_STR, "ratings": LIST,
    },
    "cautions": {"key": STR, "approach": NULLABLE_STR, "condition": NULLABLE_STR, "text": STR, "source": STR},
}
RATING_FIELDS = {"source": STR, "level": STR, "finding": STR, "population": STR, "is_about_umbrella": (bool,)}
RATING_REQUIRED = {"source", "level", "finding"}
REQUIRED = {
    "formats": {"slug", "name", "description"},
    "sources": {"key", "short_name", "title", "publisher", "kind"},
    "conditions": {"slug", "name", "category", "summary"},
    "approaches": {"slug", "name", "family", "summary", "session_description"},
    "evidence": {"approach", "condition", "level", "finding"},
    "cautions": {"key", "text", "source"},
}
AGE_ORDER = AgeGroup.values


class CatalogError(Exception):
    """The catalog could not be imported; `errors` says where and why. Nothing was changed."""

    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class CatalogChange:
    """One record an import creates, changes or removes, with the fields that differ (name -> [before, after])."""

    section: str
    identity: tuple
    record: str
    kind: str  # "created", "changed" or "removed"
    fields: dict[str, list] = field(default_factory=dict)
    after: dict[str, Any] | None = field(default=None, repr=False)  # the whole record after the import

    def __str__(self) -> str:
        details = "; ".join(f"{name}: {shorten(old)} → {shorten(new)}" for name, (old, new) in self.fields.items())
        return f"{self.section}: {self.record} {self.kind}" + (f" ({details})" if details else "")


# One record in the catalog format. History snapshots use the same shapes, so a version can be restored
# by importing it. Each expects the prefetches catalog_export sets up.
def format_record(f: Format) -> dict[str, Any]:
    return {"slug": f.slug, "name": f.name, "description": f.description, "position": f.position}


def source_record(s: Source) -> dict[str, Any]:
    return {
        "key": s.key, "short_name": s.short_name, "authors": s.authors, "title": s.title,
        "publisher": s.publisher, "year": s.year, "kind": s.kind, "code": s.code, "url": s.url, "doi": s.doi,
    }


def condition_record(c: Condition) -> dict[str, Any]:
    return {
        "slug": c.slug, "name": c.name, "other_names": list(c.other_names), "category": c.category,
        "summary": c.summary, "status": c.status, "last_reviewed": _date_out(c.last_reviewed),
    }


def approach_record(a: Approach) -> dict[str, Any]:
    return {
        "slug": a.slug, "name": a.name, "abbreviation": a.abbreviation, "other_names": list(a.other_names),
        "family": a.family, "parent": a.parent.slug if a.parent else None,
        **({"differs_from_parent": a.differs_from_parent} if a.differs_from_parent else {}),  # optional: omitted when blank
        # Written only when set, so the many approaches that are not umbrellas stay as they were.
        **({"is_umbrella": True} if a.is_umbrella else {}),
        "summary": a.summary,
        "session_description": a.session_description,
        "sessions_min": a.sessions_min, "sessions_max": a.sessions_max,
        "session_minutes_min": a.session_minutes_min, "session_minutes_max": a.session_minutes_max,
        "formats": _format_slugs(a.formats.all()),
        "age_groups": sorted(a.age_groups, key=AGE_ORDER.index),
        "status": a.status, "last_reviewed": _date_out(a.last_reviewed),
    }


def link_record(link: EvidenceLink) -> dict[str, Any]:
    return {
        "approach": link.approach.slug, "condition": link.condition.slug, "population": link.population,
        "level": link.level, "finding": link.finding, "formats": _format_slugs(link.formats.all()),
        "status": link.status, "last_reviewed": _date_out(link.last_reviewed),
        "ratings": [rating_record(r) for r in link.ratings.all()],
    }


def rating_record(r: SourceRating) -> dict[str, Any]:
    """A source's rating of a link; `population` and `is_about_umbrella` only when set, so most ratings stay
    three fields long."""
    record = {"source": r.source.key, "level": r.level, "finding": r.finding}
    if r.population:
        record["population"] = r.population
    if r.is_about_umbrella:
        record["is_about_umbrella"] = True
    return record


def caution_record(c: Caution) -> dict[str, Any]:
    return {
        "key": c.key, "approach": c.approach.slug if c.approach else None,
        "condition": c.condition.slug if c.condition else None, "text": c.text, "source": c.source.key,
    }


def record_identity(section: str, record: dict) -> tuple:
    """What names a record uniquely within its section (its key in the database)."""
    if section in ("sources", "cautions"):
        return (record["key"],)
    if section == "evidence":
        return (record["approach"], record["condition"], record.get("population", "all"))
    return (record["slug"],)


def record_label(section: str, record: dict) -> str:
    """A record's identity in words, for messages."""
    if section in ("sources", "cautions"):
        return f"key {record['key']!r}"
    if section == "evidence":
        return f"link {record['approach']} × {record['condition']} × {record.get('population', 'all')}"
    return f"slug {record['slug']!r}"


def catalog_changes(*, before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[CatalogChange]:
    """What differs between two catalog exports, record by record and field by field.

    A rating dropped from an evidence link is listed as removed on its own line, since the import file is
    the whole truth about a link's ratings.
    """
    changes = []
    for section in SECTIONS:
        old = {record_identity(section, record): record for record in before.get(section, [])}
        new = {record_identity(section, record): record for record in after.get(section, [])}
        for identity, record in new.items():
            label = record_label(section, record)
            if identity not in old:
                changes.append(CatalogChange(section, identity, label, "created", record_diff(None, record), record))
            elif diff := record_diff(old[identity], record):
                changes.append(CatalogChange(section, identity, label, "changed", diff, record))
                if "ratings" in diff:
                    kept = {rating["source"] for rating in record["ratings"]}
                    for rating in old[identity]["ratings"]:
                        if rating["source"] not in kept:
                            changes.append(CatalogChange(section, identity, f"{label}: rating from {rating['source']}", "removed"))
        for identity, record in old.items():
            if identity not in new:
                changes.append(CatalogChange(section, identity, record_label(section, record), "removed"))
    return changes


def record_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """Field name -> [before, after] for each field that differs; a missing record counts as all None."""
    before, after = before or {}, after or {}
    return {
        name: [before.get(name), after.get(name)]
        for name in list(before) + [name for name in after if name not in before]
        if before.get(name) != after.get(name)
    }


def _date_out(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _format_slugs(formats) -> list[str]:
    return [f.slug for f in sorted(formats, key=lambda f: (f.position, f.slug))]
