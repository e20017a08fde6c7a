"""Write a complete dump of the database to var/backups/ (or --output), named with the time (`make backup`)."""
from __future__ import annotations

import datetime
import os
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
        if not output.parent.exists():
            output.parent.mkdir(mode=0o700, parents=True)
        partial = output.with_name(output.name + ".partial")  # never leave a truncated file under the real name
        # Readable by the owner alone, from its first byte: a dump holds password hashes, sessions and
        # readers' emails. pg_dump writes into the file as created here, keeping its mode.
        partial.unlink(missing_ok=True)
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        # Custom format: compressed, and pg_restore can load it into any empty database. Without owners
        # and grants, so the restoring user owns what it restores.
        try:
            run([pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"],
                libpq_environment())
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.chmod(partial, 0o600)
        partial.replace(output)
        self.stdout.write(f"Wrote {output} ({output.stat().st_size:,} bytes).")
