"""check_catalog: each content rule fails loudly; old reviews only warn."""
import datetime

import pytest
from django.core.management import CommandError, call_command

from therapies.checks import catalog_problems
from therapies.choices import Status
from therapies.models import Source, SourceRating
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


# The evidence rules (therapies/evidence_checks.py): each catches one bad record and passes its fixed twin.

def errors() -> list[str]:
    """The evidence and source errors (factory approaches have no format, which is another rule)."""
    return [str(p) for p in catalog_problems(today=TODAY)
            if p.severity == "error" and p.where.startswith(("evidence", "source"))]


def rate(link, source, level, **extra) -> None:
    SourceRating.objects.create(link=link, source=source, level=level, finding="Rated.", **extra)


def test_a_cited_source_without_url_or_doi_is_an_error_even_beside_one_with_an_address():
    link = EvidenceLinkFactory()  # one source with an address
    rate(link, SourceFactory(key="no-address", url="", doi=""), "strong")
    assert any("source 'no-address'" in m and "neither a URL nor a DOI" in m for m in errors())


def test_a_source_cited_only_by_a_draft_link_is_not_yet_an_error():
    link = EvidenceLinkFactory(status=Status.DRAFT, ratings=[])
    rate(link, SourceFactory(key="no-address", url="", doi=""), "strong")
    assert not any("no-address" in m for m in errors())


def test_a_rating_wider_than_its_sources_population_is_an_error():
    link = EvidenceLinkFactory(population="all", ratings=[])
    rate(link, SourceFactory(), "strong", population="adults")
    assert any("rated for all ages" in m and "children" in m for m in errors())
    SourceRating.objects.update(population="")  # the source did study everyone
    assert errors() == []


def test_adults_evidence_covers_older_adults_but_not_children():
    older = EvidenceLinkFactory(population="older_adults", ratings=[])
    rate(older, SourceFactory(), "strong", population="adults")
    assert errors() == []
    teens = EvidenceLinkFactory(population="adolescents", ratings=[])
    rate(teens, SourceFactory(), "strong", population="adults")
    assert any("teenagers" in m for m in errors())


def test_a_level_above_every_source_is_an_error():
    EvidenceLinkFactory(level="strong", ratings=[(SourceFactory(), "moderate")])
    assert any("above every one of its sources" in m for m in errors())


def test_a_guideline_outranked_by_a_review_or_patient_page_is_an_error():
    link = EvidenceLinkFactory(level="strong", ratings=[(SourceFactory(key="the-guideline"), "moderate")])
    rate(link, SourceFactory(kind=Source.Kind.REVIEW), "strong")
    rate(link, SourceFactory(kind=Source.Kind.PATIENT_INFORMATION), "strong")
    assert any("above its guideline (the-guideline: moderate)" in m for m in errors())


def test_a_systematic_review_may_rate_above_a_guideline():
    link = EvidenceLinkFactory(level="strong", ratings=[(SourceFactory(), "moderate")])
    rate(link, SourceFactory(kind=Source.Kind.SYSTEMATIC_REVIEW), "strong")
    assert errors() == []


def test_an_umbrella_rated_on_a_narrower_approachs_evidence_is_an_error():
    umbrella = ApproachFactory(name="Online therapy", is_umbrella=True, formats=[FormatFactory(slug="online")])
    link = EvidenceLinkFactory(approach=umbrella, ratings=[(SourceFactory(key="icbt-review"), "strong")])
    assert any("an umbrella with no source about online therapy itself (icbt-review" in m for m in errors())
    link.ratings.update(is_about_umbrella=True)
    assert errors() == []


def test_an_umbrella_rated_above_its_own_sources_is_an_error():
    umbrella = ApproachFactory(name="Group therapy", is_umbrella=True, formats=[FormatFactory(slug="group")])
    link = EvidenceLinkFactory(approach=umbrella, level="moderate", ratings=[(SourceFactory(), "moderate")])
    link.ratings.update(is_about_umbrella=True)
    rate(link, SourceFactory(), "emerging", is_about_umbrella=True)
    assert errors() == []
    link.ratings.update(level="emerging")
    rate(link, SourceFactory(kind=Source.Kind.SYSTEMATIC_REVIEW), "moderate")  # about group CBT, say
    assert any("an umbrella rated moderate, above what its own sources say" in m for m in errors())


def test_an_all_ages_rating_contradicted_by_a_narrower_one_needs_a_word_of_explanation():
    approach, condition = ApproachFactory(), ConditionFactory()
    wide = EvidenceLinkFactory(approach=approach, condition=condition, population="all", level="strong",
                               finding="Rated strongly supported by an expert body.")
    EvidenceLinkFactory(approach=approach, condition=condition, population="adults", level="moderate")
    assert any("rated strong for all ages but moderate for adults" in m for m in errors())
    wide.finding = "Rated strongly supported by an expert body; a guideline for adults is more cautious."
    wide.save()
    assert errors() == []


def test_populations_that_agree_need_no_explanation():
    approach, condition = ApproachFactory(), ConditionFactory()
    EvidenceLinkFactory(approach=approach, condition=condition, population="all")
    EvidenceLinkFactory(approach=approach, condition=condition, population="children")
    assert errors() == []
