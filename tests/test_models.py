"""The model's invariants hold in Postgres itself and show as readable validation errors."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from therapies.choices import Level, Status, levels_disagree
from therapies.models import Approach, EvidenceLink, SourceRating
from therapies.text import range_text
from tests.factories import ApproachFactory, ConditionFactory, EvidenceLinkFactory, SourceFactory

pytestmark = pytest.mark.django_db


def test_approach_slug_is_unique_in_the_database():
    ApproachFactory(slug="cbt")
    with pytest.raises(IntegrityError, match="therapies_approach_unique_slug"), transaction.atomic():
        ApproachFactory(slug="cbt")


def test_condition_slug_is_unique_in_the_database():
    ConditionFactory(slug="ocd")
    with pytest.raises(IntegrityError, match="therapies_condition_unique_slug"), transaction.atomic():
        ConditionFactory(slug="ocd")


def test_one_link_per_approach_condition_and_population():
    link = EvidenceLinkFactory(population="adults")
    with pytest.raises(IntegrityError, match="therapies_evidencelink_unique_triple"), transaction.atomic():
        EvidenceLinkFactory(approach=link.approach, condition=link.condition, population="adults")
    # another population of the same pair is a separate link
    EvidenceLinkFactory(approach=link.approach, condition=link.condition, population="children_and_adolescents")


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"sessions_min": 20, "sessions_max": 10}, "therapies_approach_sessions_range"),
        ({"sessions_min": 0, "sessions_max": 10}, "therapies_approach_sessions_positive"),
        ({"session_minutes_min": 90, "session_minutes_max": 60}, "therapies_approach_minutes_range"),
    ],
)
def test_session_ranges_are_checked_by_postgres(fields, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        ApproachFactory(**fields)


def test_invalid_session_range_gives_a_readable_form_error():
    approach = ApproachFactory.build(sessions_min=20, sessions_max=10)
    with pytest.raises(ValidationError) as error:
        approach.full_clean()
    assert "cannot be fewer than the fewest" in str(error.value.message_dict["sessions_max"])


def test_duplicate_slug_gives_a_readable_form_error():
    ApproachFactory(slug="cbt")
    with pytest.raises(ValidationError) as error:
        ApproachFactory.build(slug="cbt").full_clean()
    assert "slug" in str(error.value)


def test_duplicate_link_gives_a_readable_form_error():
    link = EvidenceLinkFactory()
    duplicate = EvidenceLink(
        approach=link.approach, condition=link.condition, population=link.population, level="strong", finding="x"
    )
    with pytest.raises(ValidationError, match="already exists"):
        duplicate.full_clean()


def test_published_link_without_a_source_is_refused_at_commit():
    link = EvidenceLinkFactory(ratings=[], status=Status.DRAFT)
    # The rule is a deferred trigger; make it fire now rather than at the (never reached) test commit.
    with pytest.raises(IntegrityError, match="must cite at least one source"), transaction.atomic():
        link.status = Status.PUBLISHED
        link.save()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_removing_the_last_source_of_a_published_link_is_refused():
    link = EvidenceLinkFactory()
    with pytest.raises(IntegrityError, match="must cite at least one source"), transaction.atomic():
        SourceRating.objects.filter(link=link).delete()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_draft_link_may_have_no_source_yet():
    """The source rule binds published links only: a draft passes the deferred check, and the same link
    published fails it."""
    link = EvidenceLinkFactory(ratings=[], status=Status.DRAFT)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred rule runs now, and passes
    assert EvidenceLink.objects.get(pk=link.pk).ratings.count() == 0
    link.status = Status.PUBLISHED
    with pytest.raises(IntegrityError), transaction.atomic():
        link.save()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_level_rank_is_computed_by_postgres():
    strong = EvidenceLinkFactory(level=Level.STRONG)
    weak = EvidenceLinkFactory(level=Level.NOT_RECOMMENDED)
    ranks = dict(EvidenceLink.objects.values_list("pk", "level_rank"))
    assert ranks[strong.pk] > ranks[weak.pk]


def test_sources_disagree_only_when_more_than_one_level_apart():
    assert not levels_disagree(["strong", "moderate"])
    assert levels_disagree(["strong", "emerging"])
    assert not levels_disagree(["emerging"])


def test_session_range_text():
    assert range_text(12, 16, "sessions") == "12\u201316 sessions"
    assert range_text(6, 6, "sessions") == "About 6 sessions"
    assert range_text(16, None, "sessions") == "At least 16 sessions"
    assert range_text(None, None, "sessions") == "Varies"


def test_source_link_prefers_url_then_doi():
    assert SourceFactory.build(url="https://nice.org.uk/x", doi="10.1/x").link == "https://nice.org.uk/x"
    assert SourceFactory.build(url="", doi="10.1/x").link == "https://doi.org/10.1/x"
    assert SourceFactory.build(url="", doi="").link == ""


@pytest.mark.parametrize("prefix", ["/", "/explorer/"])
def test_record_urls_match_reverse_under_any_script_prefix(prefix):
    """slug_url() skips reverse() per record; it must give what reverse() gives, prefix included."""
    from django.urls import reverse, set_script_prefix

    from therapies.text import slug_url

    set_script_prefix(prefix)
    try:
        for view in ("therapies:therapy-detail", "therapies:condition-detail"):
            for slug in ("cbt", "post-traumatic-stress-disorder", "a_b-9"):
                assert slug_url(view, slug) == reverse(view, args=[slug])
        assert Approach(slug="emdr").get_absolute_url() == prefix + "therapies/emdr/"
    finally:
        set_script_prefix("/")
