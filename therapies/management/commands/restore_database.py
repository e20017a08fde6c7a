"""Restore a dump made by backup_database into an empty database (`make restore FILE=...`)."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from explorer.backup import libpq_environment, pg_tool, run


class Command(BaseCommand):
    help = "Restore a backup_database dump into the configured database (or --database-name), which must be empty."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="A .dump file written by backup_database.")
        parser.add_argument("--database-name", help="Restore into this database instead of the configured one.")

    def handle(self, *args, file: Path, database_name: str | None, **options) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        name = database_name or connection.settings_dict["NAME"]
        created = self.create_if_missing(name)
        env = libpq_environment(database=name)
        if self.has_tables(name):
            raise CommandError(
                f"Database {name!r} already has tables; restore only into an empty database. Restore into a new "
                f"one (DATABASE_NAME=new-name make restore FILE=...) and switch to it, or drop this one first."
            )
        # One transaction: a restore that fails half-way leaves the database empty, not half-filled; and a
        # database this command created for it is dropped again, so nothing of the attempt is left behind.
        try:
            run([pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                 f"--dbname={name}", str(file)], env)
        except BaseException:
            if created:
                self.drop(name)
            raise
        self.stdout.write(f"Restored {file} into {name}.")

    @staticmethod
    def create_if_missing(name: str) -> bool:
        """Create the database unless it exists; True when it was created here."""
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
            return True

    @staticmethod
    def drop(name: str) -> None:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")

    @staticmethod
    def has_tables(name: str) -> bool:
        import psycopg2

        settings = connection.settings_dict
        target = psycopg2.connect(dbname=name, user=settings["USER"], password=settings.get("PASSWORD") or None,
                                  host=settings.get("HOST") or None, port=settings.get("PORT") or None)
        try:
            with target.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                return cursor.fetchone()[0] > 0
        finally:
            target.close()
