"""Read replicas for real: a Postgres primary and a hot standby (pg_basebackup -R, streaming replication),
made once for this module with the Postgres 16 programs the project already ships (pgserver), and the app
under gunicorn with DATABASE_REPLICA_URLS (explorer/replicas.py).

Which server ran a page's queries is read from the servers themselves: both log every statement, so a
request's SELECTs on the catalog tables show up in exactly one log.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg2
import pytest

from explorer.embedded_db import _allow_traversal, _bin_dir, _server_user
from tests.helpers import ROOT, collectstatic, free_port, production_env
from tests.servers import Browser, fetch, gunicorn

DATABASE = "replica_test"
CATALOG_QUERY = re.compile(r'(statement|execute [^:]*): SELECT .*"therapies_(approach|condition|evidencelink)"')


def postgres_programs_present() -> bool:
    try:
        return (_bin_dir() / "pg_basebackup").exists()
    except RuntimeError:
        return False


pytestmark = pytest.mark.skipif(not postgres_programs_present() and not os.environ.get("REQUIRE_SERVERS"),
                                reason="the pgserver package's Postgres programs are missing (make setup)")


class Cluster:
    """A primary and a hot standby on free ports under one temporary folder."""

    def __init__(self, root: Path) -> None:
        self.root, self.user = root, _server_user()
        self.primary_port, self.replica_port = free_port(), free_port()
        self.primary, self.replica = root / "primary", root / "replica"

    def run(self, program: str, *arguments: str) -> str:
        options = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []} if self.user else {}
        result = subprocess.run([str(_bin_dir() / program), *arguments], capture_output=True, text=True, cwd="/",
                                timeout=120, **options)
        if result.returncode:
            raise RuntimeError(f"{program} failed: {result.stderr}\n{self.logs()}")
        return result.stdout

    def logs(self) -> str:
        return "\n".join(f"{p.name}:\n{p.read_text()[-2000:]}" for p in self.root.glob("*.log"))

    def create(self) -> None:
        if self.user:
            _allow_traversal(_bin_dir())
            _allow_traversal(self.root)
            os.chown(self.root, self.user.pw_uid, self.user.pw_gid)
        self.run("initdb", "-D", str(self.primary), "--auth=trust", "--encoding=utf8", "-U", "postgres")
        with (self.primary / "postgresql.conf").open("a") as conf:
            # Every statement logged with the connection's application name: the tests read where queries ran.
            conf.write(f"listen_addresses = '127.0.0.1'\nunix_socket_directories = '{self.root}'\n"
                       "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\nfsync = off\n"
                       "log_statement = 'all'\nlog_line_prefix = '%m [%a] '\n")
        self.start(self.primary, self.primary_port)
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary_port), "-U", "postgres",
                 "-D", str(self.replica), "-R", "-X", "stream", "-c", "fast")
        self.start(self.replica, self.replica_port)

    def start(self, data: Path, port: int) -> None:
        self.run("pg_ctl", "start", "-w", "-D", str(data), "-l", str(self.root / f"{data.name}.log"),
                 "-o", f"-p {port}")

    def stop(self, data: Path) -> None:
        self.run("pg_ctl", "stop", "-w", "-D", str(data), "-m", "fast")

    def url(self, port: int, database: str = DATABASE) -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{database}"

    def sql(self, port: int, statement: str, database: str = DATABASE):
        connection = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname=database)
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else None
        finally:
            connection.close()

    def log_size(self, name: str) -> int:
        return (self.root / f"{name}.log").stat().st_size

    def catalog_reads(self, name: str, since: int) -> list[str]:
        with (self.root / f"{name}.log").open() as log:
            log.seek(since)
            return [line for line in log.read().splitlines() if CATALOG_QUERY.search(line)]

    def wait_replayed(self, timeout: float = 20) -> None:
        target = self.sql(self.primary_port, "SELECT pg_current_wal_lsn()::text")[0][0]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.sql(self.replica_port, f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0][0]:
                return
            time.sleep(0.1)
        raise TimeoutError("the replica did not catch up")


@pytest.fixture(scope="module")
def cluster():
    root = Path(tempfile.mkdtemp(prefix="te-replicas-"))
    cluster = Cluster(root)
    try:
        cluster.create()
        cluster.sql(cluster.primary_port, f"CREATE DATABASE {DATABASE}", database="postgres")
        env = production_env(root, 0, DATABASE_URL=cluster.url(cluster.primary_port), REDIS_URL="",
                             DJANGO_SUPERUSER_PASSWORD="a-long-test-password")
        for command in (["migrate", "--noinput", "-v0"], ["import_catalog"],
                        ["createsuperuser", "--noinput", "--username", "curator", "--email", "c@example.org"]):
            subprocess.run([str(Path(os.sys.executable)), "manage.py", *command], cwd=ROOT, env=env, check=True,
                           capture_output=True)
        cluster.wait_replayed()
        yield cluster
    finally:
        for data in (cluster.replica, cluster.primary):
            if (data / "postmaster.pid").exists():
                try:
                    cluster.stop(data)
                except RuntimeError:
                    pass
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def app_folder(cluster) -> Path:
    """Static files collected once for every app instance of the module (and their logs)."""
    folder = cluster.root / "app"
    folder.mkdir()
    collectstatic(production_env(folder, 0, DATABASE_URL=cluster.url(cluster.primary_port)))
    return folder


@pytest.fixture(scope="module")
def site(cluster, app_folder):
    """The app with one replica: page cache on (in its own memory), replicas re-checked every 0.2 s. The lag
    bound is an hour, so with replay paused only the WAL guard keeps the replica from serving stale rows."""
    extra = {"DATABASE_URL": cluster.url(cluster.primary_port), "REDIS_URL": "",
             "DATABASE_REPLICA_URLS": cluster.url(cluster.replica_port), "REPLICA_CHECK_SECONDS": "0.2",
             "REPLICA_MAX_LAG_SECONDS": "3600", "SERVER_PAGE_CACHE_SECONDS": "600", "SECURE_COOKIES": "0"}
    with gunicorn(app_folder, **extra) as base:
        yield base


def server_log(cluster: Cluster) -> str:
    return "\n".join(path.read_text()[-3000:] for path in (cluster.root / "app").glob("gunicorn-*.log"))


def reads_during(cluster: Cluster, action) -> tuple[object, list[str], list[str]]:
    """What `action()` returned, and the catalog reads the primary and the replica logged meanwhile."""
    before = cluster.log_size("primary"), cluster.log_size("replica")
    result = action()
    time.sleep(0.3)  # the servers write their log lines as they run the statements; let them land
    return result, cluster.catalog_reads("primary", before[0]), cluster.catalog_reads("replica", before[1])


def published_approaches(cluster: Cluster, port: int) -> list[tuple[int, str, str]]:
    return cluster.sql(port, "SELECT id, slug, name FROM therapies_approach WHERE status = 'published' ORDER BY slug")


def test_anonymous_public_reads_hit_the_replica(cluster, site):
    (status, headers, body), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + "/therapies/cbt/"))
    assert status == 200 and "Cognitive behavioural therapy" in body
    assert on_replica and not on_primary, (on_primary, on_replica)
    assert all("[therapy-explorer-replica]" in line for line in on_replica)


def test_admin_reads_and_signed_in_pages_hit_the_primary(cluster, site):
    browser = Browser(site)
    browser.sign_in("curator", "a-long-test-password")
    (status, _, body), on_primary, on_replica = reads_during(cluster, lambda: browser.get("/admin/therapies/approach/"))
    assert status == 200 and "Cognitive behavioural therapy" in body
    assert on_primary and not on_replica
    (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: browser.get("/conditions/depression/"))
    assert status == 200 and on_primary and not on_replica


def test_a_visitor_who_wrote_is_pinned_to_the_primary(cluster, site):
    browser = Browser(site)
    token = browser.csrf_token("/therapies/emdr/report/")
    (status, headers, _), on_primary, on_replica = reads_during(cluster, lambda: browser.post(
        "/therapies/emdr/report/", {"csrfmiddlewaretoken": token, "message": "A test report about the replica."}))
    assert status == 302 and on_primary and not on_replica
    assert "te_primary=" in headers.get("Set-Cookie", "")
    assert cluster.sql(cluster.primary_port, "SELECT count(*) FROM therapies_readerreport")[0][0] == 1
    (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: browser.get("/therapies/act/"))
    assert status == 200 and on_primary and not on_replica  # read-your-writes: not the replica, for now
    # Anyone else: the replica (another page: the pinned render above went into the page cache, fresh).
    (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + "/therapies/ipt/"))
    assert status == 200 and on_replica and not on_primary


def test_a_publish_with_replay_paused_never_caches_the_old_page_under_the_new_version(cluster, site):
    browser = Browser(site)
    browser.sign_in("curator", "a-long-test-password")
    pk, slug, name = next(row for row in published_approaches(cluster, cluster.primary_port) if row[1] == "emdr")
    browse = "/therapies/?condition=ptsd"  # a browse page that lists EMDR however large the catalog grows
    status, _, before = fetch(site + browse)
    assert status == 200 and name in before  # cached under the current version
    cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
    try:
        assert browser.admin_action("/admin/therapies/approach/", "unpublish", [pk]) == 302, server_log(cluster)
        time.sleep(0.5)
        # The replica has not replayed the change: it still shows the approach as published.
        assert (pk, slug, name) in published_approaches(cluster, cluster.replica_port)
        for _ in range(3):  # the miss that renders the page and the hits after it
            (status, headers, page), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + browse))
            assert status == 200 and f'href="/therapies/{slug}/"' not in page
            assert not on_replica
        assert headers["X-Page-Cache"] == "hit"
        assert fetch(site + f"/therapies/{slug}/")[0] == 404
    finally:
        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
    cluster.wait_replayed()
    (status, _, page), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + "/conditions/ptsd/"))
    assert status == 200 and on_replica and not on_primary  # caught up: the replica serves again
    assert f'href="/therapies/{slug}/"' not in page
    assert browser.admin_action("/admin/therapies/approach/", "publish", [pk]) == 302


def test_a_stopped_replica_falls_back_to_the_primary_without_an_error_page(cluster, app_folder):
    """An instance that checks replicas only once a minute, its replica connection open, sees it stopped:
    the next request reads the primary (the kept connection is tested before use), with no error page."""
    extra = {"DATABASE_URL": cluster.url(cluster.primary_port), "REDIS_URL": "", "SERVER_PAGE_CACHE_SECONDS": "0",
             "DATABASE_REPLICA_URLS": cluster.url(cluster.replica_port), "REPLICA_CHECK_SECONDS": "60",
             "REPLICA_MAX_LAG_SECONDS": "3600"}
    with gunicorn(app_folder, **extra) as site:
        (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + "/conditions/ocd/"))
        assert status == 200 and on_replica and not on_primary
        cluster.stop(cluster.replica)
        try:
            for path in ("/conditions/depression/", "/conditions/ocd/", "/therapies/cbt/"):
                (status, _, body), on_primary, _ = reads_during(cluster, lambda: fetch(site + path))
                assert status == 200 and on_primary, path
            assert fetch(site + "/healthz")[0] == 200
        finally:
            cluster.start(cluster.replica, cluster.replica_port)
        cluster.wait_replayed()


def test_a_restarted_replica_serves_again(cluster, site):
    time.sleep(0.5)  # the next health check (every 0.2 s here) finds it again
    (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(site + "/conditions/panic-disorder/"))
    assert status == 200 and on_replica and not on_primary


def test_a_lagging_replica_is_skipped_and_an_idle_one_is_not(cluster, app_folder):
    """A second app instance with a 1 s lag bound. Idle (nothing to replay for longer than the bound) the
    replica is current and serves; with replay paused behind a write it is skipped until it catches up."""
    extra = {"DATABASE_URL": cluster.url(cluster.primary_port), "REDIS_URL": "", "SERVER_PAGE_CACHE_SECONDS": "0",
             "DATABASE_REPLICA_URLS": cluster.url(cluster.replica_port), "REPLICA_CHECK_SECONDS": "0.2",
             "REPLICA_MAX_LAG_SECONDS": "1"}
    with gunicorn(app_folder, **extra) as strict:
        time.sleep(1.5)  # longer than the bound since the last replayed transaction
        (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(strict + "/therapies/cbt/"))
        assert status == 200 and on_replica and not on_primary
        cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_pause()")
        try:
            cluster.sql(cluster.primary_port, "CREATE TABLE lag_probe (id int); DROP TABLE lag_probe")
            time.sleep(1.5)
            (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(strict + "/therapies/cbt/"))
            assert status == 200 and on_primary and not on_replica
        finally:
            cluster.sql(cluster.replica_port, "SELECT pg_wal_replay_resume()")
        cluster.wait_replayed()
        time.sleep(0.5)
        (status, _, _), on_primary, on_replica = reads_during(cluster, lambda: fetch(strict + "/therapies/cbt/"))
        assert status == 200 and on_replica and not on_primary


@pytest.mark.skipif(os.geteuid() != 0, reason="the compose replica script changes file owners (root only)")
def test_the_compose_replication_scripts_make_a_standby(cluster, tmp_path):
    """deploy/compose's two scripts, run against this module's primary: the init script creates the
    replication role, the replica's entrypoint copies the primary with pg_basebackup -R and hands over to
    the image's entrypoint. The official image's own programs are stood in for by two lines of shell:
    gosu (run as a user) and docker-entrypoint.sh (here: record how it was called)."""
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "gosu").write_text('#!/bin/sh\nuser="$1"; shift\nexec runuser -u "$user" -- "$@"\n')
    (shims / "docker-entrypoint.sh").write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/handed-over\n')
    for shim in shims.iterdir():
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shims}:{_bin_dir()}:{os.environ['PATH']}", "PGHOST": "127.0.0.1",
           "PGPORT": str(cluster.primary_port), "POSTGRES_USER": "postgres", "POSTGRES_DB": DATABASE,
           "PGDATA": str(cluster.primary), "REPLICATION_PASSWORD": "a-test-replication-password"}
    run_as = ["runuser", "-u", cluster.user.pw_name, "--"] if cluster.user else []
    subprocess.run([*run_as, "bash", str(ROOT / "deploy/compose/primary-init.sh")], env=env, check=True,
                   capture_output=True, cwd="/")
    assert cluster.sql(cluster.primary_port, "SELECT rolreplication FROM pg_roles WHERE rolname = 'replicator'") == [(True,)]
    assert "host replication replicator all scram-sha-256" in (cluster.primary / "pg_hba.conf").read_text()

    standby = cluster.root / "compose-replica"
    env.update(PGDATA=str(standby), PRIMARY_HOST="127.0.0.1", PRIMARY_PORT=str(cluster.primary_port))
    result = subprocess.run(["bash", str(ROOT / "deploy/compose/replica-entrypoint.sh")], env=env, capture_output=True,
                            text=True, cwd="/", timeout=120)
    assert result.returncode == 0, result.stderr
    assert (standby / "standby.signal").exists() and (standby / "PG_VERSION").exists()
    assert "user=replicator" in (standby / "postgresql.auto.conf").read_text()
    assert (tmp_path / "handed-over").read_text().split() == ["postgres", "-c", "hot_standby=on"]
    shutil.rmtree(standby)
