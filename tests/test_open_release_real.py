"""The release of the real curated catalog is a valid Data Package, and every published record is in it."""
import csv
import io

import pytest
from frictionless import validate

from therapies.catalog_io.release import release_write
from therapies.models import Approach, EvidenceLink, SourceRating


@pytest.mark.django_db
def test_the_real_catalog_releases_as_a_valid_data_package(real_catalog, tmp_path):
    release_write(directory=tmp_path, version="2026.01.01")
    report = validate(str(tmp_path / "2026.01.01" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]

    def rows(name: str) -> list[dict]:
        return list(csv.DictReader(io.StringIO((tmp_path / "2026.01.01" / name).read_text("utf-8"))))

    assert {row["slug"] for row in rows("approaches.csv")} == set(Approach.objects.published().values_list("slug", flat=True))
    assert len(rows("evidence.csv")) == EvidenceLink.objects.published().count()
    assert len(rows("ratings.csv")) == SourceRating.objects.filter(link__in=EvidenceLink.objects.published()).count()
