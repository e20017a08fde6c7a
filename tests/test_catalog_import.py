"""import_catalog / export_catalog: idempotent upserts, byte-stable round trips, all-or-nothing errors."""
import copy
import json

import pytest
from django.core.management import CommandError, call_command

from therapies.models import Approach, CatalogImport, Condition, EvidenceLink, Format, Source, SourceRating
from therapies.catalog_io.export import catalog_export
from therapies.catalog_io.files import catalog_dumps

pytestmark = pytest.mark.django_db

MINI = {
    "formats": [
        {"slug": "individual", "name": "Individual", "description": "One to one.", "position": 1},
        {"slug": "group", "name": "Group", "description": "With others.", "position": 2},
    ],
    "sources": [
        {"key": "nice-cg31", "short_name": "NICE CG31", "title": "OCD guideline", "publisher": "NICE",
         "year": 2005, "kind": "guideline", "url": "https://www.nice.org.uk/guidance/cg31", "doi": ""},
        {"key": "iocdf-dbt", "short_name": "IOCDF on DBT", "title": "Use of DBT in OCD treatment",
         "publisher": "IOCDF", "year": None, "kind": "patient_information", "url": "https://iocdf.org/x", "doi": ""},
    ],
    "conditions": [
        {"slug": "ocd", "name": "Obsessive-compulsive disorder", "other_names": ["OCD"],
         "category": "obsessive_compulsive", "summary": "Unwanted thoughts and rituals.",
         "status": "published", "last_reviewed": "2026-11-26"},
    ],
    "approaches": [
        {"slug": "erp", "name": "Exposure and response prevention", "abbreviation": "ERP", "other_names": [],
         "family": "cognitive_behavioural", "parent": "cbt", "summary": "Face fears without rituals.",
         "session_description": "You practise facing triggers.", "sessions_min": 12, "sessions_max": 20,
         "session_minutes_min": 60, "session_minutes_max": 90, "formats": ["individual", "group"],
         "age_groups": ["children", "adults"], "status": "published", "last_reviewed": "2026-11-26"},
        {"slug": "cbt", "name": "Cognitive behavioural therapy", "abbreviation": "CBT",
         "other_names": ["cognitive behavioral therapy", "talking therapy"], "family": "cognitive_behavioural",
         "parent": None, "summary": "Change unhelpful thoughts and habits.", "session_description": "You talk.",
         "sessions_min": 6, "sessions_max": 20, "session_minutes_min": 50, "session_minutes_max": 60,
         "formats": ["individual"], "age_groups": ["adults"], "status": "published", "last_reviewed": "2026-11-26"},
        {"slug": "dbt", "name": "Dialectical behaviour therapy", "abbreviation": "DBT", "other_names": [],
         "family": "third_wave", "parent": None, "summary": "Skills for strong emotions.",
         "session_description": "Individual and group skills.", "sessions_min": None, "sessions_max": None,
         "session_minutes_min": None, "session_minutes_max": None, "formats": ["individual", "group"],
         "age_groups": ["adults"], "status": "published", "last_reviewed": "2026-11-26"},
    ],
    "evidence": [
        {"approach": "erp", "condition": "ocd", "population": "all", "level": "strong",
         "finding": "First-line therapy for OCD.", "formats": [], "status": "published",
         "last_reviewed": "2026-11-26",
         "ratings": [{"source": "nice-cg31", "level": "strong", "finding": "NICE makes it first-line."}]},
        {"approach": "dbt", "condition": "ocd", "population": "all", "level": "insufficient",
         "finding": "Not shown for OCD; ERP comes first.", "formats": ["group"], "status": "published",
         "last_reviewed": "2026-11-26",
         "ratings": [{"source": "iocdf-dbt", "level": "insufficient", "finding": "No substitute for ERP."}]},
    ],
}


def write(tmp_path, data, name="catalog.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def counts():
    return tuple(m.objects.count() for m in (Format, Source, Condition, Approach, EvidenceLink, SourceRating))


def test_import_creates_everything_with_relations(tmp_path):
    call_command("import_catalog", str(write(tmp_path, MINI)))
    erp = Approach.objects.get(slug="erp")
    assert erp.parent.slug == "cbt"
    assert [f.slug for f in erp.formats.all()] == ["individual", "group"]
    link = EvidenceLink.objects.get(approach__slug="dbt")
    assert link.level == "insufficient"
    assert [r.source.key for r in link.ratings.all()] == ["iocdf-dbt"]
    assert counts() == (2, 2, 1, 3, 2, 2)


def test_import_is_idempotent(tmp_path, capsys):
    path = write(tmp_path, MINI)
    call_command("import_catalog", str(path))
    first = Approach.objects.get(slug="cbt").updated_at
    call_command("import_catalog", str(path))
    assert "0 created, 0 updated" in capsys.readouterr().out.splitlines()[-1]
    assert counts() == (2, 2, 1, 3, 2, 2)
    assert Approach.objects.get(slug="cbt").updated_at == first


def test_import_upserts_changes_and_replaces_ratings(tmp_path):
    call_command("import_catalog", str(write(tmp_path, MINI)))
    changed = copy.deepcopy(MINI)
    changed["approaches"][1]["summary"] = "A new summary."
    changed["evidence"][0]["ratings"] = [{"source": "iocdf-dbt", "level": "strong", "finding": "Benchmark."}]
    call_command("import_catalog", str(write(tmp_path, changed)))
    assert Approach.objects.get(slug="cbt").summary == "A new summary."
    link = EvidenceLink.objects.get(approach__slug="erp")
    assert [r.source.key for r in link.ratings.all()] == ["iocdf-dbt"]


def test_export_import_export_is_byte_identical(tmp_path):
    call_command("import_catalog", str(write(tmp_path, MINI)))
    first = tmp_path / "first.json"
    call_command("export_catalog", output=str(first))
    EvidenceLink.objects.all().delete()
    Approach.objects.all().delete()
    call_command("import_catalog", str(first))
    second = tmp_path / "second.json"
    call_command("export_catalog", output=str(second))
    assert first.read_bytes() == second.read_bytes()
    assert json.loads(first.read_text())["approaches"][0]["slug"] == "cbt"  # sorted by slug


def test_export_to_stdout_matches_dumps(tmp_path, capsys):
    call_command("import_catalog", str(write(tmp_path, MINI)))
    capsys.readouterr()
    call_command("export_catalog")
    assert capsys.readouterr().out == catalog_dumps(catalog_export())


def test_if_changed_skips_an_already_imported_file(tmp_path, capsys):
    path = write(tmp_path, MINI)
    call_command("import_catalog", str(path), if_changed=True)
    call_command("import_catalog", str(path), if_changed=True)
    assert "nothing to do" in capsys.readouterr().out
    assert CatalogImport.objects.count() == 1


def test_dry_run_changes_nothing(tmp_path, capsys):
    call_command("import_catalog", str(write(tmp_path, MINI)), dry_run=True)
    assert "3 created" in capsys.readouterr().out
    assert counts() == (0, 0, 0, 0, 0, 0)


def broken(mutate):
    data = copy.deepcopy(MINI)
    mutate(data)
    return data


ERROR_CASES = {
    "unknown condition": (
        broken(lambda d: d["evidence"][1].update(condition="ocdd")),
        "catalog.json: evidence[1]: unknown condition 'ocdd'.",
    ),
    "unknown source": (
        broken(lambda d: d["evidence"][0]["ratings"][0].update(source="nope")),
        "catalog.json: evidence[0].ratings[0]: unknown source 'nope'.",
    ),
    "unknown parent": (
        broken(lambda d: d["approaches"][0].update(parent="cbtt")),
        "catalog.json: approaches[0].parent: unknown approach 'cbtt'.",
    ),
    "duplicate slug": (
        broken(lambda d: d["approaches"].append(copy.deepcopy(d["approaches"][1]))),
        "catalog.json: approaches[3]: duplicate slug 'cbt' (also approaches[1]).",
    ),
    "duplicate link": (
        broken(lambda d: d["evidence"].append(copy.deepcopy(d["evidence"][0]))),
        "catalog.json: evidence[2]: duplicate link erp × ocd × all (also evidence[0]).",
    ),
    "invalid level": (
        broken(lambda d: d["evidence"][0].update(level="great")),
        "catalog.json: evidence[0].level: 'great' is not one of strong, moderate, emerging, insufficient, "
        "not_recommended.",
    ),
    "missing source on a published link": (
        broken(lambda d: d["evidence"][0].update(ratings=[])),
        "catalog.json: evidence[0].ratings: a published link needs at least one source rating.",
    ),
    "wrong type": (
        broken(lambda d: d["approaches"][0].update(sessions_min="twelve")),
        "catalog.json: approaches[0].sessions_min: must be int or null, not str.",
    ),
    "bad session range": (
        broken(lambda d: d["approaches"][0].update(sessions_min=30)),
        "catalog.json: approaches[0].sessions_max: The most sessions cannot be fewer than the fewest.",
    ),
    "summary too long": (
        broken(lambda d: d["conditions"][0].update(summary="x" * 301)),
        "catalog.json: conditions[0].summary: Ensure this value has at most 300 characters (it has 301).",
    ),
    "unknown field": (
        broken(lambda d: d["conditions"][0].update(sumary="typo")),
        "catalog.json: conditions[0]: unknown field 'sumary'.",
    ),
    "bad date": (
        broken(lambda d: d["conditions"][0].update(last_reviewed="26/11/2026")),
        "catalog.json: conditions[0].last_reviewed: '26/11/2026' is not a date (YYYY-MM-DD).",
    ),
    "unknown format": (
        broken(lambda d: d["approaches"][1].update(formats=["carrier-pigeon"])),
        "catalog.json: approaches[1].formats: unknown format 'carrier-pigeon'.",
    ),
    "not an object": ([1, 2, 3], "catalog.json: the top level must be an object"),
    "NUL in text": (  # Postgres text cannot hold one; it used to escape as a traceback
        broken(lambda d: d["approaches"][0].update(summary="Talking \u0000 therapy")),
        "catalog.json: approaches[0].summary: contains a NUL character (\\u0000), which text cannot hold.",
    ),
    "NUL in a rating": (
        broken(lambda d: d["evidence"][0]["ratings"][0].update(finding="\u0000")),
        "catalog.json: evidence[0].ratings: contains a NUL character (\\u0000), which text cannot hold.",
    ),
}


@pytest.mark.parametrize("case", ERROR_CASES, ids=list(ERROR_CASES))
def test_import_error_names_file_record_and_field_and_changes_nothing(tmp_path, capsys, case):
    call_command("import_catalog", str(write(tmp_path, MINI, "base.json")))  # a populated database
    before = catalog_dumps(catalog_export())
    data, message = ERROR_CASES[case]
    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("import_catalog", str(write(tmp_path, data)))
    assert message in capsys.readouterr().err
    assert catalog_dumps(catalog_export()) == before


def test_bad_json_is_reported_with_its_position(tmp_path, capsys):
    path = tmp_path / "catalog.json"
    path.write_text('{"formats": [', encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path))
    assert "catalog.json: invalid JSON at line 1, column 14" in capsys.readouterr().err
    assert counts() == (0, 0, 0, 0, 0, 0)


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    with pytest.raises(CommandError):
        call_command("import_catalog", str(tmp_path / "nope.json"))
    assert "nope.json: cannot read the file" in capsys.readouterr().err


def test_a_late_error_rolls_back_earlier_records(tmp_path):
    data = broken(lambda d: d["evidence"][1].update(condition="ocdd"))
    with pytest.raises(CommandError):
        call_command("import_catalog", str(write(tmp_path, data)))
    assert counts() == (0, 0, 0, 0, 0, 0)


def hostile_catalogs() -> dict[str, bytes]:
    """Files an outside review sent: each must be refused with a message, never a traceback."""
    many = {"conditions": [{"slug": f"c{i}", "name": f"Condition {i}", "category": "mood", "summary": "A summary."}
                           for i in range(30_000)]}
    other_names = copy.deepcopy(MINI)
    other_names["conditions"][0]["other_names"] = [{"x": 1}]
    formats = copy.deepcopy(MINI)
    formats["approaches"][0]["formats"] = [{}]
    return {
        "nested": b"[" * 100_000 + b"]" * 100_000,
        "nested within the limit of Python's parser": b'{"formats": ' + b"[" * 500 + b"]" * 500 + b"}",
        "huge integer": b'{"formats": [{"slug": "x", "name": "X", "description": "X", "position": ' + b"9" * 5000 + b"}]}",
        "object in a format list": json.dumps(formats).encode(),
        "object in a name list": json.dumps(other_names).encode(),
        "duplicate keys": b'{"formats": [], "formats": [{"slug": "x"}]}',
        "30,000 records": json.dumps(many).encode(),
        "NaN": b'{"formats": [{"slug": "x", "name": "X", "description": "X", "position": NaN}]}',
    }


EXPECTED_MESSAGE = {
    "nested": "nest", "nested within the limit of Python's parser": "nest", "huge integer": "digits",
    "object in a format list": "must be a list of strings", "object in a name list": "must be a list of strings",
    "duplicate keys": "appears twice", "30,000 records": "at most 3,000", "NaN": "not a JSON number",
}


@pytest.mark.parametrize("case", list(EXPECTED_MESSAGE))
def test_a_hostile_catalog_file_is_refused_with_a_message_and_changes_nothing(tmp_path, capsys, case):
    call_command("import_catalog", str(write(tmp_path, MINI)))
    before = catalog_dumps(catalog_export())
    path = tmp_path / "hostile.json"
    path.write_bytes(hostile_catalogs()[case])
    with pytest.raises(CommandError):
        call_command("import_catalog", str(path))
    errors = capsys.readouterr().err
    assert "hostile.json" in errors and EXPECTED_MESSAGE[case] in errors, errors
    assert "Traceback" not in errors
    assert catalog_dumps(catalog_export()) == before


def test_the_command_line_prints_no_traceback_for_a_hostile_file(tmp_path):
    import subprocess
    import sys

    from tests.helpers import ROOT

    for case in ("nested", "huge integer"):
        path = tmp_path / "hostile.json"
        path.write_bytes(hostile_catalogs()[case])
        result = subprocess.run([sys.executable, "manage.py", "import_catalog", "--dry-run", str(path)], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
        assert EXPECTED_MESSAGE[case] in result.stderr
