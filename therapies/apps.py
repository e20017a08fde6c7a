from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class TherapiesConfig(AppConfig):
    name = "therapies"
    verbose_name = "Therapy catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, not at the top: Django loads this module before any model (the app registry's rule).
        from therapies.cache import connect_signals

        connect_signals()  # catalog saves and deletes make cached pages unreachable
        # WhiteNoise warns at every start while the static folder is missing (collectstatic fills it).
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
