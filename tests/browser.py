"""Real-browser fixtures: Debian's Chromium driven by Playwright, axe-core for accessibility."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
# WCAG 2.0-2.2 A and AA rules (and axe's best practices are not required).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def missing(what: str) -> None:
    """Skip with a reason, or fail where the browser is required (CI sets REQUIRE_BROWSER=1)."""
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} is required (REQUIRE_BROWSER=1) but missing")
    pytest.skip(f"{what} not installed; `make test` installs it where it can")


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium")
    if not executable:
        missing("Debian's chromium")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def _page(chromium, **options):
    """A page in a browser context of its own, closed afterwards."""
    context = chromium.new_context(**options)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def page(chromium):
    """A desktop page; CSP is bypassed so axe-core can be injected."""
    with _page(chromium, viewport={"width": 1280, "height": 900}, bypass_csp=True) as page:
        yield page


@pytest.fixture
def page_without_js(chromium):
    with _page(chromium, viewport={"width": 1280, "height": 900}, java_script_enabled=False) as page:
        yield page


@pytest.fixture
def phone_page(chromium):
    with _page(chromium, viewport={"width": 360, "height": 740}, bypass_csp=True, is_mobile=True) as page:
        yield page


@pytest.fixture
def phone_390(chromium):
    """A common phone (390 x 844 CSS pixels), the size the phone-first tests measure the fold at."""
    with _page(chromium, viewport={"width": 390, "height": 844}, bypass_csp=True, is_mobile=True) as page:
        yield page


@pytest.fixture
def phone_without_js(chromium):
    with _page(chromium, viewport={"width": 390, "height": 844}, is_mobile=True, java_script_enabled=False) as page:
        yield page


def axe_violations(page) -> list[dict]:
    """Run axe-core in the page; returns its violations (id, impact, the first offending nodes)."""
    if not AXE.exists():
        missing("axe-core (npm)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS)
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


__all__ = ["axe_violations", "chromium", "page", "page_without_js", "phone_390", "phone_page", "phone_without_js", "Path"]
