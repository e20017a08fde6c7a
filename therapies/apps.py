from django.apps import AppConfig


class TherapiesConfig(AppConfig):
    name = "therapies"
    verbose_name = "Therapy catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from therapies.cache import connect_signals

        connect_signals()  # catalog saves and deletes make cached pages unreachable
