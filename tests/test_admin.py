"""The curation admin: every page loads, and an unsourced link cannot be published from it."""
import pytest
from django.urls import reverse

from therapies.choices import Status
from therapies.models import Approach, CatalogImport, Condition, EvidenceLink, Format, Source
from tests.factories import EvidenceLinkFactory, FormatFactory

pytestmark = pytest.mark.django_db

MODELS = [Approach, Condition, EvidenceLink, Format, Source, CatalogImport]


@pytest.fixture
def catalog():
    link = EvidenceLinkFactory()
    FormatFactory(slug="group")
    CatalogImport.objects.create(sha256="0" * 64, path="catalog.json")
    return link


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_and_change_form_load(admin_client_logged_in, catalog, model):
    info = model._meta.app_label, model._meta.model_name
    response = admin_client_logged_in.get(reverse("admin:%s_%s_changelist" % info))
    assert response.status_code == 200
    obj = model.objects.first()
    response = admin_client_logged_in.get(reverse("admin:%s_%s_change" % info, args=[obj.pk]))
    assert response.status_code == 200


@pytest.mark.parametrize("model", [m for m in MODELS if m is not CatalogImport], ids=lambda m: m.__name__)
def test_add_form_loads(admin_client_logged_in, model):
    info = model._meta.app_label, model._meta.model_name
    assert admin_client_logged_in.get(reverse("admin:%s_%s_add" % info)).status_code == 200


def test_changelist_search_and_filters_work(admin_client_logged_in, catalog):
    url = reverse("admin:therapies_evidencelink_changelist")
    response = admin_client_logged_in.get(url, {"q": catalog.approach.name, "level__exact": "strong"})
    assert response.status_code == 200
    assert str(catalog.approach) in response.content.decode()


def test_approach_page_shows_its_evidence_inline(admin_client_logged_in, catalog):
    response = admin_client_logged_in.get(reverse("admin:therapies_approach_change", args=[catalog.approach.pk]))
    assert catalog.condition.name in response.content.decode()


def test_publish_action_refuses_links_without_a_source(admin_client_logged_in):
    link = EvidenceLinkFactory(ratings=[], status=Status.DRAFT)
    response = admin_client_logged_in.post(
        reverse("admin:therapies_evidencelink_changelist"),
        {"action": "publish", "_selected_action": [link.pk]},
        follow=True,
    )
    assert "cite no source" in response.content.decode()
    link.refresh_from_db()
    assert link.status == Status.DRAFT


def test_publish_and_unpublish_actions(admin_client_logged_in, catalog):
    url = reverse("admin:therapies_approach_changelist")
    admin_client_logged_in.post(url, {"action": "unpublish", "_selected_action": [catalog.approach.pk]})
    assert Approach.objects.get(pk=catalog.approach.pk).status == Status.DRAFT
    admin_client_logged_in.post(url, {"action": "publish", "_selected_action": [catalog.approach.pk]})
    assert Approach.objects.get(pk=catalog.approach.pk).status == Status.PUBLISHED


def test_removing_the_last_rating_of_a_published_link_is_a_form_error(admin_client_logged_in, catalog):
    rating = catalog.ratings.get()
    url = reverse("admin:therapies_evidencelink_change", args=[catalog.pk])
    data = {
        "approach": catalog.approach.pk, "condition": catalog.condition.pk, "population": "all",
        "level": "strong", "finding": catalog.finding, "status": "published", "last_reviewed": "2026-11-01",
        "ratings-TOTAL_FORMS": "1", "ratings-INITIAL_FORMS": "1", "ratings-MIN_NUM_FORMS": "0",
        "ratings-MAX_NUM_FORMS": "1000", "ratings-0-id": rating.pk, "ratings-0-link": catalog.pk,
        "ratings-0-source": rating.source.pk, "ratings-0-level": "strong", "ratings-0-finding": "x",
        "ratings-0-DELETE": "on",
    }
    response = admin_client_logged_in.post(url, data)
    assert response.status_code == 200
    assert "A published link needs at least one source rating." in response.content.decode()
    assert catalog.ratings.count() == 1
