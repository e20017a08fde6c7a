"""Compare, search and the evidence matrix in real Chromium, with and without JavaScript, checked by axe."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("fixture", ["page", "page_without_js"])
def test_compare_two_then_add_a_third(request, live_server, live_catalog, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(live_server.url + "/therapies/cbt/")
    page.get_by_role("link", name="Compare with…").click()
    page.get_by_label("Add an approach to compare").fill("ERP")  # an abbreviation
    page.get_by_role("button", name="Add").click()
    # expect() retries until the new page is in: a click returns before a full navigation has loaded.
    expect(page.locator(".compare-table thead th")).to_have_count(2)
    page.get_by_label("Add an approach to compare").fill("Dialectical behaviour therapy (DBT)")  # a suggestion
    page.get_by_label("Add an approach to compare").press("Enter")
    expect(page.locator(".compare-table thead th a:not(.remove)")).to_have_text(
        ["Cognitive behavioural therapy", "Exposure and response prevention", "Dialectical behaviour therapy"])
    expect(page).to_have_url(re.compile(r"t=cbt&t=erp&t=dbt"))
    page.get_by_role("link", name="Remove Exposure and response prevention from the comparison").click()
    expect(page.locator(".compare-table thead th a:not(.remove)")).to_have_text(
        ["Cognitive behavioural therapy", "Dialectical behaviour therapy"])


def test_search_an_abbreviation_and_open_the_result(page, live_server, live_catalog):
    page.goto(live_server.url + "/search/")
    page.get_by_label("Search therapies and conditions").press_sequentially("erp", delay=40)
    page.get_by_label("Search therapies and conditions").press("Enter")
    page.wait_for_url(re.compile(r"q=erp"))  # results arrived in place; the address bar followed
    page.locator(".search-hits a", has_text="Exposure and response prevention").first.click()
    expect(page.locator("h1")).to_have_text(re.compile(r"^Exposure and response prevention"))


def test_search_without_javascript_submits_the_form(page_without_js, live_server, live_catalog):
    page = page_without_js
    page.goto(live_server.url + "/")
    page.get_by_label("Search therapies and conditions").fill("OCD")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=OCD"))
    expect(page.locator(".search-hits h3 a").first).to_have_attribute("href", re.compile(r"/conditions/ocd/"))
    page.locator(".search-hits h3 a").first.click()
    expect(page).to_have_url(re.compile(r"/conditions/ocd/"))


def test_search_page_form_without_javascript_corrects_a_typo_and_searches_again(page_without_js, live_server,
                                                                                 live_catalog):
    page = page_without_js
    page.goto(live_server.url + "/search/")
    page.get_by_label("Search therapies and conditions").fill("cognitve")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=cognitve"))
    expect(page.locator(".search-hits h3 a").first).to_have_text(re.compile(r"^Cognitive behavioural therapy"))
    page.get_by_label("Search therapies and conditions").fill("psychosis")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=psychosis"))
    expect(page.locator(".search-hits h3 a").first).to_have_attribute("href", "/conditions/psychosis/")


@pytest.mark.parametrize("fixture", ["page", "page_without_js"])
def test_matrix_with_a_format_filter(request, live_server, live_catalog, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(live_server.url + "/evidence/")
    page.get_by_label("Online with a therapist").check() if page.get_by_label("Online with a therapist").count() else \
        page.get_by_label("Online", exact=True).check()
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"format=online"))
    # expect() retries: the URL changes when navigation starts, before the new rows exist.
    expect(page.locator(".matrix tbody th")).to_have_text(["Cognitive behavioural therapy"])
    page.locator('.matrix a[href="/therapies/cbt/#evidence-ocd"]').click()
    expect(page).to_have_url(re.compile(r"/therapies/cbt/#evidence-ocd$"))


@pytest.mark.parametrize("path", ["/compare/?t=cbt&t=erp&t=dbt", "/compare/?t=cbt", "/compare/",
                                  "/search/?q=ocd", "/search/?q=cognitve", "/search/", "/evidence/",
                                  "/evidence/?category=psychosis"])
def test_no_accessibility_violations(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/compare/?t=cbt&t=erp", "/evidence/", "/search/?q=ocd"])
def test_readable_on_a_phone(phone_page, live_server, live_catalog, path):
    phone_page.goto(live_server.url + path)
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0  # wide tables scroll inside their own box
    assert axe_violations(phone_page) == []
