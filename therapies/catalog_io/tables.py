"""The published catalog as flat tables (one row per record, one row per source rating), shared by the
open-data releases and the CSV downloads, and CSV text that opens safely in a spreadsheet."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from therapies.choices import AgeGroup, Level, Population
from therapies.models import Approach, Condition, EvidenceLink, Format, Source, SourceRating

LIST_SEPARATOR = "; "
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection): such text gets a
# leading apostrophe, which spreadsheets show as text and hide.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Text a spreadsheet could run as a formula, made inert; numbers and everything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: list[str], rows: Iterable[Iterable[Any]], *, bom: bool = False) -> bytes:
    """UTF-8 CSV (with a byte-order mark for spreadsheets when `bom`), CRLF line ends, cells neutralised; None
    is an empty cell and a list is joined with "; "."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([
            "" if value is None else neutralise(LIST_SEPARATOR.join(value) if isinstance(value, list) else value)
            for value in row
        ])
    return (("\ufeff" if bom else "") + text.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Table Schema type: string, integer, date, array (as "; "-joined text: string)
    description: str
    enum: tuple[str, ...] = ()
    required: bool = False
    is_list: bool = False


def _help(model: type, field: str, fallback: str) -> str:
    """A column's description: the model field's help text, else `fallback`."""
    return str(model._meta.get_field(field).help_text or fallback)


def _values(choices) -> tuple[str, ...]:
    return tuple(str(value) for value, _ in choices)


LIST_NOTE = ' (several values joined with "; ")'
TABLES: dict[str, dict[str, Any]] = {
    "approaches": {
        "title": "Therapy approaches", "primary_key": ["slug"],
        "columns": [
            Column("slug", "string", "Stable id of the approach (its address on the site).", required=True),
            Column("name", "string", "Name of the approach.", required=True),
            Column("abbreviation", "string", _help(Approach, "abbreviation", "")),
            Column("other_names", "string", _help(Approach, "other_names", "") + LIST_NOTE, is_list=True),
            Column("family", "string", "Family of approaches.", _values(Approach.Family.choices), required=True),
            Column("parent", "string", _help(Approach, "parent", "")),
            Column("summary", "string", _help(Approach, "summary", ""), required=True),
            Column("session_description", "string", _help(Approach, "session_description", "")),
            Column("sessions_min", "integer", _help(Approach, "sessions_min", "")),
            Column("sessions_max", "integer", "Typical number of sessions, upper end."),
            Column("session_minutes_min", "integer", _help(Approach, "session_minutes_min", "")),
            Column("session_minutes_max", "integer", "Typical session length in minutes, upper end."),
            Column("formats", "string", "Formats it is offered in (format slugs)" + LIST_NOTE, is_list=True),
            Column("age_groups", "string", "Age groups it is offered to" + LIST_NOTE + ": "
                   + ", ".join(AgeGroup.values) + ".", is_list=True),
            Column("last_reviewed", "date", _help(Approach, "last_reviewed", "")),
        ],
        "foreign_keys": [{"fields": ["parent"], "reference": {"resource": "approaches", "fields": ["slug"]}}],
    },
    "conditions": {
        "title": "Conditions", "primary_key": ["slug"],
        "columns": [
            Column("slug", "string", "Stable id of the condition (its address on the site).", required=True),
            Column("name", "string", "Name of the condition.", required=True),
            Column("other_names", "string", _help(Condition, "other_names", "") + LIST_NOTE, is_list=True),
            Column("category", "string", "Category.", _values(Condition.Category.choices), required=True),
            Column("summary", "string", _help(Condition, "summary", ""), required=True),
            Column("last_reviewed", "date", _help(Condition, "last_reviewed", "")),
        ],
        "foreign_keys": [],
    },
    "formats": {
        "title": "Formats", "primary_key": ["slug"],
        "columns": [
            Column("slug", "string", "Stable id of the format.", required=True),
            Column("name", "string", "Name of the format.", required=True),
            Column("description", "string", "What the format means.", required=True),
            Column("position", "integer", _help(Format, "position", ""), required=True),
        ],
        "foreign_keys": [],
    },
    "sources": {
        "title": "Sources", "primary_key": ["key"],
        "columns": [
            Column("key", "string", _help(Source, "key", ""), required=True),
            Column("short_name", "string", _help(Source, "short_name", ""), required=True),
            Column("authors", "string", _help(Source, "authors", "")),
            Column("title", "string", _help(Source, "title", ""), required=True),
            Column("publisher", "string", _help(Source, "publisher", ""), required=True),
            Column("year", "integer", _help(Source, "year", "")),
            Column("kind", "string", "Kind of document.", _values(Source.Kind.choices), required=True),
            Column("code", "string", _help(Source, "code", "")),
            Column("url", "string", _help(Source, "url", "")),
            Column("doi", "string", _help(Source, "doi", "")),
        ],
        "foreign_keys": [],
    },
    "evidence": {
        "title": "Evidence links", "primary_key": ["approach", "condition", "population"],
        "columns": [
            Column("approach", "string", "The approach (approaches.slug).", required=True),
            Column("condition", "string", "The condition (conditions.slug).", required=True),
            Column("population", "string", "Whom the research was about.", _values(Population.choices), required=True),
            Column("level", "string", _help(EvidenceLink, "level", ""), _values(Level.choices), required=True),
            Column("finding", "string", _help(EvidenceLink, "finding", ""), required=True),
            Column("formats", "string", _help(EvidenceLink, "formats", "") + LIST_NOTE, is_list=True),
            Column("last_reviewed", "date", "When a curator last checked this link."),
        ],
        "foreign_keys": [
            {"fields": ["approach"], "reference": {"resource": "approaches", "fields": ["slug"]}},
            {"fields": ["condition"], "reference": {"resource": "conditions", "fields": ["slug"]}},
        ],
    },
    "ratings": {
        "title": "Source ratings", "primary_key": ["approach", "condition", "population", "source"],
        "columns": [
            Column("approach", "string", "The approach (approaches.slug).", required=True),
            Column("condition", "string", "The condition (conditions.slug).", required=True),
            Column("population", "string", "The link's population.", _values(Population.choices), required=True),
            Column("source", "string", "The source (sources.key).", required=True),
            Column("source_population", "string", "Whom this source's research was about, when that differs from "
                   "the link's population; blank: the same.", _values(Population.choices)),
            Column("level", "string", _help(SourceRating, "level", ""), _values(Level.choices), required=True),
            Column("finding", "string", _help(SourceRating, "finding", ""), required=True),
        ],
        "foreign_keys": [
            {"fields": ["approach", "condition", "population"],
             "reference": {"resource": "evidence", "fields": ["approach", "condition", "population"]}},
            {"fields": ["source"], "reference": {"resource": "sources", "fields": ["key"]}},
        ],
    },
}


def table_rows(catalog: dict[str, list[dict]]) -> dict[str, list[list[Any]]]:
    """Rows of each table from a published catalog export (catalog_export(published_only=True)), in its order.
    A parent that is not published is left out, so every reference resolves within the release."""
    published = {record["slug"] for record in catalog["approaches"]}
    records = {
        "approaches": [record | {"parent": record["parent"] if record["parent"] in published else None}
                       for record in catalog["approaches"]],
        "conditions": catalog["conditions"], "formats": catalog["formats"], "sources": catalog["sources"],
        "evidence": catalog["evidence"],
        "ratings": [
            {"approach": link["approach"], "condition": link["condition"], "population": link["population"],
             "source_population": rating.get("population", "")}
            | {name: value for name, value in rating.items() if name != "population"}  # the rating's own: above
            for link in catalog["evidence"] for rating in link["ratings"]
        ],
    }
    return {name: [[record[column.name] for column in table["columns"]] for record in records[name]]
            for name, table in TABLES.items()}


def table_header(name: str) -> list[str]:
    return [column.name for column in TABLES[name]["columns"]]
