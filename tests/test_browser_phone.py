"""Phone first, in real Chromium at 390 x 844: results above the fold, no page that scrolls sideways, the
filter disclosure by keyboard and without JavaScript, the busy state while htmx updates, and the sort a
ticked condition gets."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser import axe_violations

pytestmark = pytest.mark.browser
FOLD = 844

# One address per page type.
PAGE_TYPES = [
    "/", "/therapies/", "/therapies/?condition=ocd&format=group", "/therapies/cbt/", "/therapies/erp/",
    "/conditions/", "/conditions/ocd/", "/conditions/psychosis/", "/compare/?t=cbt&t=erp&t=dbt", "/compare/",
    "/summary/?c=ocd&t=cbt&t=erp", "/search/?q=ocd", "/evidence/", "/evidence/?category=psychosis",
    "/about/", "/help/", "/glossary/", "/therapies/cbt/report/", "/no-such-page/",
]


def first_result_top(page, selector: str) -> float:
    return page.locator(selector).first.evaluate("element => element.getBoundingClientRect().top")


@pytest.mark.parametrize(("path", "selector"), [
    ("/therapies/?condition=ocd", ".cards > li"), ("/conditions/ocd/", ".evidence-table tbody tr"),
])
def test_the_first_result_is_above_the_fold(phone_390, live_server, live_catalog, path, selector):
    phone_390.goto(live_server.url + path)
    top = first_result_top(phone_390, selector)
    assert top + 48 <= FOLD, f"the first result starts at {top}px"  # its name, at least, is on the first screen


@pytest.mark.parametrize("width", [360, 390, 414])
def test_no_page_scrolls_sideways(chromium, live_server, live_catalog, width):
    context = chromium.new_context(viewport={"width": width, "height": 844}, is_mobile=True)
    page = context.new_page()
    wide = {}
    for path in PAGE_TYPES:
        page.goto(live_server.url + path)
        # Against the set width: a mobile viewport widens itself (and innerWidth) to fit what overflows.
        scroll = page.evaluate("document.documentElement.scrollWidth") - width
        if scroll > 0:
            wide[path] = scroll
    context.close()
    assert wide == {}


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_accessibility_violations_on_a_phone(phone_390, live_server, live_catalog, path):
    phone_390.goto(live_server.url + path)
    assert axe_violations(phone_390) == []


def test_the_filter_disclosure_opens_and_closes_from_the_keyboard(phone_390, live_server, live_catalog):
    page = phone_390
    page.goto(live_server.url + "/therapies/?condition=ocd")
    toggle = page.locator(".filter-toggle")
    expect(toggle).to_have_text("Filters (1 chosen)")
    search = page.get_by_label("Search within therapies")
    expect(search).to_be_hidden()  # results first on a phone
    toggle.focus()
    page.keyboard.press("Enter")
    expect(search).to_be_visible()
    page.keyboard.press("Space")
    expect(search).to_be_hidden()


def test_the_filter_disclosure_works_without_javascript(phone_without_js, live_server, live_catalog):
    page = phone_without_js
    page.goto(live_server.url + "/therapies/")
    expect(page.locator(".filter-toggle")).to_have_text("Filters")
    page.locator(".filter-toggle").click()
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.get_by_role("button", name="Show results").click()
    expect(page).to_have_url(re.compile(r"condition=ocd"))
    expect(page.locator(".filter-toggle")).to_have_text("Filters (1 chosen)")
    expect(page.locator(".cards h3 a").first).to_have_text(re.compile(r"^Cognitive behavioural therapy"))
    page.locator(".filter-toggle").click()
    expect(page.get_by_role("button", name="Show results")).to_be_visible()
    page.locator(".filter-toggle").click()
    expect(page.get_by_role("button", name="Show results")).to_be_hidden()


def test_an_update_in_flight_is_shown_and_announced(page, live_server, live_catalog):
    """While htmx fetches new results, the results say so (aria-busy, a visible note, the live region)."""
    page.goto(live_server.url + "/therapies/")
    held = []
    page.route(re.compile(r"/therapies/\?"), lambda route: held.append(route))
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.wait_for_function("document.getElementById('browse').getAttribute('aria-busy') === 'true'")
    expect(page.locator(".busy-note")).to_be_visible()
    expect(page.locator("#browse-status")).to_have_text("Updating results…")
    while not held:  # the request reaches the route just after htmx marks the results busy
        page.wait_for_timeout(20)
    held[0].continue_()
    expect(page.locator(".result-count")).to_have_text("3 therapies")
    expect(page.locator("#browse")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator(".busy-note")).to_be_hidden()
    expect(page.locator("#browse-status")).to_have_text("3 therapies found")


def test_ticking_a_condition_with_javascript_sorts_strongest_first(page, live_server, live_catalog):
    """The bug this pins: htmx sent the select as it stood (`sort=name`), so results came A to Z."""
    page.goto(live_server.url + "/therapies/")
    page.get_by_label(re.compile(r"^Obsessive-compulsive disorder")).check()
    page.wait_for_url(re.compile(r"condition=ocd"))
    assert "sort=name" not in page.url
    expect(page.locator(".cards h3 a")).to_have_text([
        re.compile(r"^Cognitive behavioural therapy"), re.compile(r"^Exposure and response prevention"),
        re.compile(r"^Dialectical behaviour therapy")])


def test_compare_picker_adds_without_a_reload_and_keeps_focus(page, live_server, live_catalog):
    page.goto(live_server.url + "/compare/?t=cbt")
    page.evaluate("window.notReloaded = true")  # gone if the page reloads
    box = page.get_by_label("Add an approach to compare")
    box.fill("ERP")
    box.press("Enter")
    expect(page.locator(".compare-table thead th")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"/compare/\?t=cbt&t=erp$"))
    assert page.evaluate("window.notReloaded") is True
    expect(page.get_by_label("Add an approach to compare")).to_be_focused()  # ready for the next one


def test_compare_with_three_approaches_is_readable_on_a_phone(phone_390, live_server, live_catalog):
    """Each approach's column is wide enough to read; the row labels stay in view while the columns scroll
    inside the table's own box, and the page itself does not scroll sideways."""
    page = phone_390
    page.goto(live_server.url + "/compare/?t=cbt&t=erp&t=dbt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    widths = page.locator(".compare-table thead th").evaluate_all("cells => cells.map(c => c.getBoundingClientRect().width)")
    assert len(widths) == 3 and min(widths) >= 190
    label = page.locator(".compare-table tbody th[scope=row]").first
    before = label.evaluate("e => e.getBoundingClientRect().left")
    page.locator(".compare-scroll").evaluate("box => { box.scrollLeft = 400; }")
    assert label.evaluate("e => e.getBoundingClientRect().left") == before  # sticky
    text_size = page.locator(".compare-table td").first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert text_size >= 14


def test_compare_these_from_a_condition_page(page, live_server, live_catalog):
    page.goto(live_server.url + "/conditions/ocd/")
    page.get_by_label("Compare").nth(0).check()
    page.locator("#compare-dbt").check()
    page.get_by_role("button", name="Compare the ones I ticked").click()
    expect(page).to_have_url(re.compile(r"/compare/\?t=cbt&t=dbt$"))
    expect(page.locator(".compare-table thead th")).to_have_count(2)


def test_a_matrix_cell_lands_on_a_highlighted_row(page, live_server, live_catalog):
    page.goto(live_server.url + "/evidence/")
    assert page.locator(".matrix-scroll").evaluate("box => getComputedStyle(box).overflowY") != "auto" or \
        page.locator(".matrix-scroll").evaluate("box => box.scrollHeight <= box.clientHeight")  # no box to scroll down in
    page.locator('.matrix a[href="/therapies/erp/#evidence-ocd"]').click()
    expect(page).to_have_url(re.compile(r"/therapies/erp/#evidence-ocd$"))
    row = page.locator("#evidence-ocd")
    expect(row).to_be_in_viewport()
    colour = row.locator("td").first.evaluate("cell => getComputedStyle(cell).backgroundColor")
    assert colour == "rgb(255, 243, 176)"
    other = page.locator("tr[id^=evidence-]:not(#evidence-ocd) td")
    if other.count():
        assert other.first.evaluate("cell => getComputedStyle(cell).backgroundColor") != colour


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_accessibility_violations_on_a_desktop(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


def test_no_page_logs_a_console_error(page, live_server, live_catalog):
    """A missing favicon or a refused script shows up here."""
    errors = []
    page.on("console", lambda message: errors.append((page.url, message.text)) if message.type == "error" else None)
    for path in PAGE_TYPES:
        if path != "/no-such-page/":  # a 404 is logged by the browser itself
            page.goto(live_server.url + path)
    assert errors == []


def test_the_level_key_is_open_where_there_is_room_and_reads_in_lines_on_a_phone(page, phone_390, live_server,
                                                                                  live_catalog):
    page.goto(live_server.url + "/conditions/ocd/")
    expect(page.locator("details.legend")).to_have_attribute("open", "")
    phone_390.goto(live_server.url + "/conditions/ocd/")
    legend = phone_390.locator("details.legend")
    assert legend.evaluate("details => details.open") is False  # one line on a phone: results first
    legend.locator("summary").click()
    widths = legend.locator("dd").evaluate_all("items => items.map(dd => dd.getBoundingClientRect().width)")
    assert min(widths) > 250  # a definition uses the width, not one word per line


def test_the_report_form_is_styled_like_the_rest_of_the_site(page, live_server, live_catalog):
    page.goto(live_server.url + "/therapies/cbt/report/")
    box = page.get_by_label("What is wrong, or what should we look at?")
    style = box.evaluate("e => { const s = getComputedStyle(e); return [s.borderTopWidth, s.borderTopStyle, "
                         "e.getBoundingClientRect().width]; }")
    assert style[0] == "2px" and style[1] == "solid" and style[2] > 400
    label = page.locator("label[for=report-message]").evaluate("e => [getComputedStyle(e).display, getComputedStyle(e).fontWeight]")
    assert label == ["block", "600"]


def test_show_results_on_a_phone_folds_the_filters_and_moves_to_the_results(phone_390, live_server, live_catalog):
    page = phone_390
    page.goto(live_server.url + "/therapies/")
    page.locator(".filter-toggle").click()
    page.get_by_label(re.compile(r"^Moderate or stronger")).check()  # htmx updates; the panel stays open
    page.wait_for_url(re.compile(r"level=moderate"))
    expect(page.get_by_role("button", name="Show results")).to_be_visible()
    page.get_by_role("button", name="Show results").click()
    expect(page.locator("#results-heading")).to_be_focused()
    expect(page.get_by_role("button", name="Show results")).to_be_hidden()
    expect(page.locator(".filter-toggle")).to_have_text("Filters (1 chosen)")


def test_a_matrix_that_fits_keeps_its_header_row_in_view_as_the_page_scrolls(chromium, live_server, live_catalog):
    """No box to scroll inside: the page scrolls, and the conditions' header row sticks to the window top."""
    context = chromium.new_context(viewport={"width": 1280, "height": 300})
    page = context.new_page()
    page.goto(live_server.url + "/evidence/")
    box = page.locator(".matrix-scroll")
    expect(box).to_have_class(re.compile(r"\bfits\b"))
    header = page.locator(".matrix thead th").first
    page.evaluate("window.scrollTo(0, document.querySelector('.matrix tbody tr:last-child').getBoundingClientRect().top + window.scrollY - 100)")
    top = header.evaluate("th => th.getBoundingClientRect().top")
    context.close()
    assert abs(top) <= 1  # stuck at the top of the window
