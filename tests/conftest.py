"""Shared fixtures: a small realistic catalog, curators in their groups, and the browser fixtures."""
import os
import uuid
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import settings as hypothesis_settings

from therapies.choices import Level, Status
from tests.browser import chromium, page, page_without_js, phone_390, phone_page, phone_without_js  # noqa: F401  (browser fixtures)
from tests.factories import (
    ApproachFactory,
    ConditionFactory,
    EvidenceLinkFactory,
    FormatFactory,
    SourceFactory,
)

# CI replays the same examples each run, so a red run is reproducible; locally, each run explores anew.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def own_cache_key_space(settings):
    """Each test reads and writes every cache under a key prefix of its own.

    The caches outlive a test and, on Redis, a whole run: without this, counters such as the reader-report
    rate limit carry over from one test (or an earlier `make test`) to the next. Other keys on that Redis
    are left alone; the long-lived catalog version is deleted after the test, the rest expire within a day.
    """
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {alias: {**config, "KEY_PREFIX": prefix} for alias, config in settings.CACHES.items()}
    default = settings.CACHES["default"]
    yield default
    if "RedisCache" in default["BACKEND"] and settings.CACHES["default"] == default:  # not replaced by the test
        from django.core.cache import cache

        from therapies.cache import VERSION_KEY

        cache.delete(VERSION_KEY)


@pytest.fixture
def admin_client_logged_in(client, django_user_model):
    user = django_user_model.objects.create_superuser("curator", "curator@example.org", "a-long-test-password")
    client.force_login(user)
    return client


@dataclass
class Catalog:
    formats: dict
    conditions: dict
    approaches: dict
    sources: dict


@transaction.atomic  # a link and its sources commit together (the rule is checked at commit)
def build_catalog() -> Catalog:
    """A small, realistic catalog: what each page test reasons about."""
    formats = {
        slug: FormatFactory(slug=slug, name=name, position=i)
        for i, (slug, name) in enumerate([("individual", "Individual"), ("group", "Group"), ("online", "Online")])
    }
    conditions = {
        "depression": ConditionFactory(slug="depression", name="Depression", category="mood", other_names=["low mood"]),
        "ocd": ConditionFactory(slug="ocd", name="Obsessive-compulsive disorder", category="obsessive_compulsive",
                                other_names=["OCD"]),
        "psychosis": ConditionFactory(slug="psychosis", name="Psychosis", category="psychosis"),
        "hidden": ConditionFactory(slug="hidden-condition", name="Hidden condition", status=Status.DRAFT),
    }
    approaches = {
        "cbt": ApproachFactory(slug="cbt", name="Cognitive behavioural therapy", abbreviation="CBT",
                               other_names=["cognitive behavioral therapy", "talking therapy"],
                               formats=[formats["individual"], formats["group"], formats["online"]],
                               age_groups=["adolescents", "adults"], sessions_min=6, sessions_max=20),
        "erp": ApproachFactory(slug="erp", name="Exposure and response prevention", abbreviation="ERP",
                               formats=[formats["individual"], formats["group"]],
                               age_groups=["children", "adolescents", "adults"], sessions_min=12, sessions_max=20),
        "dbt": ApproachFactory(slug="dbt", name="Dialectical behaviour therapy", abbreviation="DBT",
                               family="third_wave", formats=[formats["individual"], formats["group"]],
                               sessions_min=None, sessions_max=None),
        "art": ApproachFactory(slug="art-therapy", name="Art therapy", family="creative_arts",
                               formats=[formats["group"]], sessions_min=None, sessions_max=None,
                               summary="Making art with a therapist to explore feelings."),
        "counselling": ApproachFactory(slug="person-centred-therapy", name="Person-centred therapy",
                                       family="humanistic", other_names=["counselling", "client-centred therapy"],
                                       formats=[formats["individual"]], sessions_min=12, sessions_max=16),
        "draft": ApproachFactory(slug="draft-therapy", name="Draft therapy", status=Status.DRAFT,
                                 formats=[formats["group"]]),
    }
    approaches["erp"].parent = approaches["cbt"]
    approaches["erp"].save()
    sources = {"nice": SourceFactory(key="nice", short_name="NICE guideline"),
               "review": SourceFactory(key="review", short_name="A review", kind="systematic_review")}
    link = EvidenceLinkFactory
    link(approach=approaches["cbt"], condition=conditions["depression"], level=Level.STRONG, population="adults",
         ratings=[(sources["nice"], Level.STRONG), (sources["review"], Level.MODERATE)])
    link(approach=approaches["erp"], condition=conditions["ocd"], level=Level.STRONG,
         ratings=[(sources["nice"], Level.STRONG)])
    link(approach=approaches["cbt"], condition=conditions["ocd"], level=Level.STRONG,
         finding="CBT that includes ERP is first-line.", ratings=[(sources["nice"], Level.STRONG)])
    link(approach=approaches["dbt"], condition=conditions["ocd"], level=Level.INSUFFICIENT,
         finding="Not shown for OCD; ERP is the first-line treatment.",
         ratings=[(sources["review"], Level.INSUFFICIENT)])
    link(approach=approaches["art"], condition=conditions["psychosis"], level=Level.EMERGING,
         ratings=[(sources["nice"], Level.MODERATE), (sources["review"], Level.INSUFFICIENT)])
    link(approach=approaches["counselling"], condition=conditions["psychosis"], level=Level.NOT_RECOMMENDED,
         ratings=[(sources["nice"], Level.NOT_RECOMMENDED)])
    link(approach=approaches["counselling"], condition=conditions["depression"], level=Level.MODERATE,
         ratings=[(sources["nice"], Level.MODERATE)])
    link(approach=approaches["draft"], condition=conditions["depression"], level=Level.STRONG)
    link(approach=approaches["cbt"], condition=conditions["hidden"], level=Level.STRONG)
    link(approach=approaches["dbt"], condition=conditions["depression"], level=Level.MODERATE, status=Status.DRAFT)
    return Catalog(formats, conditions, approaches, sources)


@transaction.atomic
def grow_catalog(extra: int) -> None:
    """Add `extra` published approaches and conditions, linked to each other and to the records the
    pages under test show (cbt, erp, dbt and ocd when they exist), so an N+1 on those pages would show."""
    from therapies.models import Approach, Condition

    group = FormatFactory(slug="group", name="Group")
    shown = list(Approach.objects.filter(slug__in=["cbt", "erp", "dbt"]))
    ocd = Condition.objects.filter(slug="ocd").first()
    for index in range(extra):
        condition = ConditionFactory()
        approach = ApproachFactory(formats=[group])
        EvidenceLinkFactory(approach=approach, condition=condition, level=Level.MODERATE)
        EvidenceLinkFactory(approach=approach, condition=ConditionFactory(), level=Level.STRONG)
        if ocd is not None:
            EvidenceLinkFactory(approach=approach, condition=ocd, level=Level.EMERGING)
        if shown:
            EvidenceLinkFactory(approach=shown[index % len(shown)], condition=condition, level=Level.MODERATE)


@transaction.atomic
def delete_catalog() -> None:
    """Remove what build_catalog committed (for module-scoped and live-server data)."""
    from therapies.models import Approach, Condition, EvidenceLink, Format, Source

    for model in (EvidenceLink, Approach, Condition, Source, Format):
        model.objects.all().delete()


@pytest.fixture
def catalog(db) -> Catalog:
    return build_catalog()


def staff_in_group(django_user_model, username: str, group: str):
    """A staff member in one of the groups migration 0005_roles creates."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username, f"{username}@example.org", "a-long-test-password", is_staff=True
    )
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(django_user_model):
    return staff_in_group(django_user_model, "edna", "Editors")


@pytest.fixture
def reviewer(django_user_model):
    return staff_in_group(django_user_model, "rita", "Reviewers")


@pytest.fixture
def second_reviewer(django_user_model):
    return staff_in_group(django_user_model, "rob", "Reviewers")


@pytest.fixture(scope="module")
def real_catalog(django_db_setup, django_db_blocker):
    """The real curated catalog (therapies/catalog/catalog.json), committed once for a module."""
    with django_db_blocker.unblock():
        call_command("import_catalog", verbosity=0)
    yield
    with django_db_blocker.unblock():
        delete_catalog()


@pytest.fixture(scope="module")
def published_catalog(django_db_setup, django_db_blocker):
    """The small catalog committed once for a module (property-based tests run many examples on it)."""
    with django_db_blocker.unblock():
        catalog = build_catalog()
    yield catalog
    with django_db_blocker.unblock():
        delete_catalog()


@pytest.fixture
def live_catalog(live_server, transactional_db):
    """The small catalog, committed so the live server's threads can see it."""
    catalog = build_catalog()
    yield catalog


@pytest.fixture
def assert_flat_queries(client, django_assert_num_queries):
    """check(url, queries): the page answers 200 in exactly `queries` queries on the small catalog, and
    again after it grows by 30 approaches: a pinned count that does not grow with the catalog."""
    def check(url: str, queries: int) -> None:
        build_catalog()
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
        grow_catalog(30)
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200
    return check
