"""立行立改 over /api/v1/inspections/ (issue 11): the same rules as the pages — the leader
issues, the unit's liaison reads and answers only its own, the leader or the office closes —
with Chinese errors, nothing saved on refusal, and every read of the requirement or reply
audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cast import make_user
from tests.inspections.conftest import make_problem
from tests.matrix import EVERYONE, case, check_all
from xuncha.audit.models import AuditEntry
from xuncha.inspections import services
from xuncha.inspections.models import FixNotice
from xuncha.org.models import Role

pytestmark = pytest.mark.django_db
API = "/api/v1/inspections"


def _issue(cast, **over):
    data = {
        "inspection": cast.inspections["a"],
        "unit_id": cast.units["bureau"].pk,
        "title": "公车私用问题",
        "requirement": "立即收回车辆并书面报告",
        "actor": cast.team_leader,
        **over,
    }
    return services.fix_notice_issue(**data)


def _post(client, url, body):
    return client.post(url, body, content_type="application/json")


def test_issue_read_reply_and_close_through_the_api(field, login):
    cast = field
    inspection = cast.inspections["a"]
    leader = login(cast.team_leader)
    body = {"unit_id": cast.units["bureau"].pk, "title": "公车私用问题", "requirement": "立即整改"}
    past = str(timezone.localdate() - timedelta(days=1))
    r = _post(leader, f"{API}/{inspection.pk}/fix-notices", {**body, "deadline": past})
    assert r.status_code == 400 and "整改期限不能早于今天" in r.json()["detail"]
    other_problem = make_problem(cast, inspection=cast.inspections["b"], actor=cast.other_member)
    r = _post(
        leader, f"{API}/{inspection.pk}/fix-notices", {**body, "problem_id": other_problem.pk}
    )
    assert r.status_code == 400 and "不属于本次巡察" in r.json()["detail"]
    r = _post(leader, f"{API}/{inspection.pk}/fix-notices", {**body, "title": "长" * 201})
    assert r.status_code == 422
    r = _post(login(cast.team_member), f"{API}/{inspection.pk}/fix-notices", body)
    assert r.status_code == 400 and "只有巡察组组长可以下发" in r.json()["detail"]
    assert not FixNotice.objects.exists()
    problem = make_problem(cast)
    r = _post(leader, f"{API}/{inspection.pk}/fix-notices", {**body, "problem_id": problem.pk})
    assert r.status_code == 201, r.content
    notice = r.json()
    assert (notice["state"], notice["problem_id"], notice["unit_name"]) == (
        "issued",
        problem.pk,
        "江州市交通运输局",
    )
    pk = notice["id"]
    # The liaison of the unit reads and answers it; another unit's liaison finds nothing.
    liaison = login(cast.unit_liaison)
    listed = liaison.get(f"{API}/fix-notices").json()
    assert [n["id"] for n in listed["items"]] == [pk]
    reads = AuditEntry.objects.filter(
        actor=cast.unit_liaison, action="read", object_type="inspections.fixnotice"
    )
    assert reads.count() == 1
    assert liaison.get(f"{API}/fix-notices/{pk}").json()["requirement"] == "立即整改"
    assert reads.count() == 2
    stranger = login(
        make_user("liaison_b", unit=cast.units["township_a"], roles=[Role.UNIT_LIAISON])
    )
    assert stranger.get(f"{API}/fix-notices").json()["items"] == []
    assert stranger.get(f"{API}/fix-notices/{pk}").status_code == 404
    assert _post(stranger, f"{API}/fix-notices/{pk}/reply", {"reply": "x"}).status_code == 404
    r = _post(liaison, f"{API}/fix-notices/{pk}/close", {})
    assert r.status_code == 404
    r = _post(
        liaison, f"{API}/fix-notices/{pk}/reply", {"reply": "已收回车辆，对相关人员批评教育。"}
    )
    assert r.status_code == 200 and r.json()["state"] == "replied"
    # Only the leader or the office closes; a member is refused in Chinese.
    r = _post(login(cast.team_member), f"{API}/fix-notices/{pk}/close", {})
    assert r.status_code == 400 and "可以销号立行立改事项" in r.json()["detail"]
    r = _post(leader, f"{API}/fix-notices/{pk}/close", {})
    assert r.status_code == 200 and r.json()["state"] == "closed"
    r = _post(liaison, f"{API}/fix-notices/{pk}/reply", {"reply": "再次回复"})
    assert r.status_code == 400 and "已销号" in r.json()["detail"]
    assert FixNotice.objects.get(pk=pk).reply == "已收回车辆，对相关人员批评教育。"
    states = [
        e.changes.get("state")
        for e in AuditEntry.objects.filter(object_type="inspections.fixnotice")
        .exclude(action="read")
        .order_by("seq")
    ]
    assert states == [None, "replied", "closed"]


READERS = {"sysadmin", "office_admin", "office_staff", "leading_group", "team_leader"}
READERS |= {"team_member"}
CLOSERS = {"sysadmin", "office_admin", "office_staff", "team_leader"}
HIDDEN = EVERYONE - READERS - {"unit_liaison"}


@pytest.fixture
def notice_world(field):
    field.notice = _issue(field)
    field.replied = _issue(field, title="超标配备办公用房")
    services.fix_notice_reply(notice=field.replied, reply="已腾退", actor=field.unit_liaison)
    return field


CASES = [
    case(
        "fix_notice_list",
        "get",
        lambda c: f"{API}/fix-notices",
        EVERYONE,
        schema_path=f"{API}/fix-notices",
    ),
    case(
        "fix_notice_detail",
        "get",
        lambda c: f"{API}/fix-notices/{c.notice.pk}",
        READERS | {"unit_liaison"},
        hidden=HIDDEN,
        schema_path=f"{API}/fix-notices/{{pk}}",
    ),
    case(
        "fix_notice_issue",
        "post",
        lambda c: f"{API}/{c.inspections['a'].pk}/fix-notices",
        {"team_leader", "sysadmin"},
        ok=201,
        denied={400, 403, 404},
        data=lambda c: {"unit_id": c.units["bureau"].pk, "title": "事项", "requirement": "要求"},
        schema_path=f"{API}/{{pk}}/fix-notices",
    ),
    case(
        "fix_notice_reply",
        "post",
        lambda c: f"{API}/fix-notices/{c.notice.pk}/reply",
        {"sysadmin", "unit_liaison"},
        hidden=EVERYONE - {"sysadmin", "unit_liaison"},
        data=lambda c: {"reply": "已整改"},
        schema_path=f"{API}/fix-notices/{{pk}}/reply",
    ),
    case(
        "fix_notice_close",
        "post",
        lambda c: f"{API}/fix-notices/{c.replied.pk}/close",
        CLOSERS,
        denied={400, 404},
        hidden=HIDDEN,
        data=lambda c: {},
        schema_path=f"{API}/fix-notices/{{pk}}/close",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(notice_world, case):
    check_all(case, notice_world)
