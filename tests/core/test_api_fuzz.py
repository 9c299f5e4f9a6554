"""Schemathesis fuzzes every operation of the published OpenAPI document (issue 15 §3).

In-process: the document is loaded from the Django WSGI app (``schemathesis.openapi.from_wsgi``)
and every generated request goes through that same app, inside the test's database
transaction, authenticated with a Bearer token of one of the cast's roles. Valid data
(positive mode) and invalid data (negative mode) for each operation; checked:

- no 5xx;
- the response conforms to the documented schema and content type;
- every 4xx is JSON whose ``detail`` is a Chinese message (an undocumented 4xx included);
- invalid data is not accepted with a 2xx (schemathesis' negative-data check).

Bounded for CI: ``XUNCHA_FUZZ_EXAMPLES`` examples per operation and mode (default 2) and a
time budget per role, ``XUNCHA_FUZZ_SECONDS`` (default 15): once spent, the remaining
operations get one example each. Invalid data is refused before any role rule applies, so
negative mode runs for the office administrator only; the other roles get valid data. Derandomised (the same cases every run) unless
``XUNCHA_FUZZ_SEED`` is set. The longer form, e.g.::

    XUNCHA_FUZZ_EXAMPLES=100 XUNCHA_FUZZ_SECONDS=3600 XUNCHA_FUZZ_SEED=$RANDOM \\
        .venv/bin/python -m pytest -q -n 0 tests/core/test_api_fuzz.py
"""

import json
import os
import re
import time

import pytest
import schemathesis
from django.apps import apps
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hsettings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
)

from tests.cast import build_cast
from xuncha.org.services import token_create

EXAMPLES = int(os.environ.get("XUNCHA_FUZZ_EXAMPLES", "2"))
SECONDS = float(os.environ.get("XUNCHA_FUZZ_SECONDS", "15"))
SEED = os.environ.get("XUNCHA_FUZZ_SEED")
CJK = re.compile(r"[\u4e00-\u9fff]")
# Which roles: the office's administrator (sees and may change most), a team leader
# (team-scoped rights), and an inspected unit's liaison (outside the office).
ROLES = ["office_admin", "team_leader", "unit_liaison"]


@schemathesis.check
def chinese_json_errors(ctx, response, case):
    """Every refusal is JSON with a non-empty Chinese ``detail``."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"错误响应不是 JSON：{content_type}"
    body = json.loads(response.content)
    detail = body.get("detail") if isinstance(body, dict) else None
    assert isinstance(detail, str) and CJK.search(detail), f"错误响应没有中文说明：{body!r}"
    return None


CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
    chinese_json_errors,
]


@pytest.fixture
def wsgi_app(settings):
    """Django's own WSGI handler, minus the per-request connection closing: the requests
    run inside the test's transaction, as the test client's do."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _existing_ids():
    """Primary keys of the rows that exist, by the path parameter that would name them
    (``inspection_id`` -> Inspection): generated ids then also reach real objects."""
    ids = {}
    for model in apps.get_models():
        if model._meta.app_label.startswith(("django", "auth", "contenttypes", "sessions")):
            continue
        pks = list(model._default_manager.values_list("pk", flat=True)[:20])
        if pks and isinstance(pks[0], int):
            ids[f"{model._meta.model_name}_id"] = pks
    return ids


def _aim(case, ids):
    """Point integer path parameters at existing rows (the generated value picks which)."""
    for name, value in (case.path_parameters or {}).items():
        key = name.replace("_", "")
        pks = ids.get(name) or ids.get(key[:-2] + "_id")
        if pks and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            case.path_parameters[name] = pks[value % len(pks)]


def _fuzz(operation, mode, examples, call):
    strategy = operation.as_strategy(generation_mode=mode)

    @hsettings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def run(case):
        call(case)

    if SEED is not None:
        run = seed(int(SEED))(run)
    run()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_schemathesis_finds_no_errors(role, wsgi_app):
    cast = build_cast()
    _, raw = token_create(name="模糊测试", actor=cast.users[role])
    headers = {"Authorization": f"Bearer {raw}", "Host": "testserver"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", wsgi_app, headers=headers)
    ids = _existing_ids()

    def call(case):
        if case.meta is None or case.meta.generation.mode == GenerationMode.POSITIVE:
            _aim(case, ids)
        response = case.call(headers=headers)
        statuses[response.status_code // 100] = statuses.get(response.status_code // 100, 0) + 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    failures, statuses = [], {}
    modes = [GenerationMode.POSITIVE]
    if role == "office_admin":
        modes.append(GenerationMode.NEGATIVE)
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        spent = time.monotonic() - started
        examples = EXAMPLES if spent < SECONDS else 1
        for mode in modes:
            try:
                _fuzz(operation, mode, examples, call)
            except Unsatisfiable:
                pass  # nothing to make invalid (an operation without parameters or body)
            except Exception as exc:  # collect, so one run names every failing operation
                failures.append(f"{operation.label} [{mode.value}]: {str(exc)[:1500]}")
    print(
        f"\n{role}: {len(operations)} operations in {time.monotonic() - started:.1f} s, {statuses}"
    )
    assert not failures, f"{len(failures)} 个失败:\n\n" + "\n\n".join(failures)
