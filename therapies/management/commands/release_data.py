"""manage.py release_data: write an open-data release of the published catalog (therapies/catalog_io/release.py)."""
from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from therapies.catalog_io.release import ReleaseError, release_write, releases


class Command(BaseCommand):
    help = "Write an immutable, versioned open-data release of the published catalog under DATA_RELEASES_DIR."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--release", dest="release_version",
                            help="Release version (default: today, 2026.11.30; .2, .3... when taken).")
        parser.add_argument("--directory", help="Where releases live (default: the DATA_RELEASES_DIR setting).")
        parser.add_argument("--force", action="store_true", help="Write a release even when nothing changed.")

    def handle(self, *args, release_version: str | None = None, directory: str | None = None,
               force: bool = False, **options) -> None:
        root = Path(directory) if directory else Path(settings.DATA_RELEASES_DIR)
        version = release_version or next_version(releases(root))
        try:
            version, written = release_write(directory=root, version=version, force=force)
        except ReleaseError as error:
            raise CommandError(str(error)) from error
        if written:
            self.stdout.write(f"Wrote release {version} to {root / version}.")
        else:
            self.stdout.write(f"The published catalog is unchanged since release {version}; nothing written.")


def next_version(existing: list[str]) -> str:
    today = datetime.datetime.now(datetime.UTC).strftime("%Y.%m.%d")
    if today not in existing:
        return today
    number = 2
    while f"{today}.{number}" in existing:
        number += 1
    return f"{today}.{number}"
