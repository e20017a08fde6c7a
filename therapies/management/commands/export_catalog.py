"""Write the catalog from the database in the import format, sorted and stable."""
from pathlib import Path

from django.core.management.base import BaseCommand

from therapies.catalog_io.export import catalog_export
from therapies.catalog_io.files import catalog_dumps


class Command(BaseCommand):
    help = "Export the catalog as JSON (stdout by default). export -> import -> export is byte-identical."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", "-o", help="Write to this file instead of stdout.")
        parser.add_argument("--published-only", action="store_true", help="Only what the public site shows.")

    def handle(self, *args, output: str | None, published_only: bool, **options) -> None:
        text = catalog_dumps(catalog_export(published_only=published_only))
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")
