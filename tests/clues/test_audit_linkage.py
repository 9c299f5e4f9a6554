"""巡审联动: the audit office receives handovers, records its findings against the handed-over
problems and co-reviews rectification; the office reads the findings on the handover and on
each problem, the inspected unit never does."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.cast import client_for, make_user
from tests.matrix import USERS, case, check_all
from tests.rectification.conftest import measure_values
from xuncha.audit.models import AuditEntry
from xuncha.clues import services
from xuncha.clues.models import AuditFinding
from xuncha.core.errors import DomainError
from xuncha.org.models import Role, Unit
from xuncha.rectification import services as rect_services


@dataclass
class World:
    cast: object
    rect: object
    audit_unit: object
    handover: object  # to the audit bureau, sent, problems 0 and 1
    finding: object  # recorded on it, linked to problem 0
    other: object  # a handover to the discipline commission (not an audit handover)

    @property
    def users(self):
        return self.cast.users


@pytest.fixture
def world(rect):
    cast = rect.cast
    audit_unit = Unit.objects.create(
        name="江州市审计局", kind=Unit.Kind.CITY_DEPARTMENT, office=cast.city
    )
    cast.users["audit_recipient"] = make_user(
        "audit_recipient", unit=audit_unit, roles=[Role.HANDOVER_RECIPIENT], full_name="何审计"
    )
    inspection = cast.inspections["a"]
    handover = services.handover_create(
        inspection=inspection,
        recipient=audit_unit,
        kind="audit",
        subject="专项资金管理使用问题",
        problems=rect.problems[:2],
        actor=cast.office_staff,
    )
    handover = services.handover_transition(
        handover=handover, target="sent", actor=cast.office_staff
    )
    finding = services.audit_finding_create(
        handover=handover,
        title="专项资金未按规定用途使用",
        facts="2025年度挪用专项资金 86.5 万元用于办公楼维修。",
        report_number="江审报〔2026〕12号",
        amount="86.5",
        problems=[rect.problems[0]],
        actor=cast.users["audit_recipient"],
    )
    other = services.handover_create(
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="违规发放津补贴问题",
        problems=rect.problems[:1],
        actor=cast.office_staff,
    )
    other = services.handover_transition(handover=other, target="sent", actor=cast.office_staff)
    return World(cast, rect, audit_unit, handover, finding, other)


def test_audit_body_records_findings_linked_to_handed_over_problems(world):
    finding = world.finding
    assert finding.amount == Decimal("86.50")
    assert list(finding.problems.all()) == [world.rect.problems[0]]
    entry = AuditEntry.objects.filter(object_type="clues.auditfinding").latest("pk")
    assert entry.action == "create" and entry.changes["amount"] == "86.50"


@pytest.mark.parametrize(
    "who, over, message",
    [
        ("audit_recipient", {"title": "  "}, "请填写审计发现"),
        ("audit_recipient", {"amount": "-1"}, "不小于 0"),
        ("audit_recipient", {"amount": "NaN"}, "不小于 0"),
        ("audit_recipient", {"amount": "许多"}, "须为数字"),
        ("audit_recipient", {"problems": "outside"}, "不在本次移交之内"),
        ("handover_recipient", {}, "只有接收移交的审计机关"),
        ("office_staff", {}, "只有接收移交的审计机关"),
        ("unit_liaison", {}, "只有接收移交的审计机关"),
    ],
)
def test_bad_findings_are_refused_and_nothing_is_saved(world, who, over, message):
    values = {"title": "违规列支招待费", "amount": "1", "problems": []}
    values.update(over)
    if values["problems"] == "outside":
        values["problems"] = [world.rect.hidden]  # not in this handover
    before = AuditFinding.objects.count()
    with pytest.raises(DomainError, match=message):
        services.audit_finding_create(
            handover=world.handover, actor=world.cast.users[who], **values
        )
    assert AuditFinding.objects.count() == before


def test_findings_only_on_sent_audit_handovers(world):
    cast = world.cast
    with pytest.raises(DomainError, match="只有移交审计机关"):
        services.audit_finding_create(
            handover=world.other, title="x", actor=cast.handover_recipient
        )
    draft = services.handover_create(
        inspection=cast.inspections["a"],
        recipient=world.audit_unit,
        kind="audit",
        subject="未发出的移交",
        problems=world.rect.problems[:1],
        actor=cast.office_staff,
    )
    with pytest.raises(DomainError, match="尚未发出"):
        services.audit_finding_create(
            handover=draft, title="x", actor=cast.users["audit_recipient"]
        )


def test_pages_show_findings_to_the_office_and_the_audit_body_only(world):
    cast = world.cast
    url = f"/clues/handovers/{world.handover.pk}/"
    audit = client_for(cast.users["audit_recipient"])
    body = audit.get(url).content.decode()
    assert "专项资金未按规定用途使用" in body and 'id="finding-form"' in body
    office = client_for(cast.office_staff).get(url).content.decode()
    assert "挪用专项资金 86.5 万元" in office and 'id="finding-form"' not in office
    assert client_for(cast.unit_liaison).get(url).status_code == 404
    assert client_for(cast.handover_recipient).get(url).status_code == 404
    problem_url = f"/inspections/problems/{world.rect.problems[0].pk}/"
    page = client_for(cast.office_staff).get(problem_url).content.decode()
    assert 'id="problem-audit-findings"' in page and "专项资金未按规定用途使用" in page
    team = client_for(cast.team_member).get(problem_url)
    assert team.status_code == 200 and "专项资金未按规定用途使用" not in team.content.decode()
    reads = AuditEntry.objects.filter(action="read", summary__contains="审计发现")
    assert reads.filter(actor=cast.office_staff).exists()


def test_bad_form_input_comes_back_with_what_was_typed(world):
    cast = world.cast
    audit = client_for(cast.users["audit_recipient"])
    url = f"/clues/handovers/{world.handover.pk}/findings/"
    response = audit.post(
        url, {"title": "会议费超标准列支", "facts": "详见审计底稿", "amount": "-3"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "会议费超标准列支" in body and "详见审计底稿" in body
    assert not AuditFinding.objects.filter(title="会议费超标准列支").exists()
    response = audit.post(
        url,
        {"title": "会议费超标准列支", "amount": "2.4", "problems": [world.rect.problems[1].pk]},
    )
    assert response.status_code == 302
    saved = AuditFinding.objects.get(title="会议费超标准列支")
    assert list(saved.problems.all()) == [world.rect.problems[1]]


def test_api_lists_and_records_findings(world):
    cast = world.cast
    url = f"/api/v1/clues/handovers/{world.handover.pk}/findings"
    audit = client_for(cast.users["audit_recipient"])
    created = audit.post(
        url,
        {"title": "工程结算多计费用", "amount": "12", "problem_ids": [world.rect.problems[1].pk]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["amount"] == "12.00"
    refused = audit.post(
        url,
        {"title": "x", "problem_ids": [world.rect.hidden.pk]},
        content_type="application/json",
    )
    assert refused.status_code == 400 and "不在本次移交之内" in refused.json()["detail"]
    rows = client_for(cast.office_staff).get(url).json()
    assert [r["title"] for r in rows] == ["专项资金未按规定用途使用", "工程结算多计费用"]
    assert rows[0]["problem_ids"] == [world.rect.problems[0].pk]
    assert client_for(cast.unit_liaison).get(url).status_code == 404


def test_audit_body_co_reviews_rectification(world):
    """The audit bureau named as co-reviewer must agree before the plan is adopted."""
    rect, cast = world.rect, world.cast
    rect_services.config_for(rect.plan.office).co_reviewers.add(world.audit_unit)
    for p in rect.problems:
        rect_services.measure_create(
            plan=rect.plan, problem=p, actor=cast.unit_liaison, **measure_values()
        )
    rect_services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    with pytest.raises(DomainError, match="江州市审计局"):
        rect_services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    rect_services.plan_co_review(
        plan=rect.plan, decision="agree", comment="同意", actor=cast.users["audit_recipient"]
    )
    plan = rect_services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    assert plan.state == "adopted"


OFFICE = {"office_admin", "office_staff", "sysadmin"}
READ = OFFICE | {"leading_group"}
ALL = [*USERS, "audit_recipient"]
SIGNED_IN = set(ALL) - {"anonymous"}
CASES = [
    case(
        "handover_page",
        "get",
        lambda w: f"/clues/handovers/{w.handover.pk}/",
        READ | {"audit_recipient"},
        hidden=SIGNED_IN - READ - {"audit_recipient"},
    ),
    case(
        "finding_add",
        "post",
        lambda w: f"/clues/handovers/{w.handover.pk}/findings/",
        {"audit_recipient", "sysadmin"},
        ok=302,
        hidden=SIGNED_IN - {"audit_recipient", "sysadmin"},
        data=lambda w: {"title": "审计发现", "amount": "1"},
    ),
    case(
        "api_findings",
        "get",
        lambda w: f"/api/v1/clues/handovers/{w.handover.pk}/findings",
        READ | {"audit_recipient"},
        hidden=SIGNED_IN - READ - {"audit_recipient"},
        schema_path="/api/v1/clues/handovers/{handover_id}/findings",
    ),
    case(
        "api_finding_add",
        "post",
        lambda w: f"/api/v1/clues/handovers/{w.handover.pk}/findings",
        {"audit_recipient", "sysadmin"},
        ok=201,
        data=lambda w: {"title": "审计发现", "amount": "1"},
        schema_path="/api/v1/clues/handovers/{handover_id}/findings",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world, users=ALL)
