"""Check API responses against the OpenAPI schema the API publishes.

    from tests.api_schema import assert_matches_schema

    response = client.get(f"/api/v1/org/units/{unit.pk}")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/org/units/{unit_id}", "get")

`path` is the path template exactly as it appears in /api/v1/openapi.json. The body is
validated against the schema documented for the response's status code; a 4xx status
the operation does not document must still carry the common error body
`{"detail": "..."}` (the handlers in xuncha/api.py produce it for every operation).
An undocumented 2xx/3xx/5xx status fails the check: document it in the router.
"""

import json
from functools import cache

import jsonschema

ERROR_BODY = {
    "type": "object",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "minLength": 1}},
}


@cache
def openapi_schema() -> dict:
    """The generated OpenAPI document, as plain JSON."""
    from xuncha.api import api

    return json.loads(json.dumps(api.get_openapi_schema(), default=str))


def _validator(schema: dict) -> jsonschema.protocols.Validator:
    spec = openapi_schema()
    # $refs point at "#/components/...": validate inside a document carrying them.
    root = {**schema, "components": spec.get("components", {})}
    cls = jsonschema.validators.validator_for(root, default=jsonschema.Draft202012Validator)
    return cls(root)


def response_schema(path: str, method: str, status: int) -> dict | None:
    """The documented JSON schema for this operation and status (None: no body)."""
    spec = openapi_schema()
    assert path in spec["paths"], f"{path} 不在 OpenAPI 文档中"
    operation = spec["paths"][path].get(method.lower())
    assert operation is not None, f"{method.upper()} {path} 不在 OpenAPI 文档中"
    documented = operation["responses"].get(str(status))
    if documented is None:
        assert 400 <= status < 500, f"{method.upper()} {path} 未声明状态码 {status}"
        return ERROR_BODY
    content = documented.get("content", {}).get("application/json")
    return content["schema"] if content else None


def assert_matches_schema(response, path: str, method: str = "get") -> None:
    schema = response_schema(path, method, response.status_code)
    if schema is None:
        assert not response.content.strip() or response.content.strip() == b"null", (
            f"{method.upper()} {path} 返回了未声明的响应体"
        )
        return
    body = json.loads(response.content)
    errors = sorted(_validator(schema).iter_errors(body), key=lambda e: list(e.path))
    if errors:
        lines = [f"{list(e.path)}: {e.message}" for e in errors[:5]]
        raise AssertionError(
            f"{method.upper()} {path} [{response.status_code}] 不符合 OpenAPI 声明:\n"
            + "\n".join(lines)
        )
