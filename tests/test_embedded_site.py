"""The default path never wedges (issue 15): the site and its management commands on the embedded Postgres,
killed with INT, TERM and KILL at random moments, with Postgres stopped while requests are in flight;
afterwards every command, `make run` and a page load work with no repair, and no data is lost.

Each test has an embedded server of its own (EMBEDDED_PGDATA) in a folder directly under /tmp (see
tests/test_embedded_db.py for why not tmp_path). Everything is bounded: a fixed number of cycles, each
process killed within seconds.
"""
from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from explorer.embedded_db import running_server, stop_embedded_postgres
from tests.helpers import ROOT, collectstatic, free_port, production_env, wait_for

GUNICORN = [sys.executable, "-m", "gunicorn", "explorer.wsgi:application", "--config", "explorer/gunicorn.conf.py"]
COUNT = "from therapies.models import Approach; print(Approach.objects.count())"


@pytest.fixture
def pgdata() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="te-site-", dir="/tmp"))
    os.chmod(folder, 0o755)
    try:
        yield folder / "pgdata"
    finally:
        stop_embedded_postgres(folder / "pgdata")
        shutil.rmtree(folder, ignore_errors=True)


def site_env(tmp_path: Path, pgdata: Path, port: int = 0) -> dict[str, str]:
    """Production settings on the embedded Postgres in `pgdata` (no DATABASE_URL)."""
    env = production_env(tmp_path, port or free_port(), EMBEDDED_PGDATA=str(pgdata), DATABASE_NAME="site")
    env.pop("DATABASE_URL")
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def spawn(env: dict[str, str], command: list[str], log: Path) -> subprocess.Popen:
    with log.open("a") as output:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def make_run_env(env: dict[str, str]) -> dict[str, str]:
    """What a person's shell holds when they type `make run` (no production settings), on this server."""
    made = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG", "DJANGO_ENV"}}
    return made | {"EMBEDDED_PGDATA": env["EMBEDDED_PGDATA"], "DATABASE_NAME": env["DATABASE_NAME"]}


def approach_count(env: dict[str, str]) -> int:
    result = manage(env, "shell", "-v0", "-c", COUNT)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1])


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0  # not listening (yet, or any more)


def every_command_works(env: dict[str, str], tmp_path: Path, approaches: int) -> None:
    """check, migrate, import, a query and a served page, each a new process, with no repair beforehand."""
    for args in (("check",), ("migrate", "--check"), ("import_catalog", "--if-changed")):
        result = manage(env, *args)
        assert result.returncode == 0, (args, result.stderr)
    assert approach_count(env) == approaches  # no data lost
    port = free_port()
    served = {**env, "PORT": str(port)}
    server = subprocess.Popen(GUNICORN, cwd=ROOT, env=served, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", server, timeout=60)
        assert get(f"http://127.0.0.1:{port}/therapies/cbt/") == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)


@pytest.fixture
def site(tmp_path: Path, pgdata: Path) -> tuple[dict[str, str], int]:
    """The embedded site, migrated, with the curated catalog and collected static files."""
    env = site_env(tmp_path, pgdata)
    for args in (("ensure_database",), ("migrate", "-v0"), ("import_catalog", "-v0")):  # as `make run` does
        result = manage(env, *args)
        assert result.returncode == 0, result.stderr
    collectstatic(env)
    return env, approach_count(env)


def test_killing_the_site_and_commands_at_random_moments_never_wedges_it(tmp_path: Path, pgdata: Path, site):
    env, approaches = site
    rng = random.Random(15)
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]
    commands = [["check"], ["migrate", "--noinput"], ["import_catalog", "--if-changed"], ["shell", "-c", COUNT]]
    deadline = time.monotonic() + 240
    for cycle in range(8):
        assert time.monotonic() < deadline, f"cycle {cycle} started too late"
        port = free_port()
        served = {**env, "PORT": str(port), "WEB_CONCURRENCY": "2"}
        log = tmp_path / f"cycle-{cycle}.log"
        processes = [spawn(served, GUNICORN, log)] + [spawn(env, [sys.executable, "manage.py", *c], log) for c in commands]
        # runserver with its reloader: the reloader or its child is killed (below), as `make dev` may be.
        processes.append(spawn(env, [sys.executable, "manage.py", "runserver", f"127.0.0.1:{free_port()}"], log))
        if cycle in (1, 4):  # and `make run` itself, at whatever step it has reached
            processes.append(spawn(make_run_env(env), ["make", "--no-print-directory", "run", f"PORT={free_port()}"], log))
        stop = threading.Event()
        statuses: list[int] = []

        def load() -> None:  # requests in flight all through the cycle
            while not stop.is_set():
                statuses.append(get(f"http://127.0.0.1:{port}/therapies/?condition=depression"))

        loader = threading.Thread(target=load, daemon=True)
        loader.start()
        time.sleep(rng.uniform(0.3, 2.5))
        if cycle in (2, 5):  # Postgres stops under load, as in an outage or `make stop-db`
            stop_embedded_postgres(pgdata)
            time.sleep(rng.uniform(0.2, 1.0))
        # What the site answered while it ran (gunicorn itself fails the requests a kill cuts short).
        stop.set()
        loader.join(timeout=15)
        assert 500 not in statuses, f"cycle {cycle}: a 500 while Postgres came and went:\n{log.read_text()}"
        for process in rng.sample(processes, len(processes)):
            if process.poll() is None:
                children = psutil.Process(process.pid).children()
                if children and rng.random() < 0.5:  # the reloader's child, or a worker, alone first
                    with contextlib.suppress(psutil.NoSuchProcess):
                        rng.choice(children).send_signal(rng.choice(signals))
                    time.sleep(rng.uniform(0, 0.3))
                os.killpg(process.pid, rng.choice(signals))
            time.sleep(rng.uniform(0, 0.3))
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if cycle == 6:  # and once the postmaster itself dies with no warning, leaving its postmaster.pid
            server = running_server(pgdata)
            if server is not None:
                os.kill(server.pid, signal.SIGKILL)
    every_command_works(env, tmp_path, approaches)


@pytest.mark.parametrize("left_behind", ["an empty registry file", "a stale postmaster.pid"])
def test_every_command_works_after(tmp_path: Path, pgdata: Path, site, left_behind: str):
    env, approaches = site
    if left_behind == "an empty registry file":
        stop_embedded_postgres(pgdata)
        (pgdata / ".handle_pids.json").write_bytes(b"")  # as pgserver left it, breaking every later command
    else:
        server = running_server(pgdata)
        os.kill(server.pid, signal.SIGKILL)  # a power cut, as far as the data folder can tell
        deadline = time.monotonic() + 20
        while running_server(pgdata) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (pgdata / "postmaster.pid").exists()
    every_command_works(env, tmp_path, approaches)


def test_make_run_works_on_an_embedded_server_left_in_any_state(tmp_path: Path, pgdata: Path, site):
    env, _ = site
    server = running_server(pgdata)
    os.kill(server.pid, signal.SIGKILL)
    (pgdata / ".handle_pids.json").write_bytes(b"")
    port = free_port()
    process = subprocess.Popen(["make", "--no-print-directory", "run", f"PORT={port}"], cwd=ROOT, env=make_run_env(env),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz", process, timeout=300)
        assert get(f"http://127.0.0.1:{port}/conditions/depression/") == 200
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        output = process.communicate(timeout=30)[0]
    assert "Traceback" not in output, output
