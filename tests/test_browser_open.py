"""The open-data and reference pages in a real browser: no accessibility violations (axe-core), and the
"Download" link gives the CSV."""
import pytest

from tests.browser import axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/sources/", "/sources/nice/", "/data/", "/evidence/", "/compare/?t=cbt&t=erp"])
def test_no_accessibility_violations(page, live_server, live_catalog, path):
    page.goto(live_server.url + path)
    assert axe_violations(page) == []


def test_download_link_gives_the_pages_csv(page, live_server, live_catalog):
    page.goto(live_server.url + "/conditions/ocd/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename == "therapy-explorer-ocd.csv"
    assert open(download.value.path(), encoding="utf-8-sig").readline().startswith("approach,approach_name,condition")
