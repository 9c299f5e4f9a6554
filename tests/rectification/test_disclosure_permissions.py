"""Permission matrix of the disclosure approval pages and API operations (tests/matrix.py)."""

from types import SimpleNamespace

import pytest

from tests.matrix import case, check_all
from tests.rectification.conftest import adopt
from tests.rectification.test_disclosure_versions import submitted

OFFICE = {"office_admin", "office_staff", "sysadmin"}
READERS = OFFICE | {"leading_group", "unit_liaison", "team_leader", "team_member"}
SIGNED_IN = {
    "office_admin", "office_staff", "sysadmin", "leading_group", "custodian", "auditor",
    "county_staff", "county_b_staff", "unit_liaison", "handover_recipient", "team_leader",
    "team_member", "other_member", "outsider",
}  # fmt: skip
HIDDEN = SIGNED_IN - READERS


def _base(w):
    return f"/rectification/plans/{w.plan.pk}/disclosure"


def _api(w):
    return f"/api/v1/rectification/plans/{w.plan.pk}/disclosure"


CASES = [
    case("approvals_page", "get", lambda w: _base(w) + "/approvals/", READERS, hidden=HIDDEN),
    case(
        "approve_internal", "post", lambda w: _base(w) + "/approve/internal/", OFFICE,
        ok=302, hidden=HIDDEN,
    ),
    case(
        "approve_exemption", "post", lambda w: _base(w) + f"/items/{w.exempt.pk}/exempt/",
        OFFICE, ok=302, hidden=HIDDEN, data=lambda w: {"reason": "案件正在查办"},
    ),
    case("publish", "post", lambda w: _base(w) + "/publish/", OFFICE, ok=302, hidden=HIDDEN),
    case(
        "api_approve", "post", lambda w: _api(w) + "/approve", OFFICE, hidden=HIDDEN,
        data=lambda w: {"kind": "public"},
        schema_path="/api/v1/rectification/plans/{plan_id}/disclosure/approve",
    ),
    case(
        "api_exempt", "post", lambda w: _api(w) + f"/items/{w.exempt.pk}/exempt", OFFICE,
        hidden=HIDDEN, data=lambda w: {"reason": "案件正在查办"},
        schema_path="/api/v1/rectification/plans/{plan_id}/disclosure/items/{item_id}/exempt",
    ),
]  # fmt: skip


@pytest.fixture
def world(rect):
    adopt(rect)
    d = submitted(rect)
    return SimpleNamespace(
        users=rect.cast.users, plan=rect.plan, exempt=d.items.get(exemption="open_case")
    )


@pytest.mark.parametrize("op", CASES, ids=lambda c: c.name)
def test_permissions(world, op):
    check_all(op, world)


def test_api_publish_refused_then_allowed(rect, client):
    from tests.cast import client_for
    from xuncha.rectification.disclosure import approve_all

    adopt(rect)
    d = submitted(rect)
    staff = client_for(rect.cast.office_staff)
    url = f"/api/v1/rectification/plans/{rect.plan.pk}/disclosure/publish"
    r = staff.post(url)
    assert (
        r.status_code == 400 and "不能公开" in r.json()["detail"]
    ) or "不能公开" in r.content.decode()
    assert client_for(rect.cast.unit_liaison).post(url).status_code == 403
    approve_all(d, rect.cast.office_staff)
    r = staff.post(url)
    assert r.status_code == 200 and r.json()["state"] == "published" and r.json()["published_at"]
