"""进驻准备: each record the 进驻 gate asks for, its service, its document and its bad input."""

import io
from datetime import date, timedelta

import pytest
from django.utils import timezone
from docx import Document

from tests.cast import make_user
from tests.inspections.conftest import set_stage
from tests.inspections.test_workflow import publish_announcement
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections import prep, services
from xuncha.inspections.prep_models import (
    ReplacementRequest,
    SecrecyPledge,
    TemporaryBranch,
    WorkPlan,
)
from xuncha.org.models import Role
from xuncha.plans.models import Declaration, Inspection, Inspector, PlanSettings, Team, TeamMember

pytestmark = pytest.mark.django_db
Stage = Inspection.Stage
TODAY = timezone.localdate


def _station(inspection, actor):
    return services.inspection_transition(
        inspection=inspection, target=Stage.STATIONING, actor=actor
    )


def _blocked(inspection, actor, *expected):
    """进驻 is refused with a Chinese message naming each expected thing; nothing moved."""
    with pytest.raises(DomainError) as exc:
        _station(inspection, actor)
    for text in expected:
        assert text in exc.value.message, (text, exc.value.message)
    inspection.refresh_from_db()
    assert inspection.stage == Stage.PREPARATION
    return exc.value.message


@pytest.fixture
def ready(cast):
    """Inspection a before stationing, the announcement published, nothing else prepared."""
    inspection = cast.inspections["a"]
    set_stage(inspection, Stage.PREPARATION)
    # Dates around today, so the documents' dates and "not in the future" checks are real.
    start = TODAY() + timedelta(days=2)
    Inspection.objects.filter(pk=inspection.pk).update(start=start, end=start + timedelta(days=60))
    inspection.refresh_from_db()
    publish_announcement(inspection)
    return inspection


def _member(inspection, user):
    return TeamMember.objects.select_related("inspector", "team__inspection").get(
        team__inspection=inspection, inspector__user=user
    )


# --- Every gate, one at a time ---------------------------------------------------------------


def _remove_plan(cast, i):
    WorkPlan.objects.filter(inspection=i).delete()


def _plan_submitted(cast, i):
    WorkPlan.objects.filter(inspection=i).update(state=WorkPlan.State.SUBMITTED)


def _remove_pledge(cast, i):
    SecrecyPledge.objects.filter(member=_member(i, cast.team_member)).delete()


def _uncheck(cast, i):
    Declaration.objects.filter(member=_member(i, cast.team_member)).update(checked_at=None)


def _remove_declaration(cast, i):
    Declaration.objects.filter(member=_member(i, cast.team_member)).delete()


def _ask_replacement(cast, i):
    prep.replacement_request_create(
        inspection=i,
        member=_member(i, cast.team_member),
        reason="该同志配偶在我局财务科工作。",
        actor=cast.unit_liaison,
    )


def _remove_branch(cast, i):
    TemporaryBranch.objects.filter(inspection=i).delete()


def _require_secretary(cast, i):
    PlanSettings.objects.create(office=i.office, requires_secretary_approval=True)


GATES = [
    (_remove_plan, ["尚未起草巡察工作方案"]),
    (_plan_submitted, ["巡察工作方案尚未经领导小组批准", "已报领导小组审批"]),
    (_require_secretary, ["任务分工尚未经党委书记审批"]),
    (_remove_pledge, ["巡察组成员吕组员尚未签署保密承诺书"]),
    (_uncheck, ["巡察组成员吕组员的回避声明尚未经巡察办审核"]),
    (_remove_declaration, ["巡察组成员吕组员尚未提交回避声明"]),
    (_ask_replacement, ["被巡察单位申请更换巡察组成员吕组员，巡察办尚未决定"]),
    (_remove_branch, ["尚未登记巡察组临时党支部及其书记"]),
]


@pytest.mark.parametrize("undo,expected", GATES, ids=[g[0].__name__ for g in GATES])
def test_each_gate_blocks_stationing_until_its_record_exists(cast, ready, undo, expected):
    prep.prepare_for_stationing(ready, cast.office_staff)
    undo(cast, ready)
    message = _blocked(ready, cast.team_leader, *expected)
    assert "不能进驻" in message
    # Exactly what is missing, nothing else: the other conditions are met.
    assert message.count("；") == 0
    item = [i for i in prep.status(ready) if not i.done]
    assert len(item) == 1 and expected[0] in item[0].detail


def test_nothing_prepared_names_everything_missing(cast, ready):
    message = _blocked(
        ready,
        cast.office_staff,
        "尚未起草巡察工作方案",
        "何组长、吕组员尚未提交回避声明",
        "何组长、吕组员尚未签署保密承诺书",
        "尚未登记巡察组临时党支部",
    )
    assert "巡察公告" not in message  # published in the fixture


def test_the_whole_preparation_through_the_services(cast, ready):
    leader, member = _member(ready, cast.team_leader), _member(ready, cast.team_member)
    # 1. The work plan, drafted from the assignment, approved by the leading group.
    initial = prep.work_plan_initial(ready)
    assert "江州市交通运输局" in initial["targets"] and "组长何组长" in initial["division"]
    plan = prep.work_plan_save(inspection=ready, data=initial, actor=cast.team_leader)
    with pytest.raises(DomainError, match="只有领导小组"):
        prep.work_plan_approve(plan=plan, approved_on=TODAY(), actor=cast.office_staff)
    prep.work_plan_submit(plan=plan, actor=cast.team_leader)
    with pytest.raises(DomainError, match="不能修改"):
        prep.work_plan_save(inspection=ready, data=initial, actor=cast.team_leader)
    prep.work_plan_approve(plan=plan, approved_on=TODAY(), actor=cast.leading_group)
    # 2. Declarations submitted by each member, checked by the office.
    for m, user in [(leader, cast.team_leader), (member, cast.team_member)]:
        decl, _ = Declaration.objects.get_or_create(member=m)
        from xuncha.plans.services import declaration_submit

        with pytest.raises(DomainError, match="尚未提交回避声明"):
            prep.declaration_check(declaration=decl, actor=cast.office_staff)
        declaration_submit(declaration=decl, has_conflict=False, statement="", actor=user)
        with pytest.raises(DomainError, match="只有巡察办"):
            prep.declaration_check(declaration=decl, actor=cast.team_leader)
        prep.declaration_check(declaration=decl, actor=cast.office_staff)
    # 3. Pledges: the member signs online; the office records the leader's paper pledge.
    prep.pledge_sign(member=member, signature="吕组员", signed_on=TODAY(), actor=cast.team_member)
    prep.pledge_sign(member=leader, signature="何组长", signed_on=TODAY(), actor=cast.office_staff)
    assert SecrecyPledge.objects.get(member=leader).on_paper
    assert not SecrecyPledge.objects.get(member=member).on_paper
    # 4. The unit asks for a replacement; the office refuses with its reason.
    _ask_replacement(cast, ready)
    _blocked(ready, cast.team_leader, "巡察办尚未决定")
    req = ReplacementRequest.objects.get()
    prep.replacement_decide(
        request=req, grant=False, decision="经核实不存在应回避情形。", actor=cast.office_staff
    )
    # 5. The branch, its secretary the leader.
    prep.branch_record(
        inspection=ready,
        name="第一巡察组临时党支部",
        secretary=leader,
        established_on=TODAY(),
        actor=cast.team_leader,
    )
    assert all(i.done for i in prep.status(ready))
    _station(ready, cast.team_leader)
    ready.refresh_from_db()
    assert ready.stage == Stage.STATIONING
    summaries = set(AuditEntry.objects.values_list("summary", flat=True))
    for text in [
        "起草巡察工作方案",
        "巡察工作方案报领导小组审批",
        "领导小组批准巡察工作方案",
        "审核吕组员的回避声明",
        "吕组员签署保密承诺书",
        "何组长签署保密承诺书（纸质，巡察办登记）",
        "江州市交通运输局申请更换巡察组成员吕组员",
        "不予更换：吕组员",
        "登记第一巡察组临时党支部，书记何组长",
    ]:
        assert text in summaries, text
    # After stationing: no more replacement requests.
    with pytest.raises(DomainError, match="巡察组已进驻，不能再申请更换巡察组成员"):
        _ask_replacement(cast, ready)
    assert ReplacementRequest.objects.count() == 1


def test_granted_replacement_takes_the_member_off_the_team(cast, ready):
    prep.prepare_for_stationing(ready, cast.office_staff)
    _ask_replacement(cast, ready)
    req = ReplacementRequest.objects.get()
    with pytest.raises(DomainError, match="请填写决定意见"):
        prep.replacement_decide(request=req, grant=True, decision=" ", actor=cast.office_staff)
    prep.replacement_decide(
        request=req, grant=True, decision="同意更换，另行选派。", actor=cast.office_staff
    )
    req.refresh_from_db()
    assert req.state == ReplacementRequest.State.GRANTED and req.member is None
    assert not TeamMember.objects.filter(team__inspection=ready, inspector__user=cast.team_member)
    _station(ready, cast.team_leader)  # the remaining member (the leader) is prepared


def test_the_secretary_approval_and_county_filing(cast):
    county = cast.county_a
    staff = cast.county_staff
    lg = make_user("county_lg", office=county, roles=[Role.LEADING_GROUP], full_name="县领导")
    leader_user = make_user("county_leader", office=county, full_name="县组长")
    inspection = Inspection.objects.create(
        office=county,
        round=cast.round,
        start=TODAY() + timedelta(days=3),
        end=TODAY() + timedelta(days=40),
        stage=Stage.PREPARATION,
    )
    inspection.units.add(cast.units["township_a"])
    team = Team.objects.create(inspection=inspection, name="县委第一巡察组")
    inspector = Inspector.objects.create(office=county, user=leader_user, name="县组长")
    TeamMember.objects.create(team=team, inspector=inspector, role="leader")
    publish_announcement(inspection)
    PlanSettings.objects.create(office=county, requires_secretary_approval=True)
    plan = prep.work_plan_save(
        inspection=inspection, data=prep.work_plan_initial(inspection), actor=staff
    )
    with pytest.raises(DomainError, match="尚未报审"):
        prep.work_plan_secretary_record(
            plan=plan, approved_on=TODAY(), secretary_name="张书记", actor=staff
        )
    prep.work_plan_submit(plan=plan, actor=staff)
    prep.work_plan_approve(plan=plan, approved_on=TODAY(), actor=lg)
    # The rest of the preparation, but not the secretary nor the filing:
    for m in TeamMember.objects.filter(team=team):
        Declaration.objects.create(member=m, submitted_at=timezone.now(), checked_at=timezone.now())
        SecrecyPledge.objects.create(
            member=m, signature="县组长", signed_on=TODAY(), recorded_by=staff
        )
    TemporaryBranch.objects.create(
        inspection=inspection,
        name="县委第一巡察组临时党支部",
        secretary=team.members.get(),
        established_on=TODAY(),
        recorded_by=staff,
    )
    _blocked(inspection, staff, "任务分工尚未经党委书记审批")
    with pytest.raises(DomainError, match="审批书记"):
        prep.work_plan_secretary_record(
            plan=plan, approved_on=TODAY(), secretary_name="", actor=staff
        )
    prep.work_plan_secretary_record(
        plan=plan, approved_on=TODAY(), secretary_name="张书记", actor=staff
    )
    _blocked(inspection, staff, "巡察工作方案尚未报江州市委巡察办备案")
    with pytest.raises(DomainError, match="只有巡察办"):
        prep.work_plan_file(plan=plan, actor=cast.office_staff)  # the city cannot file for it
    prep.work_plan_file(plan=plan, actor=staff)
    with pytest.raises(DomainError, match="已报备"):
        prep.work_plan_file(plan=plan, actor=staff)
    _station(inspection, staff)
    # A city plan is not filed anywhere (the city is the top of this cast).
    city = cast.inspections["a"]
    set_stage(city, Stage.PREPARATION)
    city_plan = prep.work_plan_save(
        inspection=city, data=prep.work_plan_initial(city), actor=cast.office_staff
    )
    prep.work_plan_submit(plan=city_plan, actor=cast.office_staff)
    prep.work_plan_approve(plan=city_plan, approved_on=city.start, actor=cast.leading_group)
    with pytest.raises(DomainError, match="只有县级巡察机构"):
        prep.work_plan_file(plan=city_plan, actor=cast.office_staff)


# --- Bad input: a clear Chinese message, nothing saved ------------------------------------------


def _counts():
    return (
        WorkPlan.objects.count(),
        SecrecyPledge.objects.count(),
        ReplacementRequest.objects.count(),
        TemporaryBranch.objects.count(),
        AuditEntry.objects.count(),
    )


def test_bad_pledges_are_refused_and_nothing_is_saved(cast, ready):
    member = _member(ready, cast.team_member)
    before = _counts()
    cases = [
        ({"signature": "", "signed_on": TODAY()}, "请签名"),
        ({"signature": "吕组長", "signed_on": TODAY()}, "与成员姓名“吕组员”不一致"),
        ({"signature": "吕组员", "signed_on": None}, "请填写签署日期"),
        ({"signature": "吕组员", "signed_on": TODAY() + timedelta(days=1)}, "签署日期不能晚于今天"),
        ({"signature": "吕组员", "signed_on": date(2019, 1, 1)}, "早于本次巡察的年度"),
    ]
    for data, message in cases:
        with pytest.raises(DomainError) as exc:
            prep.pledge_sign(member=member, actor=cast.team_member, **data)
        assert message in exc.value.message
    # Somebody else's pledge: only the office records a paper one.
    with pytest.raises(DomainError, match="只有巡察办"):
        prep.pledge_sign(
            member=member, signature="吕组员", signed_on=TODAY(), actor=cast.team_leader
        )
    assert _counts() == before
    prep.pledge_sign(member=member, signature="吕组员", signed_on=TODAY(), actor=cast.team_member)
    with pytest.raises(DomainError, match="已签署保密承诺书"):
        prep.pledge_sign(
            member=member, signature="吕组员", signed_on=TODAY(), actor=cast.team_member
        )


def test_dates_outside_the_inspection_are_refused(cast, ready):
    leader = _member(ready, cast.team_leader)
    before = _counts()
    data = prep.work_plan_initial(ready)
    data["mobilisation_on"] = ready.end + timedelta(days=1)
    with pytest.raises(DomainError, match="进驻动员会日期须在巡察期间"):
        prep.work_plan_save(inspection=ready, data=data, actor=cast.team_leader)
    data = prep.work_plan_initial(ready)
    data["focus"] = "   "
    with pytest.raises(DomainError, match="请填写巡察重点"):
        prep.work_plan_save(inspection=ready, data=data, actor=cast.team_leader)
    # The branch: in the past inspection year is fine, after the end or in the future is not.
    Inspection.objects.filter(pk=ready.pk).update(
        start=TODAY() - timedelta(days=30), end=TODAY() - timedelta(days=10)
    )
    ready.refresh_from_db()
    with pytest.raises(DomainError, match="晚于巡察结束日期"):
        prep.branch_record(
            inspection=ready,
            name="临时党支部",
            secretary=leader,
            established_on=TODAY() - timedelta(days=5),
            actor=cast.team_leader,
        )
    with pytest.raises(DomainError, match="支部书记须是本巡察组成员"):
        prep.branch_record(
            inspection=ready,
            name="临时党支部",
            secretary=_member(cast.inspections["b"], cast.other_member),
            established_on=TODAY() - timedelta(days=20),
            actor=cast.team_leader,
        )
    with pytest.raises(DomainError, match="请填写支部名称"):
        prep.branch_record(
            inspection=ready,
            name="",
            secretary=leader,
            established_on=TODAY() - timedelta(days=20),
            actor=cast.team_leader,
        )
    assert _counts() == before


def test_replacement_requests_only_by_the_units_liaison_and_before_stationing(cast, ready):
    member = _member(ready, cast.team_member)
    before = _counts()
    with pytest.raises(DomainError, match="只有被巡察单位的联络员"):
        prep.replacement_request_create(
            inspection=ready, member=member, reason="理由", actor=cast.office_staff
        )
    other_liaison = make_user(
        "other_liaison", unit=cast.units["township_b"], roles=[Role.UNIT_LIAISON]
    )
    with pytest.raises(DomainError, match="只有被巡察单位的联络员"):
        prep.replacement_request_create(
            inspection=ready, member=member, reason="理由", actor=other_liaison
        )
    with pytest.raises(DomainError, match="请填写申请理由"):
        prep.replacement_request_create(
            inspection=ready, member=member, reason="  ", actor=cast.unit_liaison
        )
    with pytest.raises(DomainError, match="请选择本巡察组的成员"):
        prep.replacement_request_create(
            inspection=ready,
            member=_member(cast.inspections["b"], cast.other_member),
            reason="理由",
            actor=cast.unit_liaison,
        )
    assert _counts() == before
    _ask_replacement(cast, ready)
    with pytest.raises(DomainError, match="正待巡察办决定"):
        _ask_replacement(cast, ready)
    set_stage(ready, Stage.STATIONING)
    with pytest.raises(DomainError, match="巡察组已进驻"):
        prep.replacement_request_create(
            inspection=ready,
            member=_member(ready, cast.team_leader),
            reason="理由",
            actor=cast.unit_liaison,
        )
    assert ReplacementRequest.objects.count() == 1


def test_a_conflicted_declaration_is_checked_only_after_override(cast, ready):
    member = _member(ready, cast.team_member)
    decl = Declaration.objects.create(
        member=member, has_conflict=True, statement="配偶在该局工作", submitted_at=timezone.now()
    )
    with pytest.raises(DomainError, match="须先更换人员或由巡察办管理员特批"):
        prep.declaration_check(declaration=decl, actor=cast.office_staff)
    decl.refresh_from_db()
    assert decl.checked_at is None
    from xuncha.plans.services import declaration_override

    declaration_override(
        declaration=decl, reason="工作需要，不参与财务谈话。", actor=cast.office_admin
    )
    prep.declaration_check(declaration=decl, actor=cast.office_staff)
    decl.refresh_from_db()
    assert decl.checked_by == cast.office_staff


# --- Documents -------------------------------------------------------------------------------------


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_the_documents_open_and_carry_their_fields(cast, ready, login):
    prep.prepare_for_stationing(ready, cast.office_staff, on=TODAY())
    plan = WorkPlan.objects.get(inspection=ready)
    pledge = SecrecyPledge.objects.get(member=_member(ready, cast.team_member))
    client = login(cast.team_member)
    response = client.get(f"/inspections/work-plans/{plan.pk}/plan.docx")
    assert response.status_code == 200
    text = _text(response.content)
    assert "第一巡察组关于巡察江州市交通运输局党组织的工作方案" in text
    for field in [
        "巡察对象",
        "巡察重点",
        "组织分工",
        "时间安排",
        "信访受理渠道",
        "何组长",
        "吕组员",
    ]:
        assert field in text, field
    assert f"{TODAY().year}年{TODAY().month}月{TODAY().day}日" in text  # approval date
    response = client.get(f"/inspections/pledges/{pledge.pk}/pledge.docx")
    assert response.status_code == 200
    text = _text(response.content)
    assert "巡察工作保密承诺书" in text and "吕组员" in text
    assert "江州市交通运输局" in text and "2026年第1轮" in text
    assert f"签署日期：{TODAY().year}年{TODAY().month:02d}月{TODAY().day:02d}日" in text
    # Downloading is an audited export carrying the reader's watermark.
    assert AuditEntry.objects.filter(action="export", summary="导出保密承诺书").count() == 1


def test_the_annual_plan_needs_the_secretarys_approval_where_the_office_requires_it(cast, login):
    from xuncha.plans.models import AnnualPlan
    from xuncha.plans.services import plan_transition

    plan = cast.plan
    AnnualPlan.objects.filter(pk=plan.pk).update(state=AnnualPlan.State.SUBMITTED)
    PlanSettings.objects.create(office=cast.city, requires_secretary_approval=True)
    with pytest.raises(DomainError, match="请巡察办先登记书记审批"):
        plan_transition(plan=plan, target="approved", actor=cast.leading_group)
    page = login(cast.office_staff).get(f"/plans/{plan.pk}/").content.decode()
    assert "登记书记审批" in page and "未登记" in page
    url = f"/plans/{plan.pk}/secretary/"
    login(cast.office_staff).post(url, {"secretary_name": "", "approved_on": str(TODAY())})
    login(cast.leading_group).post(url, {"secretary_name": "张书记", "approved_on": str(TODAY())})
    plan.refresh_from_db()
    assert plan.secretary_approved_on is None
    assert not AuditEntry.objects.filter(summary__contains="书记").exists()
    login(cast.office_staff).post(url, {"secretary_name": "张书记", "approved_on": str(TODAY())})
    plan.refresh_from_db()
    assert plan.secretary_name == "张书记" and plan.secretary_approved_on == TODAY()
    plan_transition(plan=plan, target="approved", actor=cast.leading_group)
    plan.refresh_from_db()
    assert plan.state == AnnualPlan.State.APPROVED
    assert AuditEntry.objects.filter(summary__contains="登记党委书记张书记审批").exists()
    # The setting is the office's own, on its settings page.
    page = login(cast.office_admin).get("/plans/settings/").content.decode()
    assert "年度计划和任务分工须经党委书记审批" in page


def test_the_secretarys_approval_through_the_api(cast, login):
    """The same step over /api/v1/: same rules, Chinese errors, nothing saved on bad input,
    other offices' plans not even found."""
    from xuncha.plans.models import AnnualPlan
    from xuncha.plans.services import plan_transition

    plan = cast.plan
    AnnualPlan.objects.filter(pk=plan.pk).update(state=AnnualPlan.State.SUBMITTED)
    url = f"/api/v1/plans/plans/{plan.pk}/secretary"
    body = {"secretary_name": "张书记", "approved_on": str(TODAY())}

    def post(who, data):
        return login(getattr(cast, who)).post(url, data, content_type="application/json")

    r = post("office_staff", body)
    assert r.status_code == 400 and "未要求" in r.json()["detail"]
    PlanSettings.objects.create(office=cast.city, requires_secretary_approval=True)
    r = post("office_staff", {"secretary_name": " ", "approved_on": str(TODAY())})
    assert r.status_code == 400 and "审批书记" in r.json()["detail"]
    later = str(TODAY() + timedelta(days=1))
    r = post("office_staff", {"secretary_name": "张书记", "approved_on": later})
    assert r.status_code == 400 and "晚于今天" in r.json()["detail"]
    r = post("leading_group", body)
    assert r.status_code == 400 and "没有登记党委书记审批的权限" in r.json()["detail"]
    assert post("county_staff", body).status_code == 404
    plan.refresh_from_db()
    assert plan.secretary_approved_on is None
    r = post("office_staff", body)
    assert r.status_code == 200
    assert r.json()["secretary_name"] == "张书记"
    assert r.json()["secretary_approved_on"] == str(TODAY())
    plan_transition(plan=plan, target="approved", actor=cast.leading_group)
    assert AuditEntry.objects.filter(summary__contains="登记党委书记张书记审批").count() == 1


def test_api_bad_input_gets_a_chinese_error_and_saves_nothing(cast, ready):
    from tests.cast import client_for

    api = f"/api/v1/inspections/{ready.pk}"
    leader = client_for(cast.team_leader)
    before = _counts()
    # A required field missing, a date that is not a date, a date outside the inspection.
    body = {"targets": "x", "focus": "x", "division": "x", "schedule": "x"}
    response = leader.put(f"{api}/work-plan", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"].__str__())
    body["channels"] = "电话"
    for bad, status in [("2026-13-01", {400, 422}), (str(ready.end + timedelta(days=3)), {400})]:
        response = leader.put(
            f"{api}/work-plan", {**body, "mobilisation_on": bad}, content_type="application/json"
        )
        assert response.status_code in status, (bad, response.content)
    assert "进驻动员会日期须在巡察期间" in response.json()["detail"]
    response = leader.post(
        f"{api}/pledges",
        {"member_id": _member(ready, cast.team_leader).pk, "signature": ""},
        content_type="application/json",
    )
    assert response.status_code == 400 and "请签名" in response.json()["detail"]
    assert _counts() == before
    plan = prep.work_plan_save(
        inspection=ready, data=prep.work_plan_initial(ready), actor=cast.team_leader
    )
    response = leader.post(
        f"/api/v1/inspections/work-plans/{plan.pk}/steps",
        {"action": "publish"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "操作不正确" in response.json()["detail"]
    # The same status on the page, and through the API.
    status = client_for(cast.team_leader).get(f"{api}/prep").json()
    assert status["ready"] is False
    assert {i["key"] for i in status["items"] if not i["done"]} == {
        "work_plan",
        "declarations",
        "pledges",
        "branch",
    }
    prep.prepare_for_stationing(ready, cast.office_staff)
    assert client_for(cast.team_leader).get(f"{api}/prep").json()["ready"] is True


def test_a_branch_whose_secretary_was_replaced_must_be_recorded_again(cast, ready):
    prep.prepare_for_stationing(ready, cast.office_staff)
    leader = _member(ready, cast.team_leader)
    prep.replacement_request_create(
        inspection=ready, member=leader, reason="组长曾任我局副局长。", actor=cast.unit_liaison
    )
    prep.replacement_decide(
        request=ReplacementRequest.objects.get(),
        grant=True,
        decision="同意更换，另行授权组长。",
        actor=cast.office_staff,
    )
    branch = TemporaryBranch.objects.get(inspection=ready)
    assert branch.secretary is None
    _blocked(ready, cast.office_staff, "临时党支部书记已退出巡察组", "尚未确定组长")
    member = _member(ready, cast.team_member)
    prep.branch_record(
        inspection=ready,
        name=branch.name,
        secretary=member,
        established_on=TODAY(),
        actor=cast.office_staff,
    )
    assert "临时党支部书记已退出" not in _blocked(ready, cast.office_staff, "尚未确定组长")
