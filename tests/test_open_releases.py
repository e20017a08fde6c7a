"""manage.py release_data and /data/: a valid Frictionless Data Package, byte-stable, immutable, with a
changelog; published records only; the pages that serve releases."""
import json
from pathlib import Path

import html5lib
import pytest
from django.core.management import CommandError, call_command
from frictionless import validate

from therapies.catalog_io.release import release_write, releases
from therapies.models import Approach, EvidenceLink, PendingChange

pytestmark = pytest.mark.django_db
FILES = {"approaches.csv", "conditions.csv", "formats.csv", "sources.csv", "evidence.csv", "ratings.csv",
         "catalog.json", "datapackage.json", "README.md", "CHANGELOG.md"}


def release(tmp_path: Path, version: str = "2026.01.02") -> Path:
    written_version, written = release_write(directory=tmp_path, version=version)
    assert written and written_version == version
    return tmp_path / version


def test_release_is_a_valid_data_package_with_typed_keyed_described_tables(catalog, tmp_path):
    directory = release(tmp_path)
    assert {path.name for path in directory.iterdir()} == FILES
    report = validate(str(directory / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    descriptor = json.loads((directory / "datapackage.json").read_text())
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    ratings = next(r for r in descriptor["resources"] if r["name"] == "ratings")["schema"]
    assert ratings["primaryKey"] == ["approach", "condition", "population", "source"]
    assert {"fields": ["source"], "reference": {"resource": "sources", "fields": ["key"]}} in ratings["foreignKeys"]
    approaches = {f["name"]: f for f in next(r for r in descriptor["resources"] if r["name"] == "approaches")["schema"]["fields"]}
    assert approaches["sessions_min"]["type"] == "integer" and approaches["last_reviewed"]["type"] == "date"
    assert approaches["summary"]["description"] == Approach._meta.get_field("summary").help_text
    assert "cognitive_behavioural" in approaches["family"]["constraints"]["enum"]
    assert "CC BY 4.0" in (directory / "README.md").read_text() or "CC-BY-4.0" in (directory / "README.md").read_text()


def test_validation_catches_a_broken_reference(catalog, tmp_path):
    """The check above can fail: a rating citing a source missing from sources.csv is reported."""
    directory = release(tmp_path)
    ratings = directory / "ratings.csv"
    ratings.chmod(0o644)
    ratings.write_bytes(ratings.read_bytes().replace(b",nice,", b",no-such-source,", 1))
    report = validate(str(directory / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error.type for task in report.tasks for error in task.errors}


def test_release_has_published_records_only(catalog, tmp_path):
    link = EvidenceLink.objects.get(approach__slug="cbt", condition__slug="ocd")
    PendingChange.objects.create(link=link, base_version=link.version, reason="PENDING-REASON",
                                 proposed={"level": "emerging", "finding": "PENDING-FINDING", "ratings": []})
    directory = release(tmp_path)
    everything = "".join(path.read_text() for path in directory.iterdir())
    for secret in ("draft-therapy", "hidden-condition", "Draft therapy", '"status"', "PENDING"):
        assert secret not in everything
    evidence = (directory / "evidence.csv").read_text()
    assert "dbt,depression" not in evidence and "dbt,ocd" in evidence  # the draft link is left out


def test_release_is_byte_stable_immutable_and_skipped_when_nothing_changed(catalog, tmp_path):
    first = release(tmp_path / "a")
    second = release(tmp_path / "b")
    assert {p.name: p.read_bytes() for p in first.iterdir()} == {p.name: p.read_bytes() for p in second.iterdir()}
    assert release_write(directory=tmp_path / "a", version="2026.01.03") == ("2026.01.02", False)
    with pytest.raises(CommandError, match="immutable"):
        call_command("release_data", directory=str(tmp_path / "a"), release_version="2026.01.02", force=True)
    assert releases(tmp_path / "a") == ["2026.01.02"]


def test_next_release_lists_the_changes_since_the_previous(catalog, tmp_path):
    release(tmp_path, "2026.01.02")
    link = EvidenceLink.objects.get(approach__slug="erp", condition__slug="ocd")
    link.level = "moderate"
    link.save()
    call_command("release_data", directory=str(tmp_path), release_version="2026.02.01")
    assert releases(tmp_path) == ["2026.01.02", "2026.02.01"]
    changelog = (tmp_path / "2026.02.01" / "CHANGELOG.md").read_text()
    assert "since 2026.01.02" in changelog and "erp × ocd" in changelog and "strong → moderate" in changelog


def test_data_pages_serve_releases_with_dataset_markup(client, catalog, tmp_path, settings):
    settings.DATA_RELEASES_DIR = tmp_path
    assert "No release has been published yet" in client.get("/data/").content.decode()
    assert client.get("/data/latest/").status_code == 404
    release(tmp_path, "2026.01.02")
    html = client.get("/data/").content.decode()
    markup = json.loads(html.split('<script type="application/ld+json">')[1].split("</script>")[0])
    assert markup["@type"] == "Dataset" and markup["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert markup["version"] == "2026.01.02" and markup["distribution"]
    assert client.get("/data/latest/")["Location"] == "/data/2026.01.02/"
    assert client.get("/data/latest/evidence.csv")["Location"] == "/data/2026.01.02/evidence.csv"
    download = client.get("/data/2026.01.02/evidence.csv")
    assert download.status_code == 200 and "immutable" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == (tmp_path / "2026.01.02" / "evidence.csv").read_bytes()
    assert "2026.01.02" in client.get("/data/2026.01.02/").content.decode()
    for url in ("/data/", "/data/2026.01.02/"):
        html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(client.get(url).content.decode())
    for bad in ("/data/2026.01.02/secret.txt", "/data/2026.01.09/evidence.csv", "/data/..%2F..%2Fetc/passwd",
                "/data/2026.01.02/..%2Fx"):
        assert client.get(bad).status_code == 404, bad
