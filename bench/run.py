"""`make bench`: the site's pages under load, served as in production, at several catalog sizes.

For each scale: a benchmark database of its own (never the development one) with the real catalog plus
`generate_synthetic --scale N`, rebuilt only when the generator, catalog, migrations or seed changed; then
gunicorn with production settings (2 workers, explorer/gunicorn.conf.py, collectstatic into a temporary
STATIC_ROOT) on 127.0.0.1, driven by wrk at a fixed concurrency, page by page, once with the page cache
off (cold) and once warm. The same server also serves a static file as large as the browse page
(through WhiteNoise) and a trivial Django view: the floor each page is compared against. Prints a table
and writes bench/results.json (schema: docs/bench.md). Every loop is bounded in count and time.
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

from mixed import add_mixed_arguments, mixed_at_largest_scale, print_mixed  # bench/ is the script's folder, first on sys.path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SCHEMA_VERSION = 1
# The fixed request mix: (name, path). Real catalog records, the ones readers visit most.
MIX = [
    ("home", "/"),
    ("browse", "/therapies/"),
    ("browse_filtered", "/therapies/?condition=depression&format=group"),
    ("browse_q", "/therapies/?q=anxiety"),
    ("condition", "/conditions/depression/"),
    ("approach", "/therapies/cbt/"),
    ("compare", "/compare/?t=cbt&t=emdr&t=act"),
    ("summary", "/summary/?c=depression&t=cbt&t=ipt&t=behavioural-activation&t=psychodynamic-therapy"),
    ("search", "/search/?q=homework+between+sessions"),  # nothing recognised: a plain text search
    ("search_understood", "/search/?q=best+treatment+for+ptsd"),  # read as a condition: the answer card too
    ("suggest", "/search/suggest/?q=pan"),  # the typeahead, from the vocabulary in memory
    ("matrix", "/evidence/"),
    ("api_filtered", "/api/v1/approaches/?condition=depression&format=group"),  # the browse_filtered query as JSON
    ("csv_download", "/therapies/?condition=depression&format=group&download=csv"),  # its CSV twin
]
FLOORS = [("floor_static", None), ("floor_trivial", "/bench/trivial/")]
# Targets from issue 7 (2-core machine, 2 workers, concurrency 8, scale 100).
TARGETS = {"max_queries": 8, "cold_p95_ms": 100, "cold_matrix_p95_ms": 400, "cold_filtered_floor_fraction": 0.03,
           "warm_floor_fraction": 0.40, "max_worker_rss_mb": 250, "generate_scale_100_s": 90}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("SCALES", "1 10 100"), help='e.g. "1 10 100"')
    parser.add_argument("--duration", type=int, default=int(os.environ.get("BENCH_DURATION", "5")), help="seconds per page")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of unmeasured load before each page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    add_mixed_arguments(parser)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the benchmark databases even if current")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian: apt-get install wrk; `make bench` installs it when run as root).")
    scales = [int(s) if float(s).is_integer() else float(s) for s in args.scales.split()]
    started = time.monotonic()
    results = {
        "schema_version": SCHEMA_VERSION,
        "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "settings": {"workers": args.workers, "connections": args.connections, "threads": args.threads,
                     "duration_s": args.duration, "warmup_s": args.warmup, "seed": args.seed,
                     "cache_backend": "redis" if os.environ.get("REDIS_URL") else "locmem",
                     "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded"},
        "targets": TARGETS,
        "scales": [],
    }
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        collect_static(static_root)
        for scale in scales:
            results["scales"].append(bench_scale(scale, args, Path(static_root)))
        if args.mixed_duration:
            results["mixed"] = mixed_at_largest_scale(results, args, static_root, ensure_database, gunicorn, fetch)
    results["total_seconds"] = round(time.monotonic() - started, 1)
    results["verdicts"] = verdicts(results)
    Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    if "mixed" in results:
        print_mixed(results["mixed"])
    print(f"\nWrote {os.path.relpath(args.output)} in {results['total_seconds']:.0f} s.")
    return 0


# --- Databases ------------------------------------------------------------------------------------------------

def database_env(name: str) -> dict[str, str]:
    """Environment that points Django at database `name` on the same server as development."""
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_NAME"}}
    env["DJANGO_SETTINGS_MODULE"] = "explorer.settings"
    if env.get("DATABASE_URL"):
        parts = urlparse(env["DATABASE_URL"])
        env["DATABASE_URL"] = urlunparse(parts._replace(path="/" + quote(name)))
    else:
        env["DATABASE_NAME"] = name
    return env


def bench_database_name(scale: float) -> str:
    base = urlparse(os.environ["DATABASE_URL"]).path.lstrip("/") if os.environ.get("DATABASE_URL") else "therapy_explorer"
    name = f"{base or 'therapy_explorer'}_bench_{str(scale).replace('.', '_')}"
    assert "_bench_" in name  # never the development database
    return name


def fingerprint(scale: float, seed: int) -> str:
    """What the benchmark data depends on: generator, catalog, migrations, scale and seed."""
    digest = hashlib.sha256(f"{scale}:{seed}".encode())
    files = [ROOT / "therapies/management/commands/generate_synthetic.py", ROOT / "therapies/catalog/catalog.json",
             *sorted((ROOT / "therapies/migrations").glob("*.py"))]
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def manage(env: dict[str, str], *command: str, quiet: bool = True) -> str:
    result = subprocess.run([PY, "manage.py", *command], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=None if not quiet else subprocess.PIPE)
    if result.returncode:
        sys.exit(f"manage.py {' '.join(command)} failed:\n{result.stdout}\n{result.stderr or ''}")
    return result.stdout


def sql(env: dict[str, str], statement: str) -> str:
    """Run one statement on the maintenance connection of the benchmark database's server."""
    code = ("import django,sys; django.setup(); from django.db import connection\n"
            "with connection._nodb_cursor() as c:\n"
            "    c.execute(sys.argv[1]); print(c.fetchone()[0] if c.description else '')")
    result = subprocess.run([PY, "-c", code, statement], cwd=ROOT, env=env, text=True, capture_output=True)
    if result.returncode:
        sys.exit(f"SQL failed: {statement}\n{result.stderr}")
    return result.stdout.strip()


def ensure_database(scale: float, args) -> tuple[dict[str, str], dict]:
    """The benchmark database for `scale`, built unless it already holds exactly this data."""
    name = bench_database_name(scale)
    env = database_env(name)
    wanted = fingerprint(scale, args.seed)
    current = sql(env, f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{name}' "
                       "UNION ALL SELECT NULL LIMIT 1")
    build = {"database": name, "fingerprint": wanted, "reused": False, "generate_seconds": None}
    # The comment holds "<fingerprint> <generation seconds>" (older databases: the fingerprint alone).
    stored, _, seconds = (current or "").partition(" ")
    if stored == wanted and not args.rebuild:
        build["reused"] = True
        print(f"scale {scale}: reusing database {name} (built for this code and seed)", flush=True)
        build["generate_seconds"] = float(seconds) if seconds else previous_build_seconds(scale)
        return env, build
    print(f"scale {scale}: building database {name}", flush=True)
    sql(env, f'DROP DATABASE IF EXISTS "{name}"')
    sql(env, f'CREATE DATABASE "{name}"')
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "import_catalog")
    started = time.monotonic()
    manage(env, "generate_synthetic", "--scale", str(scale), "--seed", str(args.seed), quiet=False)
    build["generate_seconds"] = round(time.monotonic() - started, 1)
    sql(env, f"COMMENT ON DATABASE \"{name}\" IS '{wanted} {build['generate_seconds']}'")
    return env, build


def previous_build_seconds(scale: float) -> float | None:
    """For a database built before its comment kept the time: the generation time in the last results."""
    try:
        previous = json.loads((ROOT / "bench" / "results.json").read_text())
        return next(s["build"]["generate_seconds"] for s in previous["scales"] if s["scale"] == scale)
    except (OSError, ValueError, StopIteration, KeyError):
        return None


# --- Serving --------------------------------------------------------------------------------------------------

def collect_static(static_root: str) -> None:
    env = server_env(database_env("unused"), static_root, port=0, cache_seconds=0)
    subprocess.run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def server_env(env: dict[str, str], static_root: str, port: int, cache_seconds: int) -> dict[str, str]:
    """Production settings, as docker-compose sets them, plus benchmark mode (query-count header, trivial view)."""
    env = dict(env)
    env.update(
        DJANGO_ENV="production", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback: TLS ends at a proxy in production
        STATIC_ROOT=static_root, HOST="127.0.0.1", PORT=str(port), BENCH_MODE="1",
        SERVER_PAGE_CACHE_SECONDS=str(cache_seconds),
        API_THROTTLE_RATE="1000000/second",  # wrk is one client: the API's per-client limit would answer 429s
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], static_root: str, workers: int, cache_seconds: int, log: Path):
    port = free_port()
    env = server_env(env, static_root, port, cache_seconds)
    env["WEB_CONCURRENCY"] = str(workers)
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(Path(PY).with_name("gunicorn")), "explorer.wsgi:application", "--config", "explorer/gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(base + "/bench/trivial/", process, log)
            yield base, process
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited early; its log:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s; its log:\n{log.read_text()[-3000:]}")


def fetch(url: str) -> tuple[int, int, dict[str, str]]:
    """(status, body bytes, headers) of one GET."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, len(response.read()), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, len(error.read()), dict(error.headers)


def worker_rss_mb(master: int) -> list[float]:
    """Resident memory of each gunicorn worker (the master's children), in MB."""
    children = Path(f"/proc/{master}/task/{master}/children")
    pids = children.read_text().split() if children.exists() else []
    sizes = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        except OSError:
            continue
    return sizes


def wrk(url: str, args, seconds: int) -> dict:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "report.lua"), url]
    result = subprocess.run(command, text=True, capture_output=True, timeout=seconds + 60)
    line = next((l for l in result.stdout.splitlines() if l.startswith("BENCH_JSON ")), None)
    if line is None:
        return {"error": (result.stderr or result.stdout)[-500:]}
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds_run = data["duration_us"] / 1e6
    errors = sum(data["errors"].values())
    return {
        "requests": data["requests"], "errors": data["errors"], "error_count": errors,
        "rps": round((data["requests"] - data["errors"]["status"]) / seconds_run, 1) if seconds_run else 0.0,
        "p50_ms": round(data["p50_us"] / 1000, 2), "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2), "max_ms": round(data["max_us"] / 1000, 2),
        "transfer_bytes": data["bytes"],
    }


# --- One scale ------------------------------------------------------------------------------------------------

def bench_scale(scale: float, args, static_root: Path) -> dict:
    env, build = ensure_database(scale, args)
    load_before = [round(x, 2) for x in os.getloadavg()]  # other work on the machine skews every number
    logs = Path(tempfile.mkdtemp(prefix=f"bench-logs-{scale}-"))
    # The browse page's size at this scale sets the static floor file's size; WhiteNoise scans at start-up,
    # so the file is written before the measured servers start.
    with gunicorn(env, str(static_root), args.workers, 0, logs / "probe.log") as (base, _):
        status, browse_bytes, _ = fetch(base + "/therapies/")
    floor_name = f"bench/floor-{scale}.html"
    floor = static_root / floor_name
    floor.parent.mkdir(exist_ok=True)
    floor.write_text(("<!doctype html><title>floor</title>" + "x" * browse_bytes)[:max(browse_bytes, 1)])
    targets = [(name, path) for name, path in MIX] + [
        (name, path or f"/static/{floor_name}") for name, path in FLOORS
    ]
    runs = {}
    for mode, cache_seconds in (("cold", 0), ("warm", 600)):
        print(f"scale {scale}: {mode} cache", flush=True)
        with gunicorn(env, str(static_root), args.workers, cache_seconds, logs / f"{mode}.log") as (base, process):
            pages = {}
            for name, path in targets:
                url = base + path
                if mode == "warm":
                    fetch(url)  # store it; the measured run is all hits
                status, size, headers = fetch(url)
                if args.warmup:
                    wrk(url, args, args.warmup)
                measured = wrk(url, args, args.duration)
                status_after, _, headers_after = fetch(url)
                pages[name] = {
                    "path": path or f"/static/{floor_name}", "status": status, "bytes": size,
                    "queries": int(headers.get("X-Query-Count", -1)) if name != "floor_static" else 0,
                    "cache": headers_after.get("X-Page-Cache", "none"), **measured,
                }
                print(f"  {name:<16} {pages[name].get('rps', 0):>8} req/s  p95 {pages[name].get('p95_ms', '-'):>8} ms  "
                      f"{pages[name]['queries']} queries  {status}", flush=True)
            rss = worker_rss_mb(process.pid)
        static_rps = pages["floor_static"].get("rps") or 0
        for page in pages.values():
            page["floor_fraction"] = round(page.get("rps", 0) / static_rps, 4) if static_rps else None
        runs[mode] = {"pages": pages, "worker_rss_mb": rss, "server_log": str(logs / f"{mode}.log")}
    return {"scale": scale, "build": build, "browse_bytes": browse_bytes, "browse_status": status,
            "load_average_before": load_before, "load_average_after": [round(x, 2) for x in os.getloadavg()], **runs}


# --- Verdicts and the table -----------------------------------------------------------------------------------

def verdicts(results: dict) -> list[dict]:
    """Each issue-7 target, met or missed, at the largest scale (query counts: compared across scales)."""
    if not results["scales"]:
        return []
    largest = max(results["scales"], key=lambda s: s["scale"])
    smallest = min(results["scales"], key=lambda s: s["scale"])
    out = []

    def add(target: str, met: bool, detail: str) -> None:
        out.append({"target": target, "met": bool(met), "detail": detail})

    cold, warm = largest["cold"]["pages"], largest["warm"]["pages"]
    pages = [name for name, _ in MIX]
    for name in pages:
        page = cold[name]
        add(f"{name}: at most {TARGETS['max_queries']} queries", page["status"] == 200 and 0 <= page["queries"] <= TARGETS["max_queries"],
            f"{page['queries']} queries, HTTP {page['status']}")
        same = smallest["cold"]["pages"][name]["queries"] == page["queries"]
        add(f"{name}: same queries at scale {smallest['scale']} and {largest['scale']}", same and page["status"] == 200,
            f"{smallest['cold']['pages'][name]['queries']} vs {page['queries']}")
        limit = TARGETS["cold_matrix_p95_ms"] if name == "matrix" else TARGETS["cold_p95_ms"]
        add(f"{name}: cold p95 <= {limit} ms", page["status"] == 200 and page.get("p95_ms", 1e9) <= limit,
            f"{page.get('p95_ms')} ms")
        fraction = warm[name].get("floor_fraction") or 0
        add(f"{name}: warm >= {TARGETS['warm_floor_fraction']:.0%} of static floor",
            warm[name]["status"] == 200 and fraction >= TARGETS["warm_floor_fraction"], f"{fraction:.1%}")
    fraction = cold["browse_filtered"].get("floor_fraction") or 0
    add(f"browse_filtered: cold >= {TARGETS['cold_filtered_floor_fraction']:.0%} of static floor",
        fraction >= TARGETS["cold_filtered_floor_fraction"], f"{fraction:.1%}")
    # Issue 19: the API list answers the filtered browse query at least as fast as the HTML page does.
    for run, pages_run in (("cold", cold), ("warm", warm)):
        api, html = pages_run["api_filtered"].get("rps") or 0, pages_run["browse_filtered"].get("rps") or 0
        add(f"api_filtered: {run} requests/s >= browse_filtered's", pages_run["api_filtered"]["status"] == 200 and api >= html,
            f"{api} vs {html}")
    # Issue 18: the printable summary of four approaches costs no more than comparing three.
    summary, compare = (cold[name].get("floor_fraction") or 0 for name in ("summary", "compare"))
    add("summary: cold fraction of static floor >= compare's", cold["summary"]["status"] == 200 and summary >= compare,
        f"{summary:.1%} vs {compare:.1%}")
    rss = largest["cold"]["worker_rss_mb"] + largest["warm"]["worker_rss_mb"]
    add(f"worker RSS <= {TARGETS['max_worker_rss_mb']} MB", bool(rss) and max(rss) <= TARGETS["max_worker_rss_mb"],
        f"max {max(rss) if rss else '?'} MB")
    seconds = largest["build"]["generate_seconds"]
    if largest["scale"] == 100:
        add(f"generate_synthetic --scale 100 < {TARGETS['generate_scale_100_s']} s",
            seconds is not None and seconds < TARGETS["generate_scale_100_s"], f"{seconds} s")
    return out


def print_table(results: dict) -> None:
    header = f"{'scale':>5} {'cache':<5} {'page':<16} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} " \
             f"{'queries':>7} {'bytes':>8} {'floor':>6} {'status':>6}"
    print("\n" + header + "\n" + "-" * len(header))
    for scale in results["scales"]:
        for mode in ("cold", "warm"):
            for name, page in scale[mode]["pages"].items():
                fraction = page.get("floor_fraction")
                print(f"{scale['scale']:>5} {mode:<5} {name:<16} {page.get('rps', 0):>8.1f} {page.get('p50_ms', 0):>8.2f} "
                      f"{page.get('p95_ms', 0):>8.2f} {page.get('p99_ms', 0):>8.2f} {page['queries']:>7} "
                      f"{page['bytes']:>8} {(f'{fraction:.0%}' if fraction is not None else '-'):>6} {page['status']:>6}")
            print(f"{'':>5} {mode:<5} worker RSS MB: {scale[mode]['worker_rss_mb']}")
        print(f"{'':>5} build: {scale['build']}; load average before/after: "
              f"{scale['load_average_before']} / {scale['load_average_after']}")
    print("\nTargets (largest scale):")
    for verdict in results["verdicts"]:
        print(f"  [{'met ' if verdict['met'] else 'MISS'}] {verdict['target']}: {verdict['detail']}")


if __name__ == "__main__":
    sys.exit(main())
