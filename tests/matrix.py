"""A permission matrix: every view or API operation × every cast user (and anonymous).

Describe each operation once as a `Case`; `matrix(CASES)` expands it into one pytest
parameter per (case, user); `check(case, cast, username)` performs the request and
asserts the outcome:

- a user in `allowed` gets `ok` (a status code or a set of them);
- anybody else gets one of `denied` (by default 403 or 404);
- users listed in `hidden` must get exactly 404 (the object is outside their scope,
  so its existence must not leak);
- anonymous gets a redirect to the login page (pages) or 401 (API).

Copy the pattern into tests/<app>/test_permissions.py:

    CASES = [case("plan_detail", "get", lambda c: f"/plans/{c.plan.pk}/", allowed={...},
                  hidden={...}), ...]

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
    def test_permissions(cast, case):
        check_all(case, cast)

`check_all` runs every user against one cast, each request inside a savepoint that is
rolled back (so a write by one user does not change what the next one sees), and reports
every wrong answer at once. Building the cast once per case instead of once per
(case, user) keeps the matrix fast; `matrix()` + `check()` give one test per pair when
a failure needs isolating.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client

from tests.api_schema import assert_matches_schema
from tests.cast import client_for

USERS = [
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "custodian",
    "auditor",
    "county_staff",
    "county_b_staff",
    "unit_liaison",
    "handover_recipient",
    "team_leader",
    "team_member",
    "other_member",
    "outsider",
    "anonymous",
]
EVERYONE = frozenset(USERS) - {"anonymous"}


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    url: Callable  # cast -> url
    allowed: frozenset
    ok: int | frozenset = 200
    denied: frozenset = frozenset({403, 404})
    hidden: frozenset = frozenset()
    data: Callable | None = None  # cast -> form data / JSON body
    schema_path: str | None = None  # OpenAPI path template: validate API answers
    api: bool = False  # an API operation whose answer is a file (no JSON body to validate)

    @property
    def is_api(self) -> bool:
        return self.api or self.schema_path is not None


def case(name, method, url, allowed, **kwargs) -> Case:
    """Build a Case, turning sets into frozensets so that cases are hashable."""
    for key in ("denied", "hidden", "ok"):
        if isinstance(kwargs.get(key), set):
            kwargs[key] = frozenset(kwargs[key])
    return Case(name, method, url, frozenset(allowed), **kwargs)


def matrix(cases):
    return [pytest.param(c, u, id=f"{c.name}-{u}") for c in cases for u in USERS]


def check(case: Case, cast, username: str):
    client = Client() if username == "anonymous" else client_for(cast.users[username])
    url = case.url(cast)
    data = case.data(cast) if case.data else None
    uploads = isinstance(data, dict) and any(hasattr(v, "read") for v in data.values())
    if case.is_api and data is not None and not uploads:  # files go as multipart
        response = getattr(client, case.method)(
            url, json.dumps(data), content_type="application/json"
        )
    else:
        response = getattr(client, case.method)(url, data or {})
    status = response.status_code
    if username == "anonymous":
        if case.is_api:
            assert status == 401, f"{case.name}: anonymous got {status}"
        else:
            assert status == 302 and "/login/" in response["Location"], (
                f"{case.name}: anonymous got {status}"
            )
        return response
    expected_ok = case.ok if isinstance(case.ok, frozenset) else {case.ok}
    if username in case.allowed:
        assert status in expected_ok, f"{case.name}: {username} allowed, got {status}"
    elif username in case.hidden:
        assert status == 404, f"{case.name}: {username} must not see it, got {status}"
    else:
        assert status in case.denied, f"{case.name}: {username} denied, got {status}"
    if case.schema_path is not None:
        assert_matches_schema(response, case.schema_path, case.method)
    return response


def check_all(case: Case, cast, users=USERS):
    """Check one case for every user, each in a rolled-back savepoint; report all misses."""
    failures = []
    for username in users:
        try:
            with transaction.atomic():
                check(case, cast, username)
                transaction.set_rollback(True)
        except AssertionError as error:
            failures.append(str(error).splitlines()[0])
    assert not failures, "\n".join(failures)
