"""Create the configured database if it does not exist yet (used by `make run`)."""
from django.core.management.base import BaseCommand
from django.db import connection


class Command(BaseCommand):
    help = "Create the configured Postgres database when it is missing."

    def handle(self, *args, **options) -> None:
        name = connection.settings_dict["NAME"]
        # Django's maintenance connection reaches the server's 'postgres' database.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return
            cursor.execute(f"CREATE DATABASE {connection.ops.quote_name(name)}")
        self.stdout.write(f"Created database {name}.")
