"""Every page type is well-formed HTML5 (the WHATWG parser reports no error) with unique ids, and valid by the
W3C's Nu HTML checker."""
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import html5lib
import pytest

from tests.browser import missing
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/therapies/", "/therapies/?condition=ocd&format=group", "/therapies/?condition=psychosis&format=online",
    "/therapies/cbt/", "/therapies/dbt/", "/conditions/", "/conditions/ocd/", "/conditions/psychosis/",
    "/compare/?t=cbt&t=erp&t=dbt", "/compare/?t=cbt", "/search/?q=ocd", "/search/?q=cognitve", "/search/",
    "/evidence/", "/about/", "/help/", "/no-such-page/",
    "/summary/?c=ocd&t=cbt&t=erp&t=dbt&t=art-therapy", "/summary/?t=cbt&t=person-centred-therapy&age=adults",
    "/summary/", "/summary/?t=nope&c=nope&age=nope", "/glossary/", "/evidence/?category=psychosis",
    "/therapies/cbt/report/", "/compare/?t=cbt&add=nope",
    "/sources/", "/sources/nice/", "/data/", "/api/",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_is_valid_html(client, catalog, url):
    html = client.get(url).content.decode()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(html)  # raises ParseError on any syntax error
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    assert html.startswith("<!doctype html>") or html.lstrip().lower().startswith("<!doctype html>")


VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def test_every_page_type_passes_the_nu_html_checker(client, catalog, tmp_path):
    """The W3C's Nu checker (vnu-jar from npm, run on Debian's Java) finds no error on any page type: one run
    over every page, as the JVM's start is most of the cost."""
    java = shutil.which("java")
    if not java or not VNU.exists():
        missing("Java and vnu-jar (npm)")
    files = []
    for index, url in enumerate(PAGES):
        path = tmp_path / f"page-{index:02}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    result = subprocess.run([java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                            capture_output=True, text=True, timeout=300)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [(PAGES[int(Path(m["url"]).stem.split("-")[1])], m.get("lastLine"), m["message"]) for m in messages
              if m["type"] == "error" or m.get("subType") == "fatal"]
    assert errors == []
