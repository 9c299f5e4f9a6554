"""/api/v1/inspections/…: 进驻准备 — the checklist, the work plan and its steps, pledges,
declaration checks, the unit's replacement requests, the temporary branch.

Same access door and the same services (`prep.py`) as the pages; DomainError -> 400 with a
Chinese `detail`. Schema names start with `Prep` (OpenAPI names are unique across the API).
"""

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Router, Schema

from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.apitypes import Limit, Offset
from xuncha.inspections import prep
from xuncha.inspections.prep_models import ReplacementRequest, WorkPlan
from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.plans.models import Declaration, Inspection, TeamMember

router = Router(tags=["进驻准备"])


def _inspection(request, pk, action=access.VIEW):
    return access.get_for_user(
        Inspection.objects.select_related("office", "team"), request.user, pk, action
    )


def _member(inspection, member_id, required=True):
    member = (
        TeamMember.objects.filter(team__inspection=inspection, pk=member_id)
        .select_related("inspector", "team__inspection")
        .first()
    )
    if member is None and required:
        raise Http404
    return member


class PrepItemOut(Schema):
    key: str
    label: str
    done: bool
    detail: str


class PrepStatusOut(Schema):
    inspection_id: int
    stage: str
    ready: bool
    items: list[PrepItemOut]


class PrepWorkPlanIn(Schema):
    targets: str = Field(..., max_length=4000)
    focus: str = Field(..., max_length=4000)
    division: str = Field(..., max_length=4000)
    schedule: str = Field(..., max_length=4000)
    channels: str = Field(..., max_length=4000)
    mobilisation_on: date | None = None


class PrepWorkPlanOut(Schema):
    id: int
    inspection_id: int
    office_id: int = Field(..., alias="inspection.office_id")
    state: str
    targets: str
    focus: str
    division: str
    schedule: str
    channels: str
    mobilisation_on: date | None
    approved_on: date | None
    secretary_approved_on: date | None
    secretary_name: str
    filed_at: datetime | None


class PrepWorkPlanStepIn(Schema):
    action: str = Field(..., description="submit | approve | return | secretary | file")
    approved_on: date | None = None
    reason: str = Field("", max_length=1000)
    secretary_name: str = Field("", max_length=50)


class PrepPledgeIn(Schema):
    member_id: int
    signature: str = Field("", max_length=50)
    signed_on: date | None = None


class PrepPledgeOut(Schema):
    id: int
    member_id: int
    signature: str
    signed_on: date
    on_paper: bool


class PrepDeclarationOut(Schema):
    id: int
    member_id: int
    checked_at: datetime | None


class PrepReplacementIn(Schema):
    member_id: int
    reason: str = Field(..., max_length=2000)


class PrepReplacementDecisionIn(Schema):
    grant: bool
    decision: str = Field(..., max_length=2000)


class PrepReplacementOut(ConfidentialOut):
    id: int
    inspection_id: int
    unit_id: int
    member_name: str
    reason: str
    state: str
    decision: str
    requested_at: datetime


class PrepBranchIn(Schema):
    name: str = Field(..., max_length=80)
    secretary_member_id: int
    established_on: date
    approval_number: str = Field("", max_length=60)


class PrepBranchOut(Schema):
    id: int
    inspection_id: int
    name: str
    secretary_member_id: int | None = Field(None, alias="secretary_id")
    established_on: date
    approval_number: str


@router.get("/{int:pk}/prep", response={200: PrepStatusOut, **ERRORS}, summary="进驻准备情况")
def prep_status(request, pk: int):
    inspection = _inspection(request, pk)
    items = prep.status(inspection) if inspection.stage == Inspection.Stage.PREPARATION else []
    return {
        "inspection_id": inspection.pk,
        "stage": inspection.stage,
        "ready": all(i.done for i in items),
        "items": [vars(i) for i in items],
    }


@router.get("/work-plans", response={200: list[PrepWorkPlanOut], **ERRORS}, summary="巡察工作方案")
def work_plan_list(request, limit: Limit = 50, offset: Offset = 0):
    """Own office's plans and, for an office above, the work plans its counties filed."""
    qs = access.visible(WorkPlan.objects.select_related("inspection"), request.user)
    limit = min(limit, 200)
    return list(qs.order_by("-inspection__start", "pk")[offset : offset + limit])


@router.put(
    "/{int:pk}/work-plan", response={200: PrepWorkPlanOut, **ERRORS}, summary="起草或修改工作方案"
)
def work_plan_save(request, pk: int, payload: PrepWorkPlanIn):
    inspection = _inspection(request, pk)
    return prep.work_plan_save(inspection=inspection, data=payload.dict(), actor=request.user)


@router.post(
    "/work-plans/{int:plan_id}/steps",
    response={200: PrepWorkPlanOut, **ERRORS},
    summary="工作方案报审、批准、退回、书记审批、报备",
)
def work_plan_step(request, plan_id: int, payload: PrepWorkPlanStepIn):
    plan = access.get_for_user(WorkPlan.objects.select_related("inspection"), request.user, plan_id)
    actor = request.user
    calls = {
        "submit": lambda: prep.work_plan_submit(plan=plan, actor=actor),
        "approve": lambda: prep.work_plan_approve(
            plan=plan, approved_on=payload.approved_on, actor=actor
        ),
        "return": lambda: prep.work_plan_return(plan=plan, reason=payload.reason, actor=actor),
        "secretary": lambda: prep.work_plan_secretary_record(
            plan=plan,
            approved_on=payload.approved_on,
            secretary_name=payload.secretary_name,
            actor=actor,
        ),
        "file": lambda: prep.work_plan_file(plan=plan, actor=actor),
    }
    if payload.action not in calls:
        from xuncha.core.errors import DomainError

        raise DomainError("操作不正确：只能是报审、批准、退回、书记审批或报备。", field="action")
    return calls[payload.action]()


@router.post("/{int:pk}/pledges", response={200: PrepPledgeOut, **ERRORS}, summary="签署保密承诺书")
def pledge_sign(request, pk: int, payload: PrepPledgeIn):
    inspection = _inspection(request, pk)
    member = _member(inspection, payload.member_id)
    return prep.pledge_sign(
        member=member, signature=payload.signature, signed_on=payload.signed_on, actor=request.user
    )


@router.post(
    "/declarations/{int:declaration_id}/check",
    response={200: PrepDeclarationOut, **ERRORS},
    summary="审核回避声明",
)
def declaration_check(request, declaration_id: int):
    decl = access.get_for_user(
        Declaration.objects.select_related("member__inspector", "member__team__inspection"),
        request.user,
        declaration_id,
    )
    return prep.declaration_check(declaration=decl, actor=request.user)


@router.post(
    "/{int:pk}/replacement-requests",
    response={200: PrepReplacementOut, **ERRORS},
    summary="被巡察单位申请更换巡察组成员",
)
def replacement_create(request, pk: int, payload: PrepReplacementIn):
    inspection = _inspection(request, pk, "liaise")
    member = _member(inspection, payload.member_id)
    return prep.replacement_request_create(
        inspection=inspection, member=member, reason=payload.reason, actor=request.user
    )


@router.post(
    "/replacement-requests/{int:request_id}/decision",
    response={200: PrepReplacementOut, **ERRORS},
    summary="决定更换申请",
)
def replacement_decide(request, request_id: int, payload: PrepReplacementDecisionIn):
    req = access.get_for_user(
        ReplacementRequest.objects.select_related("inspection"), request.user, request_id, "decide"
    )
    return prep.replacement_decide(
        request=req, grant=payload.grant, decision=payload.decision, actor=request.user
    )


@router.put("/{int:pk}/branch", response={200: PrepBranchOut, **ERRORS}, summary="登记临时党支部")
def branch_record(request, pk: int, payload: PrepBranchIn):
    inspection = _inspection(request, pk)
    secretary = _member(inspection, payload.secretary_member_id, required=False)
    return prep.branch_record(
        inspection=inspection,
        name=payload.name,
        secretary=secretary,
        established_on=payload.established_on,
        approval_number=payload.approval_number,
        actor=request.user,
    )
