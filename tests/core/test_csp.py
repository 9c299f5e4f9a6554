"""The Content-Security-Policy header and its local report endpoint."""

import json
import logging

import pytest
from django.test import Client

REPORT = {
    "csp-report": {
        "document-uri": "http://testserver/public/",
        "violated-directive": "script-src-elem",
        "blocked-uri": "https://cdn.example.com/x.js",
        "source-file": "http://testserver/public/",
        "line-number": 12,
    }
}


@pytest.mark.django_db
def test_every_response_carries_the_strict_policy():
    response = Client().get("/login/")
    policy = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["report-uri"] == "/csp-report/"


def _post(client, body, **extra):
    return client.post("/csp-report/", data=body, content_type="application/csp-report", **extra)


@pytest.mark.django_db
def test_violation_reports_are_logged_in_chinese_capped_and_rate_limited(settings, caplog):
    caplog.set_level(logging.WARNING, logger="xuncha.csp")
    client = Client(enforce_csrf_checks=True)  # browsers post reports without a token
    assert _post(client, json.dumps(REPORT)).status_code == 204
    [record] = [r for r in caplog.records if r.name == "xuncha.csp"]
    assert "内容安全策略（CSP）违规" in record.getMessage()
    assert "https://cdn.example.com/x.js" in record.getMessage()

    caplog.clear()
    huge = json.dumps({"csp-report": {"blocked-uri": "x" * 20000}})
    assert _post(client, huge).status_code == 204
    assert _post(client, "not json").status_code == 204
    assert not [r for r in caplog.records if r.name == "xuncha.csp"]

    settings.CSP_REPORT_RATE = "3/d"  # a day window: a slow run cannot cross into the next
    for _ in range(10):
        assert _post(client, json.dumps(REPORT)).status_code == 204
    # 3 a day (a fresh day counter): of ten reports, three are logged.
    assert len([r for r in caplog.records if r.name == "xuncha.csp"]) == 3
    assert client.get("/csp-report/").status_code == 405
