"""`make run` is the real site on loopback (gunicorn, DEBUG off, the site's own error pages); `make dev` is
Django's development server, which reloads on a change and shows debug pages."""
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from tests.helpers import ROOT, free_port, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def start(target: str, port: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ENV"}}
    return subprocess.Popen(["make", "--no-print-directory", target, f"PORT={port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def stop(process: subprocess.Popen, read: bool = True) -> str:
    """Stop the make target and everything it started; its output, unless another reader has it."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        return process.communicate(timeout=30)[0] if read else str(process.wait(timeout=30))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        return process.communicate()[0] if read else str(process.wait())


def fetch(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_make_run_serves_the_sites_own_404_and_answers_head():
    port = free_port()
    process = start("run", port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz", process, timeout=300)
        status, headers, body = fetch(base + "/no-such-page/")
        assert status == 404
        assert "We could not find that page" in body.decode()
        assert "URLconf" not in body.decode() and "admin/" not in body.decode()  # no debug page listing routes
        status, get_headers, home = fetch(base + "/")
        head_status, head_headers, head_body = fetch(base + "/", method="HEAD")
        assert (status, head_status, head_body) == (200, 200, b"")
        for name in ("Content-Type", "Cache-Control", "Content-Security-Policy"):
            assert head_headers[name] == get_headers[name]
        stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', home.decode())
        assert stylesheet, "production pages link hashed, collected static files"
        status, headers, _ = fetch(base + stylesheet.group(1))
        assert status == 200 and "immutable" in headers["Cache-Control"]  # served by WhiteNoise
    finally:
        output = stop(process)
    assert "Booting worker" in output, output
    assert (ROOT / "var" / "secret_key").stat().st_mode & 0o077 == 0  # kept from the first run, owner only


def test_make_dev_reloads_when_the_code_changes_and_shows_debug_pages():
    port = free_port()
    process = start("dev", port)
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        wait_for(base + "/healthz", process, timeout=300)
        status, _, body = fetch(base + "/no-such-page/")
        assert status == 404 and "URLconf" in body.decode()
        changed = ROOT / "therapies" / "text.py"
        deadline = time.monotonic() + 60
        while not any("text.py changed, reloading" in line for line in lines) and time.monotonic() < deadline:
            os.utime(changed)  # a save without a change: the reloader compares modification times each second
            time.sleep(2)
        wait_for(base + "/healthz", process, timeout=60)  # and the new server answers
    finally:
        stop(process, read=False)
        reader.join(timeout=10)
    assert any("text.py changed, reloading" in line for line in lines), "".join(lines)
