"""整改落实 API: same services and access rules as the pages."""

from datetime import date

from django.shortcuts import get_object_or_404  # noqa: F401
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile

from xuncha.org import access
from xuncha.rectification import selectors, services
from xuncha.rectification.models import Measure, RectificationPlan

router = Router(tags=["整改落实"])


class PlanOut(Schema):
    id: int
    unit_id: int
    unit: str
    inspection_id: int
    feedback_date: date
    due_date: date
    report_due_date: date
    state: str


class MeasureOut(Schema):
    id: int
    plan_id: int
    problem_id: int
    problem_number: str
    content: str
    responsible_leader: str
    lead_department: str
    responsible_person: str
    deadline: date
    expected_outcome: str
    long_term: bool
    state: str
    evidence_count: int
    light: str


class MeasureIn(Schema):
    problem_id: int
    content: str
    responsible_leader: str
    lead_department: str
    responsible_person: str
    deadline: date
    expected_outcome: str = ""
    long_term: bool = False


class TransitionIn(Schema):
    target: str
    comment: str = ""


class VerifyIn(Schema):
    decision: str
    reason: str


class VerificationOut(Schema):
    id: int
    attempt: int
    decision: str
    reason: str
    reviewer: str
    party: str
    state_after: str


def _plan_out(p):
    return {
        "id": p.pk,
        "unit_id": p.unit_id,
        "unit": p.unit.name,
        "inspection_id": p.inspection_id,
        "feedback_date": p.feedback_date,
        "due_date": p.due_date,
        "report_due_date": p.report_due_date,
        "state": p.state,
    }


def _measure_out(m):
    return {
        "id": m.pk,
        "plan_id": m.plan_id,
        "problem_id": m.problem_id,
        "problem_number": m.problem.number,
        "content": m.content,
        "responsible_leader": m.responsible_leader,
        "lead_department": m.lead_department,
        "responsible_person": m.responsible_person,
        "deadline": m.deadline,
        "expected_outcome": m.expected_outcome,
        "long_term": m.long_term,
        "state": m.state,
        "evidence_count": m.evidence_count,
        "light": getattr(m, "light", ""),
    }


@router.get("/plans", response=list[PlanOut])
def plan_list(request):
    plans = access.visible(RectificationPlan.objects.all(), request.user).select_related("unit")
    return [_plan_out(p) for p in plans.order_by("-feedback_date", "pk")[:500]]


@router.get("/plans/{plan_id}", response=PlanOut)
def plan_get(request, plan_id: int):
    return _plan_out(access.get_for_user(RectificationPlan, request.user, plan_id))


@router.post("/plans/{plan_id}/transition", response=PlanOut)
def plan_transition(request, plan_id: int, data: TransitionIn):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    plan = services.plan_transition(
        plan=plan, target=data.target, comment=data.comment, actor=request.user
    )
    return _plan_out(plan)


@router.get("/measures", response=list[MeasureOut])
def measure_list(
    request,
    plan_id: int | None = None,
    state: str = "",
    light: str = "",
    limit: int = 100,
    offset: int = 0,
):
    measures = access.visible(Measure.objects.all(), request.user)
    if plan_id:
        measures = measures.filter(plan_id=plan_id)
    if state:
        measures = measures.filter(state=state)
    measures = selectors.overview_measures(measures, light=light, office=request.user.office)
    limit = max(1, min(limit, 500))
    page = list(
        measures.select_related("problem", "plan", "plan__office").order_by("deadline", "pk")[
            offset : offset + limit
        ]
    )
    selectors.with_lights(page)
    return [_measure_out(m) for m in page]


@router.post("/plans/{plan_id}/measures", response={201: MeasureOut})
def measure_create(request, plan_id: int, data: MeasureIn):
    from xuncha.inspections.models import Problem

    plan = access.get_for_user(RectificationPlan, request.user, plan_id, "edit")
    problem = services.feedback_problems(plan).filter(pk=data.problem_id).first()
    if problem is None:
        problem = Problem(pk=data.problem_id)  # the service refuses it with a clear message
    values = data.dict()
    values.pop("problem_id")
    measure = services.measure_create(plan=plan, problem=problem, actor=request.user, **values)
    return 201, _measure_out(measure)


@router.get("/measures/{measure_id}", response=MeasureOut)
def measure_get(request, measure_id: int):
    m = access.get_for_user(
        Measure.objects.select_related("problem", "plan", "plan__office"), request.user, measure_id
    )
    selectors.with_lights([m])
    return _measure_out(m)


@router.post("/measures/{measure_id}/progress", response={201: dict})
def progress_add(
    request,
    measure_id: int,
    text: Form[str],
    request_verification: Form[bool] = False,
    files: File[list[UploadedFile]] = None,
):
    measure = access.get_for_user(Measure, request.user, measure_id, "edit")
    progress = services.progress_add(
        measure=measure,
        text=text,
        files=files or [],
        request_verification=request_verification,
        actor=request.user,
    )
    return 201, {"id": progress.pk, "evidence": progress.evidence.count()}


@router.post("/measures/{measure_id}/verify", response={201: VerificationOut})
def measure_verify(request, measure_id: int, data: VerifyIn):
    measure = access.get_for_user(Measure, request.user, measure_id)
    v = services.measure_verify(
        measure=measure, decision=data.decision, reason=data.reason, actor=request.user
    )
    measure.refresh_from_db()
    return 201, {
        "id": v.pk,
        "attempt": v.attempt,
        "decision": v.decision,
        "reason": v.reason,
        "reviewer": v.reviewer.display_name,
        "party": v.reviewer_unit.name if v.reviewer_unit else "巡察机构",
        "state_after": measure.state,
    }


@router.get("/public/disclosures", auth=None, response=list[dict])
def public_disclosures(request):
    out = []
    for d in selectors.published_disclosures()[:200]:
        view = selectors.public_view_of(d)
        out.append(
            {
                "id": d.pk,
                "unit": d.plan.unit.name,
                "published_at": d.published_at.isoformat() if d.published_at else None,
                "percent": view["percent"],
                "items": [{"text": i.text, "addressed": i.addressed} for i in view["items"]],
            }
        )
    return out
