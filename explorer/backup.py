"""Database backups with Postgres's own tools: pg_dump writes a complete dump, pg_restore loads it.

The tools come from the pgserver package (Postgres 16, always installed) so they are at least as new as
the server, which pg_dump requires; PG_BIN_DIR or PATH are used when pgserver's are missing.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

from django.core.management.base import CommandError
from django.db import connections


def pg_tool(name: str) -> str:
    """Path to a Postgres client program (pg_dump, pg_restore)."""
    candidates = []
    if os.environ.get("PG_BIN_DIR"):
        candidates.append(Path(os.environ["PG_BIN_DIR"]) / name)
    spec = importlib.util.find_spec("pgserver")  # located, not imported: importing it starts nothing but warns
    if spec and spec.origin:
        candidates.append(Path(spec.origin).parent / "pginstall" / "bin" / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    if not found:
        raise CommandError(f"{name} not found: install the Postgres client tools or set PG_BIN_DIR.")
    return found


def libpq_environment(alias: str = "default", database: str | None = None) -> dict[str, str]:
    """The environment that points libpq programs at a configured database (passwords never on argv)."""
    settings = connections[alias].settings_dict
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", settings.get("HOST")), ("PGPORT", settings.get("PORT")), ("PGUSER", settings.get("USER")),
        ("PGPASSWORD", settings.get("PASSWORD")), ("PGDATABASE", database or settings["NAME"]),
    ):
        if value:
            env[variable] = str(value)
        else:
            env.pop(variable, None)
    return env


def run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise CommandError(f"{Path(command[0]).name} failed:\n{result.stderr.strip()}")
