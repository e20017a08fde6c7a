"""/search/ reads the question and answers it first, on the real catalog: every query of issue 16."""
import pytest

from tests.conftest import grow_catalog

URL = "/search/"


def results(client, typed: str, **extra):
    response = client.get(URL, {"q": typed, **extra})
    assert response.status_code == 200, response
    return response.context["results"], response.content.decode()


def answer_slugs(answer) -> list[str]:
    return [row.link.approach.slug for row in answer.rows]


# Each returned nothing before issue 16: now each is read and answered.
@pytest.mark.django_db
@pytest.mark.parametrize(("typed", "kind", "read_as"), [
    ("best treatment for ptsd", "condition", ["Post-traumatic stress disorder"]),
    ("what helps with panic attacks", "condition", ["Panic disorder"]),
    ("anorexia in teenagers", "condition", ["Anorexia nervosa", "Teenagers"]),
    ("my daughter has anorexia", "condition", ["Anorexia nervosa", "Children", "Teenagers"]),
    ("adhd adults", "condition", ["Attention deficit hyperactivity disorder", "Adults"]),
    ("anxiety online", "condition", ["Generalised anxiety disorder", "Anxiety disorders", "Online with a therapist"]),
    ("is emdr legit", "approach", ["Eye movement desensitisation and reprocessing"]),
    ("emdr ptsd", "evidence", ["Eye movement desensitisation and reprocessing", "Post-traumatic stress disorder"]),
    ("is emdr legit for ptsd", "evidence", ["Eye movement desensitisation and reprocessing", "Post-traumatic stress disorder"]),
    ("therapy for anxiety", "condition", ["Generalised anxiety disorder", "Anxiety disorders"]),
    ("what helps with nightmares", "condition", ["Post-traumatic stress disorder"]),
    ("bad dreams", "condition", ["Post-traumatic stress disorder"]),
    ("online", "browse", ["Online with a therapist"]),
    ("over 65s", "browse", ["Older adults"]),
])
def test_the_question_is_read_and_answered_first(client, real_catalog, typed, kind, read_as):
    found, html = results(client, typed)
    assert found.answer is not None and found.answer.kind == kind
    assert found.reading.labels == read_as
    assert "Showing therapies for <strong>" + " · ".join(read_as) + "</strong>" in html
    assert 'href="?q=' in html and "plain=on" in html  # one click back to the exact words
    assert html.index('class="answer') < html.index('id="search-results-heading"')  # above the text matches
    assert "Nothing matched" not in html and "Did you mean" not in html


@pytest.mark.django_db
def test_a_condition_answer_ranks_distinct_approaches_strongest_first_umbrellas_last(client, real_catalog):
    found, html = results(client, "best treatment for ptsd")
    slugs = answer_slugs(found.answer)
    assert len(slugs) == len(set(slugs))  # CPT once, though it has links for two populations
    ranks = [row.link.level_rank for row in found.answer.rows]
    specific = [rank for row, rank in zip(found.answer.rows, ranks) if row.link.approach.slug != "online-therapy"]
    assert specific == sorted(specific, reverse=True)
    if "online-therapy" in slugs:  # an umbrella never outranks the specific approaches it stands for
        assert slugs.index("online-therapy") > max(slugs.index(s) for s in slugs if s != "online-therapy")
    assert found.answer.url == "/therapies/?condition=ptsd"
    assert "Sources:" in html and 'class="level' in html


@pytest.mark.django_db
def test_a_condition_with_a_format_and_an_age_links_to_browse_with_exactly_those_filters(client, real_catalog):
    found, _ = results(client, "anorexia in teenagers")
    assert found.answer.url == "/therapies/?condition=anorexia-nervosa&age=adolescents"
    found, _ = results(client, "anxiety online")
    assert found.answer.url == "/therapies/?condition=generalised-anxiety-disorder&format=online"
    assert all("online" in {f.slug for f in row.link.approach.formats.all()} for row in found.answer.rows)


@pytest.mark.django_db
def test_the_ptsd_answer_puts_emdr_and_prolonged_exposure_above_online_therapy(client, real_catalog):
    slugs = answer_slugs(results(client, "ptsd")[0].answer)
    assert "online-therapy" not in slugs[:slugs.index("prolonged-exposure") + 1]
    assert slugs.count("cpt") == 1
    cpt = next(row for row in results(client, "ptsd")[0].answer.rows if row.link.approach.slug == "cpt")
    assert cpt.link.population == "all"  # of its two strong links, the one for all ages


@pytest.mark.django_db
def test_therapy_for_anxiety_answers_with_cbt_and_lists_the_anxiety_conditions(client, real_catalog):
    found, _ = results(client, "therapy for anxiety")
    assert "cbt" in answer_slugs(found.answer)
    hits = [hit.record.slug for hit in found.hits]
    assert {"anxiety-disorders", "generalised-anxiety-disorder"} <= set(hits)


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["cbt vs emdr", "cbt or emdr", "compare cbt and emdr", "CBT versus EMDR"])
def test_two_approaches_and_nothing_else_go_to_the_comparison(client, real_catalog, typed):
    response = client.get(URL, {"q": typed})
    assert response.status_code == 302 and response["Location"] == "/compare/?t=cbt&t=emdr"


@pytest.mark.django_db
def test_a_comparison_with_more_to_it_is_a_card_not_a_redirect(client, real_catalog):
    found, html = results(client, "cbt vs emdr for ptsd")
    assert found.answer.kind == "compare" and found.answer.url == "/compare/?t=cbt&t=emdr"
    assert "Compare Cognitive behavioural therapy and Eye movement" in html
    htmx = client.get(URL, {"q": "cbt vs emdr"}, HTTP_HX_REQUEST="true")  # htmx swaps a card in, no redirect
    assert htmx.status_code == 200 and "/compare/?t=cbt&amp;t=emdr" in htmx.content.decode()


@pytest.mark.django_db
def test_an_approach_and_a_condition_show_that_evidence(client, real_catalog):
    found, html = results(client, "emdr ptsd")
    assert {link.population for link in found.answer.links} >= {"adults"}
    assert all(link.approach.slug == "emdr" and link.condition.slug == "ptsd" for link in found.answer.links)
    assert "Moderate evidence" in html and "Sources:" in html


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["suicidal", "I want to kill myself", "self harm now", "overdose", "in danger",
                                   "suicidal ptsd", "cbt vs emdr overdose"])
def test_words_of_crisis_bring_the_help_card_first_whatever_else_matched(client, real_catalog, typed):
    response = client.get(URL, {"q": typed})
    assert response.status_code == 200  # never redirected away from the help card
    html = response.content.decode()
    assert 'class="answer crisis-card"' in html and "tel:116123" in html and 'href="/help/"' in html
    assert html.index("crisis-card") < html.index('id="search-results-heading"')
    if "ptsd" in typed:
        assert html.index("crisis-card") < html.index("answer-condition")


@pytest.mark.django_db
def test_a_plain_search_reads_nothing_into_the_words(client, real_catalog):
    found, html = results(client, "best treatment for ptsd", plain="on")
    assert found.reading is None and found.answer is None
    assert "Let search read the question" in html


@pytest.mark.django_db
def test_did_you_mean_is_honest(client, real_catalog):
    found, html = results(client, "cognitve")  # a real correction that finds something
    assert found.searched_for == "cognitive" and found.hits
    found, html = results(client, "bad")  # a real word is never "corrected" into a non-word
    assert "ba" != found.searched_for and "Did you mean" not in html
    found, html = results(client, "zzqxj wibblefrotz")  # no spelling finds anything: no suggestion
    assert not found.searched_for and "Did you mean" not in html and "Nothing matched" in html


@pytest.mark.django_db
def test_nothing_found_still_offers_somewhere_to_go(client, real_catalog):
    found, html = results(client, "gamblng habit")
    assert found.found_nothing and found.closest
    assert "Closest by name:" in html
    for link in ('href="/therapies/"', 'href="/conditions/"', 'href="/help/"'):
        assert link in html


@pytest.mark.django_db
def test_nothing_found_is_counted_and_never_cached(client, real_catalog, settings):
    from therapies.models import SearchMiss

    settings.SERVER_PAGE_CACHE_SECONDS = 600
    for _ in range(3):
        response = client.get(URL, {"q": "Zzqxj  WIBBLE"})
        assert "no-store" in response["Cache-Control"] and response.get("X-Page-Cache") != "hit"
    assert list(SearchMiss.objects.values_list("text", "count")) == [("zzqxj wibble", 3)]
    client.get(URL, {"q": "ptsd"})  # found something: not counted
    assert SearchMiss.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "queries"), [
    # the answer: the condition's links, their sources; the text matches: approaches, conditions
    ("best treatment for ptsd", 4),
    ("emdr ptsd", 4),  # the answer: the links between the two, their sources; approaches, conditions
    ("is emdr legit", 3),  # the answer: the approach's card; approaches, conditions
    ("homework between sessions", 2),  # nothing recognised: approaches and conditions
])
def test_query_count_is_pinned_and_flat_as_the_catalog_grows(client, real_catalog, django_assert_num_queries, text,
                                                             queries):
    """With the vocabulary cached (the first request loads it: four queries, once per catalog version), a
    search costs a fixed number of queries however many records there are."""
    client.get(URL, {"q": text})
    with django_assert_num_queries(queries):
        client.get(URL, {"q": text})
    grow_catalog(30)
    client.get(URL, {"q": text})  # a new catalog version: the vocabulary is read again
    with django_assert_num_queries(queries):
        client.get(URL, {"q": text})


@pytest.mark.django_db
def test_a_head_request_is_not_counted_as_a_search(client, real_catalog):
    from therapies.models import SearchMiss

    assert client.head(URL, {"q": "zzqxj wibble"}).status_code == 200
    assert not SearchMiss.objects.exists()
