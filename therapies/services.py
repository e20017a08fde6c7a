"""Writes that span several models: importing and exporting the catalog (format: docs/catalog.md)."""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from therapies.models import (
    Approach,
    CatalogImport,
    Condition,
    EvidenceLink,
    Format,
    Level,
    Source,
    SourceRating,
    Status,
)

SECTIONS = ("formats", "sources", "conditions", "approaches", "evidence")

# Field name -> JSON types accepted, per record type, in export order. `None` in a tuple allows null.
STR, INT, LIST, NULLABLE_INT, NULLABLE_STR = (str,), (int,), (list,), (int, type(None)), (str, type(None))
RECORD_FIELDS: dict[str, dict[str, tuple]] = {
    "formats": {"slug": STR, "name": STR, "description": STR, "position": INT},
    "sources": {
        "key": STR, "short_name": STR, "title": STR, "publisher": STR, "year": NULLABLE_INT,
        "kind": STR, "url": STR, "doi": STR,
    },
    "conditions": {
        "slug": STR, "name": STR, "other_names": LIST, "category": STR, "summary": STR,
        "status": STR, "last_reviewed": NULLABLE_STR,
    },
    "approaches": {
        "slug": STR, "name": STR, "abbreviation": STR, "other_names": LIST, "family": STR,
        "parent": NULLABLE_STR, "summary": STR, "session_description": STR,
        "sessions_min": NULLABLE_INT, "sessions_max": NULLABLE_INT,
        "session_minutes_min": NULLABLE_INT, "session_minutes_max": NULLABLE_INT,
        "formats": LIST, "age_groups": LIST, "status": STR, "last_reviewed": NULLABLE_STR,
    },
    "evidence": {
        "approach": STR, "condition": STR, "population": STR, "level": STR, "finding": STR,
        "formats": LIST, "status": STR, "last_reviewed": NULLABLE_STR, "ratings": LIST,
    },
}
RATING_FIELDS = {"source": STR, "level": STR, "finding": STR}
REQUIRED = {
    "formats": {"slug", "name", "description"},
    "sources": {"key", "short_name", "title", "publisher", "kind"},
    "conditions": {"slug", "name", "category", "summary"},
    "approaches": {"slug", "name", "family", "summary", "session_description"},
    "evidence": {"approach", "condition", "level", "finding"},
}
AGE_ORDER = [value for value, _ in Approach.AgeGroup.choices]


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
        details = "; ".join(f"{name}: {_short(old)} → {_short(new)}" for name, (old, new) in self.fields.items())
        return f"{self.section}: {self.record} {self.kind}" + (f" ({details})" if details else "")


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    unchanged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    skipped: bool = False
    changes: list[CatalogChange] = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return "Catalog unchanged since the last import; nothing to do."
        parts = [
            f"{section}: {self.created[section]} created, {self.updated[section]} updated, "
            f"{self.unchanged[section]} unchanged"
            for section in SECTIONS
        ]
        return "; ".join(parts)


def catalog_read(*, path: Path) -> tuple[dict[str, Any], str]:
    """Read and parse a catalog file; returns the data and the file's sha256."""
    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogError([f"{label}: cannot read the file ({error.strerror})."]) from error
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CatalogError([f"{label}: the file is not UTF-8 text."]) from error
    except json.JSONDecodeError as error:
        raise CatalogError([f"{label}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."]) from error
    return data, hashlib.sha256(raw).hexdigest()


def catalog_import(
    *, data: Any, label: str = "catalog", sha256: str = "", dry_run: bool = False, user=None, reason: str = "",
    action: str = "imported",
) -> ImportResult:
    """Upsert a whole catalog in one transaction: every record is applied, or none (CatalogError).

    The admin upload and `import_catalog` both come here. `result.changes` lists what was (or, on a dry
    run, would be) created, changed and removed; each change to an approach, condition or evidence link
    is written to its history, by `user` (None: the command line) with `reason`.
    """
    from therapies.curation import history_record_import  # curation builds on this module

    importer = _Importer(label)
    try:
        with transaction.atomic():
            before = catalog_export()
            importer.run(data)
            if importer.errors:
                raise CatalogError(importer.errors)
            importer.result.changes = catalog_changes(before=before, after=catalog_export())
            if not dry_run:
                history_record_import(
                    changes=importer.result.changes, user=user, reason=reason or f"Imported {label}.", action=action
                )
            if sha256:
                CatalogImport.objects.create(sha256=sha256, path=label)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except IntegrityError as error:  # a database rule the checks above did not foresee
        raise CatalogError([f"{label}: the database refused the catalog: {error}".strip()]) from error
    return importer.result


def catalog_import_is_current(*, sha256: str) -> bool:
    """True when the last import was of exactly this file content."""
    last = CatalogImport.objects.order_by("-imported_at", "-pk").first()
    return last is not None and last.sha256 == sha256


def catalog_export(*, published_only: bool = False) -> dict[str, list[dict[str, Any]]]:
    """The whole catalog as plain data, sorted so that the same database always gives the same output."""
    approaches = Approach.objects.prefetch_related("formats").select_related("parent").order_by("slug")
    conditions = Condition.objects.order_by("slug")
    links = (
        EvidenceLink.objects.select_related("approach", "condition")
        .prefetch_related("formats")
        .with_ratings()
        .order_by("approach__slug", "condition__slug", "population")
    )
    if published_only:
        approaches, conditions, links = approaches.published(), conditions.published(), links.published()
    sources = Source.objects.order_by("key")
    if published_only:
        sources = sources.filter(ratings__link__in=links).distinct()
    return {
        "formats": [format_record(f) for f in Format.objects.order_by("position", "slug")],
        "sources": [source_record(s) for s in sources],
        "conditions": [condition_record(c) for c in conditions],
        "approaches": [approach_record(a) for a in approaches],
        "evidence": [link_record(link) for link in links],
    }


# One record in the catalog format. History snapshots use the same shapes, so a version can be restored
# by importing it. Each expects the prefetches catalog_export sets up.
def format_record(f: Format) -> dict[str, Any]:
    return {"slug": f.slug, "name": f.name, "description": f.description, "position": f.position}


def source_record(s: Source) -> dict[str, Any]:
    return {
        "key": s.key, "short_name": s.short_name, "title": s.title, "publisher": s.publisher,
        "year": s.year, "kind": s.kind, "url": s.url, "doi": s.doi,
    }


def condition_record(c: Condition) -> dict[str, Any]:
    return {
        "slug": c.slug, "name": c.name, "other_names": list(c.other_names), "category": c.category,
        "summary": c.summary, "status": c.status, "last_reviewed": _date_out(c.last_reviewed),
    }


def approach_record(a: Approach) -> dict[str, Any]:
    return {
        "slug": a.slug, "name": a.name, "abbreviation": a.abbreviation, "other_names": list(a.other_names),
        "family": a.family, "parent": a.parent.slug if a.parent else None, "summary": a.summary,
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
        "ratings": [{"source": r.source.key, "level": r.level, "finding": r.finding} for r in link.ratings.all()],
    }


def catalog_changes(*, before: dict[str, list[dict]], after: dict[str, list[dict]]) -> list[CatalogChange]:
    """What differs between two catalog exports, record by record and field by field.

    A rating dropped from an evidence link is listed as removed on its own line, since the import file is
    the whole truth about a link's ratings.
    """
    changes = []
    for section in SECTIONS:
        old = {_Importer.identity(section, record): record for record in before.get(section, [])}
        new = {_Importer.identity(section, record): record for record in after.get(section, [])}
        for identity, record in new.items():
            label = _Importer.describe(section, record)
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
                changes.append(CatalogChange(section, identity, _Importer.describe(section, record), "removed"))
    return changes


def record_diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list]:
    """Field name -> [before, after] for each field that differs; a missing record counts as all None."""
    before, after = before or {}, after or {}
    return {
        name: [before.get(name), after.get(name)]
        for name in list(before) + [name for name in after if name not in before]
        if before.get(name) != after.get(name)
    }


def catalog_csv_zip(*, published_only: bool = False) -> bytes:
    """The catalog as a zip of CSV files, one per record type; list fields are joined with "|"."""
    data = catalog_export(published_only=published_only)
    rows = {section: [dict(record) for record in data[section]] for section in SECTIONS}
    rows["ratings"] = []
    for record in rows["evidence"]:
        for rating in record.pop("ratings"):
            rows["ratings"].append(
                {"approach": record["approach"], "condition": record["condition"], "population": record["population"]}
                | rating
            )
    headers = {section: list(RECORD_FIELDS[section]) for section in SECTIONS}
    headers["evidence"].remove("ratings")
    headers["ratings"] = ["approach", "condition", "population", *RATING_FIELDS]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for section, records in rows.items():
            text = io.StringIO()
            writer = csv.DictWriter(text, fieldnames=headers[section], lineterminator="\n")
            writer.writeheader()
            for record in records:
                writer.writerow({k: "|".join(v) if isinstance(v, list) else v for k, v in record.items()})
            archive.writestr(f"{section}.csv", text.getvalue())
    return buffer.getvalue()


def catalog_dumps(data: dict[str, Any]) -> str:
    """The catalog file's exact text: two-space indent, UTF-8, one trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class _DryRun(Exception):
    pass


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character anywhere: Postgres text cannot store one."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


def _short(value: Any, limit: int = 80) -> str:
    text = "—" if value is None else json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _date_out(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def _format_slugs(formats) -> list[str]:
    return [f.slug for f in sorted(formats, key=lambda f: (f.position, f.slug))]


class _Importer:
    """Validates and applies one catalog; collects every error instead of stopping at the first."""

    def __init__(self, label: str):
        self.label = label
        self.errors: list[str] = []
        self.result = ImportResult()

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.label}: {where}: {message}")

    def run(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.errors.append(f"{self.label}: the top level must be an object with keys {', '.join(SECTIONS)}.")
            return
        for key in data:
            if key not in SECTIONS:
                self.errors.append(f"{self.label}: unknown top-level key {key!r} (expected {', '.join(SECTIONS)}).")
        sections = {}
        for section in SECTIONS:
            records = data.get(section, [])
            if not isinstance(records, list):
                self.errors.append(f"{self.label}: {section!r} must be a list.")
                records = []
            sections[section] = self.checked_records(section, records)
        if self.errors:
            return  # the records are malformed; applying them would only add noise
        self.apply_formats(sections["formats"])
        self.apply_sources(sections["sources"])
        self.apply_conditions(sections["conditions"])
        self.apply_approaches(sections["approaches"])
        self.apply_evidence(sections["evidence"])

    def checked_records(self, section: str, records: list) -> list[tuple[str, dict]]:
        """Shape checks: objects, known fields of the right JSON type, required fields, unique keys."""
        fields, checked, seen = RECORD_FIELDS[section], [], {}
        for index, record in enumerate(records):
            where = f"{section}[{index}]"
            if not isinstance(record, dict):
                self.error(where, "must be an object.")
                continue
            ok = True
            for name, value in record.items():
                if name not in fields:
                    self.error(where, f"unknown field {name!r}.")
                    ok = False
                elif not isinstance(value, fields[name]) or isinstance(value, bool):
                    expected = " or ".join("null" if t is type(None) else t.__name__ for t in fields[name])
                    self.error(f"{where}.{name}", f"must be {expected}, not {type(value).__name__}.")
                    ok = False
                elif fields[name] is LIST and not all(isinstance(item, (str, dict)) for item in value):
                    self.error(f"{where}.{name}", "must be a list of strings.")
                    ok = False
                elif _has_nul(value):
                    self.error(f"{where}.{name}", "contains a NUL character (\\u0000), which text cannot hold.")
                    ok = False
            for name in sorted(REQUIRED[section] - record.keys()):
                self.error(where, f"missing required field {name!r}.")
                ok = False
            if not ok:
                continue
            identity = self.identity(section, record)
            if identity in seen:
                self.error(where, f"duplicate {self.describe(section, record)} (also {seen[identity]}).")
                continue
            seen[identity] = where
            checked.append((where, record))
        return checked

    @staticmethod
    def identity(section: str, record: dict) -> tuple:
        if section == "sources":
            return (record["key"],)
        if section == "evidence":
            return (record["approach"], record["condition"], record.get("population", "all"))
        return (record["slug"],)

    @staticmethod
    def describe(section: str, record: dict) -> str:
        if section == "sources":
            return f"key {record['key']!r}"
        if section == "evidence":
            return f"link {record['approach']} × {record['condition']} × {record.get('population', 'all')}"
        return f"slug {record['slug']!r}"

    def save(self, section: str, where: str, instance, values: dict[str, Any], exclude_unique: bool = False) -> bool:
        """Set values on instance, validate with the model's own rules, save if anything changed."""
        is_new = instance.pk is None
        changed = is_new
        for name, value in values.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                changed = True
        try:
            instance.full_clean(exclude=["parent"] if section == "approaches" else None)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                target = where if name == "__all__" else f"{where}.{name}"
                for message in messages:
                    self.error(target, message)
            return False
        if changed:
            instance.save()
            bucket = self.result.created if is_new else self.result.updated
            bucket[section] += 1
        else:
            self.result.unchanged[section] += 1
        return changed

    def date(self, where: str, value: str | None) -> datetime.date | None:
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.error(f"{where}.last_reviewed", f"{value!r} is not a date (YYYY-MM-DD).")
            return None

    def choice(self, where: str, name: str, value: str, choices: type) -> bool:
        if value in choices.values:
            return True
        self.error(f"{where}.{name}", f"{value!r} is not one of {', '.join(choices.values)}.")
        return False

    def format_list(self, where: str, slugs: list) -> list[Format] | None:
        formats = {f.slug: f for f in Format.objects.all()}
        unknown = [slug for slug in slugs if slug not in formats]
        for slug in unknown:
            self.error(f"{where}.formats", f"unknown format {slug!r}.")
        return None if unknown else [formats[slug] for slug in slugs]

    def apply_formats(self, records: list[tuple[str, dict]]) -> None:
        existing = {f.slug: f for f in Format.objects.all()}
        for where, record in records:
            instance = existing.get(record["slug"]) or Format(slug=record["slug"])
            values = {k: record[k] for k in ("name", "description")} | {"position": record.get("position", 0)}
            self.save("formats", where, instance, values)

    def apply_sources(self, records: list[tuple[str, dict]]) -> None:
        existing = {s.key: s for s in Source.objects.all()}
        for where, record in records:
            if not self.choice(where, "kind", record["kind"], Source.Kind):
                continue
            instance = existing.get(record["key"]) or Source(key=record["key"])
            values = {k: record[k] for k in ("short_name", "title", "publisher", "kind")} | {
                "year": record.get("year"), "url": record.get("url", ""), "doi": record.get("doi", ""),
            }
            self.save("sources", where, instance, values)

    def apply_conditions(self, records: list[tuple[str, dict]]) -> None:
        existing = {c.slug: c for c in Condition.objects.all()}
        for where, record in records:
            status = record.get("status", Status.DRAFT)
            if not (
                self.choice(where, "category", record["category"], Condition.Category)
                and self.choice(where, "status", status, Status)
            ):
                continue
            instance = existing.get(record["slug"]) or Condition(slug=record["slug"])
            values = {k: record[k] for k in ("name", "category", "summary")} | {
                "other_names": record.get("other_names", []), "status": status,
                "last_reviewed": self.date(where, record.get("last_reviewed")),
            }
            self.save("conditions", where, instance, values)

    def apply_approaches(self, records: list[tuple[str, dict]]) -> None:
        existing = {a.slug: a for a in Approach.objects.prefetch_related("formats")}
        known_slugs = set(existing) | {record["slug"] for _, record in records}
        saved: list[tuple[str, dict, Approach]] = []
        for where, record in records:
            status = record.get("status", Status.DRAFT)
            ages = record.get("age_groups", [])
            valid = self.choice(where, "family", record["family"], Approach.Family) & self.choice(
                where, "status", status, Status
            )
            for age in ages:
                valid &= self.choice(where, "age_groups", age, Approach.AgeGroup)
            parent = record.get("parent")
            if parent is not None and parent not in known_slugs:
                self.error(f"{where}.parent", f"unknown approach {parent!r}.")
                valid = False
            if parent == record["slug"]:
                self.error(f"{where}.parent", "an approach cannot be its own parent.")
                valid = False
            formats = self.format_list(where, record.get("formats", []))
            if status == Status.PUBLISHED and not record.get("formats"):
                self.error(f"{where}.formats", "a published approach needs at least one format.")
                valid = False
            if not valid or formats is None:
                continue
            instance = existing.get(record["slug"]) or Approach(slug=record["slug"])
            values = {
                k: record.get(k, default)
                for k, default in (
                    ("name", ""), ("abbreviation", ""), ("other_names", []), ("family", ""), ("summary", ""),
                    ("session_description", ""), ("sessions_min", None), ("sessions_max", None),
                    ("session_minutes_min", None), ("session_minutes_max", None),
                )
            } | {"age_groups": ages, "status": status, "last_reviewed": self.date(where, record.get("last_reviewed"))}
            changed = self.save("approaches", where, instance, values)
            if instance.pk is None:
                continue
            if {f.slug for f in instance.formats.all()} != {f.slug for f in formats}:
                instance.formats.set(formats)
                if not changed:
                    self.result.unchanged["approaches"] -= 1
                    self.result.updated["approaches"] += 1
            saved.append((where, record, instance))
        # Parents second, so a record may name a parent that comes later in the file.
        by_slug = {a.slug: a for a in Approach.objects.all()}
        for where, record, instance in saved:
            parent = by_slug.get(record.get("parent")) if record.get("parent") else None
            if instance.parent_id != (parent.pk if parent else None):
                instance.parent = parent
                instance.save(update_fields=["parent", "updated_at"])
        self.check_parent_cycles(by_slug)

    def check_parent_cycles(self, by_slug: dict[str, Approach]) -> None:
        parent_of = {a.pk: a.parent_id for a in Approach.objects.all()}
        for approach in by_slug.values():
            seen, current = set(), approach.pk
            while current is not None:
                if current in seen:
                    self.errors.append(f"{self.label}: approaches: parent chain of {approach.slug!r} loops back on itself.")
                    break
                seen.add(current)
                current = parent_of.get(current)

    def apply_evidence(self, records: list[tuple[str, dict]]) -> None:
        approaches = {a.slug: a for a in Approach.objects.all()}
        conditions = {c.slug: c for c in Condition.objects.all()}
        sources = {s.key: s for s in Source.objects.all()}
        existing = {
            (link.approach_id, link.condition_id, link.population): link
            for link in EvidenceLink.objects.prefetch_related("formats", "ratings__source")
        }
        for where, record in records:
            approach = approaches.get(record["approach"])
            condition = conditions.get(record["condition"])
            valid = True
            if approach is None:
                self.error(where, f"unknown approach {record['approach']!r}.")
                valid = False
            if condition is None:
                self.error(where, f"unknown condition {record['condition']!r}.")
                valid = False
            population = record.get("population", EvidenceLink.Population.ALL)
            status = record.get("status", Status.DRAFT)
            valid &= self.choice(where, "population", population, EvidenceLink.Population)
            valid &= self.choice(where, "level", record["level"], Level)
            valid &= self.choice(where, "status", status, Status)
            ratings = self.checked_ratings(where, record.get("ratings", []), sources)
            if ratings is None:
                valid = False
            elif status == Status.PUBLISHED and not ratings:
                self.error(f"{where}.ratings", "a published link needs at least one source rating.")
                valid = False
            formats = self.format_list(where, record.get("formats", []))
            if not valid or formats is None:
                continue
            instance = existing.get((approach.pk, condition.pk, population)) or EvidenceLink(
                approach=approach, condition=condition, population=population
            )
            values = {
                "level": record["level"], "finding": record["finding"], "status": status,
                "last_reviewed": self.date(where, record.get("last_reviewed")),
            }
            changed = self.save("evidence", where, instance, values)
            if instance.pk is None:
                continue
            extra_change = self.apply_ratings(instance, ratings)
            if {f.slug for f in instance.formats.all()} != {f.slug for f in formats}:
                instance.formats.set(formats)
                extra_change = True
            if extra_change and not changed:
                self.result.unchanged["evidence"] -= 1
                self.result.updated["evidence"] += 1

    def checked_ratings(self, where: str, ratings: list, sources: dict[str, Source]) -> list[tuple] | None:
        checked, seen, ok = [], set(), True
        for index, rating in enumerate(ratings):
            at = f"{where}.ratings[{index}]"
            if not isinstance(rating, dict) or set(rating) - set(RATING_FIELDS) or set(RATING_FIELDS) - set(rating):
                self.error(at, "must be an object with exactly source, level and finding.")
                ok = False
                continue
            if not all(isinstance(value, str) for value in rating.values()):
                self.error(at, "source, level and finding must be strings.")
                ok = False
                continue
            source = sources.get(rating["source"])
            if source is None:
                self.error(at, f"unknown source {rating['source']!r}.")
                ok = False
            elif source.key in seen:
                self.error(at, f"source {source.key!r} is cited twice on this link.")
                ok = False
            ok &= self.choice(at, "level", rating["level"], Level)
            if len(rating["finding"]) > SourceRating._meta.get_field("finding").max_length:
                self.error(f"{at}.finding", "is longer than 400 characters.")
                ok = False
            if source is not None:
                seen.add(source.key)
                checked.append((source, rating["level"], rating["finding"]))
        return checked if ok else None

    @staticmethod
    def apply_ratings(link: EvidenceLink, ratings: list[tuple]) -> bool:
        """Make the link's ratings exactly those listed; True when anything changed."""
        current = {r.source_id: r for r in link.ratings.all()}
        wanted = {source.pk for source, _, _ in ratings}
        changed = False
        stale = [rating.pk for source_id, rating in current.items() if source_id not in wanted]
        if stale:
            SourceRating.objects.filter(pk__in=stale).delete()
            changed = True
        for source, level, finding in ratings:
            rating = current.get(source.pk)
            if rating is None:
                SourceRating.objects.create(link=link, source=source, level=level, finding=finding)
                changed = True
            elif (rating.level, rating.finding) != (level, finding):
                rating.level, rating.finding = level, finding
                rating.save(update_fields=["level", "finding"])
                changed = True
        return changed
