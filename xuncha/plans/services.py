"""Writes for planning: terms, plans (workflow), rounds, assignments, teams, declarations."""

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record, record_read
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Role, Unit
from xuncha.plans.models import (
    EDIT_ROLES,
    PLAN_ROLES,
    AnnualPlan,
    Declaration,
    Inspection,
    Inspector,
    PlanEvent,
    Round,
    Team,
    TeamMember,
    Term,
    WorkdayOverride,
    is_reader,
)
from xuncha.plans.recusal import find_conflicts
from xuncha.plans.suggest import busy_ids, pool_for, pool_label

State = AnnualPlan.State


def _d(day: date) -> str:
    return f"{day:%Y年%m月%d日}"


def holds(user, office, roles) -> bool:
    """Whether `user` holds one of `roles` in `office` itself (sysadmin always)."""
    if access.is_sysadmin(user):
        return True
    wanted = {str(r) for r in roles}
    return any(a.role in wanted and a.office_id == office.pk for a in access._assignments(user))


def _require(user, office, roles, what="此操作"):
    if not holds(user, office, roles):
        raise DomainError(f"您没有{what}的权限。")


# --- Workflow of the annual plan -------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    label: str
    roles: frozenset
    needs_reason: bool = False
    style: str = "primary"


TRANSITIONS = [
    Transition(State.DRAFT, State.SUBMITTED, "报领导小组审批", frozenset(EDIT_ROLES)),
    Transition(
        State.SUBMITTED, State.APPROVED, "批准", frozenset({Role.LEADING_GROUP}), False, "success"
    ),
    Transition(
        State.SUBMITTED,
        State.DRAFT,
        "退回修改",
        frozenset({Role.LEADING_GROUP}),
        True,
        "outline-danger",
    ),
]


def transitions_for(plan: AnnualPlan, user) -> list[Transition]:
    """The buttons the user sees on a plan: drawn from TRANSITIONS."""
    office = plan.term.office
    return [t for t in TRANSITIONS if t.source == plan.state and holds(user, office, t.roles)]


def _plan_requirements(plan: AnnualPlan, target: str):
    if target == State.APPROVED and requires_secretary(plan.term.office):
        if not plan.secretary_approved_on:
            raise DomainError(
                "本机构设置要求年度计划经党委书记审批：请巡察办先登记书记审批，再由领导小组批准。"
            )
    if target == State.SUBMITTED:
        if not plan.rounds.exists():
            raise DomainError("计划中还没有轮次，请先添加至少一个轮次再报审。")
        empty = plan.rounds.filter(inspections__isnull=True).values_list("number", flat=True)
        if empty:
            nums = "、".join(f"第{n}轮" for n in empty)
            raise DomainError(f"{nums}尚未安排被巡察单位，请先分配任务再报审。")


def requires_secretary(office) -> bool:
    from xuncha.plans.models import PlanSettings

    return PlanSettings.for_office(office).requires_secretary_approval


def plan_secretary_record(
    *, plan: AnnualPlan, approved_on: date | None, secretary_name: str, actor
) -> AnnualPlan:
    """Record the party secretary's approval of the annual plan (offices whose rules require it)."""
    office = plan.term.office
    _require(actor, office, EDIT_ROLES, "登记党委书记审批")
    if not requires_secretary(office):
        raise DomainError("本机构设置未要求年度计划经党委书记审批，无需登记。")
    name = (secretary_name or "").strip()
    if not name:
        raise DomainError("请填写审批书记。", field="secretary_name")
    limit = AnnualPlan._meta.get_field("secretary_name").max_length
    if len(name) > limit:
        raise DomainError(f"审批书记姓名请控制在 {limit} 字以内。", field="secretary_name")
    if approved_on is None:
        raise DomainError("请填写书记审批日期。", field="approved_on")
    if approved_on > timezone.localdate():
        raise DomainError("书记审批日期不能晚于今天。", field="approved_on")
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state != State.SUBMITTED:
            raise DomainError("年度计划报领导小组审批后，方可登记党委书记审批。")
        plan.secretary_approved_on, plan.secretary_name = approved_on, name
        plan.save(update_fields=["secretary_approved_on", "secretary_name"])
        PlanEvent.objects.create(
            plan=plan,
            from_state=plan.state,
            to_state=plan.state,
            actor=actor,
            summary=f"登记党委书记{name}审批",
        )
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=plan,
            summary=f"{plan}：登记党委书记{name}审批",
            changes={"secretary_approved_on": str(approved_on)},
        )
    return plan


def plan_transition(*, plan: AnnualPlan, target: str, actor, reason: str = "") -> AnnualPlan:
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().select_related("term__office").get(pk=plan.pk)
        step = next((t for t in TRANSITIONS if t.source == plan.state and t.target == target), None)
        if step is None:
            raise DomainError(
                f"计划当前为“{plan.get_state_display()}”，不能执行此操作（可能已被他人处理，请刷新）。"
            )
        if not holds(actor, plan.term.office, step.roles):
            raise DomainError(f"您没有“{step.label}”的权限。")
        reason = (reason or "").strip()
        if step.needs_reason and not reason:
            raise DomainError(f"“{step.label}”须填写理由。", field="reason")
        _plan_requirements(plan, target)
        source = plan.state
        plan.state = target
        now = timezone.now()
        if target == State.SUBMITTED:
            plan.submitted_at = now
        if target == State.APPROVED:
            plan.approved_at = now
        plan.save(update_fields=["state", "submitted_at", "approved_at"])
        PlanEvent.objects.create(
            plan=plan,
            from_state=source,
            to_state=target,
            actor=actor,
            summary=step.label,
            reason=reason,
        )
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=plan,
            summary=f"{plan}：{step.label}",
            changes={"state": [source, target], "reason": reason},
        )
    return plan


def _after_approval(plan: AnnualPlan, actor, summary: str, reason: str):
    """Changes to rounds and assignments: free in a draft, refused while the plan is with
    the leading group, and after approval only with a reason, leaving a history row."""
    if plan.state == State.SUBMITTED:
        raise DomainError(
            f"{plan}已报领导小组审批，审批期间不能新增、修改或删除轮次和巡察任务；"
            "如需调整，请由领导小组退回修改后再改。"
        )
    if plan.state != State.APPROVED:
        return
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("计划已批准，调整须填写调整理由。", field="reason")
    PlanEvent.objects.create(
        plan=plan,
        from_state=plan.state,
        to_state=plan.state,
        actor=actor,
        summary=summary,
        reason=reason,
    )


def _check_order(start, end, what):
    if start is None or end is None:
        raise DomainError(f"请填写{what}的开始和结束日期。")
    if end < start:
        raise DomainError(
            f"{what}的结束日期（{_d(end)}）早于开始日期（{_d(start)}），请检查日期顺序。",
            field="end",
        )


# --- Terms and plans -----------------------------------------------------------------


def term_create(*, office, name: str, start: date, end: date, actor) -> Term:
    _require(actor, office, EDIT_ROLES, "设置届期")
    _check_order(start, end, "届期")
    with transaction.atomic():
        clash = Term.objects.filter(office=office, start__lte=end, end__gte=start).first()
        if clash:
            raise DomainError(f"与{clash.name}（{_d(clash.start)}至{_d(clash.end)}）时间重叠。")
        term = Term.objects.create(office=office, name=name, start=start, end=end)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=term,
            changes={"start": str(start), "end": str(end)},
        )
    return term


def plan_create(*, term: Term, year: int, summary: str = "", actor) -> AnnualPlan:
    _require(actor, term.office, EDIT_ROLES, "编制计划")
    if not term.start.year <= year <= term.end.year:
        raise DomainError(
            f"{year}年不在{term.name}（{term.start.year}—{term.end.year}年）之内，请选择届内年度。",
            field="year",
        )
    with transaction.atomic():
        if AnnualPlan.objects.filter(term=term, year=year).exists():
            raise DomainError(f"{term.name}已有{year}年度计划。", field="year")
        plan = AnnualPlan.objects.create(term=term, year=year, summary=summary)
        PlanEvent.objects.create(plan=plan, to_state=plan.state, actor=actor, summary="新建计划")
        record(actor=actor, action=Action.CREATE, obj=plan, changes={"year": year})
    return plan


def round_create(
    *, plan: AnnualPlan, start: date, end: date, name: str = "", actor, reason: str = ""
) -> Round:
    term = plan.term
    _require(actor, term.office, EDIT_ROLES, "安排轮次")
    _check_order(start, end, "轮次")
    if start < term.start or end > term.end:
        raise DomainError(
            f"轮次日期（{_d(start)}至{_d(end)}）超出{term.name}任期（{_d(term.start)}至{_d(term.end)}），请调整到任期之内。",
            field="start",
        )
    if start.year != plan.year:
        raise DomainError(f"轮次应在{plan.year}年内开始，请调整开始日期。", field="start")
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        number = (plan.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        rnd = Round.objects.create(plan=plan, number=number, start=start, end=end, name=name)
        _after_approval(plan, actor, f"新增第{number}轮", reason)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=rnd,
            changes={"start": str(start), "end": str(end), "reason": reason},
        )
    return rnd


def _check_units(office, kind, units):
    if not units:
        raise DomainError("请至少选择一个被巡察单位。", field="units")
    for unit in units:
        if unit.status != Unit.Status.ACTIVE:
            raise DomainError(
                f"{unit.name}已{unit.get_status_display()}，请选择现有单位。", field="units"
            )
        own = unit.office_id == office.pk
        below = unit.office.path.startswith(office.path) and not own
        if kind in (Inspection.Kind.ESCALATED, Inspection.Kind.CROSS):
            # Both reach a unit a county below manages (and are credited to its term).
            if not below:
                what = "提级巡察" if kind == Inspection.Kind.ESCALATED else "交叉巡察"
                raise DomainError(
                    f"{what}的对象应是下级县(区)管理的单位，{unit.name}由{unit.office.name}管理，"
                    f"不在{office.name}下级县(区)的范围内。",
                    field="units",
                )
        elif kind == Inspection.Kind.JOINT:
            if not (own or below):
                raise DomainError(f"{unit.name}不在本机构及下级的管理范围内。", field="units")
        elif not own:
            raise DomainError(f"{unit.name}不由本机构管理，不能直接安排巡察。", field="units")


def team_office_choices(office):
    """The offices a cross inspection's team may come from: those below the organiser."""
    from xuncha.org.models import Office

    return Office.objects.subtree(office, include_self=False).order_by("path")


def _check_team_office(office, kind, units, team_office):
    """交叉巡察: the team comes from one county below the organiser and inspects another
    county's units (all of one county); no other kind names a source for its team."""
    if kind != Inspection.Kind.CROSS:
        if team_office is not None:
            raise DomainError(
                "只有交叉巡察需要选择巡察组来源，其他类型的巡察组由本机构组建。",
                field="team_office",
            )
        return
    if team_office is None:
        raise DomainError(
            "交叉巡察须选择巡察组来源：由哪个县(区)巡察办的干部组成巡察组。",
            field="team_office",
        )
    if team_office.pk == office.pk or not team_office.path.startswith(office.path):
        raise DomainError(
            f"巡察组来源须为{office.name}的下级巡察机构，{team_office.name}不是。",
            field="team_office",
        )
    targets = {u.office_id for u in units}
    if len(targets) > 1:
        raise DomainError(
            "一次交叉巡察只安排一个县(区)的单位，所选单位分属"
            + "、".join(sorted({u.office.name for u in units}))
            + "，请分别安排。",
            field="units",
        )
    for unit in units:
        if unit.office.path.startswith(team_office.path):
            raise DomainError(
                f"{unit.name}由{unit.office.name}管理，与巡察组来源同属一个县(区)；"
                "交叉巡察须由外县(区)的巡察组巡察，请更换单位或巡察组来源。",
                field="team_office",
            )


def _validate_assignment(
    *, round: Round, office, kind, units, start, end, theme, revisits, team_office=None, itself=None
):
    """The checks shared by creating and editing an assignment (before any write)."""
    start = start or round.start
    end = end or round.end
    _check_order(start, end, "巡察")
    if start < round.start or end > round.end:
        raise DomainError(
            f"巡察日期应在{round}（{_d(round.start)}至{_d(round.end)}）之内，请调整日期。",
            field="start",
        )
    if kind not in Inspection.Kind.values:
        raise DomainError("请选择巡察类型。", field="kind")
    theme = (theme or "").strip()
    if kind == Inspection.Kind.SPECIAL and not theme:
        raise DomainError("专项巡察须填写专项主题。", field="theme")
    if kind == Inspection.Kind.REVISIT and revisits is None:
        raise DomainError("“回头看”须选择所回访的原巡察。", field="revisits")
    units = list(units)
    _check_units(office, kind, units)
    _check_team_office(office, kind, units, team_office)
    if revisits is not None:
        if kind != Inspection.Kind.REVISIT:
            raise DomainError("只有“回头看”可以关联原巡察。", field="revisits")
        if itself is not None and revisits.pk == itself.pk:
            raise DomainError("“回头看”不能回访本次巡察本身。", field="revisits")
        if not set(revisits.units.values_list("pk", flat=True)) & {u.pk for u in units}:
            raise DomainError("“回头看”的单位应是原巡察的被巡察单位。", field="revisits")
    return start, end, theme, units


def _check_clash(units, start, end, exclude=()):
    """Refuse a second inspection of one unit at overlapping dates (units locked by caller)."""
    clash = (
        Inspection.objects.filter(units__in=units, start__lte=end, end__gte=start)
        .exclude(pk__in=list(exclude))
        .select_related("round__plan")
        .prefetch_related("units")
        .first()
    )
    if clash:
        both = [u.name for u in clash.units.all() if u in units]
        raise DomainError(
            f"{'、'.join(both)}已安排在{clash.round}（{_d(clash.start)}至{_d(clash.end)}）巡察，时间重叠。请调整日期或更换单位。",
            field="units",
        )


def inspection_create(
    *,
    round: Round,
    kind: str,
    units: list[Unit],
    actor,
    start: date | None = None,
    end: date | None = None,
    theme: str = "",
    revisits: Inspection | None = None,
    team_office=None,
    team_name: str = "",
    reason: str = "",
) -> Inspection:
    """Assign one team to one or more units in a round (一托N); a cross inspection names
    the county whose inspectors form the team (`team_office`)."""
    plan = round.plan
    office = plan.term.office
    _require(actor, office, EDIT_ROLES, "分配巡察任务")
    start, end, theme, units = _validate_assignment(
        round=round,
        office=office,
        kind=kind,
        units=units,
        start=start,
        end=end,
        theme=theme,
        revisits=revisits,
        team_office=team_office,
    )
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        # Lock the units so two assignments of one unit cannot slip in side by side.
        list(Unit.objects.select_for_update().filter(pk__in=[u.pk for u in units]))
        _check_clash(units, start, end)
        inspection = Inspection.objects.create(
            office=office,
            round=round,
            kind=kind,
            theme=theme,
            revisits=revisits,
            team_office=team_office,
            start=start,
            end=end,
        )
        inspection.units.set(units)
        number = Team.objects.filter(inspection__round=round).count() + 1
        Team.objects.create(inspection=inspection, name=team_name or f"第{_cn(number)}巡察组")
        names = "、".join(u.name for u in units)
        _after_approval(plan, actor, f"{round}新增巡察任务：{names}", reason)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=inspection,
            changes={
                "kind": kind,
                "units": [u.pk for u in units],
                "team_office": team_office.pk if team_office else None,
                "start": str(start),
                "end": str(end),
                "reason": reason,
            },
        )
    return inspection


def _cn(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")


# --- Editing and deleting rounds and assignments ---------------------------------------


def _assignment_label(inspection: Inspection) -> str:
    team = Team.objects.filter(inspection=inspection).values_list("name", flat=True).first()
    names = "、".join(inspection.units.values_list("name", flat=True))
    return f"{team or '巡察任务'}（{names or '未指定单位'}）"


def _deletion_blockers(inspection: Inspection) -> list[str]:
    """Why an assignment may not be deleted: it left preparation, or something hangs on it
    (activities, problems, letters, clues, petitions, revisits, ...). Empty when free."""
    if inspection.stage != Inspection.Stage.PREPARATION:
        return [f"已进入“{inspection.get_stage_display()}”阶段"]
    found = []
    for rel in Inspection._meta.related_objects:
        if rel.related_model is Team or rel.many_to_many:
            continue
        model = rel.related_model
        if model._base_manager.filter(**{rel.field.name: inspection.pk}).exists():
            label = "“回头看”巡察" if model is Inspection else str(model._meta.verbose_name)
            found.append(f"已有{label}")
    return found


def _check_deletable(inspection: Inspection):
    blockers = _deletion_blockers(inspection)
    if blockers:
        raise DomainError(
            f"{_assignment_label(inspection)}{'、'.join(blockers)}，不能删除。"
            "只有尚在准备阶段、未开展任何工作的巡察任务可以删除；已开展工作的请通过计划调整说明处理。"
        )


def round_update(
    *,
    round: Round,
    start: date,
    end: date,
    name: str = "",
    actor,
    reason: str = "",
) -> Round:
    """Change a round's dates or description. Assignments that ran over the whole round
    follow the new dates; the others must still fit inside it."""
    plan = round.plan
    term = plan.term
    _require(actor, term.office, EDIT_ROLES, "调整轮次")
    _check_order(start, end, "轮次")
    if start < term.start or end > term.end:
        raise DomainError(
            f"轮次日期（{_d(start)}至{_d(end)}）超出{term.name}任期（{_d(term.start)}至{_d(term.end)}），请调整到任期之内。",
            field="start",
        )
    if start.year != plan.year:
        raise DomainError(f"轮次应在{plan.year}年内开始，请调整开始日期。", field="start")
    name = (name or "").strip()
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        before = {"start": str(rnd.start), "end": str(rnd.end), "name": rnd.name}
        inspections = list(rnd.inspections.prefetch_related("units").select_related("team"))
        moving = []
        for insp in inspections:
            if insp.start == rnd.start and insp.end == rnd.end:
                moving.append(insp)
            elif insp.start < start or insp.end > end:
                raise DomainError(
                    f"{_assignment_label(insp)}的巡察日期（{_d(insp.start)}至{_d(insp.end)}）"
                    f"不在调整后的轮次日期（{_d(start)}至{_d(end)}）之内，请先调整该巡察任务的日期。",
                    field="start",
                )
        unit_ids = {u.pk for insp in moving for u in insp.units.all()}
        list(Unit.objects.select_for_update().filter(pk__in=unit_ids))
        moving_ids = [i.pk for i in moving]
        for insp in moving:
            _check_clash(list(insp.units.all()), start, end, exclude=moving_ids)
        rnd.start, rnd.end, rnd.name = start, end, name
        rnd.save(update_fields=["start", "end", "name"])
        if moving_ids:
            Inspection.objects.filter(pk__in=moving_ids).update(start=start, end=end)
        after = {"start": str(start), "end": str(end), "name": name}
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if not changes:
            raise DomainError("没有需要保存的修改。")
        text = "，".join(
            {"start": "开始日期", "end": "结束日期", "name": "说明"}[k] + f"{a or '空'}→{b or '空'}"
            for k, (a, b) in changes.items()
        )
        _after_approval(plan, actor, f"调整第{rnd.number}轮：{text}"[:200], reason)
        changes["moved_inspections"] = moving_ids
        changes["reason"] = (reason or "").strip()
        record(actor=actor, action=Action.UPDATE, obj=rnd, changes=changes)
    return rnd


def round_delete(*, round: Round, actor, reason: str = "") -> None:
    """Delete a round with its assignments, if each of them may be deleted."""
    plan = round.plan
    _require(actor, plan.term.office, EDIT_ROLES, "删除轮次")
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=plan.pk)
        rnd = Round.objects.select_for_update().get(pk=round.pk)
        inspections = list(Inspection.objects.select_for_update().filter(round=rnd))
        for insp in inspections:
            _check_deletable(insp)
        label = str(rnd)
        _after_approval(
            plan, actor, f"删除第{rnd.number}轮（含{len(inspections)}项巡察任务）", reason
        )
        reason = (reason or "").strip()
        for insp in inspections:
            record(
                actor=actor,
                action=Action.DELETE,
                obj=insp,
                summary=f"删除巡察任务 {_assignment_label(insp)}",
                changes={"round": label, "reason": reason},
            )
            insp.delete()
        record(
            actor=actor,
            action=Action.DELETE,
            obj=rnd,
            summary=f"删除{label}",
            changes={"start": str(rnd.start), "end": str(rnd.end), "reason": reason},
        )
        rnd.delete()


def inspection_update(
    *,
    inspection: Inspection,
    kind: str,
    units: list[Unit],
    actor,
    start: date | None = None,
    end: date | None = None,
    theme: str = "",
    revisits: Inspection | None = None,
    team_office=None,
    reason: str = "",
) -> Inspection:
    """Change an assignment's units, kind, theme, dates, revisited inspection or (cross
    inspections) the county its team comes from."""
    rnd = Round.objects.select_related("plan__term__office").get(pk=inspection.round_id)
    office = rnd.plan.term.office
    _require(actor, office, EDIT_ROLES, "调整巡察任务")
    start, end, theme, units = _validate_assignment(
        round=rnd,
        office=office,
        kind=kind,
        units=units,
        start=start,
        end=end,
        theme=theme,
        revisits=revisits,
        team_office=team_office,
        itself=inspection,
    )
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=rnd.plan_id)
        insp = Inspection.objects.select_for_update().get(pk=inspection.pk)
        old_units = sorted(insp.units.values_list("pk", flat=True))
        new_units = sorted(u.pk for u in units)
        if old_units != new_units and insp.stage != Inspection.Stage.PREPARATION:
            raise DomainError(
                f"该巡察已进入“{insp.get_stage_display()}”阶段，不能更换被巡察单位。",
                field="units",
            )
        list(Unit.objects.select_for_update().filter(pk__in=new_units))
        _check_clash(units, start, end, exclude=[insp.pk])
        before = {
            "kind": insp.kind,
            "theme": insp.theme,
            "units": old_units,
            "start": str(insp.start),
            "end": str(insp.end),
            "revisits": insp.revisits_id,
            "team_office": insp.team_office_id,
        }
        after = {
            "kind": kind,
            "theme": theme,
            "units": new_units,
            "start": str(start),
            "end": str(end),
            "revisits": revisits.pk if revisits else None,
            "team_office": team_office.pk if team_office else None,
        }
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        if not changes:
            raise DomainError("没有需要保存的修改。")
        label = _assignment_label(insp)
        insp.kind, insp.theme, insp.start, insp.end = kind, theme, start, end
        insp.revisits, insp.team_office = revisits, team_office
        outside = _members_outside_pool(insp)
        if outside:
            raise DomainError(
                f"巡察组现有成员{'、'.join(outside)}不在调整后的巡察组来源干部库中，"
                "请先调整巡察组成员，再更改巡察类型或巡察组来源。",
                field="team_office",
            )
        insp.save(update_fields=["kind", "theme", "start", "end", "revisits", "team_office"])
        if "units" in changes:
            insp.units.set(units)
        labels = {
            "kind": "类型",
            "theme": "专项主题",
            "units": "被巡察单位",
            "start": "进驻日期",
            "end": "结束日期",
            "revisits": "回头看对象",
            "team_office": "巡察组来源",
        }
        what = "、".join(labels[k] for k in changes)
        _after_approval(plan, actor, f"调整{rnd}巡察任务{label}：{what}"[:200], reason)
        changes["reason"] = (reason or "").strip()
        record(actor=actor, action=Action.UPDATE, obj=insp, changes=changes)
    return insp


def inspection_delete(*, inspection: Inspection, actor, reason: str = "") -> None:
    """Delete an assignment still in preparation with nothing recorded against it."""
    rnd = Round.objects.select_related("plan__term__office").get(pk=inspection.round_id)
    _require(actor, rnd.plan.term.office, EDIT_ROLES, "删除巡察任务")
    with transaction.atomic():
        plan = AnnualPlan.objects.select_for_update().get(pk=rnd.plan_id)
        insp = Inspection.objects.select_for_update().get(pk=inspection.pk)
        _check_deletable(insp)
        label = _assignment_label(insp)
        _after_approval(plan, actor, f"删除{rnd}巡察任务{label}"[:200], reason)
        record(
            actor=actor,
            action=Action.DELETE,
            obj=insp,
            summary=f"删除巡察任务 {label}",
            changes={
                "round": str(rnd),
                "units": sorted(insp.units.values_list("pk", flat=True)),
                "start": str(insp.start),
                "end": str(insp.end),
                "reason": (reason or "").strip(),
            },
        )
        insp.delete()


# --- The term plan's list of due units ----------------------------------------------------


def due_unit_choices(term: Term):
    """The units that may be on the term's list: the office's own active units."""
    return Unit.objects.filter(office_id=term.office_id, status=Unit.Status.ACTIVE)


def _materialise_due(term: Term) -> bool:
    """An empty list means "every active unit"; write that default out before editing it."""
    from xuncha.plans.models import TermDueUnit

    if TermDueUnit.objects.filter(term=term).exists():
        return False
    TermDueUnit.objects.bulk_create(
        [
            TermDueUnit(term=term, unit_id=pk)
            for pk in due_unit_choices(term).values_list("pk", flat=True)
        ]
    )
    return True


def due_units_add(*, term: Term, actor, kind: str = "", district: str = "", units=()) -> int:
    """Add units to the term's due list: chosen ones, or all active units of a kind/district."""
    from xuncha.plans.models import TermDueUnit

    _require(actor, term.office, {Role.OFFICE_ADMIN}, "维护届内应巡察单位")
    qs = due_unit_choices(term)
    unit_ids = [u.pk if hasattr(u, "pk") else int(u) for u in units]
    if unit_ids:
        wrong = set(unit_ids) - set(qs.filter(pk__in=unit_ids).values_list("pk", flat=True))
        if wrong:
            raise DomainError("所选单位不是本机构管理的现有单位，不能列入届内规划。", field="units")
        qs = qs.filter(pk__in=unit_ids)
    elif kind or district:
        if kind:
            if kind not in Unit.Kind.values:
                raise DomainError("请选择正确的单位类型。", field="kind")
            qs = qs.filter(kind=kind)
        if district:
            qs = qs.filter(district=district)
    else:
        raise DomainError("请选择要加入的单位，或按单位类型、地区批量加入。")
    with transaction.atomic():
        Term.objects.select_for_update().get(pk=term.pk)
        _materialise_due(term)
        have = set(TermDueUnit.objects.filter(term=term).values_list("unit_id", flat=True))
        new = [pk for pk in qs.values_list("pk", flat=True) if pk not in have]
        if not new:
            raise DomainError("符合条件的单位都已在届内规划名单中，没有新增。")
        TermDueUnit.objects.bulk_create([TermDueUnit(term=term, unit_id=pk) for pk in new])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=term,
            summary=f"{term.name}届内规划：加入{len(new)}个单位",
            changes={"due_added": new, "kind": kind, "district": district},
        )
    return len(new)


def due_unit_remove(*, term: Term, unit_id: int, actor) -> None:
    """Take one unit off the term's due list (audited)."""
    from xuncha.plans.models import TermDueUnit

    _require(actor, term.office, {Role.OFFICE_ADMIN}, "维护届内应巡察单位")
    with transaction.atomic():
        Term.objects.select_for_update().get(pk=term.pk)
        _materialise_due(term)
        row = TermDueUnit.objects.filter(term=term, unit_id=unit_id).select_related("unit").first()
        if row is None:
            raise DomainError("该单位不在届内规划名单中。")
        if TermDueUnit.objects.filter(term=term).count() == 1:
            raise DomainError("届内规划名单至少保留一个单位。")
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=term,
            summary=f"{term.name}届内规划：移出{row.unit.name}",
            changes={"due_removed": [unit_id]},
        )
        row.delete()


def due_units_reset(*, term: Term, actor) -> None:
    """Go back to the default: every active unit of the office is due."""
    from xuncha.plans.models import TermDueUnit

    _require(actor, term.office, {Role.OFFICE_ADMIN}, "维护届内应巡察单位")
    with transaction.atomic():
        Term.objects.select_for_update().get(pk=term.pk)
        removed = list(TermDueUnit.objects.filter(term=term).values_list("unit_id", flat=True))
        TermDueUnit.objects.filter(term=term).delete()
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=term,
            summary=f"{term.name}届内规划：恢复为本机构全部现有单位",
            changes={"due_reset": len(removed)},
        )


# --- Teams -------------------------------------------------------------------------------


def team_compose(
    *,
    inspection: Inspection,
    members: list[tuple[int, str]],
    actor,
    overrides: dict[int, str] | None = None,
    today: date | None = None,
) -> Team:
    """Set a team's members. Conflicted inspectors are refused unless the office
    administrator overrides with a written reason; every override is audited."""
    office = inspection.office
    _require(actor, office, EDIT_ROLES, "组建巡察组")
    overrides = {
        int(k): (v or "").strip() for k, v in (overrides or {}).items() if (v or "").strip()
    }
    ids = [int(pk) for pk, _ in members]
    if len(ids) != len(set(ids)):
        raise DomainError("同一名干部不能在组内重复出现，请删除重复的人员。", field="members")
    roles = [role for _, role in members]
    if any(r not in TeamMember.Role.values for r in roles):
        raise DomainError("组内职务只能是组长、副组长或成员。", field="members")
    leaders = roles.count(TeamMember.Role.LEADER)
    if leaders != 1:
        raise DomainError(
            f"巡察组必须有且只有一名组长（当前{leaders}名），请指定一名组长。",
            field="members",
        )
    if overrides and not holds(actor, office, {Role.OFFICE_ADMIN}):
        raise DomainError("只有巡察办管理员可以特批存在回避情形的人员。", field="overrides")
    with transaction.atomic():
        inspection = (
            Inspection.objects.select_for_update().select_related("office").get(pk=inspection.pk)
        )
        pool = {i.pk: i for i in pool_for(inspection).select_for_update().filter(pk__in=ids)}
        missing = [pk for pk in ids if pk not in pool]
        if missing:
            names = "、".join(
                Inspector.objects.filter(pk__in=missing).values_list("name", flat=True)
            )
            raise DomainError(
                f"{names or '所选人员'}不在{pool_label(inspection)}中或已出库，不能进入本巡察组。",
                field="members",
            )
        busy = busy_ids(inspection, ids)
        if busy:
            text = "；".join(f"{pool[pk].name}已在{team}" for pk, team in busy.items())
            raise DomainError(f"{text}，同一时间不能参加两个巡察组。请更换人员。", field="members")
        conflicts = find_conflicts(
            office=office,
            kind=inspection.kind,
            units=list(inspection.units.all()),
            inspector_ids=ids,
            today=today,
        )
        blocked = [pk for pk in ids if pk in conflicts and pk not in overrides]
        if blocked:
            text = "；".join(f"{pool[pk].name}：{'，'.join(conflicts[pk])}" for pk in blocked)
            raise DomainError(
                f"以下人员须回避：{text}。请更换人员；确需参加的，须由巡察办管理员填写特批理由。",
                field="members",
            )
        team, _ = Team.objects.get_or_create(inspection=inspection, defaults={"name": "巡察组"})
        before = {m.inspector_id: m.role for m in team.members.all()}
        team.members.exclude(inspector_id__in=ids).delete()
        for pk, role in members:
            pk = int(pk)
            member, _ = TeamMember.objects.update_or_create(
                team=team, inspector_id=pk, defaults={"role": role}
            )
            decl, created = Declaration.objects.get_or_create(
                member=member, defaults={"known_conflicts": conflicts.get(pk, [])}
            )
            if not created and decl.known_conflicts != conflicts.get(pk, []):
                decl.known_conflicts = conflicts.get(pk, [])
                decl.save(update_fields=["known_conflicts"])
            if pk in overrides and (pk in conflicts or decl.has_conflict):
                _override(decl, overrides[pk], conflicts.get(pk, []), actor)
        after = {pk: role for pk, role in members}
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=team,
            summary=f"组建{team.name}",
            changes={
                "members": [
                    {str(k): v for k, v in before.items()},
                    {str(k): v for k, v in after.items()},
                ]
            },
        )
    return team


def _members_outside_pool(inspection: Inspection) -> list[str]:
    """Names of the team's members the inspection's pool (after a change) does not hold."""
    members = TeamMember.objects.filter(team__inspection=inspection)
    return list(
        members.exclude(inspector__in=pool_for(inspection)).values_list(
            "inspector__name", flat=True
        )
    )


def _override(decl: Declaration, reason: str, conflicts: list[str], actor) -> None:
    """The office administrator lets a conflicted member take part, with a written reason."""
    member = decl.member
    decl.override_reason, decl.override_by = reason, actor
    decl.save(update_fields=["override_reason", "override_by"])
    declared = [decl.statement] if decl.has_conflict and decl.statement else []
    record(
        actor=actor,
        action=Action.OVERRIDE,
        obj=member,
        summary=f"特批{member.inspector.name}参加{member.team.name}",
        changes={"conflicts": conflicts + declared, "reason": reason},
    )


def declaration_override(*, declaration: Declaration, reason: str, actor) -> Declaration:
    """Resolve a member's declared conflict by a written, audited override (office admin)."""
    inspection = declaration.member.team.inspection
    if not holds(actor, inspection.office, {Role.OFFICE_ADMIN}):
        raise DomainError("只有巡察办管理员可以特批存在回避情形的人员。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写特批理由。", field="reason")
    with transaction.atomic():
        decl = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if not (decl.has_conflict or decl.known_conflicts):
            raise DomainError("该成员未申报回避情形，无需特批。")
        _override(decl, reason[:1000], list(decl.known_conflicts), actor)
    return decl


def declaration_submit(
    *, declaration: Declaration, has_conflict: bool, statement: str, actor
) -> Declaration:
    inspector = declaration.member.inspector
    if inspector.user_id != actor.pk:
        raise DomainError("回避声明须由本人填报。")
    statement = (statement or "").strip()
    if has_conflict and not statement:
        raise DomainError("申报存在回避情形时，请说明具体情况。", field="statement")
    with transaction.atomic():
        declaration.has_conflict = has_conflict
        declaration.statement = statement
        declaration.submitted_at = timezone.now()
        declaration.save(update_fields=["has_conflict", "statement", "submitted_at"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=declaration,
            summary="提交回避声明",
            changes={"has_conflict": has_conflict},
        )
    return declaration


# --- Calendar ------------------------------------------------------------------------------


def workday_set(*, office, day: date, is_working: bool, note: str, actor) -> WorkdayOverride:
    _require(actor, office, EDIT_ROLES, "维护工作日历")
    with transaction.atomic():
        row, created = WorkdayOverride.objects.update_or_create(
            office=office, day=day, defaults={"is_working": is_working, "note": note[:60]}
        )
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=row,
            changes={"day": str(day), "is_working": is_working, "note": note},
        )
    return row


def workday_delete(*, row: WorkdayOverride, actor):
    _require(actor, row.office, EDIT_ROLES, "维护工作日历")
    with transaction.atomic():
        record(actor=actor, action=Action.DELETE, obj=row, changes={"day": str(row.day)})
        row.delete()


def reader_choices(office):
    """Units an office may name as readers (协作查阅单位): its own and its higher offices'."""
    from xuncha.org.models import Office, Unit

    offices = Office.objects.ancestors_of(office, include_self=True)
    return Unit.objects.filter(office__in=offices).order_by("path")


def settings_update(*, office, data: dict, actor, readers=None):
    """Change an office's planning and recusal settings (office administrator only);
    `readers` (纪委监委/组织部 units reading plans, reports and feedback) when given."""
    from xuncha.plans.models import PlanSettings

    _require(actor, office, {Role.OFFICE_ADMIN}, "修改回避与覆盖设置")
    if readers is not None:
        readers = list(readers)
        allowed = set(reader_choices(office).values_list("pk", flat=True))
        if any(u.pk not in allowed for u in readers):
            raise DomainError("协作查阅单位须为本机构或上级机构管理的单位。", field="readers")
    with transaction.atomic():
        row, _ = PlanSettings.objects.select_for_update().get_or_create(office=office)
        before = {k: getattr(row, k) for k in data}
        for key, value in data.items():
            setattr(row, key, value)
        row.save()
        changes = {k: [before[k], v] for k, v in data.items() if before[k] != v}
        if readers is not None:
            old = sorted(u.name for u in row.readers.all())
            new = sorted(u.name for u in readers)
            if old != new:
                row.readers.set(readers)
                changes["readers"] = [old, new]
        record(actor=actor, action=Action.UPDATE, obj=row, changes=changes)
    return row


def inspector_save(*, inspector: Inspector, data: dict, actor) -> Inspector:
    """Create or change an entry of the inspector pool."""
    _require(actor, inspector.office, EDIT_ROLES, "维护巡察干部库")
    creating = inspector.pk is None
    with transaction.atomic():
        before = (
            {}
            if creating
            else dict(Inspector.objects.filter(pk=inspector.pk).values(*data).first() or {})
        )
        for key, value in data.items():
            setattr(inspector, key, value)
        inspector.save()
        after = {
            k: getattr(inspector, f"{k}_id", None) if k == "home_unit" else v
            for k, v in data.items()
        }
        record(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            obj=inspector,
            changes={
                k: [str(before.get(k)), str(v)]
                for k, v in after.items()
                if str(before.get(k)) != str(v)
            },
        )
    return inspector


def inspector_history_add(*, inspector: Inspector, row, actor):
    """Add a declared relation, a job or a superior–subordinate tie to an inspector."""
    _require(actor, inspector.office, EDIT_ROLES, "维护巡察干部库")
    start, end = getattr(row, "start", None), getattr(row, "end", None)
    if start and end and end < start:
        raise DomainError(
            f"截止日期（{_d(end)}）早于起始日期（{_d(start)}），请检查日期顺序。", field="end"
        )
    with transaction.atomic():
        row.inspector = inspector
        row.save()
        record(
            actor=actor,
            action=Action.CREATE,
            obj=row,
            summary=f"{inspector.name}：{row._meta.verbose_name} {row}",
        )
    return row


def reader_read(*, plan: AnnualPlan, actor, what: str = "查阅") -> None:
    """A reader from 纪委监委/组织部 (no plan role of its own) reading an annual plan, on the
    page, as the .docx or over the API: every such read is on the record (协作单位查阅)."""
    if access.is_sysadmin(actor) or access.user_offices(actor, PLAN_ROLES):
        return
    if is_reader(actor):
        record_read(actor=actor, obj=plan, summary=f"协作单位{what}{plan}")
