"""Open-data releases: the published catalog written once, immutably, under DATA_RELEASES_DIR/<version>/ as
CSV tables, the JSON catalog, a Frictionless Data Package (v2) descriptor, a README with the licence and a
CHANGELOG since the previous release. The same catalog always gives the same bytes (no clock inside)."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from therapies.catalog_io.export import catalog_export
from therapies.catalog_io.files import catalog_dumps
from therapies.catalog_io.records import catalog_changes
from therapies.catalog_io.tables import TABLES, csv_bytes, table_header, table_rows
from therapies.choices import DATA_LICENCE

VERSION_PATTERN = re.compile(r"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}(\.[0-9]{1,3})?$")  # 2026.11.30, 2026.11.30.2
CATALOG_FILE = "catalog.json"
DESCRIPTOR = "datapackage.json"
PACKAGE_NAME = "therapy-explorer"
TITLE = "Therapy Explorer: psychotherapy approaches and the evidence for them"


class ReleaseError(Exception):
    pass


def published_catalog() -> dict[str, list[dict]]:
    """The published catalog in the catalog format, without the status fields (everything in it is published)."""
    data = catalog_export(published_only=True)
    return {section: [{k: v for k, v in record.items() if k != "status"} for record in records]
            for section, records in data.items()}


def releases(directory: Path) -> list[str]:
    """The release versions in this directory, oldest first."""
    if not directory.is_dir():
        return []
    found = [entry.name for entry in directory.iterdir() if entry.is_dir() and VERSION_PATTERN.match(entry.name)]
    return sorted(found, key=lambda version: [int(part) for part in version.split(".")])


def schema(name: str) -> dict[str, Any]:
    """The Table Schema of one table: typed fields with descriptions, allowed values, primary and foreign keys."""
    table = TABLES[name]
    fields = []
    for column in table["columns"]:
        field: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
        constraints: dict[str, Any] = {}
        if column.required:
            constraints["required"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    described: dict[str, Any] = {"fields": fields, "missingValues": [""], "primaryKey": table["primary_key"]}
    if table["foreign_keys"]:
        described["foreignKeys"] = table["foreign_keys"]
    return described


def descriptor(version: str, files: dict[str, bytes]) -> dict[str, Any]:
    """datapackage.json (Data Package v2): one tabular resource per CSV, and the JSON catalog."""
    resources = [
        {
            "name": name, "path": f"{name}.csv", "type": "table", "scheme": "file", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": TABLES[name]["title"],
            "hash": "sha256:" + hashlib.sha256(files[f"{name}.csv"]).hexdigest(),
            "bytes": len(files[f"{name}.csv"]), "schema": schema(name),
        }
        for name in TABLES
    ]
    resources.append({
        "name": "catalog-json", "type": "file", "path": CATALOG_FILE, "format": "json", "mediatype": "application/json",
        "encoding": "utf-8", "title": "The same records in the catalog format (docs/catalog.md)",
        "hash": "sha256:" + hashlib.sha256(files[CATALOG_FILE]).hexdigest(), "bytes": len(files[CATALOG_FILE]),
    })
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": PACKAGE_NAME, "title": TITLE, "version": version,
        "description": "Talking-therapy approaches, the conditions they are studied for, and the evidence links "
                       "between them with every source's own rating: the published catalog of Therapy Explorer.",
        "licenses": [DATA_LICENCE],
        "keywords": ["psychotherapy", "evidence", "mental health", "guidelines"],
        "resources": resources,
    }


def readme(version: str, catalog: dict[str, list]) -> str:
    counts = ", ".join(f"{len(catalog[section])} {section}" for section in ("approaches", "conditions", "evidence", "sources"))
    tables = "\n".join(f"- `{name}.csv`: {TABLES[name]['title'].lower()}; columns: {', '.join(table_header(name))}."
                       for name in TABLES)
    return f"""# {TITLE}

Release {version}: {counts}.

{tables}
- `{CATALOG_FILE}`: the same records in the catalog format.
- `{DESCRIPTOR}`: a Frictionless Data Package (v2) describing every table: types, allowed values, keys.
- `CHANGELOG.md`: what changed since the previous release.

CSV files are UTF-8 (no byte-order mark), comma-separated, with a header row; dates are ISO 8601
(YYYY-MM-DD); several values in one cell are joined with "; "; an empty cell is a missing value. Text that a
spreadsheet would read as a formula (starting with =, +, -, @) starts with an apostrophe.

An evidence level is the curators' synthesis of the sources that rate the link (ratings.csv holds each
source's own rating). "Insufficient" means not yet shown, not shown not to work. This is information, not
medical advice.

## Licence

The data is licensed under the {DATA_LICENCE['title']} licence ({DATA_LICENCE['name']}):
{DATA_LICENCE['path']}. Credit "Therapy Explorer" with the release version and a link to the site.
The descriptions are our own words; each source keeps its own copyright.
"""


def changelog(version: str, previous: str | None, before: dict | None, after: dict) -> str:
    """What changed since the previous release, record by record."""
    if previous is None or before is None:
        return f"# Changes in {version}\n\nThe first release.\n"
    changes = catalog_changes(before=before, after=after)
    lines = [f"- {change}" for change in changes] or ["- No changes to the records."]
    return f"# Changes in {version} since {previous}\n\n" + "\n".join(lines) + "\n"


def release_files(version: str, catalog: dict, previous: str | None, before: dict | None) -> dict[str, bytes]:
    rows = table_rows(catalog)
    files = {f"{name}.csv": csv_bytes(table_header(name), rows[name]) for name in TABLES}
    files[CATALOG_FILE] = catalog_dumps(catalog).encode("utf-8")
    files[DESCRIPTOR] = (json.dumps(descriptor(version, files), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files["README.md"] = readme(version, catalog).encode("utf-8")
    files["CHANGELOG.md"] = changelog(version, previous, before, catalog).encode("utf-8")
    return files


def release_write(*, directory: Path, version: str, force: bool = False) -> tuple[str, bool]:
    """Write the published catalog as release `version` under `directory`; (version, written). Unless `force`,
    nothing is written when the catalog equals the latest release's. A release, once written, is never
    changed: an existing version is refused. Written to a temporary directory first, then renamed into
    place, so a release is there whole or not at all."""
    if not VERSION_PATTERN.match(version):
        raise ReleaseError(f"A release version looks like 2026.11.30 (or 2026.11.30.2), not {version!r}.")
    existing = releases(directory)
    if version in existing:
        raise ReleaseError(f"Release {version} already exists; releases are immutable.")
    catalog = published_catalog()
    previous = existing[-1] if existing else None
    before = json.loads((directory / previous / CATALOG_FILE).read_text("utf-8")) if previous else None
    if before == catalog and not force:
        return previous, False
    directory.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{version}-", dir=directory))
    try:
        for name, content in release_files(version, catalog, previous, before).items():
            (staging / name).write_bytes(content)
            os.chmod(staging / name, 0o444)
        os.chmod(staging, 0o755)
        staging.rename(directory / version)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return version, True
