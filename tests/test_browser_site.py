"""The public site in real Chromium: a visitor's journeys, with and without JavaScript, by keyboard, and
axe-core accessibility checks on every page type."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations

pytestmark = pytest.mark.browser


def test_visitor_finds_group_therapies_for_a_condition_and_opens_one(page, live_server, live_catalog):
    page.goto(live_server.url + "/therapies/")
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.wait_for_url(re.compile(r"condition=ocd"))  # htmx updated the results and the address bar
    page.get_by_label(re.compile(r"^Group \(")).check()
    page.wait_for_url(re.compile(r"condition=ocd.*format=group"))
    expect(page.locator(".result-count")).to_have_text("3 therapies")
    expect(page.get_by_label(re.compile(r"^Group \("))).to_be_checked()
    page.get_by_role("link", name="Exposure and response prevention").click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Exposure and response prevention"))


def test_same_journey_without_javascript(page_without_js, live_server, live_catalog):
    page = page_without_js
    page.goto(live_server.url + "/therapies/")
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.get_by_label(re.compile(r"^Group \(")).check()
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"condition=ocd.*format=group"))
    # expect() retries until the new page is in, not the old one's count.
    expect(page.locator(".result-count")).to_have_text("3 therapies")
    page.get_by_role("link", name="Exposure and response prevention").click()
    expect(page).to_have_url(re.compile(r"/therapies/erp/$"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^Exposure and response prevention"))


def test_every_kind_of_filter_control_works_without_javascript(page_without_js, live_server, live_catalog):
    """Radio buttons, the sort menu, the search box and the chips: each reaches the server as a plain GET."""
    page = page_without_js
    page.goto(live_server.url + "/therapies/")
    page.get_by_label(re.compile(r"^Moderate or stronger")).check()
    page.get_by_label("Sort by").select_option(label="Name (A–Z)")
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"level=moderate.*sort=name"))
    cards = page.locator(".cards h3 a")
    expect(cards).to_have_text([re.compile(r"^Cognitive behavioural therapy"),
                                re.compile(r"^Exposure and response prevention"), "Person-centred therapy"])
    page.get_by_label("Search within therapies").fill("counselling")
    page.get_by_role("button", name="Show results").click()
    expect(cards).to_have_text(["Person-centred therapy"])
    page.get_by_role("link", name="Remove filter: Evidence: moderate or stronger").click()
    expect(page).not_to_have_url(re.compile(r"level=moderate"))
    expect(page.locator(".chips")).to_contain_text("Matching “counselling”")
    expect(cards).to_have_text(["Person-centred therapy"])
    page.get_by_role("link", name="Clear all").click()
    expect(page.locator(".result-count")).to_have_text("5 therapies")


def test_keyboard_alone_reaches_skip_link_filters_and_results(page, live_server, live_catalog):
    page.goto(live_server.url + "/therapies/?condition=ocd")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    reached = []
    for _ in range(60):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.textContent.trim()"))
        if "Cognitive behavioural therapy (CBT)" in reached:
            break
    assert "id_q" in reached  # the search box in the filters
    assert any(item.startswith("id_condition_") for item in reached)
    assert "Cognitive behavioural therapy (CBT)" in reached  # a result link
    # Space toggles a checkbox from the keyboard, and the results follow
    page.focus("#id_format_group")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"format=group"))


def test_focus_is_visible(page, live_server, live_catalog):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


@pytest.mark.parametrize("path", [
    "/", "/therapies/", "/therapies/?condition=ocd&format=group", "/therapies/?condition=psychosis&format=online",
    "/therapies/cbt/", "/therapies/art-therapy/", "/conditions/", "/conditions/ocd/", "/conditions/psychosis/",
    "/about/", "/help/", "/no-such-page/",
])
def test_no_accessibility_violations(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/", "/therapies/?condition=ocd", "/therapies/cbt/", "/conditions/ocd/"])
def test_phone_layout_fits_360px_and_passes_axe(phone_page, live_server, live_catalog, path):
    phone_page.goto(live_server.url + path)
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert axe_violations(phone_page) == []


@pytest.mark.parametrize("fixture", ["page", "page_without_js"])
def test_reader_report_opens_and_sends_with_or_without_javascript(request, live_server, live_catalog, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(live_server.url + "/therapies/cbt/")
    page.get_by_role("link", name="Report an error or suggest a study").click()
    page.get_by_label("What is wrong, or what should we look at?").fill("The session count looks off.")
    if fixture == "page":
        expect(page).to_have_url(re.compile(r"/therapies/cbt/$"))  # the form opened in place
    else:
        expect(page).to_have_url(re.compile(r"/therapies/cbt/report/$"))
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url(re.compile(r"sent=1"))
    from therapies.models import ReaderReport

    assert ReaderReport.objects.get().message == "The session count looks off."


def test_report_page_has_no_accessibility_violations(page, live_server, live_catalog):
    page.goto(live_server.url + "/conditions/ocd/report/")
    assert axe_violations(page) == []
