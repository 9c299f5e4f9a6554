"""Hostile input to any API operation gives a JSON answer in Chinese, never a 5xx.

Every operation of the published OpenAPI document is called with hostile path, query and
body values: integers above 2^63, negative ones, lone surrogates, malformed JSON. The
schema itself must have one component per name and validate as OpenAPI 3.
"""

import json
import re
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ninja import Schema
from openapi_spec_validator import validate

from tests.api_schema import openapi_schema
from tests.cast import build_cast, client_for

CJK = re.compile(r"[\u4e00-\u9fff]")
HOSTILE_INTS = [2**64, 2**63, -1, -(2**64)]
SURROGATE = "\ud800"


def _assert_json_chinese(response, what):
    assert response.status_code < 500, (what, response.status_code, response.content[:300])
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), (what, response)
        detail = json.loads(response.content)["detail"]
        assert isinstance(detail, str) and CJK.search(detail), (what, detail)


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_openapi_components_have_unique_names_and_validate():
    document = openapi_schema()
    validate(document)
    names = defaultdict(set)
    for model in _all_subclasses(Schema):
        if model.__module__.startswith("xuncha."):
            names[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    components = set(document["components"]["schemas"])
    clashes = {n: sorted(where) for n, where in names.items() if len(where) > 1 and n in components}
    assert not clashes, f"同名的 OpenAPI 组件：{clashes}"


def test_served_openapi_json_has_no_duplicated_keys():
    """Swagger UI refuses a document with a key twice (e.g. a status code given as 200 and
    as "200", which Python keeps apart and JSON does not): every response code is unique."""
    for path, method, operation in _operations():
        codes = [str(code) for code in operation.get("responses", {})]
        assert len(codes) == len(set(codes)), (path, method, codes)


def _operations():
    document = openapi_schema()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _body_schema(operation):
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        schema = content["application/json"]["schema"]
        ref = schema.get("$ref", "")
        if ref:
            schema = openapi_schema()["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return schema
    return None


def _call(client, method, path, value, operation):
    url = re.sub(r"\{[^}]+\}", str(value) if isinstance(value, int) else "1", path)
    query = {
        p["name"]: value
        for p in operation.get("parameters", [])
        if p["in"] == "query" and not isinstance(value, str)
    }
    body = _body_schema(operation)
    kwargs = {}
    if body is not None:
        payload = dict.fromkeys(body.get("properties", {}), value)
        kwargs = {"data": json.dumps(payload), "content_type": "application/json"}
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return getattr(client, method)(url, **kwargs)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_operation_answers_hostile_values_with_json_not_5xx():
    cast = build_cast()
    for user in (cast.office_admin, cast.unit_liaison):
        client = client_for(user)
        client.defaults["HTTP_X_CSRFTOKEN"] = "x"
        client.cookies["csrftoken"] = "x"
        for path, method, operation in _operations():
            for value in [*HOSTILE_INTS, SURROGATE]:
                response = _call(client, method, path, value, operation)
                _assert_json_chinese(response, (user.username, method, path, value))


def test_unknown_paths_wrong_methods_and_bad_bodies_are_json(cast):
    client = client_for(cast.office_admin)
    _assert_json_chinese(client.get("/api/v1/no/such/endpoint"), "404")
    response = client.delete("/api/v1/plans/plans")
    assert response.status_code == 405
    _assert_json_chinese(response, "405")
    assert "GET" in response["Allow"]
    for raw in ['{"target": ', '{"target": "\\ud800"}', "[1, 2", "\ufeff{}"]:
        response = client.post(
            f"/api/v1/clues/handovers/{2**64}/transition", data=raw, content_type="application/json"
        )
        _assert_json_chinese(response, raw)


def test_validation_messages_are_chinese_and_keep_field_locations(cast):
    client = client_for(cast.office_admin)
    response = client.get("/api/v1/clues/?limit=-1&offset=abc")
    assert response.status_code == 422
    body = response.json()
    assert CJK.search(body["detail"])
    by_field = {e["loc"][-1]: e["msg"] for e in body["errors"]}
    assert by_field == {"limit": "应大于或等于 1", "offset": "应为整数"}
    assert body["errors"][0]["loc"][0] == "query"


def test_operations_with_a_json_body_answer_other_body_types_with_json(cast):
    """A form post or a multipart upload to a JSON operation is the client's mistake: a
    Chinese JSON error (415 or 4xx), never a server error."""
    client = client_for(cast.office_admin)
    bodies = [
        ("application/x-www-form-urlencoded", "target=x&comment=y"),
        (
            "multipart/form-data; boundary=xx",
            '--xx\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--xx--\r\n',
        ),
        ("text/plain", "target"),
    ]
    for index, (path, method, operation) in enumerate(_operations()):
        if _body_schema(operation) is None:
            continue
        url = re.sub(r"\{[^}]+\}", "1", path)
        content_type, body = bodies[index % len(bodies)]
        response = getattr(client, method)(url, data=body, content_type=content_type)
        _assert_json_chinese(response, (method, path, content_type))
    content_type, body = bodies[1]
    response = client.post(
        "/api/v1/clues/handovers/1/transition", data=body, content_type=content_type
    )
    assert response.status_code == 415


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(
        ["/api/v1/clues/", "/api/v1/petitions/submissions", "/api/v1/rectification/measures"]
    ),
    st.one_of(st.integers(), st.text(max_size=20)),
    st.one_of(st.integers(), st.text(max_size=20)),
)
def test_paging_parameters_never_break_the_lists(api_client, path, limit, offset):
    response = api_client.get(path, {"limit": limit, "offset": offset})
    _assert_json_chinese(response, (path, limit, offset))


@pytest.fixture
def api_client(cast):
    return client_for(cast.office_admin)
