"""Load a catalog file into the database: upsert by slug/key, all or nothing."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from therapies.catalog_io.files import catalog_read
from therapies.catalog_io.records import CatalogError
from therapies.curation.imports import catalog_import, catalog_import_is_current


class Command(BaseCommand):
    help = "Import a catalog JSON file (default: the repository's curated catalog). Any error: nothing changes."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", nargs="?", default=str(settings.CATALOG_PATH))
        parser.add_argument(
            "--if-changed", action="store_true", help="Skip the import when this exact file was the last one imported."
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate and count, then roll back.")

    def handle(self, *args, path: str, if_changed: bool, dry_run: bool, **options) -> None:
        try:
            data, sha256 = catalog_read(path=Path(path))
            if if_changed and catalog_import_is_current(sha256=sha256):
                self.stdout.write("Catalog unchanged since the last import; nothing to do.")
                return
            result = catalog_import(data=data, label=Path(path).name, sha256=sha256, dry_run=dry_run)
        except CatalogError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(f"Import failed with {len(error.errors)} error(s); nothing was changed.") from error
        prefix = "Dry run (nothing saved): " if dry_run else "Imported: "
        self.stdout.write(prefix + result.summary())
        if dry_run:  # the same created/changed/removed list the admin upload shows
            for change in result.changes:
                self.stdout.write(f"  {change}")
