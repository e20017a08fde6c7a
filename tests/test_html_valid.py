"""Every page type is well-formed HTML5 (the WHATWG parser reports no error) with unique ids."""
import re
from collections import Counter

import html5lib
import pytest

pytestmark = pytest.mark.django_db

PAGES = [
    "/", "/therapies/", "/therapies/?condition=ocd&format=group", "/therapies/?condition=psychosis&format=online",
    "/therapies/cbt/", "/therapies/dbt/", "/conditions/", "/conditions/ocd/", "/conditions/psychosis/",
    "/compare/?t=cbt&t=erp&t=dbt", "/compare/?t=cbt", "/search/?q=ocd", "/search/?q=cognitve", "/search/",
    "/evidence/", "/about/", "/help/", "/no-such-page/",
    "/summary/?c=ocd&t=cbt&t=erp&t=dbt&t=art-therapy", "/summary/?t=cbt&t=person-centred-therapy&age=adults",
    "/summary/", "/summary/?t=nope&c=nope&age=nope", "/glossary/", "/evidence/?category=psychosis",
    "/therapies/cbt/report/", "/compare/?t=cbt&add=nope",
]


@pytest.mark.parametrize("url", PAGES)
def test_page_is_valid_html(client, catalog, url):
    html = client.get(url).content.decode()
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    parser.parse(html)  # raises ParseError on any syntax error
    ids = Counter(re.findall(r'\sid="([^"]+)"', html))
    assert [i for i, n in ids.items() if n > 1] == []
    assert html.startswith("<!doctype html>") or html.lstrip().lower().startswith("<!doctype html>")
