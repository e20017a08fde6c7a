"""Write a complete dump of the database to var/backups/ (or --output), named with the time (`make backup`)."""
from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from explorer.backup import libpq_environment, pg_tool, run


class Command(BaseCommand):
    help = "Dump the whole database (pg_dump, custom format) to var/backups/<name>-<UTC time>.dump."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--output", type=Path, help="File to write instead of var/backups/<name>-<time>.dump.")

    def handle(self, *args, output: Path | None, **options) -> None:
        name = connection.settings_dict["NAME"]
        if output is None:
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            output = Path(settings.BASE_DIR) / "var" / "backups" / f"{name}-{stamp}.dump"
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")  # never leave a truncated file under the real name
        # Custom format: compressed, and pg_restore can load it into any empty database. Without owners
        # and grants, so the restoring user owns what it restores.
        run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
            libpq_environment())
        partial.replace(output)
        self.stdout.write(f"Wrote {output} ({output.stat().st_size:,} bytes).")
