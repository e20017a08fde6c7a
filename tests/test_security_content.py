"""Content safety: script-injection payloads saved through the admin and through the reader-report form render
inert on every public page (and in the admin). Nothing is rendered as HTML: every field is escaped."""
from html.parser import HTMLParser

import pytest
from django.core.cache import cache, caches
from django.urls import reverse

from therapies.models import Approach, Condition, EvidenceLink, QuestionToAsk, ReaderReport, Source, SourceRating
from tests.admin_forms import admin_post_data
from tests.public_urls import public_urls

pytestmark = pytest.mark.django_db

MARK = "xss7"  # in every payload, so an escaped copy can be told from a live one
PAYLOADS = [
    f"<script>alert('{MARK}')</script>",
    f"<img src=x onerror=alert('{MARK}')>",
    f"<svg/onload=alert('{MARK}')>",
    f"\"><script>alert('{MARK}')</script>",
    f"'><a href=javascript:alert('{MARK}')>x</a>",
    f"<iframe srcdoc=\"<script>alert('{MARK}')</script>\"></iframe>",
    f"<style>body{{background:url(javascript:alert('{MARK}'))}}</style>",
    f"</title><script>alert('{MARK}')</script>",
    f"<meta http-equiv=refresh content=0;url=javascript:alert('{MARK}')>",
    f"{{{{7*7}}}} {{% debug %}} <b onmouseover=alert('{MARK}')>{MARK}</b>",
    f"**bold** [link](javascript:alert('{MARK}')) <details open ontoggle=alert('{MARK}')>",
]


class ActiveContent(HTMLParser):
    """Collects anything that would run or load in a browser but is not the site's own."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.in_script = True
            source = attributes.get("src") or ""
            is_ours = source.startswith("/") and not source.startswith("//")
            if not is_ours and attributes.get("type") != "application/json":
                self.found.append(f"<script {attrs}>")
        if tag in {"iframe", "object", "embed", "style", "base"}:
            self.found.append(f"<{tag}>")
        if tag == "meta" and "http-equiv" in attributes:
            self.found.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on") or name == "srcdoc":
                self.found.append(f"{tag} {name}=")
            if name in {"href", "src", "action", "formaction"} and (value or "").strip().lower().startswith(
                    ("javascript:", "data:", "vbscript:")):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and MARK in data:
            self.found.append("payload inside a script")


def assert_inert(html: str, where: str) -> None:
    parser = ActiveContent()
    parser.feed(html)
    assert parser.found == [], where
    assert f"alert('{MARK}')" not in html, where  # only ever as &#x27; escaped text


def payload(index: int, limit: int) -> str:
    return PAYLOADS[index % len(PAYLOADS)][:limit]


@pytest.fixture
def poisoned_catalog(catalog, admin_client_logged_in):
    """The small catalog with a payload in every field a curator or reader can write."""
    client = admin_client_logged_in
    for number, (model, slug) in enumerate([(Approach, "cbt"), (Approach, "erp"), (Condition, "ocd"),
                                            (Condition, "depression")]):
        record = model.objects.get(slug=slug)
        url = reverse(f"admin:therapies_{model._meta.model_name}_change", args=[record.pk])
        data = admin_post_data(client.get(url)) | {
            "name": payload(number, 120), "summary": payload(number + 1, 300),
            "other_names": payload(number + 2, 80).replace(",", " "),
        }
        if model is Approach:
            data |= {"abbreviation": f"<b>{MARK}", "session_description": "\n".join(PAYLOADS)}
        response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert MARK in Approach.objects.get(slug="cbt").session_description  # saved through the admin, verbatim
    # Fields behind the review workflow (findings, sources) are written directly: what matters is the page.
    for number, link in enumerate(EvidenceLink.objects.all()):
        link.finding = payload(number, 300)
        link.save()
    for number, rating in enumerate(SourceRating.objects.all()):
        rating.finding = payload(number + 3, 400)
        rating.save()
    for number, source in enumerate(Source.objects.all()):
        source.short_name, source.title, source.publisher = payload(number, 120), payload(number + 1, 500), \
            payload(number + 2, 200)
        source.save()
    for number, approach in enumerate([None, Approach.objects.get(slug="cbt")]):
        QuestionToAsk.objects.create(approach=approach, text=payload(number + 5, 200), status="published")
    for kind, slug in (("therapy", "cbt"), ("condition", "ocd")):
        for number, text in enumerate(PAYLOADS[:4]):
            caches["limits"].clear()  # the reader-report rate limit (5 an hour from one address)
            response = client.post(reverse(f"therapies:{kind}-report", args=[slug]), {
                "message": text + " is wrong", "source_url": "", "email": f"reader{number}@example.org",
            })
            assert response.status_code == 302
    assert ReaderReport.objects.count() == 8
    cache.clear()


def test_payloads_render_inert_on_every_public_page(client, poisoned_catalog):
    urls = public_urls()
    urls += ["/therapies/erp/", "/conditions/depression/", "/therapies/?q=" + PAYLOADS[0], "/search/?q=" + PAYLOADS[1],
             "/compare/?therapies=cbt&therapies=erp", "/compare/?t=cbt&t=erp", "/no-such-page/" + PAYLOADS[2],
             "/summary/?c=ocd&t=cbt&t=erp", "/summary/?c=depression&t=cbt&t=erp&t=dbt&t=art-therapy",
             "/summary/?t=cbt&t=erp&c=" + PAYLOADS[3]]
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 404 and not url.startswith("/no-such-page/"):
            continue
        assert response.status_code in {200, 400, 404}, url
        html = response.content.decode()
        assert_inert(html, url)
        checked += 1
    assert checked >= 10
    # The payloads really are on the pages, as text.
    detail = client.get("/therapies/cbt/").content.decode()
    assert "&lt;script&gt;alert(&#x27;xss7&#x27;)&lt;/script&gt;" in detail


def test_reader_reports_never_reach_public_pages_and_are_inert_in_the_admin(client, poisoned_catalog,
                                                                            admin_client_logged_in):
    for url in public_urls():
        assert "reader0@example.org" not in client.get(url).content.decode()
    changelist = admin_client_logged_in.get(reverse("admin:therapies_readerreport_changelist"))
    assert changelist.status_code == 200
    assert_inert(changelist.content.decode(), "report changelist")
    for report in ReaderReport.objects.all():
        page = admin_client_logged_in.get(reverse("admin:therapies_readerreport_change", args=[report.pk]))
        assert_inert(page.content.decode(), f"report {report.pk}")


def test_payloads_are_inert_in_the_admin_change_forms(poisoned_catalog, admin_client_logged_in):
    for model, slug in ((Approach, "cbt"), (Condition, "ocd")):
        record = model.objects.get(slug=slug)
        page = admin_client_logged_in.get(reverse(f"admin:therapies_{model._meta.model_name}_change",
                                                  args=[record.pk]))
        assert_inert(page.content.decode(), slug)


def test_a_javascript_url_is_refused_as_a_source_or_report_link(client, catalog):
    cache.clear()
    response = client.post(reverse("therapies:therapy-report", args=["cbt"]), {
        "message": "See this study, it matters.", "source_url": "javascript:alert(1)",
    })
    assert response.status_code == 400 and not ReaderReport.objects.exists()
    from django.core.exceptions import ValidationError

    source = Source.objects.first()
    source.url = "javascript:alert(1)"
    with pytest.raises(ValidationError):
        source.full_clean()
    cache.clear()
