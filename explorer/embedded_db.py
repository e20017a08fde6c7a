"""The embedded Postgres used when DATABASE_URL is not set.

`pgserver` ships Postgres binaries inside a Python package. The server keeps its data under
`var/pgdata` and, started with `cleanup_mode=None`, outlives the process that started it, so runserver,
its reloader, test processes and a management command run while the site is up all share one server.
pgserver serialises start-up with an inter-process lock, so concurrent first calls are safe.
Stop it with `make stop-db`.
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse


def ensure_runtime_dir() -> None:
    """pgserver warns and falls back to a shared folder where XDG_RUNTIME_DIR is unset. Give it a short
    private one (before pgserver is imported: it reads the variable then); the socket may live there
    when the data folder's path is too long for a unix socket."""
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = Path(f"/tmp/therapy-explorer-{os.getuid()}")
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def embedded_postgres_host(data_dir: Path) -> str:
    """Start (or find) the embedded server and return its unix-socket directory."""
    ensure_runtime_dir()
    import pgserver  # imported late: only the embedded path needs it

    server = pgserver.get_server(data_dir, cleanup_mode=None)
    query = parse_qs(urlparse(server.get_uri()).query)
    return query["host"][0]


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    ensure_runtime_dir()
    from pgserver._commands import pg_ctl
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir) if data_dir.exists() else None
    if info is None or not info.is_running():
        return False
    user = "pgserver" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=data_dir, user=user)
    return True
