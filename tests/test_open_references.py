"""Sources with full references, "Cite this page" (BibTeX, RIS), citation metadata, sitemap.xml, robots.txt
and the Atom feed of the public changelog: published records only."""
import re
import xml.etree.ElementTree as ElementTree

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.conftest import grow_catalog
from tests.factories import SourceFactory
from therapies.models import Approach, Condition, EvidenceLink, Revision, Source

pytestmark = pytest.mark.django_db
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def referenced(catalog):
    nice = catalog.sources["nice"]
    nice.authors, nice.title, nice.publisher, nice.year = "", "Depression in adults: treatment and management", "NICE", 2022
    nice.code, nice.url = "NG222", "https://www.nice.org.uk/guidance/ng222"
    nice.save()
    review = catalog.sources["review"]
    review.authors, review.title, review.publisher, review.year = "Smith J, Jones K", "A review of therapies", "Psychological Medicine", 2020
    review.doi, review.url = "10.1000/xyz123", ""
    review.save()
    # A source only a draft link cites stays private.
    SourceFactory(key="draft-only", short_name="Draft-only source")
    link = EvidenceLink.objects.get(approach__slug="draft-therapy")
    link.ratings.create(source=Source.objects.get(key="draft-only"), level="strong", finding="Hidden.")
    return catalog


def test_bibliography_lists_every_cited_source_with_its_full_reference(client, referenced):
    html = client.get("/sources/").content.decode()
    assert "NICE (2022). Depression in adults: treatment and management. NG222. https://www.nice.org.uk/guidance/ng222" in html
    assert "Smith J, Jones K (2020). A review of therapies. Psychological Medicine. https://doi.org/10.1000/xyz123" in html
    assert "Draft-only source" not in html
    assert client.get("/sources/draft-only/").status_code == 404


def test_source_page_shows_the_reference_and_every_rating_citing_it(client, referenced):
    response = client.get("/sources/review/")
    html = response.content.decode()
    assert "Psychological Medicine" in html and "10.1000/xyz123" in html and "Smith J, Jones K" in html
    ratings = response.context["ratings"]
    assert sorted((r.link.approach.slug, r.link.condition.slug) for r in ratings) == [
        ("art-therapy", "psychosis"), ("cbt", "depression"), ("dbt", "ocd")]
    assert 'name="citation_title" content="Evidence rated by A review"' in html


def test_approach_pages_link_each_source_to_its_reference(client, referenced):
    assert 'href="/sources/nice/"' in client.get("/therapies/cbt/").content.decode()


def test_cite_this_page_in_apa_style_bibtex_and_ris(client, referenced):
    Approach.objects.filter(slug="cbt").update(last_reviewed="2026-03-04")
    html = client.get("/therapies/cbt/").content.decode()
    assert "Therapy Explorer. (2026, March 4). Cognitive behavioural therapy (CBT). http://testserver/therapies/cbt/" in html
    for name, content in (("citation_title", "Cognitive behavioural therapy (CBT)"), ("citation_online_date", "2026/03/04"),
                          ("citation_public_url", "http://testserver/therapies/cbt/"), ("DC.rights", "https://creativecommons.org/licenses/by/4.0/")):
        assert f'<meta name="{name}" content="{content}">' in html
    assert '<meta property="og:title" content="Cognitive behavioural therapy (CBT)">' in html
    bibtex = client.get("/cite/therapy/cbt.bib")
    assert bibtex["Content-Type"].startswith("application/x-bibtex") and "attachment" in bibtex["Content-Disposition"]
    text = bibtex.content.decode()
    assert text.startswith("@misc{therapyexplorer-therapy-cbt,") and "year = {2026}" in text
    assert "url = {http://testserver/therapies/cbt/}" in text and text.count("{") == text.count("}")
    ris = client.get("/cite/therapy/cbt.ris").content.decode()
    assert ris.startswith("TY  - ELEC\r\n") and "DA  - 2026/03/04\r\n" in ris and ris.endswith("ER  - \r\n")
    assert "citation_title" in client.get("/conditions/ocd/").content.decode()
    assert client.get("/cite/condition/ocd.ris").status_code == 200
    assert client.get("/cite/source/nice.bib").status_code == 200


@pytest.mark.parametrize("url", ["/cite/therapy/draft-therapy.bib", "/cite/condition/hidden-condition.ris",
                                 "/cite/therapy/cbt.docx", "/cite/planet/cbt.bib", "/cite/source/draft-only.bib"])
def test_citations_of_unknown_or_private_pages_are_404(client, referenced, url):
    assert client.get(url).status_code == 404


def test_bibtex_escapes_a_title_that_would_break_the_entry(client, catalog):
    Approach.objects.filter(slug="cbt").update(name="CBT {with} 100% _odd_ #chars")
    text = client.get("/cite/therapy/cbt.bib").content.decode()
    assert r"\{with\} 100\% \_odd\_ \#chars" in text


def test_sitemap_lists_every_published_record_and_no_draft(client, referenced):
    grow_catalog(5)
    root = ElementTree.fromstring(client.get("/sitemap.xml").content)
    locations = {url.find(f"{SITEMAP}loc").text.removeprefix("http://testserver") for url in root}
    for approach in Approach.objects.published():
        assert approach.get_absolute_url() in locations
    for condition in Condition.objects.published():
        assert condition.get_absolute_url() in locations
    assert {"/sources/nice/", "/sources/review/", "/", "/therapies/", "/data/", "/api/"} <= locations
    assert not {"/therapies/draft-therapy/", "/conditions/hidden-condition/", "/sources/draft-only/"} & locations
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", url.find(f"{SITEMAP}lastmod").text) for url in root
               if url.find(f"{SITEMAP}lastmod") is not None)


def test_robots_txt_keeps_crawlers_out_of_the_admin_and_api_paging(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text and "Disallow: /api/v1/*offset=" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_atom_feed_lists_public_changes_only(client, catalog):
    kind = ContentType.objects.get_for_model(EvidenceLink)
    for approach, condition, summary in (("cbt", "ocd", "moderate → strong"), ("draft-therapy", "depression", "SECRET"),
                                         ("cbt", "hidden-condition", "SECRET")):
        link = EvidenceLink.objects.get(approach__slug=approach, condition__slug=condition)
        Revision.objects.create(content_type=kind, object_id=link.pk, object_repr=str(link), action="changed",
                                approach=link.approach, condition=link.condition, public_summary=summary,
                                reason="A new guideline.")
    response = client.get("/changes.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "Cognitive behavioural therapy for Obsessive-compulsive disorder: moderate → strong" in text
    assert "SECRET" not in text and "Draft therapy" not in text
    assert 'type="application/atom+xml"' in client.get("/").content.decode()


@pytest.mark.parametrize(("url", "queries"), [
    ("/sources/", 1),  # cited sources with their rating counts
    ("/sources/nice/", 2),  # the source; its public ratings with links, approaches and conditions
    ("/sitemap.xml", 6),  # approaches, conditions, sources: each counted (for paging) and read
])
def test_query_counts_are_pinned_and_independent_of_catalog_size(assert_flat_queries, url, queries):
    assert_flat_queries(url, queries)
