"""Oversized requests are refused before anything reads them: long query strings with 400, big bodies with 413."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_huge_query_string_is_refused_with_400(client, settings):
    response = client.get("/therapies/?q=" + "x" * (settings.MAX_QUERY_STRING_LENGTH + 1))
    assert response.status_code == 400


def test_an_ordinary_long_filter_query_is_served(client, catalog):
    query = "&".join(f"condition=condition-{i}" for i in range(60))  # ~1,400 characters
    assert client.get("/therapies/?" + query).status_code == 200


def test_a_huge_form_post_is_refused_with_413_before_it_is_read(client, catalog, settings):
    url = reverse("therapies:therapy-report", args=["cbt"])
    body = "message=" + "x" * (settings.MAX_PUBLIC_BODY_BYTES + 1)
    response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert not __import__("therapies.models", fromlist=["ReaderReport"]).ReaderReport.objects.exists()


def test_a_lying_content_length_is_refused_without_reading(client):
    response = client.generic("POST", "/therapies/cbt/report/", b"", CONTENT_LENGTH=str(10 ** 9))
    assert response.status_code == 413
    assert client.generic("POST", "/therapies/cbt/report/", b"", CONTENT_LENGTH="lots").status_code == 400


def test_the_admin_takes_a_catalog_sized_upload(admin_client_logged_in, settings):
    """The admin's limit is higher: the catalog JSON is ~200 KB."""
    response = admin_client_logged_in.generic("POST", reverse("admin:index"), b"x" * 300_000,
                                              content_type="application/octet-stream")
    assert response.status_code != 413
