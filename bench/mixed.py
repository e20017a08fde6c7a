"""The mixed run of `make bench`: many public pages at once, their popularity following a Zipf law, while
an editor publishes every few seconds.

URLs: every published approach and condition page, browse by condition, by format and by both, the
condition list, home, the evidence matrix, comparisons of popular pairs, searches for condition names,
and the public API's list endpoints when the site has them (probed, so the run works with or without
them). Ranked in a seeded random order; the page at rank r gets weight 1 / r^s (s = 1.0 by default).
wrk (bench/mixed.lua) picks each request by that weight. Meanwhile a publisher process saves one approach
every `--publish-every` seconds, through the model's own signals, so the catalog version moves and cached
pages are rebuilt, as after an editor's publish. Reports the page cache's hit ratio, throughput as a
fraction of the static floor measured on the same server, p50/p95/p99, and errors.

Needs REDIS_URL: the publisher is another process, and only a shared cache carries its publish to the
server's workers (as in production).
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
API_CANDIDATES = ["/api/v1/approaches/", "/api/v1/conditions/", "/api/v1/evidence/", "/api/v1/"]

CATALOG_CODE = """
import django, json; django.setup()
from therapies.models import Approach, Condition, Format
print(json.dumps({
    "approaches": list(Approach.objects.published().order_by("pk").values_list("slug", flat=True)),
    "conditions": list(Condition.objects.published().order_by("pk").values_list("slug", "name")),
    "formats": list(Format.objects.order_by("position").values_list("slug", flat=True)),
}))
"""

PUBLISHER_CODE = """
import django, sys, time; django.setup()
from therapies.models import Approach
every, until = float(sys.argv[1]), time.monotonic() + float(sys.argv[2])
approaches = list(Approach.objects.published().order_by("pk")[:50])
count = 0
while time.monotonic() < until:
    time.sleep(every)
    approaches[count % len(approaches)].save()  # the signals bump the catalog version: a publish
    count += 1
print(count)
"""


def catalog_paths(env: dict[str, str], fetch, base: str, seed: int) -> list[str]:
    """The public URLs of the mixed run, most popular first (seeded shuffle)."""
    data = json.loads(subprocess.run([PY, "-c", CATALOG_CODE], cwd=ROOT, env=env, text=True, check=True,
                                     capture_output=True).stdout)
    approaches, conditions, formats = data["approaches"], data["conditions"], data["formats"]
    paths = ["/", "/therapies/", "/conditions/", "/evidence/"]
    paths += [f"/therapies/{slug}/" for slug in approaches]
    paths += [f"/conditions/{slug}/" for slug, _ in conditions]
    paths += [f"/therapies/?condition={slug}" for slug, _ in conditions]
    paths += [f"/therapies/?format={slug}" for slug in formats]
    paths += [f"/therapies/?condition={c}&format={f}" for c, _ in conditions[:40] for f in formats[:3]]
    paths += [f"/compare/?t={a}&t={b}" for a, b in zip(approaches[:30], approaches[1:31])]
    paths += [f"/search/?q={quote_plus('treatment for ' + name.lower())}" for _, name in conditions[:40]]
    paths += [path for path in API_CANDIDATES if fetch(base + path)[0] == 200]
    rng = random.Random(seed)
    popular, rest = paths[:6], paths[6:]  # home, browse and the real catalog's first records lead
    rng.shuffle(rest)
    return popular + rest


def zipf_file(paths: list[str], exponent: float, folder: Path) -> Path:
    path = folder / "mixed-paths.txt"
    path.write_text("".join(f"{1 / rank ** exponent:.8f} {url}\n" for rank, url in enumerate(paths, start=1)))
    return path


def run_mixed(env: dict[str, str], base: str, fetch, args, floor_rps: float | None) -> dict:
    """One mixed run against the server at `base` (already started, page cache on)."""
    if not env.get("REDIS_URL"):
        return {"skipped": "needs REDIS_URL (the publisher's publish reaches the workers through it)"}
    folder = Path(tempfile.mkdtemp(prefix="bench-mixed-"))
    paths = catalog_paths(env, fetch, base, args.seed)
    paths_file = zipf_file(paths, args.zipf, folder)
    publisher = subprocess.Popen([PY, "-c", PUBLISHER_CODE, str(args.publish_every), str(args.mixed_duration)],
                                 cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.mixed_duration}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "mixed.lua"), base]
    result = subprocess.run(command, text=True, capture_output=True, timeout=args.mixed_duration + 60,
                            env={**os.environ, "MIXED_PATHS": str(paths_file)})
    publishes = publisher.communicate(timeout=args.mixed_duration + 60)[0].strip()
    line = next((l for l in result.stdout.splitlines() if l.startswith("MIXED_JSON ")), None)
    if line is None:
        return {"error": (result.stderr or result.stdout)[-500:]}
    data = json.loads(line.removeprefix("MIXED_JSON "))
    seconds = data["duration_us"] / 1e6
    looked_up = data["hits"] + data["misses"]
    rps = round(data["requests"] / seconds, 1) if seconds else 0.0
    return {
        "urls": len(paths), "zipf_exponent": args.zipf, "publish_every_s": args.publish_every,
        "publishes": int(publishes or 0), "duration_s": args.mixed_duration, "requests": data["requests"],
        "rps": rps, "floor_static_rps": floor_rps,
        "floor_fraction": round(rps / floor_rps, 4) if floor_rps else None,
        "hit_ratio": round(data["hits"] / looked_up, 4) if looked_up else None,
        "hits": data["hits"], "misses": data["misses"], "not_cached": data["uncached"],
        "errors_4xx_5xx": data["errors_4xx_5xx"], "socket_errors": data["socket_errors"],
        "p50_ms": round(data["p50_us"] / 1000, 2), "p95_ms": round(data["p95_us"] / 1000, 2),
        "p99_ms": round(data["p99_us"] / 1000, 2), "max_ms": round(data["max_us"] / 1000, 2),
        "api_included": [path for path in API_CANDIDATES if path in paths],
    }


def add_mixed_arguments(parser) -> None:
    parser.add_argument("--mixed-duration", type=int, default=20, help="seconds of the mixed run (bench/mixed.py); 0: none")
    parser.add_argument("--publish-every", type=float, default=3.0, help="seconds between publishes in the mixed run")
    parser.add_argument("--zipf", type=float, default=1.0, help="the mixed run's Zipf exponent")


def mixed_at_largest_scale(results: dict, args, static_root: str, ensure_database, gunicorn, fetch) -> dict:
    """The mixed run at the largest scale, on a fresh server with the page cache on; bench/run.py passes
    its own database, server and fetch helpers."""
    largest = max(results["scales"], key=lambda s: s["scale"])
    env, _ = ensure_database(largest["scale"], args)
    print(f"scale {largest['scale']}: mixed run, {args.mixed_duration} s", flush=True)
    log = Path(tempfile.mkdtemp(prefix="bench-mixed-")) / "server.log"
    with gunicorn(env, static_root, args.workers, 600, log) as (base, _):
        floor = largest["warm"]["pages"]["floor_static"].get("rps")
        return {"scale": largest["scale"], **run_mixed(env, base, fetch, args, floor)}


def print_mixed(mixed: dict) -> None:
    if "rps" not in mixed:
        print(f"\nMixed run: {mixed.get('skipped') or mixed.get('error')}")
        return
    fraction = f"{mixed['floor_fraction']:.0%}" if mixed["floor_fraction"] is not None else "-"
    hit_ratio = f"{mixed['hit_ratio']:.1%}" if mixed["hit_ratio"] is not None else "-"
    print(f"\nMixed run ({mixed['urls']} URLs, Zipf s={mixed['zipf_exponent']}, {mixed['publishes']} publishes in "
          f"{mixed['duration_s']} s): {mixed['rps']} req/s ({fraction} of the static floor), hit ratio "
          f"{hit_ratio}, p50 {mixed['p50_ms']} ms, p95 {mixed['p95_ms']} ms, p99 {mixed['p99_ms']} ms, "
          f"{mixed['errors_4xx_5xx']} 4xx/5xx, {mixed['socket_errors']} socket errors")
