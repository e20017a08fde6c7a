"""The shortlist and "My summary" in real Chromium: with and without JavaScript, by keyboard, checked by axe;
the print stylesheet on every kind of page; and the printed summary's length on A4 and Letter paper."""
import importlib
import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from therapies.models import Approach, QuestionToAsk
from tests.browser import axe_violations

pytestmark = pytest.mark.browser

# The benchmark's summary (bench/run.py) and the catalog's wordiest four approaches for one condition.
BENCH_SUMMARY = "/summary/?c=depression&t=cbt&t=ipt&t=behavioural-activation&t=psychodynamic-therapy"
WORDIEST_SUMMARY = "/summary/?c=ptsd&t=emdr&t=tf-cbt&t=prolonged-exposure&t=cpt"
# A page's width on A4 at 96 CSS pixels per inch, less the 10 mm margins of the print stylesheet.
A4_CONTENT_WIDTH = 718
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # a page object; never the /Pages tree


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium wrote: its page objects, checked against the page tree's own count."""
    pages = len(PAGE_OBJECT.findall(pdf))
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", pdf)]
    counts += [int(n) for n in re.findall(rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", pdf)]
    assert pages >= 1 and (not counts or max(counts) == pages), (pages, counts)
    return pages


@pytest.fixture
def real_catalog(live_server, transactional_db):
    """The curated catalog, the general questions of migration 0013 and two questions per approach, so
    the printed length is tested with text as long as editors will write."""
    call_command("import_catalog", verbosity=0, stdout=io.StringIO())
    seeded = importlib.import_module("therapies.migrations.0013_general_questions").GENERAL_QUESTIONS
    QuestionToAsk.objects.all().delete()
    QuestionToAsk.objects.bulk_create(
        [QuestionToAsk(text=text, position=index, status="published") for index, text in enumerate(seeded)]
        + [QuestionToAsk(approach=approach, position=n, status="published",
                         text=f"What would a typical week of {approach.name} ask of me between sessions ({n})?")
           for approach in Approach.objects.all() for n in (1, 2)]
    )


def tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element's accessible text starts with `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => {
            const element = document.activeElement;
            const label = element.labels && element.labels[0];
            return ((label ? label.innerText : element.innerText) || "").trim();
        }""")
        if focused.startswith(name):
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_shortlist_without_javascript(page_without_js, live_server, live_catalog):
    page = page_without_js
    page.goto(live_server.url + "/therapies/cbt/")
    page.get_by_role("link", name="Add to my shortlist").click()
    expect(page.locator(".summary-approach h2")).to_have_text(["Cognitive behavioural therapy (CBT)"])
    page.get_by_label("Add an approach to this summary").fill("Exposure and response prevention (ERP)")
    page.get_by_role("button", name="Add").click()
    expect(page.locator(".summary-approach h2")).to_have_count(2)
    page.get_by_label("Condition", exact=True).select_option(label="Obsessive-compulsive disorder")
    page.get_by_role("button", name="Update summary").click()
    expect(page.locator("h1")).to_have_text("My summary: Obsessive-compulsive disorder")
    expect(page).to_have_url(re.compile(r"/summary/\?t=cbt&t=erp&c=ocd"))
    expect(page.locator(".summary-sources").first).to_contain_text("NICE guideline (2020): strong evidence")
    page.get_by_role("link", name="Remove Cognitive behavioural therapy from this summary").click()
    expect(page.locator(".summary-approach h2")).to_have_text(["Exposure and response prevention (ERP)"])
    expect(page.locator("[data-copy-link]")).to_be_hidden()  # nothing that needs JavaScript is offered
    assert page.context.cookies() == []


def test_shortlist_remembered_in_the_browser_only(page, live_server, live_catalog):
    page.goto(live_server.url + "/summary/?c=ocd&t=cbt")
    assert page.evaluate("localStorage.getItem('therapy-explorer:shortlist')") == "c=ocd&t=cbt"
    page.goto(live_server.url + "/therapies/erp/")
    expect(page.get_by_role("link", name="My summary")).to_have_attribute("href", "/summary/?c=ocd&t=cbt")
    page.get_by_role("link", name="Add to my shortlist").click()
    expect(page).to_have_url(re.compile(r"/summary/\?c=ocd&t=cbt&t=erp$"))
    expect(page.locator(".summary-approach h2")).to_have_count(2)
    page.goto(live_server.url + "/therapies/?condition=psychosis")
    card_link = page.locator(".card", has_text="Art therapy").get_by_role("link", name="Add to my shortlist")
    expect(card_link).to_have_attribute("href", "/summary/?c=psychosis&t=cbt&t=erp&t=art-therapy")
    page.goto(live_server.url + "/summary/?c=ocd&t=cbt&t=erp")
    page.get_by_role("button", name="Forget this shortlist on this device").click()
    expect(page.get_by_role("status").last).to_contain_text("no longer remembers")
    assert page.evaluate("localStorage.getItem('therapy-explorer:shortlist')") is None
    expect(page.get_by_role("link", name="My summary")).to_have_attribute("href", "/summary/")
    assert page.context.cookies() == []


def test_copy_link_copies_the_permanent_address(page, live_server, live_catalog):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + "/summary/?t=cbt&t=erp&c=ocd")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("status").last).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == live_server.url + "/summary/?c=ocd&t=cbt&t=erp"
    # Chromium on Linux has no share sheet: the button stays hidden rather than failing
    if page.evaluate("typeof navigator.share === 'function'"):
        expect(page.get_by_role("button", name="Share…")).to_be_visible()
    else:
        expect(page.locator("[data-share]")).to_be_hidden()


@pytest.mark.parametrize("fixture", ["page", "page_without_js"])
def test_keyboard_only(request, live_server, live_catalog, fixture):
    page = request.getfixturevalue(fixture)
    page.goto(live_server.url + "/conditions/ocd/")
    tab_to(page, "Make a summary of these")
    page.keyboard.press("Enter")
    expect(page.locator(".summary-approach h2")).to_have_text(
        ["Cognitive behavioural therapy (CBT)", "Exposure and response prevention (ERP)"])
    tab_to(page, "Add an approach to this summary")
    page.keyboard.type("DBT")  # an abbreviation
    page.keyboard.press("Enter")
    expect(page.locator(".summary-approach h2")).to_have_count(3)


@pytest.mark.parametrize("path", [
    "/summary/?c=ocd&t=cbt&t=erp&t=dbt&t=art-therapy", "/summary/?t=cbt&t=person-centred-therapy&age=adults",
    "/summary/", "/summary/?t=nope&c=nope", "/therapies/?condition=ocd", "/therapies/cbt/", "/conditions/ocd/",
    "/compare/?t=cbt&t=erp",
])
def test_no_accessibility_violations(page, live_server, live_catalog, path):
    page.goto(live_server.url + "/summary/?t=cbt")  # remembered: the shortlist links are rewritten
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


def test_summary_readable_on_a_phone(phone_page, live_server, live_catalog):
    phone_page.goto(live_server.url + "/summary/?c=ocd&t=cbt&t=erp&t=dbt&t=art-therapy")
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert axe_violations(phone_page) == []


HIDDEN_IN_PRINT = ["nav[aria-label=Main]", "form", "button", ".button", ".reader-report", ".shortlist-add",
                   ".help-now", ".skip-link", ".pagination", ".summary-tools"]


@pytest.mark.parametrize("path", [
    "/", "/therapies/?condition=ocd", "/therapies/cbt/", "/conditions/", "/conditions/ocd/", "/compare/?t=cbt&t=erp&t=dbt",
    "/search/?q=ocd", "/evidence/", "/about/", "/help/", "/summary/?c=ocd&t=cbt&t=erp&t=dbt&t=art-therapy",
])
def test_print_stylesheet(chromium, live_server, live_catalog, path):
    """Printed, a page shows its content only: no navigation, forms, buttons or report links; outside links
    followed by their address; nothing wider than an A4 page."""
    context = chromium.new_context(viewport={"width": A4_CONTENT_WIDTH, "height": 1000})
    page = context.new_page()
    page.goto(live_server.url + path)
    page.emulate_media(media="print")
    for selector in HIDDEN_IN_PRINT:
        for element in page.locator(selector).all():
            expect(element).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "something is cut off on paper"
    external = page.locator("main a[href^='http']:not(.bare-url)").all()
    for link in external:
        after = link.evaluate("a => getComputedStyle(a, '::after').content")
        assert link.get_attribute("href") in after or "attr(href)" in after, after
    if path.startswith("/summary/"):
        expect(page.locator(".summary-notes")).to_be_visible()  # room for the reader's notes, on paper only
        page.emulate_media(media="screen")
        expect(page.locator(".summary-notes")).to_be_hidden()
    context.close()


@pytest.mark.parametrize("path", [BENCH_SUMMARY, WORDIEST_SUMMARY])
@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_four_approaches_print_on_two_pages(page, live_server, real_catalog, path, paper):
    page.goto(live_server.url + path)
    expect(page.locator(".summary-approach")).to_have_count(4)
    assert page.locator(".notice").count() == 0
    pages = pdf_pages(page.pdf(format=paper))
    print(f"{path} on {paper}: {pages} page(s)")
    assert pages <= 2
