"""System checks for the production path: `manage.py check --deploy`, which scripts/docker-entrypoint runs
before it starts gunicorn."""
from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def static_files_collected(app_configs, **kwargs) -> list[Error]:
    """With DEBUG off, WhiteNoise serves hashed files listed in STATIC_ROOT/staticfiles.json: without
    collectstatic every page fails to render its stylesheet link, so the entrypoint refuses to start instead."""
    if settings.DEBUG:
        return []
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.is_file():
        return []
    return [Error(
        f"Static files are not collected: {manifest} is missing.",
        hint="Run `python manage.py collectstatic --noinput` (with the same STATIC_ROOT) before starting the site.",
        id="explorer.E001",
    )]
