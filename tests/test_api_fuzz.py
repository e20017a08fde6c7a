"""Whatever query string reaches the API, the answer is JSON: 200 or a 400 naming the parameter, never a 500."""
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

API_PARAMETERS = ["q", "condition", "format", "family", "age", "level", "sort", "limit", "offset", "extra",
                  "approach", "population", "category", "x"]


@given(params=st.lists(st.tuples(st.sampled_from(API_PARAMETERS), st.text(max_size=30)), max_size=5),
       endpoint=st.sampled_from(["/api/v1/approaches/", "/api/v1/evidence/", "/api/v1/conditions/", "/api/v1/sources/"]))
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_string_gets_json_200_or_400_never_a_500(client, published_catalog, params, endpoint):
    response = client.get(endpoint + "?" + urlencode(params))
    assert response.status_code in (200, 400), (params, response.content[:200])
    assert response["Content-Type"] == "application/json"
