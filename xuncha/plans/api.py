from datetime import date

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from xuncha.core.apitypes import Limit
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.plans import calendar as workcal
from xuncha.plans import coverage as cov
from xuncha.plans import services, villages
from xuncha.plans.models import PLAN_ROLES, AnnualPlan, Inspection, Inspector, Term
from xuncha.plans.suggest import suggest

router = Router(tags=["巡察计划"])


def _need_plan_role(user):
    if not (access.is_sysadmin(user) or access.user_offices(user, PLAN_ROLES)):
        raise HttpError(403, "需要巡察办或领导小组角色。")


class AnnualPlanOut(Schema):
    id: int
    term_id: int
    office_id: int
    year: int
    state: str
    rounds: int
    secretary_approved_on: date | None
    secretary_name: str


class SecretaryApprovalIn(Schema):
    approved_on: date | None = None
    secretary_name: str = Field("", max_length=50)


class PlanTransitionIn(Schema):
    target: str
    reason: str = ""


class MemberIn(Schema):
    inspector_id: int
    role: str
    override_reason: str = ""


class TeamIn(Schema):
    members: list[MemberIn]


class TeamOut(Schema):
    id: int
    name: str
    members: list[dict]


class InspectorOut(Schema):
    id: int
    name: str
    office_id: int
    rank: str
    expertise: list[str]
    home_unit_id: int | None
    active: bool


def _plan_out(p):
    return {
        "id": p.pk,
        "term_id": p.term_id,
        "office_id": p.term.office_id,
        "year": p.year,
        "state": p.state,
        "rounds": p.rounds.count(),
        "secretary_approved_on": p.secretary_approved_on,
        "secretary_name": p.secretary_name,
    }


@router.get("/plans", response=list[AnnualPlanOut], summary="可见的年度计划（含下级报备）")
def plan_list(request):
    _need_plan_role(request.user)
    plans = access.visible(AnnualPlan.objects.select_related("term"), request.user).order_by(
        "-year", "pk"
    )
    return [_plan_out(p) for p in plans[:500]]


@router.get("/plans/{plan_id}", response=AnnualPlanOut, summary="年度计划")
def plan_detail(request, plan_id: int):
    plan = access.get_for_user(AnnualPlan.objects.select_related("term"), request.user, plan_id)
    services.reader_read(plan=plan, actor=request.user)
    return _plan_out(plan)


@router.post(
    "/plans/{plan_id}/transition", response=AnnualPlanOut, summary="计划流转（报审/批准/退回）"
)
def plan_transition(request, plan_id: int, payload: PlanTransitionIn):
    plan = access.get_for_user(AnnualPlan, request.user, plan_id)
    plan = services.plan_transition(
        plan=plan, target=payload.target, reason=payload.reason, actor=request.user
    )
    return _plan_out(plan)


@router.post(
    "/plans/{plan_id}/secretary", response=AnnualPlanOut, summary="登记党委书记审批年度计划"
)
def plan_secretary(request, plan_id: int, payload: SecretaryApprovalIn):
    plan = access.get_for_user(
        AnnualPlan.objects.select_related("term__office"), request.user, plan_id
    )
    plan = services.plan_secretary_record(
        plan=plan,
        approved_on=payload.approved_on,
        secretary_name=payload.secretary_name,
        actor=request.user,
    )
    return _plan_out(plan)


@router.get("/terms/{term_id}/coverage", summary="届内覆盖情况")
def coverage(request, term_id: int, as_of: date | None = None):
    term = access.get_for_user(Term.objects.select_related("office"), request.user, term_id)
    data = cov.compute(term, as_of).as_dict()
    data["subordinates"] = cov.subordinate_summary(term.office, as_of)
    return data


@router.get("/inspectors", response=list[InspectorOut], summary="巡察干部库")
def inspector_list(request, q: str = ""):
    _need_plan_role(request.user)
    qs = access.visible(Inspector.objects.all(), request.user).order_by("name")
    if q:
        qs = qs.filter(name__contains=q[:50])
    return list(qs[:500])


@router.get("/inspections/{inspection_id}/suggestions", summary="巡察组人选推荐")
def suggestions(request, inspection_id: int, need: str = "", limit: Limit = 20):
    inspection = access.get_for_user(
        Inspection.objects.select_related("office"), request.user, inspection_id, "change"
    )
    needs = [n for n in need.split(",") if n] or None
    return [s.__dict__ for s in suggest(inspection, needs, limit=min(limit, 100))]


@router.put("/inspections/{inspection_id}/team", response=TeamOut, summary="组建巡察组")
def team_put(request, inspection_id: int, payload: TeamIn):
    inspection = access.get_for_user(
        Inspection.objects.select_related("office"), request.user, inspection_id, "change"
    )
    team = services.team_compose(
        inspection=inspection,
        members=[(m.inspector_id, m.role) for m in payload.members],
        overrides={m.inspector_id: m.override_reason for m in payload.members if m.override_reason},
        actor=request.user,
    )
    return {
        "id": team.pk,
        "name": team.name,
        "members": list(team.members.values("inspector_id", "inspector__name", "role")),
    }


@router.get("/calendar/workdays", summary="工作日计算（含本办调整）")
def workdays(request, start: date, days: int = 0, office_id: int | None = None):
    _need_plan_role(request.user)
    offices = access.user_offices(request.user, PLAN_ROLES)
    if office_id is not None:
        from xuncha.org.models import Office

        office = access.get_for_user(Office, request.user, office_id)
    elif offices:
        office = offices[0]
    else:
        office = get_object_or_404(Term, pk=0)
    days = max(min(days, 3650), -3650)
    return {
        "start": start.isoformat(),
        "is_working_day": workcal.is_working_day(office, start),
        "days": days,
        "result": workcal.add_working_days(office, start, days).isoformat(),
    }


# --- Editing and deleting rounds and assignments ------------------------------------------


class RoundPatch(Schema):
    start: date | None = None
    end: date | None = None
    name: str | None = None
    reason: str = ""


class RoundOut(Schema):
    id: int
    plan_id: int
    number: int
    start: date
    end: date
    name: str


class InspectionPatch(Schema):
    kind: str | None = None
    unit_ids: list[int] | None = None
    theme: str | None = None
    start: date | None = None
    end: date | None = None
    revisits_id: int | None = None
    team_office_id: int | None = None
    reason: str = ""


class InspectionIn(Schema):
    kind: str
    unit_ids: list[int]
    theme: str = ""
    start: date | None = None
    end: date | None = None
    revisits_id: int | None = None
    team_office_id: int | None = None
    team_name: str = ""
    reason: str = ""


class PlannedInspectionOut(Schema):
    id: int
    round_id: int
    kind: str
    theme: str
    unit_ids: list[int]
    start: date
    end: date
    revisits_id: int | None
    team_office_id: int | None
    direction: str = ""
    stage: str
    duration_warning: str = ""


def _inspection_out(insp):
    return {
        "id": insp.pk,
        "round_id": insp.round_id,
        "kind": insp.kind,
        "theme": insp.theme,
        "unit_ids": sorted(insp.units.values_list("pk", flat=True)),
        "start": insp.start,
        "end": insp.end,
        "revisits_id": insp.revisits_id,
        "team_office_id": insp.team_office_id,
        "direction": insp.direction(),
        "stage": insp.stage,
        "duration_warning": villages.duration_warning(insp),
    }


def _units(office, ids):
    """The chosen units among those of the office and the offices below (else a 400)."""
    from xuncha.org.models import Unit

    ids = set(ids)
    units = list(Unit.objects.filter(pk__in=ids, office__path__startswith=office.path))
    if len(units) != len(ids):
        raise DomainError("所选单位不存在或不在本机构管理范围内。", field="units")
    return units


def _team_office(office, team_office_id):
    """交叉巡察组来源: an office below the organiser, or None (else a 400)."""
    if team_office_id is None:
        return None
    found = services.team_office_choices(office).filter(pk=team_office_id).first()
    if found is None:
        raise DomainError(
            f"巡察组来源须为{office.name}的下级巡察机构，所选机构不是。", field="team_office"
        )
    return found


def _round(request, round_id):
    from xuncha.plans.models import Round

    return access.get_for_user(
        Round.objects.select_related("plan__term__office"), request.user, round_id, "change"
    )


def _inspection(request, inspection_id):
    return access.get_for_user(
        Inspection.objects.select_related("round__plan__term__office"),
        request.user,
        inspection_id,
        "change",
    )


@router.patch("/rounds/{round_id}", response=RoundOut, summary="调整轮次（已批准须填理由）")
def round_patch(request, round_id: int, payload: RoundPatch):
    rnd = _round(request, round_id)
    rnd = services.round_update(
        round=rnd,
        start=payload.start or rnd.start,
        end=payload.end or rnd.end,
        name=rnd.name if payload.name is None else payload.name,
        reason=payload.reason,
        actor=request.user,
    )
    return rnd


@router.delete("/rounds/{round_id}", response={204: None}, summary="删除轮次及其巡察任务")
def round_delete(request, round_id: int, reason: str = ""):
    services.round_delete(round=_round(request, round_id), reason=reason, actor=request.user)
    return Status(204, None)


@router.patch(
    "/inspections/{inspection_id}",
    response=PlannedInspectionOut,
    summary="调整巡察任务（已批准须填理由）",
)
def inspection_patch(request, inspection_id: int, payload: InspectionPatch):

    insp = _inspection(request, inspection_id)
    office = insp.round.plan.term.office
    given = payload.model_fields_set
    units = list(insp.units.all()) if payload.unit_ids is None else _units(office, payload.unit_ids)
    team_office = insp.team_office
    if "team_office_id" in given:
        team_office = _team_office(office, payload.team_office_id)
    revisits = insp.revisits
    if "revisits_id" in given:
        revisits = None
        if payload.revisits_id is not None:
            revisits = access.get_for_user(Inspection, request.user, payload.revisits_id)
    insp = services.inspection_update(
        inspection=insp,
        kind=payload.kind if payload.kind is not None else insp.kind,
        units=units,
        theme=payload.theme if payload.theme is not None else insp.theme,
        start=payload.start or insp.start,
        end=payload.end or insp.end,
        revisits=revisits,
        team_office=team_office,
        reason=payload.reason,
        actor=request.user,
    )
    return _inspection_out(insp)


@router.post(
    "/rounds/{round_id}/inspections",
    response={201: PlannedInspectionOut},
    summary="分配巡察任务（交叉巡察须指定巡察组来源 team_office_id）",
)
def inspection_create(request, round_id: int, payload: InspectionIn):
    rnd = _round(request, round_id)
    office = rnd.plan.term.office
    revisits = None
    if payload.revisits_id is not None:
        revisits = access.get_for_user(Inspection, request.user, payload.revisits_id)
    insp = services.inspection_create(
        round=rnd,
        kind=payload.kind,
        units=_units(office, payload.unit_ids),
        theme=payload.theme,
        start=payload.start,
        end=payload.end,
        revisits=revisits,
        team_office=_team_office(office, payload.team_office_id),
        team_name=payload.team_name,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, _inspection_out(insp))


@router.delete(
    "/inspections/{inspection_id}", response={204: None}, summary="删除巡察任务（仅准备阶段）"
)
def inspection_delete(request, inspection_id: int, reason: str = ""):
    services.inspection_delete(
        inspection=_inspection(request, inspection_id), reason=reason, actor=request.user
    )
    return Status(204, None)


# --- 村(社区)分级 ---------------------------------------------------------------------------


class VillageGradeIn(Schema):
    grade: str
    reason: str


class VillageGradeOut(Schema):
    id: int
    unit_id: int
    grade: str
    grade_label: str
    reason: str
    graded_by: str
    graded_at: str


class VillageOut(Schema):
    id: int
    name: str
    township_id: int | None
    township: str
    office_id: int
    grade: VillageGradeOut | None
    gradings: int


def _grade_out(row):
    return {
        "id": row.pk,
        "unit_id": row.unit_id,
        "grade": row.grade,
        "grade_label": row.get_grade_display(),
        "reason": row.reason,
        "graded_by": str(row.graded_by),
        "graded_at": row.graded_at.isoformat(),
    }


def _village(request, unit_id):
    from xuncha.plans.village_views import visible_villages

    _need_plan_role(request.user)
    unit = visible_villages(request.user).select_related("office").filter(pk=unit_id).first()
    if unit is None:
        raise HttpError(404, "村(社区)不存在或不在您的管理范围内。")
    return unit


@router.get("/villages", response=list[VillageOut], summary="本机构及下级机构的村(社区)及其等级")
def village_list(request):
    from xuncha.plans.village_views import visible_villages

    _need_plan_role(request.user)
    return [
        {
            "id": r["unit"].pk,
            "name": r["unit"].name,
            "township_id": r["unit"].parent_id,
            "township": r["unit"].parent.name if r["unit"].parent_id else "",
            "office_id": r["unit"].office_id,
            "grade": _grade_out(r["grade"]) if r["grade"] else None,
            "gradings": r["gradings"],
        }
        for r in villages.village_rows(visible_villages(request.user))
    ]


@router.get(
    "/villages/{unit_id}/grades", response=list[VillageGradeOut], summary="村(社区)评定记录"
)
def village_grades(request, unit_id: int):
    unit = _village(request, unit_id)
    return [_grade_out(g) for g in unit.village_grades.select_related("graded_by")]


@router.post(
    "/villages/{unit_id}/grades",
    response={201: VillageGradeOut},
    summary="评定村(社区)等级（重点/关注/一般，须填理由）",
)
def village_grade(request, unit_id: int, payload: VillageGradeIn):
    unit = _village(request, unit_id)
    if not villages.may_grade(request.user, unit):
        raise HttpError(403, villages.grade_refusal(unit))
    row = villages.grade_village(
        unit=unit, grade=payload.grade, reason=payload.reason, actor=request.user
    )
    return Status(201, _grade_out(row))
