"""Search in real Chromium: suggestions as you type with the keyboard (the ARIA combobox), the answer card,
and the same search without JavaScript; checked by axe."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations

pytestmark = pytest.mark.browser
LABEL = "Search therapies and conditions"


@pytest.mark.parametrize("path", ["/", "/search/"])
def test_suggestions_by_keyboard_arrow_down_and_enter(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    box = page.get_by_role("combobox", name=LABEL)
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially("dep", delay=40)
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option").first).to_have_text(re.compile(r"^Depression"))
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("[role=status]", has_text=re.compile(r"\d+ suggestions?"))).to_have_count(1)
    box.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    assert page.evaluate("document.activeElement.getAttribute('role')") == "combobox"  # focus stays in the box
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Depression"))
    expect(page.locator(".answer-condition h2")).to_have_text(re.compile(r"^Best-supported approaches for Depression"))


def test_escape_closes_the_suggestions_and_arrow_up_wraps(page, live_server, live_catalog):
    page.goto(live_server.url + "/search/")
    box = page.get_by_role("combobox", name=LABEL)
    box.press_sequentially("th", delay=40)
    options = page.get_by_role("listbox").get_by_role("option")
    expect(options.first).to_be_visible()
    box.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    assert axe_violations(page) == []  # the open combobox, too
    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("th")


def test_a_question_without_javascript_gets_its_answer_and_the_way_back(page_without_js, live_server, live_catalog):
    page = page_without_js
    page.goto(live_server.url + "/")
    page.get_by_label(LABEL).fill("best treatment for ocd")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=best\+treatment\+for\+ocd"))
    expect(page.locator(".search-reading strong")).to_have_text("Obsessive-compulsive disorder")
    expect(page.locator(".answer-rows li a").first).to_have_text(re.compile(r"Cognitive behavioural therapy|Exposure"))
    page.get_by_role("link", name=re.compile(r"Search the exact words")).click()
    expect(page).to_have_url(re.compile(r"plain=on"))
    expect(page.locator(".answer")).to_have_count(0)


def test_a_comparison_question_opens_the_comparison(page, live_server, live_catalog):
    page.goto(live_server.url + "/")
    page.get_by_label(LABEL).fill("cbt or dbt")
    page.get_by_label(LABEL).press("Enter")
    expect(page).to_have_url(re.compile(r"/compare/\?t=cbt&t=dbt$"))


@pytest.mark.parametrize("path", ["/search/?q=best+treatment+for+ocd", "/search/?q=suicidal", "/search/?q=zzqx+wibble",
                                  "/search/?q=cbt+depression"])
def test_no_accessibility_violations(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


def test_the_header_search_box_suggests_too(page, live_server, live_catalog):
    page.goto(live_server.url + "/therapies/cbt/")
    box = page.get_by_role("combobox", name="Search the site")
    box.press_sequentially("psych", delay=40)
    expect(page.get_by_role("listbox").get_by_role("option").first).to_have_text(re.compile(r"^Psychosis"))
    box.press("ArrowDown")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=Psychosis"))
    expect(page.locator(".answer-condition")).to_have_count(1)
