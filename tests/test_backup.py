"""Backups: `make backup` dumps the whole database; `make restore FILE=...` loads it into an empty one."""
import hashlib
import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from therapies.models import Approach, ReaderReport
from tests import helpers
from tests.helpers import ROOT

RESTORED = "test_restored_backup"


def connect(name: str):
    settings = connection.settings_dict
    return psycopg2.connect(dbname=name, user=settings["USER"], password=settings.get("PASSWORD") or None,
                            host=settings.get("HOST") or None, port=settings.get("PORT") or None)


def row_counts(name: str) -> dict[str, int]:
    target = connect(name)
    try:
        with target.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
            tables = [row[0] for row in cursor.fetchall()]
            counts = {}
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
            return counts
    finally:
        target.close()


def drop(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def restored_database():
    drop(RESTORED)
    yield RESTORED
    drop(RESTORED)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_a_fresh_database_with_every_row_and_the_same_catalog(
    tmp_path: Path, restored_database: str, django_user_model
):
    call_command("import_catalog", verbosity=0)
    django_user_model.objects.create_user("curator", "curator@example.org", "a-long-test-password", is_staff=True)
    ReaderReport.objects.create(message="The session count looks too high.", email="reader@example.org",
                                approach=Approach.objects.first())
    dump = tmp_path / "backup.dump"
    call_command("backup_database", output=dump, stdout=io.StringIO())
    assert dump.stat().st_size > 10_000
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600  # password hashes, sessions and readers' emails

    call_command("restore_database", str(dump), database_name=restored_database, stdout=io.StringIO())

    original = row_counts(connection.settings_dict["NAME"])
    assert original["therapies_approach"] >= 40 and original["auth_user"] == 1
    assert row_counts(restored_database) == original
    export = io.StringIO()
    call_command("export_catalog", stdout=export)
    restored_url = helpers.test_database_url().rsplit("/", 1)[0] + "/" + restored_database
    restored_export = subprocess.run(
        [sys.executable, "manage.py", "export_catalog"], cwd=ROOT, check=True, capture_output=True,
        env={**os.environ, "DATABASE_URL": restored_url},
    ).stdout
    assert hashlib.sha256(restored_export).hexdigest() == hashlib.sha256(export.getvalue().encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_already_has_tables(tmp_path: Path):
    dump = tmp_path / "backup.dump"
    call_command("backup_database", output=dump, stdout=io.StringIO())
    with pytest.raises(CommandError, match="restore only into an empty database"):
        call_command("restore_database", str(dump))  # the test database itself: full of tables


def test_backup_writes_a_timestamped_file_under_var_backups(monkeypatch, tmp_path: Path, settings):
    """Without --output the dump lands in var/backups/<database>-<UTC time>.dump."""
    written = []
    monkeypatch.setattr("therapies.management.commands.backup_database.run",
                        lambda command, env: written.append(command) or Path(command[-1].split("=", 1)[1]).touch())
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("backup_database", stdout=out)
    [dump] = (tmp_path / "var" / "backups").iterdir()
    assert dump.name.startswith(connection.settings_dict["NAME"] + "-") and dump.name.endswith("Z.dump")
    assert stat.S_IMODE(dump.stat().st_mode) == 0o600
    assert stat.S_IMODE(dump.parent.stat().st_mode) == 0o700
    assert "pg_dump" in written[0][0] and "--format=custom" in written[0]


def test_make_has_backup_and_restore_targets():
    backup = subprocess.run(["make", "-n", "backup"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "manage.py backup_database" in backup
    restore = subprocess.run(["make", "-n", "restore", "FILE=x.dump"], cwd=ROOT, capture_output=True, text=True)
    assert 'manage.py restore_database "x.dump"' in restore.stdout
    missing = subprocess.run(["make", "-s", "restore"], cwd=ROOT, capture_output=True, text=True)
    assert missing.returncode != 0 and "Usage: make restore FILE=" in missing.stdout


@pytest.mark.django_db(transaction=True)
def test_a_failed_restore_leaves_no_database_behind(tmp_path: Path, restored_database: str):
    broken = tmp_path / "broken.dump"
    broken.write_bytes(b"PGDMP" + b"\x00" * 64)  # a dump's signature, and nothing a restore can read
    with pytest.raises(CommandError, match="pg_restore failed"):
        call_command("restore_database", str(broken), database_name=restored_database, stdout=io.StringIO())
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored_database])
        assert cursor.fetchone() is None
