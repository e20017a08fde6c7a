"""Import and export in the admin: dry run first, apply in one transaction, JSON and zipped CSV out."""
import copy
import csv
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from therapies.choices import Status
from therapies.models import EvidenceLink, Revision
from therapies.curation.imports import catalog_import
from tests.factories import ApproachFactory, EvidenceLinkFactory
from tests.test_catalog_import import MINI

pytestmark = pytest.mark.django_db


def upload(client, data, name="catalog.json"):
    file = SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/json")
    return client.post(reverse("admin:therapies_catalog_upload"), {"file": file, "reason": "Annual update."})


def test_dry_run_lists_changes_and_saves_nothing_then_apply_imports(client, reviewer):
    catalog_import(data=MINI)
    changed = copy.deepcopy(MINI)
    changed["evidence"][0]["level"] = "moderate"
    changed["evidence"][1]["ratings"] = [{"source": "nice-cg31", "level": "insufficient", "finding": "No."}]
    changed["conditions"].append({"slug": "ptsd", "name": "PTSD", "category": "trauma_stress", "summary": "After trauma."})
    client.force_login(reviewer)
    response = upload(client, changed)
    page = response.content.decode()
    assert "Dry run: nothing has been saved yet" in page
    assert "link erp × ocd × all" in page and "strong → moderate" in page
    assert "slug &#x27;ptsd&#x27;" in page and "created" in page
    assert "rating from iocdf-dbt" in page and "removed" in page
    assert EvidenceLink.objects.get(approach__slug="erp").level == "strong"

    response = client.post(reverse("admin:therapies_catalog_upload"), {"_apply": "1", "sha256": response.context["sha256"]})
    assert response.status_code == 302
    assert EvidenceLink.objects.get(approach__slug="erp").level == "moderate"
    revision = Revision.objects.for_record(EvidenceLink.objects.get(approach__slug="erp")).first()
    assert (revision.user, revision.reason, revision.public_summary) == (reviewer, "Annual update.", "strong → moderate")


def test_an_upload_with_one_bad_row_lists_every_error_and_changes_nothing(client, reviewer):
    catalog_import(data=MINI)
    bad = copy.deepcopy(MINI)
    bad["evidence"][0]["level"] = "moderate"
    bad["evidence"][1]["condition"] = "ocdd"
    bad["approaches"][0]["family"] = "nonsense"
    client.force_login(reviewer)
    page = upload(client, bad).content.decode()
    assert "unknown condition &#x27;ocdd&#x27;" in page and "family" in page
    assert "Apply these changes" not in page
    assert EvidenceLink.objects.get(approach__slug="erp").level == "strong"


def test_the_command_line_import_goes_through_the_same_code(tmp_path, capsys):
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(MINI))
    call_command("import_catalog", str(path))
    link = EvidenceLink.objects.get(approach__slug="erp")
    revision = Revision.objects.for_record(link).get()
    assert (revision.action, revision.user, revision.public_summary) == ("imported", None, "")  # first import: no news


def test_export_json_published_only_or_everything(client, editor):
    EvidenceLinkFactory()
    draft = ApproachFactory(status=Status.DRAFT, slug="draft-approach")
    client.force_login(editor)
    url = reverse("admin:therapies_catalog_export")
    everything = json.loads(client.get(url, {"as": "json"}).content)
    published = json.loads(client.get(url, {"as": "json", "published": "1"}).content)
    assert draft.slug in [a["slug"] for a in everything["approaches"]]
    assert draft.slug not in [a["slug"] for a in published["approaches"]]


def test_export_csv_is_a_zip_with_one_csv_per_record_type(client, editor):
    link = EvidenceLinkFactory()
    client.force_login(editor)
    response = client.get(reverse("admin:therapies_catalog_export"), {"as": "csv"})
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == [
        "approaches.csv", "cautions.csv", "conditions.csv", "evidence.csv", "formats.csv", "ratings.csv", "sources.csv",
    ]
    ratings = list(csv.DictReader(io.StringIO(archive.read("ratings.csv").decode())))
    assert ratings[0]["approach"] == link.approach.slug and ratings[0]["level"] == "strong"
    approaches = list(csv.DictReader(io.StringIO(archive.read("approaches.csv").decode())))
    assert approaches[0]["age_groups"] == "adults"


def test_admin_index_links_to_the_queue_upload_and_export(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("admin:index")).content.decode()
    for name in ("therapies_review_queue", "therapies_catalog_upload", "therapies_catalog_export"):
        assert reverse(f"admin:{name}") in page


@pytest.mark.parametrize("case", ["nested", "huge integer", "object in a format list", "object in a name list",
                                  "duplicate keys", "30,000 records"])
def test_a_hostile_upload_is_a_form_error_not_a_server_error(client, reviewer, case):
    from tests.test_catalog_import import EXPECTED_MESSAGE, hostile_catalogs

    catalog_import(data=MINI)
    before = EvidenceLink.objects.get(approach__slug="erp").version
    client.force_login(reviewer)
    file = SimpleUploadedFile("hostile.json", hostile_catalogs()[case], content_type="application/json")
    response = client.post(reverse("admin:therapies_catalog_upload"), {"file": file})
    assert response.status_code == 200
    page = response.content.decode()
    assert EXPECTED_MESSAGE[case] in page.replace("&#x27;", "'") and "Apply these changes" not in page
    assert EvidenceLink.objects.get(approach__slug="erp").version == before
