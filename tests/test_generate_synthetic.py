"""generate_synthetic: deterministic with a seed, counts that follow the scale, every published link sourced."""
import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from therapies.models import Approach, Condition, EvidenceLink, Source, SourceRating

pytestmark = pytest.mark.django_db(transaction=True)  # the sourced-link rule is checked at commit


def snapshot() -> list[tuple]:
    """Everything generated, by slug, so two runs can be compared whatever their ids."""
    links = EvidenceLink.objects.order_by("approach__slug", "condition__slug", "population").values_list(
        "approach__slug", "condition__slug", "population", "level", "status"
    )
    approaches = Approach.objects.order_by("slug").values_list("slug", "name", "status", "parent__slug", "age_groups")
    ratings = SourceRating.objects.order_by("link__approach__slug", "link__condition__slug", "link__population",
                                            "source__key").values_list("link__approach__slug", "source__key", "level")
    return [*links, *approaches, *ratings]


def generate(scale: float, seed: int, replace: bool = False) -> None:
    call_command("generate_synthetic", scale=scale, seed=seed, replace=replace, no_progress=True, stdout=None)


def test_same_seed_gives_the_same_catalog_and_another_seed_another():
    generate(0.05, seed=7)
    first = snapshot()
    generate(0.05, seed=7, replace=True)
    assert snapshot() == first
    generate(0.05, seed=8, replace=True)
    assert snapshot() != first


def test_counts_follow_the_scale():
    """Scale 1: 40 approaches, 25 conditions, 1,000 links with 2 ratings each, 100 sources; linear in the scale."""
    generate(1, seed=1)
    counts = [Approach.objects.count(), Condition.objects.count(), EvidenceLink.objects.count(),
              SourceRating.objects.count(), Source.objects.count()]
    assert counts == [40, 25, 1000, 2000, 100]
    generate(0.1, seed=1, replace=True)
    assert (Approach.objects.count(), Source.objects.count()) == (4, 10)
    # So few conditions cannot hold 100 distinct links within the per-approach cap; never more than asked.
    assert 0 < EvidenceLink.objects.count() <= 100


def test_every_published_link_cites_a_source_and_search_vectors_are_filled():
    generate(1, seed=3)
    unsourced = EvidenceLink.objects.filter(status="published").annotate(n=Count("ratings")).filter(n=0)
    assert not unsourced.exists()
    assert not Approach.objects.filter(search_vector__isnull=True).exists()
    assert EvidenceLink.objects.exclude(status="published").exists()  # drafts too, like a real catalog


def test_a_few_approaches_have_many_links_most_have_few():
    generate(1, seed=1)
    counts = sorted(EvidenceLink.objects.values("approach").annotate(n=Count("pk")).values_list("n", flat=True))
    assert counts[len(counts) // 2] < 25 < counts[-1]  # median under the mean, the top well over it


def test_refuses_to_add_a_second_set_without_replace():
    generate(0.05, seed=1)
    with pytest.raises(CommandError, match="--replace"):
        generate(0.05, seed=1)
