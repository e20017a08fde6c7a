"""The embedded Postgres used when DATABASE_URL is not set.

The `pgserver` package ships Postgres 16 binaries inside the virtualenv; this module runs them itself.
(pgserver's server handling kept its clients' pids in `.handle_pids.json`, rewritten without a lock by
every process that started or exited; left empty, it broke every later command: issue 15. That file is
not used here, and is deleted when found.) The server is shared by every process (runserver and its
reloader, gunicorn workers, tests, management commands) and outlives the one that started it.

- Finding it: `postmaster.pid` in the data folder names the postmaster's pid, socket folder and status.
  The server runs when that pid is a live `postgres` whose working folder is this data folder (a
  postmaster changes into it; a pid since reused by another program or cluster fails this test).
  Finding a running server only reads, so it works with a full disk or under `ulimit -f 0`.
- Starting it: under an exclusive `flock` on `<data folder>.lock` (the kernel releases it however its
  holder dies), look again and wait for a server that is starting or stopping; else `initdb` when the
  folder has no PG_VERSION (into `<data folder>.initdb`, renamed into place when complete, so a killed
  initdb leaves no half-made cluster) and `pg_ctl start -w`. Lock files naming no process of the
  cluster (after a power cut or a killed postgres) are removed first: Postgres refuses to start while
  one names any live process. It listens only on a unix socket, in the data folder or, when that path
  is too long for a socket, in `/tmp/therapy-explorer-pg-<hash>`. pg_ctl runs in a session of its own
  and puts the postmaster in another, so no Ctrl-C or kill aimed at the caller's group reaches them.
- As root: Postgres refuses to run as root, so it runs as the system user `pgserver` (as pgserver did,
  so older data folders keep their owner), created when missing. It owns the data folder (and socket
  folder); the folders above them and above its programs get o+x, so that it can reach them.

Stop the server with `make stop-db` (`stop_embedded_postgres`), under the same lock.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import os
import pwd
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import psutil  # installed with pgserver

logger = logging.getLogger(__name__)

SERVER_USER = "pgserver"
PORT = 5432  # fixed: settings name only the socket folder, and each data folder has a socket folder of its own
SOCKET_PATH_LIMIT = 103  # bytes: sun_path holds 108 on Linux, 104 on macOS, with the final NUL
WAIT_SECONDS = 60  # as long as pg_ctl waits by default, enough for crash recovery after a power cut


class Server(NamedTuple):
    """A running postmaster, as its postmaster.pid describes it."""
    pid: int
    socket_dir: str
    status: str  # "starting", "ready" or "stopping"


def embedded_postgres_host(data_dir: Path) -> str:
    """The unix-socket folder of the server for `data_dir`, which is started first if none runs."""
    data_dir = data_dir.resolve()
    server = running_server(data_dir)
    if server and server.status == "ready":
        return server.socket_dir
    with _locked(data_dir) as lock:
        return _find_or_start(data_dir, lock)


def stop_embedded_postgres(data_dir: Path) -> bool:
    """Stop the server for `data_dir` if it runs (fast: open sessions are ended); True when one was stopped."""
    data_dir = data_dir.resolve()
    if not data_dir.is_dir():
        return False
    with _locked(data_dir):
        if running_server(data_dir) is None:
            return False
        _run_postgres("pg_ctl", ["stop", "-D", str(data_dir), "-m", "fast", "-w", "-t", str(WAIT_SECONDS)])
        return True


def running_server(data_dir: Path) -> Server | None:
    """The server running for `data_dir`, from its postmaster.pid; reads only."""
    data_dir = data_dir.resolve()
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
        process = psutil.Process(pid)
    except (OSError, ValueError, IndexError, psutil.Error):  # none, being written, or its pid is gone
        return None
    if not _belongs_to(process, data_dir):
        return None
    # Postgres fills the file in as it starts: line 5 is the socket folder, line 8 the status.
    socket_dir = lines[4].strip() if len(lines) > 4 else ""
    status = lines[7].strip() if len(lines) > 7 else "starting"
    return Server(pid, socket_dir, status)


def _belongs_to(process: psutil.Process, data_dir: Path) -> bool:
    """True for a postmaster or backend of the cluster in `data_dir`: each works in its data folder."""
    try:
        return process.name() == "postgres" and process.cwd() == str(data_dir)
    except psutil.Error:  # gone, a zombie, or not ours to inspect
        return False


def _cluster_processes(data_dir: Path) -> list[psutil.Process]:
    return [process for process in psutil.process_iter() if _belongs_to(process, data_dir)]


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[int]:
    """Hold the lock that serialises starting and stopping the server for `data_dir`; yields its descriptor."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # Beside the data folder, not in it: initdb wants an empty folder. Opened for append: never written.
    with open(data_dir.with_name(data_dir.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield lock.fileno()


def _find_or_start(data_dir: Path, lock: int) -> str:
    """Under the lock: wait for a server that is starting or stopping, or start one; its socket folder."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        server = running_server(data_dir)
        if server and server.status == "ready":
            return server.socket_dir
        # Starting (its pg_ctl's caller was killed), stopping, or backends of a killed postmaster that are
        # still exiting: Postgres would refuse to start beside any of them, so wait for them to finish.
        if server or _cluster_processes(data_dir):
            time.sleep(0.1)
            continue
        try:
            _start(data_dir, lock)
        except subprocess.CalledProcessError as error:
            if not _cluster_processes(data_dir):
                raise RuntimeError(f"Postgres did not start:\n{error.stderr}\n{_log_tail(data_dir)}") from error
            # A postmaster started by a pg_ctl whose caller was killed got there first: use it.
    raise TimeoutError(f"The embedded Postgres was not ready in {WAIT_SECONDS} s.\n{_log_tail(data_dir)}")


def _start(data_dir: Path, lock: int) -> None:
    """Under the lock, with no process of the cluster found: clear stale files, initdb if new, start."""
    registry = data_dir / ".handle_pids.json"
    if registry.exists():
        logger.warning("Removing %s: pgserver's registry of its clients, no longer used.", registry)
        registry.unlink()
    if _server_user():  # let it reach its programs and data folder, which may sit under root's folders
        _allow_traversal(_bin_dir())
        _allow_traversal(data_dir.parent)
    if not (data_dir / "PG_VERSION").exists():
        _initdb(data_dir, lock)
    # Postgres itself refuses to start while a lock file names a live process, whatever that process is.
    if _remove_if_stale(data_dir / "postmaster.pid", data_dir):
        logger.warning("Removed a stale postmaster.pid from %s (after a power cut or a killed postgres).", data_dir)
    socket_dir = _socket_dir(data_dir)
    _remove_if_stale(socket_dir / f".s.PGSQL.{PORT}.lock", data_dir)
    options = f"-c listen_addresses='' -p {PORT} -k {shlex.quote(str(socket_dir))}"  # a unix socket only
    log = str(data_dir / "postgres.log")
    _run_postgres("pg_ctl", ["start", "-D", str(data_dir), "-w", "-t", str(WAIT_SECONDS), "-l", log, "-o", options])
    logger.info("Started the embedded Postgres for %s (socket in %s).", data_dir, socket_dir)


def _remove_if_stale(lock_file: Path, data_dir: Path) -> bool:
    """Remove a Postgres lock file (postmaster.pid, a socket's .lock) unless the pid on its first line is a
    process of the cluster (one may have started since we looked); True when removed."""
    try:
        text = lock_file.read_text()
    except FileNotFoundError:
        return False
    with contextlib.suppress(ValueError, psutil.Error):  # garbled, or its pid is gone: stale
        if _belongs_to(psutil.Process(int(text.split("\n", 1)[0])), data_dir):
            return False
    lock_file.unlink(missing_ok=True)
    return True


def _initdb(data_dir: Path, lock: int) -> None:
    if data_dir.exists() and any(data_dir.iterdir()):
        raise RuntimeError(f"{data_dir} holds files but no PG_VERSION: not a Postgres data folder. Move it away.")
    staging = data_dir.with_name(data_dir.name + ".initdb")
    shutil.rmtree(staging, ignore_errors=True)  # what a killed initdb left
    staging.mkdir(mode=0o700)
    if user := _server_user():
        os.chown(staging, user.pw_uid, user.pw_gid)
    logger.info("Creating a new Postgres cluster for %s.", data_dir)
    # initdb shares the lock: should this process be killed, no other starts until initdb has finished.
    _run_postgres("initdb", ["-D", str(staging), "--auth=trust", "--encoding=utf8", "-U", "postgres"], pass_fds=(lock,))
    if data_dir.exists():
        data_dir.rmdir()
    staging.rename(data_dir)


def _socket_dir(data_dir: Path) -> Path:
    """The data folder itself when its socket's path fits the unix limit, else a short folder in /tmp
    named after the data folder's path and inode (its cluster's alone: a recreated folder gets another)."""
    if len(str(data_dir / f".s.PGSQL.{PORT}").encode()) <= SOCKET_PATH_LIMIT:
        return data_dir
    digest = hashlib.sha256(f"{data_dir}\0{data_dir.stat().st_ino}".encode()).hexdigest()[:12]
    socket_dir = Path(f"/tmp/therapy-explorer-pg-{digest}")
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    user = _server_user()
    if socket_dir.is_symlink() or socket_dir.stat().st_uid not in {os.getuid(), user and user.pw_uid}:
        raise RuntimeError(f"{socket_dir} belongs to someone else; remove it and try again.")  # /tmp is shared
    if user:
        os.chown(socket_dir, user.pw_uid, user.pw_gid)
    return socket_dir


def _server_user() -> pwd.struct_passwd | None:
    """The system user Postgres runs as when this process is root (Postgres refuses root); None otherwise."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", SERVER_USER], check=True, capture_output=True)
        return pwd.getpwnam(SERVER_USER)


def _allow_traversal(folder: Path) -> None:
    """Add o+x (enter, not list) to `folder` and every folder above it that lacks it."""
    for path in (folder, *folder.parents):
        mode = path.stat().st_mode
        if not mode & 0o001:
            path.chmod(mode | 0o001)


def _bin_dir() -> Path:
    spec = importlib.util.find_spec("pgserver")  # located, not imported: its import sets up things unused here
    if spec is None or spec.origin is None:
        raise RuntimeError("The pgserver package is missing: install the requirements (make setup).")
    return Path(spec.origin).parent / "pginstall" / "bin"


def _run_postgres(program: str, arguments: list[str], **options: object) -> None:
    """Run a Postgres program, as the server user when root, in a session of its own so that a Ctrl-C meant
    for this process does not reach it (pg_ctl stops a postmaster it is starting on SIGINT)."""
    if user := _server_user():
        options.update(user=user.pw_uid, group=user.pw_gid, extra_groups=[])
    subprocess.run(
        [str(_bin_dir() / program), *arguments],
        check=True, capture_output=True, text=True, cwd="/", start_new_session=True, timeout=2 * WAIT_SECONDS,
        **options,
    )


def _log_tail(data_dir: Path) -> str:
    log = data_dir / "postgres.log"
    return "Server log:\n" + "\n".join(log.read_text().splitlines()[-20:]) if log.is_file() else ""
