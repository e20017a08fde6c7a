"""The catalog out of the database: as plain data in the catalog format, and as a zip of CSV files."""
from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from django.db.models import Q

from therapies.catalog_io.records import (
    RECORD_FIELDS,
    SECTIONS,
    approach_record,
    caution_record,
    condition_record,
    format_record,
    link_record,
    source_record,
)
from therapies.models import Approach, Caution, Condition, EvidenceLink, Format, Source

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
    cautions = Caution.objects.select_related("approach", "condition", "source").order_by("key")
    sources = Source.objects.order_by("key")
    if published_only:
        cautions = cautions.exclude(approach__in=Approach.objects.exclude(status="published")).exclude(
            condition__in=Condition.objects.exclude(status="published"))
        sources = sources.filter(Q(ratings__link__in=links) | Q(cautions__in=cautions)).distinct()
    return {
        "formats": [format_record(f) for f in Format.objects.order_by("position", "slug")],
        "sources": [source_record(s) for s in sources],
        "conditions": [condition_record(c) for c in conditions],
        "approaches": [approach_record(a) for a in approaches],
        "evidence": [link_record(link) for link in links],
        "cautions": [caution_record(c) for c in cautions],
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
                | {("source_population" if name == "population" else name): value for name, value in rating.items()}
            )
    headers = {section: list(RECORD_FIELDS[section]) for section in SECTIONS}
    headers["evidence"].remove("ratings")
    headers["ratings"] = ["approach", "condition", "population", "source", "level", "finding", "source_population"]
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
