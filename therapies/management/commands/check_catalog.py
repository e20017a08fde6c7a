"""Check the catalog's content rules, in the database or in a catalog file; non-zero exit on errors."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from therapies.checks import catalog_problems
from therapies.catalog_io.files import catalog_read
from therapies.catalog_io.records import CatalogError
from therapies.curation.imports import catalog_import
from therapies.db import rolled_back


class Command(BaseCommand):
    help = "Validate the catalog (the database, or --file PATH). Errors exit non-zero; old reviews warn."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", help="Check this catalog file instead (loaded in a transaction, rolled back).")

    def handle(self, *args, file: str | None, **options) -> None:
        if file:
            problems = self.check_file(Path(file))
        else:
            problems = catalog_problems()
        errors = [p for p in problems if p.severity == "error"]
        for problem in problems:
            (self.stderr if problem.severity == "error" else self.stdout).write(str(problem))
        if errors:
            raise CommandError(f"check_catalog: {len(errors)} error(s), {len(problems) - len(errors)} warning(s).")
        self.stdout.write(f"check_catalog: no errors, {len(problems)} warning(s).")

    def check_file(self, path: Path) -> list:
        try:
            data, _ = catalog_read(path=path)
            with rolled_back():
                catalog_import(data=data, label=path.name)
                return catalog_problems()
        except CatalogError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(f"check_catalog: {path.name} cannot be loaded ({len(error.errors)} error(s)).") from error
