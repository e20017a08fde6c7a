from django.apps import AppConfig

from explorer import checks  # noqa: F401  (importing it registers the project's system checks)


class ExplorerConfig(AppConfig):
    """The project's own system checks (explorer/checks.py)."""

    name = "explorer"
    verbose_name = "Therapy Explorer project"
