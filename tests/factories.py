"""factory_boy factories for the catalog models; every record is published unless a test says otherwise."""
import datetime

import factory

from therapies.choices import Level, Status
from therapies.models import Approach, Condition, EvidenceLink, Format, QuestionToAsk, Source, SourceRating


class FormatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Format
        django_get_or_create = ["slug"]

    slug = factory.Sequence(lambda n: f"format-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    description = "How the therapy is delivered."
    position = factory.Sequence(lambda n: n)


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    key = factory.Sequence(lambda n: f"source-{n}")
    short_name = factory.Sequence(lambda n: f"Source {n}")
    title = factory.Sequence(lambda n: f"A guideline number {n}")
    publisher = "A guideline body"
    year = 2020
    kind = Source.Kind.GUIDELINE
    url = factory.LazyAttribute(lambda o: f"https://example.org/{o.key}")


class ConditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Condition

    name = factory.Sequence(lambda n: f"Condition {n}")
    slug = factory.Sequence(lambda n: f"condition-{n}")
    category = Condition.Category.ANXIETY
    summary = "A plain summary of the condition."
    status = Status.PUBLISHED
    last_reviewed = datetime.date(2026, 11, 1)


class ApproachFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Approach
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Approach {n}")
    slug = factory.Sequence(lambda n: f"approach-{n}")
    family = Approach.Family.COGNITIVE_BEHAVIOURAL
    summary = "A plain summary of the approach."
    session_description = "You meet a therapist and talk."
    sessions_min = 8
    sessions_max = 16
    session_minutes_min = 50
    session_minutes_max = 60
    age_groups = factory.LazyFunction(lambda: ["adults"])
    status = Status.PUBLISHED
    last_reviewed = datetime.date(2026, 11, 1)

    @factory.post_generation
    def formats(self, create, extracted, **kwargs):
        if create and extracted:
            self.formats.set(extracted)


class EvidenceLinkFactory(factory.django.DjangoModelFactory):
    """A link with one source rating at the same level (pass ratings=[] for none)."""

    class Meta:
        model = EvidenceLink
        skip_postgeneration_save = True

    approach = factory.SubFactory(ApproachFactory)
    condition = factory.SubFactory(ConditionFactory)
    population = EvidenceLink.Population.ALL
    level = Level.STRONG
    finding = "Trials consistently show it helps."
    status = Status.PUBLISHED
    last_reviewed = datetime.date(2026, 11, 1)

    @factory.post_generation
    def ratings(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            SourceRating.objects.create(link=self, source=SourceFactory(), level=self.level, finding="It helps.")
        else:
            for source, level in extracted:
                SourceRating.objects.create(link=self, source=source, level=level, finding="Rated.")


class QuestionToAskFactory(factory.django.DjangoModelFactory):
    """A published question; pass approach=None (the default) for a general one."""

    class Meta:
        model = QuestionToAsk

    approach = None
    text = factory.Sequence(lambda n: f"What should I ask, number {n}?")
    position = factory.Sequence(lambda n: n)
    status = Status.PUBLISHED
