"""Migrations are reversible: with the real catalog loaded, the app migrates to zero and back, then loads again."""
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader


def test_every_migration_operation_is_reversible():
    """RunPython and RunSQL each need a reverse; Django's own operations are reversible already."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for (app, name), migration in loader.disk_migrations.items():
        if app != "therapies":
            continue
        for operation in migration.operations:
            assert operation.reversible, f"{app}.{name}: {operation.describe()} cannot be reversed"


@pytest.mark.django_db(transaction=True)
def test_migrate_to_zero_and_back_with_the_catalog_loaded():
    from therapies.models import Approach

    call_command("import_catalog", verbosity=0)
    assert Approach.objects.count() >= 40
    call_command("migrate", "therapies", "zero", verbosity=0)
    with connection.cursor() as cursor:
        assert "therapies_approach" not in connection.introspection.table_names(cursor)
    call_command("migrate", verbosity=0)
    assert Approach.objects.count() == 0
    call_command("import_catalog", verbosity=0, stdout=io.StringIO())
    assert Approach.objects.count() >= 40
    from django.contrib.auth.models import Group

    assert Group.objects.filter(name__in=["Editors", "Reviewers"]).count() == 2  # the roles data migration, again
