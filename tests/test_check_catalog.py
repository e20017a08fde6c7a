"""check_catalog: each content rule fails loudly; old reviews only warn."""
import datetime

import pytest
from django.core.management import CommandError, call_command

from therapies.checks import catalog_problems
from therapies.choices import Status
from tests.factories import ApproachFactory, ConditionFactory, EvidenceLinkFactory, FormatFactory, SourceFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 11, 26)


def messages() -> list[str]:
    return [str(p) for p in catalog_problems(today=TODAY)]


def test_clean_catalog_passes(capsys):
    approach = ApproachFactory(formats=[FormatFactory(slug="individual")], last_reviewed=TODAY)
    EvidenceLinkFactory(approach=approach, condition=ConditionFactory(last_reviewed=TODAY), last_reviewed=TODAY)
    call_command("check_catalog")
    assert "no errors, 0 warning(s)" in capsys.readouterr().out


def test_published_link_whose_sources_have_no_address_is_an_error():
    EvidenceLinkFactory(ratings=[(SourceFactory(url="", doi=""), "strong")])
    assert any("without a source that has a URL or DOI" in m for m in messages())
    with pytest.raises(CommandError, match="error"):
        call_command("check_catalog")


def test_published_approach_without_format_is_an_error():
    ApproachFactory(formats=[])
    assert any("published without a format" in m for m in messages())


def test_summary_too_many_sentences_is_an_error():
    ApproachFactory(summary="One. Two. Three.")
    assert any("summary has 3 sentences" in m for m in messages())


def test_missing_required_field_is_an_error():
    ConditionFactory(summary="  ")
    assert any("missing summary" in m for m in messages())


def test_published_link_to_a_draft_condition_is_an_error():
    EvidenceLinkFactory(condition=ConditionFactory(status=Status.DRAFT))
    assert any("its condition" in m and "is not" in m for m in messages())


def test_old_review_is_a_warning_not_an_error(capsys):
    ConditionFactory(last_reviewed=TODAY - datetime.timedelta(days=800))
    problems = catalog_problems(today=TODAY)
    assert [p.severity for p in problems] == ["warning"]
    assert "more than 24 months ago" in str(problems[0])


def test_missing_review_date_on_published_record_is_an_error():
    ConditionFactory(last_reviewed=None)
    assert any("without a last-reviewed date" in m for m in messages())


def test_checking_a_file_reports_its_import_errors(tmp_path, capsys):
    path = tmp_path / "bad.json"
    path.write_text('{"evidence": [{"approach": "x", "condition": "y", "level": "strong", "finding": "f"}]}')
    with pytest.raises(CommandError, match="cannot be loaded"):
        call_command("check_catalog", file=str(path))
    assert "bad.json: evidence[0]: unknown approach 'x'." in capsys.readouterr().err


def test_checking_a_file_changes_nothing(tmp_path):
    from django.conf import settings
    from therapies.models import Approach

    call_command("check_catalog", file=str(settings.CATALOG_PATH))
    assert Approach.objects.count() == 0
