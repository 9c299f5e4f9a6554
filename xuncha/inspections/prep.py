"""Writes before stationing (进驻准备): work plan, secrecy pledges, declaration checks,
replacement requests, the temporary party branch — each validated, changed and audited in
one transaction. `status()` is the checklist the 进驻准备 page and the API show;
`prepare_for_stationing()` completes every record at once (demo data and test fixtures).
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections import workflow
from xuncha.inspections.prep_models import (
    ReplacementRequest,
    SecrecyPledge,
    TemporaryBranch,
    WorkPlan,
)
from xuncha.inspections.services import OFFICE, _require, _text
from xuncha.plans.models import Declaration, Inspection, PlanSettings, TeamMember

Stage = Inspection.Stage
State = WorkPlan.State
EDITORS = OFFICE | {workflow.LEADER}


def _d(day: date) -> str:
    return f"{day:%Y年%m月%d日}"


def _before_stationing(inspection, what: str):
    if inspection.stage != Stage.PREPARATION:
        raise DomainError(
            f"巡察已进驻（当前为“{inspection.get_stage_display()}”阶段），不能再{what}。"
        )


def _day(value, label: str, inspection, *, not_future=True) -> date:
    """A date of the preparation: given, not in the future, not after the inspection ends."""
    if not isinstance(value, date):
        raise DomainError(f"请填写{label}。", field=label)
    if not_future and value > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天。", field=label)
    if value > inspection.end:
        raise DomainError(
            f"{label}（{_d(value)}）晚于巡察结束日期（{_d(inspection.end)}），请核对。",
            field=label,
        )
    if value.year < inspection.start.year - 1:
        raise DomainError(f"{label}（{_d(value)}）早于本次巡察的年度，请核对。", field=label)
    return value


def requires_secretary(inspection) -> bool:
    return PlanSettings.for_office(inspection.office).requires_secretary_approval


def is_county(inspection) -> bool:
    office = inspection.office
    return office.level == "county" and office.parent_id is not None


# --- Work plan -------------------------------------------------------------------------------


WORK_PLAN_FIELDS = ("targets", "focus", "division", "schedule", "channels")
WORK_PLAN_LABELS = {
    "targets": "巡察对象",
    "focus": "巡察重点",
    "division": "组织分工（任务分工）",
    "schedule": "时间安排",
    "channels": "信访受理渠道",
    "mobilisation_on": "进驻动员会日期",
}


def work_plan_initial(inspection) -> dict:
    """A first draft from the annual plan's assignment: units, kind, team, period."""
    units = "、".join(u.name for u in inspection.units.all())
    members = TeamMember.objects.filter(team__inspection=inspection).select_related("inspector")
    division = "；".join(
        f"{m.get_role_display()}{m.inspector.name}"
        + {"leader": "（全面负责，主持巡察组工作）", "deputy": "（协助组长，负责底稿审核）"}.get(
            m.role, "（负责个别谈话、调阅资料等）"
        )
        for m in sorted(members, key=lambda m: ("leader", "deputy", "member").index(m.role))
    )
    focus = (
        f"围绕“{inspection.theme}”开展专项巡察。"
        if inspection.theme
        else "聚焦“四个落实”：落实党的理论路线方针政策和党中央重大决策部署情况，"
        "落实全面从严治党战略部署情况，落实新时代党的组织路线情况，落实巡视巡察、审计等监督发现问题整改情况。"
    )
    return {
        "targets": f"{units}党组织（{inspection.get_kind_display()}，{inspection.round}）。",
        "focus": focus,
        "division": (division + "。") if division else "",
        "schedule": f"{_d(inspection.start)}进驻，{_d(inspection.end)}结束。",
        "channels": "设立专用电话、邮政信箱和电子邮箱，受理反映被巡察党组织领导班子及其成员问题的来信来电来访。",
        "mobilisation_on": inspection.start,
    }


def work_plan_save(*, inspection: Inspection, data: dict, actor) -> WorkPlan:
    """Create or change the draft work plan (office or team leader), before it goes for approval."""
    _require(inspection, actor, EDITORS, "起草巡察工作方案")
    _before_stationing(inspection, "修改巡察工作方案")
    values = {
        key: _text(data.get(key), WORK_PLAN_LABELS[key], max_length=4000)
        for key in WORK_PLAN_FIELDS
    }
    mob = data.get("mobilisation_on")
    if mob is not None:
        if not (inspection.start <= mob <= inspection.end):
            raise DomainError(
                f"进驻动员会日期须在巡察期间（{_d(inspection.start)}至{_d(inspection.end)}）内。",
                field="mobilisation_on",
            )
    values["mobilisation_on"] = mob
    with transaction.atomic():
        plan = WorkPlan.objects.select_for_update().filter(inspection=inspection).first()
        if plan and plan.state != State.DRAFT:
            raise DomainError(
                f"巡察工作方案{plan.get_state_display()}，不能修改；如需修改，请由领导小组退回。"
            )
        created = plan is None
        if created:
            plan = WorkPlan(inspection=inspection, created_by=actor)
        before = {k: getattr(plan, k) for k in values}
        for key, value in values.items():
            setattr(plan, key, value)
        plan.save()
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=plan,
            summary=f"{'起草' if created else '修改'}巡察工作方案",
            changes={"fields": sorted(k for k in values if before[k] != values[k])},
        )
    return plan


def _locked_plan(plan: WorkPlan) -> WorkPlan:
    return WorkPlan.objects.select_for_update().select_related("inspection__office").get(pk=plan.pk)


def _plan_step(plan: WorkPlan, actor, summary: str, changes: dict):
    record(actor=actor, action=Action.TRANSITION, obj=plan, summary=summary, changes=changes)


def work_plan_submit(*, plan: WorkPlan, actor) -> WorkPlan:
    with transaction.atomic():
        plan = _locked_plan(plan)
        _require(plan.inspection, actor, EDITORS, "将巡察工作方案报领导小组审批")
        _before_stationing(plan.inspection, "报审巡察工作方案")
        if plan.state != State.DRAFT:
            raise DomainError(f"巡察工作方案{plan.get_state_display()}，不能重复报审。")
        plan.state = State.SUBMITTED
        plan.save(update_fields=["state", "updated_at"])
        _plan_step(plan, actor, "巡察工作方案报领导小组审批", {"state": ["draft", "submitted"]})
    return plan


def work_plan_approve(*, plan: WorkPlan, approved_on: date | None, actor) -> WorkPlan:
    """The leading group approves the submitted work plan."""
    with transaction.atomic():
        plan = _locked_plan(plan)
        inspection = plan.inspection
        _require(inspection, actor, {workflow.LEADING_GROUP}, "批准巡察工作方案")
        if plan.state != State.SUBMITTED:
            raise DomainError(f"巡察工作方案{plan.get_state_display()}，不能批准（须先报审）。")
        plan.approved_on = _day(approved_on, "批准日期", inspection)
        plan.state, plan.approved_by = State.APPROVED, actor
        plan.save(update_fields=["state", "approved_on", "approved_by", "updated_at"])
        _plan_step(
            plan,
            actor,
            "领导小组批准巡察工作方案",
            {"state": ["submitted", "approved"], "approved_on": str(plan.approved_on)},
        )
    return plan


def work_plan_return(*, plan: WorkPlan, reason: str, actor) -> WorkPlan:
    """The leading group sends the submitted plan back for changes, with a reason."""
    with transaction.atomic():
        plan = _locked_plan(plan)
        _require(plan.inspection, actor, {workflow.LEADING_GROUP}, "退回巡察工作方案")
        if plan.state != State.SUBMITTED:
            raise DomainError(f"巡察工作方案{plan.get_state_display()}，不能退回。")
        reason = _text(reason, "退回理由", max_length=1000)
        plan.state = State.DRAFT
        plan.save(update_fields=["state", "updated_at"])
        _plan_step(
            plan,
            actor,
            "领导小组退回巡察工作方案",
            {"state": ["submitted", "draft"], "reason": reason},
        )
    return plan


def work_plan_secretary_record(
    *, plan: WorkPlan, approved_on: date | None, secretary_name: str, actor
) -> WorkPlan:
    """Record the party secretary's approval of the 任务分工 (offices whose rules require it)."""
    with transaction.atomic():
        plan = _locked_plan(plan)
        inspection = plan.inspection
        _require(inspection, actor, OFFICE, "登记党委书记审批")
        if not requires_secretary(inspection):
            raise DomainError("本机构设置未要求任务分工经党委书记审批，无需登记。")
        if plan.state == State.DRAFT:
            raise DomainError("巡察工作方案尚未报审，不能登记党委书记审批。")
        name = _text(secretary_name, "审批书记", max_length=50)
        plan.secretary_approved_on = _day(approved_on, "书记审批日期", inspection)
        plan.secretary_name = name
        plan.save(update_fields=["secretary_approved_on", "secretary_name", "updated_at"])
        _plan_step(
            plan,
            actor,
            f"登记党委书记{name}审批任务分工",
            {"secretary_approved_on": str(plan.secretary_approved_on)},
        )
    return plan


def work_plan_file(*, plan: WorkPlan, actor) -> WorkPlan:
    """A county office files its approved work plan with the office above (the city office)."""
    with transaction.atomic():
        plan = _locked_plan(plan)
        inspection = plan.inspection
        _require(inspection, actor, OFFICE, "报备巡察工作方案")
        if not is_county(inspection):
            raise DomainError("只有县级巡察机构的巡察工作方案须报上级巡察办备案。")
        if plan.state != State.APPROVED:
            raise DomainError("巡察工作方案尚未经领导小组批准，不能报备。")
        if plan.filed_at:
            raise DomainError("巡察工作方案已报备，无需重复报备。")
        plan.filed_at = timezone.now()
        plan.save(update_fields=["filed_at", "updated_at"])
        _plan_step(
            plan,
            actor,
            f"巡察工作方案报{inspection.office.parent.name}备案",
            {"filed_with": inspection.office.parent_id},
        )
    return plan


def work_plan_missing(inspection) -> str | None:
    """What the work plan still lacks before stationing (None when nothing)."""
    plan = WorkPlan.objects.filter(inspection=inspection).first()
    if plan is None:
        return "尚未起草巡察工作方案"
    if plan.state != State.APPROVED:
        return f"巡察工作方案尚未经领导小组批准（当前：{plan.get_state_display()}）"
    if requires_secretary(inspection) and not plan.secretary_approved_on:
        return "巡察工作方案的任务分工尚未经党委书记审批（本机构设置要求）"
    if is_county(inspection) and not plan.filed_at:
        return f"巡察工作方案尚未报{inspection.office.parent.name}备案"
    return None


# --- Secrecy pledges ----------------------------------------------------------------------


def pledge_sign(*, member: TeamMember, signature: str, signed_on: date | None, actor):
    """A member signs their own pledge, or the office records a pledge signed on paper."""
    inspection = member.team.inspection
    own = member.inspector.user_id == actor.pk
    if not own:
        _require(inspection, actor, OFFICE, "代为登记保密承诺书（纸质签署）")
    _before_stationing(inspection, "登记进驻前的保密承诺书")
    name = member.inspector.name
    signature = (signature or "").strip()
    if not signature:
        raise DomainError(f"请签名：在“签名”栏填写{name}的姓名。", field="signature")
    if signature != name:
        raise DomainError(
            f"签名“{signature}”与成员姓名“{name}”不一致，请填写本人姓名。", field="signature"
        )
    signed_on = _day(signed_on, "签署日期", inspection)
    with transaction.atomic():
        TeamMember.objects.select_for_update().get(pk=member.pk)
        if SecrecyPledge.objects.filter(member=member).exists():
            raise DomainError(f"{name}已签署保密承诺书，无需重复签署。")
        pledge = SecrecyPledge.objects.create(
            member=member,
            signature=signature,
            signed_on=signed_on,
            on_paper=not own,
            recorded_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=pledge,
            summary=f"{name}签署保密承诺书" + ("（纸质，巡察办登记）" if not own else ""),
            changes={"signed_on": str(signed_on), "on_paper": not own},
        )
    return pledge


# --- Declarations checked by the office -----------------------------------------------------


def declaration_check(*, declaration: Declaration, actor) -> Declaration:
    """The office confirms it has checked a member's 回避 declaration."""
    member = declaration.member
    inspection = member.team.inspection
    _require(inspection, actor, OFFICE, "审核回避声明")
    _before_stationing(inspection, "审核进驻前的回避声明")
    name = member.inspector.name
    with transaction.atomic():
        decl = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if not decl.submitted_at:
            raise DomainError(f"{name}尚未提交回避声明，不能审核。")
        if decl.checked_at:
            raise DomainError(f"{name}的回避声明已审核。")
        if (decl.has_conflict or decl.known_conflicts) and not decl.override_reason:
            raise DomainError(f"{name}存在回避情形，须先更换人员或由巡察办管理员特批后再审核。")
        decl.checked_at, decl.checked_by = timezone.now(), actor
        decl.save(update_fields=["checked_at", "checked_by"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=decl,
            summary=f"审核{name}的回避声明",
            changes={"checked": True},
        )
    return decl


# --- Replacement requests by the inspected unit -------------------------------------------


def _liaison_unit(inspection, actor):
    from xuncha.org import access
    from xuncha.org.models import Role

    mine = {u.pk for u in access.user_units(actor, {Role.UNIT_LIAISON})}
    for unit in inspection.units.all():
        if unit.pk in mine:
            return unit
    raise DomainError("只有被巡察单位的联络员可以申请更换巡察组成员。")


def replacement_request_create(
    *, inspection: Inspection, member: TeamMember | None, reason: str, actor
) -> ReplacementRequest:
    unit = _liaison_unit(inspection, actor)
    if inspection.stage != Stage.PREPARATION:
        raise DomainError("巡察组已进驻，不能再申请更换巡察组成员。")
    if member is None or member.team.inspection_id != inspection.pk:
        raise DomainError("请选择本巡察组的成员。", field="member")
    reason = _text(reason, "申请理由", max_length=2000)
    with transaction.atomic():
        Inspection.objects.select_for_update().get(pk=inspection.pk)
        if ReplacementRequest.objects.filter(
            member=member, state=ReplacementRequest.State.PENDING
        ).exists():
            raise DomainError(f"已申请更换{member.inspector.name}，正待巡察办决定。")
        req = ReplacementRequest.objects.create(
            inspection=inspection,
            unit=unit,
            member=member,
            member_name=member.inspector.name,
            reason=reason,
            requested_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=req,
            summary=f"{unit.name}申请更换巡察组成员{req.member_name}",
            changes={"member": member.pk},
        )
    return req


def replacement_decide(
    *, request: ReplacementRequest, grant: bool, decision: str, actor
) -> ReplacementRequest:
    """The office grants (the member leaves the team; compose a replacement) or refuses."""
    inspection = request.inspection
    _require(inspection, actor, OFFICE, "决定更换申请")
    decision = _text(decision, "决定意见", max_length=2000)
    with transaction.atomic():
        req = ReplacementRequest.objects.select_for_update().get(pk=request.pk)
        if req.state != ReplacementRequest.State.PENDING:
            raise DomainError(f"该申请已处理（{req.get_state_display()}）。")
        _before_stationing(inspection, "更换巡察组成员")
        req.state = ReplacementRequest.State.GRANTED if grant else ReplacementRequest.State.REFUSED
        req.decision, req.decided_by, req.decided_at = decision, actor, timezone.now()
        req.save(update_fields=["state", "decision", "decided_by", "decided_at"])
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=req,
            summary=f"{req.get_state_display()}：{req.member_name}",
            changes={"state": ["pending", req.state], "decision": decision},
        )
        if grant and req.member_id:
            member = req.member
            record(
                actor=actor,
                action=Action.DELETE,
                obj=member,
                summary=f"{req.member_name}因被巡察单位申请更换退出巡察组",
                changes={"replacement_request": req.pk},
            )
            member.delete()
    return req


# --- Temporary party branch -------------------------------------------------------------------


def branch_record(
    *,
    inspection: Inspection,
    name: str,
    secretary: TeamMember | None,
    established_on: date | None,
    approval_number: str = "",
    actor,
) -> TemporaryBranch:
    _require(inspection, actor, EDITORS, "登记临时党支部")
    _before_stationing(inspection, "登记进驻前的临时党支部")
    name = _text(name, "支部名称", max_length=80)
    if secretary is None or secretary.team.inspection_id != inspection.pk:
        raise DomainError("支部书记须是本巡察组成员。", field="secretary")
    established_on = _day(established_on, "成立日期", inspection)
    with transaction.atomic():
        branch, created = TemporaryBranch.objects.select_for_update().update_or_create(
            inspection=inspection,
            defaults={
                "name": name,
                "secretary": secretary,
                "established_on": established_on,
                "approval_number": (approval_number or "").strip()[:60],
                "recorded_by": actor,
            },
        )
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=branch,
            summary=f"登记{name}，书记{secretary.inspector.name}",
            changes={"secretary": secretary.pk, "established_on": str(established_on)},
        )
    return branch


# --- The checklist -------------------------------------------------------------------------------


@dataclass
class Item:
    key: str
    label: str
    done: bool
    detail: str = ""


def status(inspection) -> list[Item]:
    """What 进驻 needs, item by item, with the gate's own message when something is missing."""
    checks = [
        ("work_plan", workflow.work_plan_approved),
        ("declarations", workflow.declarations_checked),
        ("conflicts", workflow.declared_conflicts_resolved),
        ("replacements", workflow.no_replacement_pending),
        ("pledges", workflow.pledges_signed),
        ("branch", workflow.branch_recorded),
        ("leader", workflow.team_has_leader),
        ("announcement", workflow.announcement_published),
    ]
    items = []
    for key, check in checks:
        reason = check(inspection)
        items.append(Item(key, workflow.REQUIREMENT_LABELS[check], reason is None, reason or ""))
    return items


# --- One helper for demo data and fixtures --------------------------------------------------------


def prepare_for_stationing(inspection: Inspection, actor, on: date | None = None) -> None:
    """Complete every record the 进驻 gate asks for (approved plan, the secretary's approval
    and filing where required, submitted and checked declarations, pledges, the branch).

    For demo data and test fixtures: it does not go through the step-by-step rules, but
    every record is real and one audit entry says what was completed."""
    on = on or min(inspection.start, timezone.localdate())
    now = timezone.now()
    with transaction.atomic():
        plan = WorkPlan.objects.filter(inspection=inspection).first()
        if plan is None:
            plan = WorkPlan(
                inspection=inspection, created_by=actor, **work_plan_initial(inspection)
            )
        plan.state, plan.approved_on, plan.approved_by = State.APPROVED, on, actor
        if requires_secretary(inspection) and not plan.secretary_approved_on:
            plan.secretary_approved_on, plan.secretary_name = on, "党委书记"
        if is_county(inspection) and not plan.filed_at:
            plan.filed_at = now
        plan.save()
        members = list(
            TeamMember.objects.filter(team__inspection=inspection).select_related("inspector")
        )
        for m in members:
            decl, _ = Declaration.objects.get_or_create(member=m)
            decl.submitted_at = decl.submitted_at or now
            decl.checked_at, decl.checked_by = decl.checked_at or now, decl.checked_by or actor
            decl.save(update_fields=["submitted_at", "checked_at", "checked_by"])
        SecrecyPledge.objects.bulk_create(
            [
                SecrecyPledge(member=m, signature=m.inspector.name, signed_on=on, recorded_by=actor)
                for m in members
                if not SecrecyPledge.objects.filter(member=m).exists()
            ]
        )
        leader = next((m for m in members if m.role == TeamMember.Role.LEADER), None)
        branch = TemporaryBranch.objects.filter(inspection=inspection).first()
        if leader and branch is None:
            team = getattr(inspection, "team", None)
            TemporaryBranch.objects.create(
                inspection=inspection,
                name=f"{team.name if team else '巡察组'}临时党支部",
                secretary=leader,
                established_on=on,
                recorded_by=actor,
            )
        elif leader and branch.secretary_id is None:  # its secretary left the team
            branch.secretary = leader
            branch.save(update_fields=["secretary", "recorded_at"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=inspection,
            summary="完成进驻准备（工作方案、回避声明审核、保密承诺书、临时党支部）",
            changes={"members": len(members)},
        )


# --- Documents (GB/T 9704 through reports.officialdoc; downloads add the reader's watermark) ----

PLEDGE_ITEMS = [
    "严格遵守党的保密纪律和巡察工作纪律，不泄露巡察工作中知悉的国家秘密、工作秘密和个人信息。",
    "不私自留存、复制、摘抄、带出巡察工作资料，工作资料按规定登记、使用、移交和销毁。",
    "严格保护信访举报人，不泄露举报人身份和举报内容，不向被巡察单位和被反映人透露任何情况。",
    "不在非涉密计算机和互联网上处理涉密信息，不通过普通电话、短信、微信等传递涉密信息。",
    "巡察工作结束后继续履行保密义务，违反以上承诺的，自愿接受组织处理并承担相应责任。",
]


def _units(inspection) -> str:
    return "、".join(u.name for u in inspection.units.all())


def work_plan_document(plan: WorkPlan):
    from xuncha.plans.documents import party_committee
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Section, Table

    inspection = plan.inspection
    office = inspection.office
    team = getattr(inspection, "team", None)
    members = (
        TeamMember.objects.filter(team__inspection=inspection)
        .select_related("inspector__home_unit")
        .order_by("pk")
    )
    rows = [
        [m.get_role_display(), m.inspector.name, m.inspector.rank, str(m.inspector.home_unit or "")]
        for m in sorted(members, key=lambda m: ("leader", "deputy", "member").index(m.role))
    ]
    approval = (
        f"本方案经{party_committee(office)}巡察工作领导小组于{_d(plan.approved_on)}批准。"
        if plan.approved_on
        else "本方案尚未经领导小组批准。"
    )
    if plan.secretary_approved_on:
        approval += (
            f"任务分工经党委书记{plan.secretary_name}于{_d(plan.secretary_approved_on)}审批。"
        )
    sections = [
        f"根据{party_committee(office)}{inspection.round}巡察工作安排，{team.name if team else '巡察组'}"
        f"对{_units(inspection)}党组织开展巡察，制定本工作方案。",
        Section("巡察对象", paragraphs=[plan.targets]),
        Section("巡察重点", paragraphs=[plan.focus]),
        Section(
            "组织分工",
            paragraphs=[
                plan.division,
                Table(
                    header=["职务", "姓名", "职级", "工作单位"], rows=rows, widths=[30, 28, 38, 60]
                ),
            ],
        ),
        Section(
            "时间安排",
            paragraphs=[plan.schedule]
            + ([f"进驻动员会：{_d(plan.mobilisation_on)}。"] if plan.mobilisation_on else []),
        ),
        Section("信访受理渠道", paragraphs=[plan.channels]),
        Paragraph(approval),
    ]
    return OfficialDocument(
        title=f"{team.name if team else '巡察组'}关于巡察{_units(inspection)}党组织的工作方案",
        sections=sections,
        issuer=office.name,
        date=plan.approved_on or timezone.localdate(),
        secrecy="内部资料",
    )


def pledge_document(pledge: SecrecyPledge):
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Table

    member = pledge.member
    inspection = member.team.inspection
    rows = [
        ["姓名", member.inspector.name],
        ["巡察组及职务", f"{member.team.name} {member.get_role_display()}"],
        ["巡察", str(inspection.round)],
        ["被巡察单位", _units(inspection)],
        ["巡察期间", f"{_d(inspection.start)}至{_d(inspection.end)}"],
    ]
    return OfficialDocument(
        title="巡察工作保密承诺书",
        sections=[
            Table(header=["项目", "内容"], rows=rows, widths=[45, 111]),
            f"本人参加{member.team.name}对{_units(inspection)}党组织的巡察，郑重承诺：",
            *[Paragraph(text, lead=f"{n}. ") for n, text in enumerate(PLEDGE_ITEMS, 1)],
            Paragraph(
                f"承诺人（签名）：{pledge.signature}　　签署日期：{_d(pledge.signed_on)}"
                + ("（纸质承诺书，巡察办登记）" if pledge.on_paper else ""),
                align="right",
                indent=False,
            ),
        ],
        issuer=inspection.office.name,
        date=pledge.signed_on,
    )
