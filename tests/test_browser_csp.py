"""The Content-Security-Policy in real Chromium (a context that enforces it): no page, public or admin,
triggers a violation, htmx still works, and the admin's change form is usable."""
import re

import pytest
from playwright.sync_api import expect

from tests.public_urls import public_pages

pytestmark = pytest.mark.browser


@pytest.fixture
def enforcing_page(chromium):
    """A page whose context enforces CSP (the shared `page` fixture bypasses it for axe-core)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.violations = []
    # Chromium reports each blocked script, style or frame as a console error naming the policy.
    page.on("console", lambda message: ("Content Security Policy" in message.text or "Refused to" in message.text)
            and page.violations.append(message.text))
    page.on("pageerror", lambda error: page.violations.append(str(error)))
    yield page
    context.close()


def test_no_public_page_breaks_the_policy_and_htmx_still_filters(enforcing_page, live_server, live_catalog):
    page = enforcing_page
    for url in public_pages() + ["/no-such-page/"]:
        page.goto(live_server.url + url)
        assert page.locator("main").count() == 1, url
    assert page.violations == []
    page.goto(live_server.url + "/therapies/")
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.wait_for_url(re.compile(r"condition=ocd"))  # an htmx swap, under the policy
    expect(page.locator(".result-count")).to_have_text("3 therapies")
    assert page.violations == []


def test_the_admin_works_under_the_policy(enforcing_page, live_server, live_catalog, django_user_model):
    django_user_model.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    page = enforcing_page
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "curator")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.wait_for_url(live_server.url + "/admin/")
    approach = live_catalog.approaches["cbt"]
    for url in ("/admin/", "/admin/therapies/approach/", f"/admin/therapies/approach/{approach.pk}/change/",
                "/admin/therapies/approach/add/", "/admin/therapies/evidencelink/add/",
                "/admin/therapies/condition/"):
        page.goto(live_server.url + url)
        assert page.locator("#content").count() == 1, url
    assert page.violations == []
    # The change form's JavaScript runs: add another inline row, then save.
    page.goto(live_server.url + f"/admin/therapies/approach/{approach.pk}/change/")
    page.fill("#id_summary", "Edited in a browser that enforces the policy.")
    page.click("input[name=_save]")
    page.wait_for_url(re.compile(r"/admin/therapies/approach/$"))
    assert "was changed successfully" in page.content()
    page.goto(live_server.url + f"/admin/therapies/approach/{approach.pk}/history/")  # now with a revision
    assert page.locator("#change-history").count() == 1
    assert page.violations == []


def test_the_api_documentation_renders_under_the_policy(enforcing_page, live_server, live_catalog):
    """Swagger UI from our own static files, started by static/js/api-docs.js: no inline script, no CDN."""
    page = enforcing_page
    page.goto(live_server.url + "/api/")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/approaches/").first).to_be_visible(timeout=15000)
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/evidence/")).to_be_visible()
    assert page.violations == []
