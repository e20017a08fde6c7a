"""/search/suggest/: suggestions as you type, from the vocabulary in memory; cacheable, bounded, never a 500."""
import pytest

from tests.conftest import grow_catalog

URL = "/search/suggest/"


@pytest.mark.django_db
def test_suggestions_are_json_names_that_start_with_what_was_typed(client, real_catalog):
    response = client.get(URL, {"q": "pan"})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["q"] == "pan" and data["suggestions"][0] == {"label": "Panic disorder", "kind": "condition", "matched": ""}
    assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]


@pytest.mark.django_db
def test_at_most_eight_suggestions(client, real_catalog):
    assert len(client.get(URL, {"q": "c"}).json()["suggestions"]) == 8


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["", "   ", "🙂🙂", "ǅǆ", "'; DROP TABLE x; --", "a & b | !c:*", "<script>",
                                   "%", "x" * 100])
def test_hostile_input_gets_a_normal_answer(client, real_catalog, typed):
    response = client.get(URL, {"q": typed})
    assert response.status_code == 200 and isinstance(response.json()["suggestions"], list)


@pytest.mark.django_db
def test_a_null_character_is_a_400(client, real_catalog):
    response = client.get(URL, {"q": "pa\x00n"})
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.django_db
def test_too_long_input_is_a_400_not_a_500(client, real_catalog):
    response = client.get(URL, {"q": "x" * 101})
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.django_db
def test_other_parameters_are_redirected_away(client, real_catalog):
    assert client.get(URL, {"q": "pan", "utm_source": "x"}).status_code == 301


@pytest.mark.django_db
def test_query_count_is_pinned(client, real_catalog, django_assert_num_queries):
    """0 queries once the vocabulary is cached for this catalog version; 4 to build it (approaches, conditions,
    formats, best bets), however large the catalog."""
    with django_assert_num_queries(4):
        client.get(URL, {"q": "pan"})
    with django_assert_num_queries(0):
        client.get(URL, {"q": "panic"})
    grow_catalog(30)
    with django_assert_num_queries(4):
        client.get(URL, {"q": "pan"})
    with django_assert_num_queries(0):
        client.get(URL, {"q": "dep"})
