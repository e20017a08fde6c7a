"""The embedded Postgres (explorer/embedded_db.py, issue 15): any number of processes find, start, use and
stop it safely, whatever earlier ones left behind (a broken registry file, a stale postmaster.pid, a
killed postmaster) and however they die.

Real processes and real Postgres servers, each test with its own in a temporary data folder. The folders
sit directly under /tmp rather than in pytest's tmp_path: as root, Postgres runs as `pgserver` and must
reach its data folder, and every pytest session that starts (another person's, on a shared machine)
resets /tmp/pytest-of-root to 0700.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from pathlib import Path

import psutil
import psycopg2
import pytest

from explorer.embedded_db import embedded_postgres_host, running_server, stop_embedded_postgres
from tests.helpers import ROOT

CREATES_CLUSTER = "Creating a new Postgres cluster"  # logged (INFO) once per initdb

# A new command (as `manage.py` is): wait for the given start time, find or start the server, connect.
FIND = """
import logging, sys, time
from pathlib import Path
import psycopg2
from explorer.embedded_db import embedded_postgres_host
logging.basicConfig(level=logging.INFO, format="%(message)s")
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
host = embedded_postgres_host(Path(sys.argv[1]))
psycopg2.connect(host=host, dbname="postgres", user="postgres", connect_timeout=10).close()
print(host)
"""

# A client that finds the server and writes a row, again and again, until it is killed.
CLIENT = """
import sys, time
from pathlib import Path
import psycopg2
from explorer.embedded_db import embedded_postgres_host
data = Path(sys.argv[1])
while True:
    host = embedded_postgres_host(data)  # must never fail: an exception here ends the client with status 1
    try:
        connection = psycopg2.connect(host=host, dbname="postgres", user="postgres", connect_timeout=10)
        try:
            connection.cursor().execute("INSERT INTO kept VALUES ('from a client')")
            connection.commit()
        finally:
            connection.close()
        print("committed", flush=True)
    except psycopg2.OperationalError:
        pass  # the test stopped or killed the server under this client: look for it again
    time.sleep(0.02)
"""

# A process that may not write a single byte to any file (a full disk, `ulimit -f 0`).
NO_WRITES = """
import resource, signal, sys
from pathlib import Path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, not a kill
resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
from explorer.embedded_db import embedded_postgres_host
print(embedded_postgres_host(Path(sys.argv[1])))
"""

READ_KEPT = """
import sys
from pathlib import Path
import psycopg2
from explorer.embedded_db import embedded_postgres_host
connection = psycopg2.connect(host=embedded_postgres_host(Path(sys.argv[1])), dbname="postgres", user="postgres")
with connection.cursor() as cursor:
    cursor.execute("SELECT note, count(*) FROM kept GROUP BY note ORDER BY note")
    for note, count in cursor.fetchall():
        print(f"{note}: {count}")
"""


def python(script: str, *arguments: str, **options) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *arguments], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, **options,
    )


def host_from_new_process(data: Path) -> str:
    """The socket folder a new process finds (or starts the server in): each command is one."""
    process = python(FIND, str(data), "0")
    output, errors = process.communicate(timeout=60)
    assert process.returncode == 0, errors
    return output.strip()


def query(host: str, sql: str) -> list[tuple]:
    connection = psycopg2.connect(host=host, dbname="postgres", user="postgres", connect_timeout=10)
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall() if cursor.description else []
    finally:
        connection.close()


def wait_until(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def postmasters(data: Path) -> list[psutil.Process]:
    """The postmasters working in `data` (backends have a rewritten command line without "-D")."""
    found = []
    for process in psutil.process_iter():
        with suppress(psutil.Error):
            if process.name() == "postgres" and process.cwd() == str(data) and "-D" in process.cmdline():
                found.append(process)
    return found


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data folder for a server of the test's own; the server is stopped and the folder deleted after."""
    parent = Path(tempfile.mkdtemp(prefix="embedded-db-test-"))
    data = parent / "pgdata"
    try:
        yield data
        # No registry of client ids is ever written, so dead ids cannot pile up in one.
        assert not (data / ".handle_pids.json").exists()
    finally:
        server = running_server(data)
        stop_embedded_postgres(data)
        for process in postmasters(data):  # a test that failed half-way may have left one stopping
            process.kill()
        shutil.rmtree(parent, ignore_errors=True)
        if server and not server.socket_dir.startswith(str(parent)):  # a socket folder in /tmp
            with suppress(OSError):
                Path(server.socket_dir).rmdir()


@pytest.mark.parametrize("content", [b"", b"[4242, 4243"], ids=["emptied", "garbled"])
def test_a_broken_handle_pids_file_neither_blocks_finding_nor_starting_the_server(data_dir: Path, content: bytes):
    """The file pgserver left empty (issue 15) once made every later command fail with a JSONDecodeError."""
    embedded_postgres_host(data_dir)
    registry = data_dir / ".handle_pids.json"
    registry.write_bytes(content)
    assert query(host_from_new_process(data_dir), "SELECT 1") == [(1,)]  # running: found without reading it

    assert stop_embedded_postgres(data_dir)
    registry.write_bytes(content)
    assert query(host_from_new_process(data_dir), "SELECT 1") == [(1,)]  # stopped: started despite it
    assert not registry.exists()  # and removed, with a log line


@pytest.fixture
def other_program() -> Iterator[int]:
    """The pid of a live program that is no postgres, run by the user Postgres runs as: Postgres cannot tell
    it from a rival postmaster (a process of another user, it would take for stale)."""
    process = subprocess.Popen(["sleep", "120"], user="pgserver" if os.geteuid() == 0 else None)
    yield process.pid
    process.kill()
    process.wait()


@pytest.mark.parametrize("leftover", ["pid-reused", "socket-lock"])
def test_a_stale_postmaster_pid_does_not_stop_the_next_start(data_dir: Path, other_program: int, leftover: str):
    """After a power cut postmaster.pid remains, and its pid may since belong to another program: Postgres
    then refuses to start ("Is another postmaster running?"), as it does for the socket's lock file."""
    embedded_postgres_host(data_dir)
    pid_file = data_dir / "postmaster.pid"
    lines = pid_file.read_text().splitlines(keepends=True)
    socket_lock = Path(lines[4].strip()) / ".s.PGSQL.5432.lock"
    assert stop_embedded_postgres(data_dir)
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid is now free
    if leftover == "pid-reused":
        pid_file.write_text(f"{other_program}\n" + "".join(lines[1:]))
    else:
        pid_file.write_text(f"{gone.pid}\n" + "".join(lines[1:]))
        socket_lock.write_text(f"{other_program}\n{data_dir}\n")

    assert query(host_from_new_process(data_dir), "SELECT 1") == [(1,)]
    assert running_server(data_dir).pid not in {other_program, gone.pid}


def test_a_postmaster_killed_with_clients_connected_is_replaced(data_dir: Path):
    """SIGKILL of the postmaster (as the OOM killer does) leaves its pid file and backends behind."""
    host = embedded_postgres_host(data_dir)
    query(host, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before the kill')")
    connected = psycopg2.connect(host=host, dbname="postgres", user="postgres")
    killed = running_server(data_dir).pid
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: running_server(data_dir) is None)  # dead (signals are delivered asynchronously)
    try:
        assert query(host_from_new_process(data_dir), "SELECT note FROM kept") == [("before the kill",)]
        assert running_server(data_dir).pid != killed
    finally:
        connected.close()


def test_a_data_folder_too_deep_for_a_socket_path_gets_a_short_socket_folder(data_dir: Path):
    deep = data_dir.parent / ("folder-" * 9) / ("subfolder-" * 6) / "pgdata"
    assert len(str(deep / ".s.PGSQL.5432")) > 108  # bind() would fail with "AF_UNIX path too long"
    host = ""
    try:
        host = host_from_new_process(deep)
        assert len(str(Path(host) / ".s.PGSQL.5432")) <= 103 and host.startswith("/tmp/")
        assert query(host, "SELECT 1") == [(1,)]
        assert host_from_new_process(deep) == host
    finally:
        stop_embedded_postgres(deep)
        if host:
            Path(host).rmdir()  # empty: Postgres removed its socket when it stopped


def test_concurrent_first_calls_create_one_cluster_and_share_one_server(data_dir: Path):
    start_at = time.time() + 2  # every process imported and waiting: they call at the same moment
    processes = [python(FIND, str(data_dir), str(start_at)) for _ in range(6)]
    results = [(process.communicate(timeout=90), process.returncode) for process in processes]
    for (output, errors), returncode in results:
        assert returncode == 0, errors
    hosts = {output.strip() for (output, _), _ in results}
    assert len(hosts) == 1 and hosts == {embedded_postgres_host(data_dir)}
    assert sum(errors.count(CREATES_CLUSTER) for (_, errors), _ in results) == 1
    assert len(postmasters(data_dir)) == 1


def test_killing_clients_and_the_server_at_random_loses_no_data(data_dir: Path):
    """Clients are killed (their whole process group, with SIGINT, SIGTERM or SIGKILL) at random moments,
    including while they start the server; the server is stopped under them and once killed outright.
    No client ever fails to find the server, and every committed row survives."""
    query(embedded_postgres_host(data_dir), "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before')")
    rng = random.Random(15)
    clients: list[subprocess.Popen] = []
    committed = 0
    began = time.monotonic()
    try:
        for cycle in range(8):
            while len(clients) < 4:
                clients.append(python(CLIENT, str(data_dir), start_new_session=True))
            time.sleep(rng.uniform(0.2, 1.0))
            if cycle == 5:
                wait_until(lambda: running_server(data_dir) is not None)  # restarted since an earlier stop
                os.kill(running_server(data_dir).pid, signal.SIGKILL)
            elif rng.random() < 0.5:
                stop_embedded_postgres(data_dir)  # with clients connected: they restart it
            time.sleep(rng.uniform(0.0, 0.3))  # often while a client is starting the server again
            victim = clients.pop(rng.randrange(len(clients)))
            chosen = rng.choice([signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
            os.killpg(victim.pid, chosen)
            output, errors = victim.communicate(timeout=30)
            assert victim.returncode == -chosen, errors  # killed by us, never failed by itself
            committed += output.count("committed")
        for client in clients:
            assert client.poll() is None, client.communicate()[1]
    finally:
        for client in clients:
            with suppress(ProcessLookupError):
                os.killpg(client.pid, signal.SIGKILL)
            committed += client.communicate(timeout=30)[0].count("committed")
    assert time.monotonic() - began < 60

    fresh = subprocess.run([sys.executable, "-c", READ_KEPT, str(data_dir)], cwd=ROOT, capture_output=True,
                           text=True, timeout=60)
    assert fresh.returncode == 0, fresh.stderr
    counts = dict(line.split(": ") for line in fresh.stdout.splitlines())
    assert counts["before"] == "1"
    assert committed > 0 and int(counts["from a client"]) >= committed  # (a kill may land after a commit)
    assert len(postmasters(data_dir)) == 1


def test_a_process_that_cannot_write_still_finds_the_running_server(data_dir: Path):
    """A full disk or `ulimit -f 0` once emptied pgserver's registry, and every later command failed."""
    host = embedded_postgres_host(data_dir)
    denied = subprocess.run([sys.executable, "-c", NO_WRITES, str(data_dir)], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert denied.returncode == 0, denied.stderr
    assert denied.stdout.strip() == host
    assert query(embedded_postgres_host(data_dir), "SELECT 1") == [(1,)]


def test_processes_that_come_and_go_leave_no_ids_behind(data_dir: Path):
    """pgserver added each client's pid to .handle_pids.json and never removed those of killed ones."""
    for ending in (None, signal.SIGKILL, None, signal.SIGKILL):
        process = python(FIND, str(data_dir), "0")
        if ending:
            time.sleep(0.5)
            process.send_signal(ending)
        process.communicate(timeout=60)
    assert query(embedded_postgres_host(data_dir), "SELECT 1") == [(1,)]
    assert not list(data_dir.parent.glob("**/.handle_pids.json"))
