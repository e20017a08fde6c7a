"""Django's Postgres backend, pointed at the embedded server under EMBEDDED_PGDATA (started on demand)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base

from explorer.embedded_db import embedded_postgres_host


class DatabaseWrapper(base.DatabaseWrapper):
    """Finds (or starts) the embedded server when Django first sets up this connection, and again before each
    new connection, so one stopped under a running site is started again rather than leaving it down."""

    def __init__(self, settings_dict: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(settings_dict, *args, **kwargs)
        # Set now, so that tools reading settings_dict (pg_dump's environment, test helpers) see the socket.
        self.settings_dict["HOST"] = self._socket_dir()

    def get_connection_params(self) -> dict[str, Any]:
        self.settings_dict["HOST"] = self._socket_dir()
        return super().get_connection_params()

    @staticmethod
    def _socket_dir() -> str:
        data_dir = Path(settings.EMBEDDED_PGDATA)
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        return embedded_postgres_host(data_dir)
