"""Importing a catalog as a recorded change: all or nothing, with a history entry for every record it
creates or changes (the admin upload, `import_catalog`, restores and `check_catalog --file` come here)."""
from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from therapies.catalog_io.export import catalog_export
from therapies.catalog_io.importer import CatalogImporter, ImportResult
from therapies.catalog_io.records import CatalogError, catalog_changes
from therapies.curation.history import history_record_import
from therapies.db import rolled_back
from therapies.models import CatalogImport


def catalog_import(
    *, data: Any, label: str = "catalog", sha256: str = "", dry_run: bool = False, user=None, reason: str = "",
    action: str = "imported",
) -> ImportResult:
    """Upsert a whole catalog in one transaction: every record is applied, or none (CatalogError).

    The admin upload and `import_catalog` both come here. `result.changes` lists what was (or, on a dry
    run, would be) created, changed and removed; each change to an approach, condition or evidence link
    is written to its history, by `user` (None: the command line) with `reason`.
    """
    importer = CatalogImporter(label)
    try:
        with rolled_back() if dry_run else transaction.atomic():
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
    except IntegrityError as error:  # a database rule the checks above did not foresee
        raise CatalogError([f"{label}: the database refused the catalog: {error}".strip()]) from error
    return importer.result


def catalog_import_is_current(*, sha256: str) -> bool:
    """True when the last import was of exactly this file content."""
    last = CatalogImport.objects.order_by("-imported_at", "-pk").first()
    return last is not None and last.sha256 == sha256
