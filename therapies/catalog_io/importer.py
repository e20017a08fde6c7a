"""Validating and applying a catalog to the database: every record is checked (shapes, choices, the models'
own rules) and every error collected; the caller's transaction makes it all or nothing."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

from therapies.catalog_io.records import (
    LIST,
    CatalogChange,
    RATING_FIELDS,
    RATING_REQUIRED,
    RECORD_FIELDS,
    REQUIRED,
    SECTIONS,
    record_identity,
    record_label,
)
from therapies.catalog_io.ratings import ratings_apply
from therapies.choices import Level, Status
from therapies.models import Approach, Caution, Condition, EvidenceLink, Format, Source, SourceRating

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


def _has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character anywhere: Postgres text cannot store one."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class CatalogImporter:
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
        self.apply_cautions(sections["cautions"])

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
                elif not isinstance(value, fields[name]) or (isinstance(value, bool) and bool not in fields[name]):
                    expected = " or ".join("null" if t is type(None) else t.__name__ for t in fields[name])
                    self.error(f"{where}.{name}", f"must be {expected}, not {type(value).__name__}.")
                    ok = False
                elif fields[name] is LIST and name != "ratings" and not all(isinstance(item, str) for item in value):
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
            identity = record_identity(section, record)
            if identity in seen:
                self.error(where, f"duplicate {record_label(section, record)} (also {seen[identity]}).")
                continue
            seen[identity] = where
            checked.append((where, record))
        return checked

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
                "authors": record.get("authors", ""), "code": record.get("code", ""),
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
                    ("differs_from_parent", ""),
                    ("session_description", ""), ("sessions_min", None), ("sessions_max", None),
                    ("session_minutes_min", None), ("session_minutes_max", None),
                )
            } | {"age_groups": ages, "status": status, "last_reviewed": self.date(where, record.get("last_reviewed")),
                 "is_umbrella": record.get("is_umbrella", False)}
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
            extra_change = ratings_apply(instance, ratings)
            if {f.slug for f in instance.formats.all()} != {f.slug for f in formats}:
                instance.formats.set(formats)
                extra_change = True
            if extra_change and not changed:
                self.result.unchanged["evidence"] -= 1
                self.result.updated["evidence"] += 1

    def apply_cautions(self, records: list[tuple[str, dict]]) -> None:
        approaches = {a.slug: a for a in Approach.objects.all()}
        conditions = {c.slug: c for c in Condition.objects.all()}
        sources = {s.key: s for s in Source.objects.all()}
        existing = {c.key: c for c in Caution.objects.all()}
        for where, record in records:
            approach, approach_error = _named(where, "approach", record.get("approach"), approaches)
            condition, condition_error = _named(where, "condition", record.get("condition"), conditions)
            source, source_error = _named(where, "source", record["source"], sources)
            errors = [error for error in (approach_error, condition_error, source_error) if error]
            if approach is None and condition is None and not errors:
                errors.append(f"{where}: a caution names an approach, a condition, or both.")
            if errors:
                self.errors.extend(f"{self.label}: {error}" for error in errors)
                continue
            instance = existing.get(record["key"]) or Caution(key=record["key"])
            values = {
                "text": record["text"], "source_id": source.pk,
                "approach_id": approach.pk if approach else None, "condition_id": condition.pk if condition else None,
            }
            self.save("cautions", where, instance, values)

    def checked_ratings(self, where: str, ratings: list, sources: dict[str, Source]) -> list[tuple] | None:
        checked, seen, ok = [], set(), True
        for index, rating in enumerate(ratings):
            at = f"{where}.ratings[{index}]"
            if not isinstance(rating, dict) or set(rating) - set(RATING_FIELDS) or RATING_REQUIRED - set(rating):
                self.error(at, "must be an object with source, level and finding (optionally population, is_about_umbrella).")
                ok = False
                continue
            about_umbrella = rating.get("is_about_umbrella", False)
            if not isinstance(about_umbrella, bool) or not all(
                isinstance(value, str) for name, value in rating.items() if name != "is_about_umbrella"
            ):
                self.error(at, "source, level, finding and population must be strings; is_about_umbrella true or false.")
                ok = False
                continue
            population = rating.get("population", "")
            if population:
                ok &= self.choice(at, "population", population, EvidenceLink.Population)
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
                checked.append((source, rating["level"], rating["finding"], population, about_umbrella))
        return checked if ok else None


def _named(where: str, field: str, slug: str | None, records: dict) -> tuple[Any, str | None]:
    """The record a caution names (or None when it names none), with an error message when it is unknown."""
    if slug is None:
        return None, None
    found = records.get(slug)
    return found, None if found is not None else f"{where}.{field}: unknown {field} {slug!r}."
