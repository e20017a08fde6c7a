"""Real servers started by the scaling tests: gunicorn app instances, Varnish, and an HTTP client that keeps
cookies and signs in to the admin the way a person does."""
from __future__ import annotations

import http.cookiejar
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import ROOT, free_port, production_env, wait_for

GUNICORN = [sys.executable, "-m", "gunicorn", "explorer.wsgi:application", "--config", "explorer/gunicorn.conf.py"]


@contextmanager
def gunicorn(tmp_path: Path, **extra: str):
    """One app instance as production runs it, against the test database; yields its base URL. Its output
    goes to tmp_path/gunicorn-<port>.log."""
    port = free_port()
    env = production_env(tmp_path, port, **extra)
    log = tmp_path / f"gunicorn-{port}.log"  # read by a failing test: what the server said
    with log.open("w") as output:
        server = subprocess.Popen(GUNICORN, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, text=True)
    try:
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", server, timeout=60)
        except (RuntimeError, TimeoutError) as error:
            raise RuntimeError(f"{error}\n{log.read_text()[-3000:]}") from None
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server)


def stop(server: subprocess.Popen) -> None:
    """Stop a server the tests started: politely, then by force after 20 seconds (its pipes drained)."""
    server.terminate()
    try:
        server.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.communicate()


@contextmanager
def varnish(backend_port: int):
    """varnishd with deploy/varnish/default.vcl, its backend pointed at 127.0.0.1:backend_port; yields its URL."""
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="varnish-") as workdir:
        vcl = (ROOT / "deploy" / "varnish" / "default.vcl").read_text()
        vcl = vcl.replace('.host = "web";', '.host = "127.0.0.1";').replace('.port = "8000";', f'.port = "{backend_port}";')
        (Path(workdir) / "test.vcl").write_text(vcl)
        # -F: in the foreground, stopped with the process; -j none: no privilege separation (runs as whoever
        # runs the tests, root or not); -n: a working folder of its own.
        server = subprocess.Popen(
            [varnishd, "-F", "-j", "none", "-n", workdir, "-a", f"127.0.0.1:{port}", "-f", f"{workdir}/test.vcl",
             "-s", "malloc,32m", "-p", "ban_lurker_sleep=0.01"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", server, timeout=30)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(server)


class Browser:
    """urllib with a cookie jar: GETs and form POSTs as a browser makes them, no redirects followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect())

    def get(self, path: str) -> tuple[int, dict, str]:
        return self.send(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict | list) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        return self.send(request)

    def send(self, request: urllib.request.Request) -> tuple[int, dict, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def csrf_token(self, path: str) -> str:
        _, _, html = self.get(path)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)

    def sign_in(self, username: str, password: str) -> None:
        token = self.csrf_token("/admin/login/")
        status, headers, _ = self.post("/admin/login/?next=/admin/", {
            "csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"})
        assert status == 302, f"sign-in failed: {status}"

    def admin_action(self, changelist: str, action: str, pks: list[int]) -> int:
        token = self.csrf_token(changelist)
        status, _, _ = self.post(changelist, {"csrfmiddlewaretoken": token, "action": action,
                                              "_selected_action": [str(pk) for pk in pks], "index": "0"})
        return status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    """One GET without cookies (an anonymous visitor): status, headers, text."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
