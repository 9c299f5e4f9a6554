"""整改落实 API: same services and access rules as the pages."""

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.rectification import exports, selectors, services
from xuncha.rectification.models import Disclosure, Measure, RectificationPlan

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

router = Router(tags=["整改落实"])


class RectificationPlanOut(Schema):
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
    responsible_user_id: int | None


class MeasureIn(Schema):
    problem_id: int
    content: str
    responsible_leader: str
    lead_department: str
    responsible_person: str
    deadline: date
    expected_outcome: str = ""
    long_term: bool = False


class RectificationPlanTransitionIn(Schema):
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
        "responsible_user_id": m.responsible_user_id,
    }


@router.get("/plans", response=list[RectificationPlanOut])
def plan_list(request):
    plans = access.visible(RectificationPlan.objects.all(), request.user).select_related("unit")
    return [_plan_out(p) for p in plans.order_by("-feedback_date", "pk")[:500]]


@router.get("/plans/{plan_id}", response=RectificationPlanOut)
def plan_get(request, plan_id: int):
    return _plan_out(access.get_for_user(RectificationPlan, request.user, plan_id))


@router.post("/plans/{plan_id}/transition", response=RectificationPlanOut)
def plan_transition(request, plan_id: int, data: RectificationPlanTransitionIn):
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
    limit: Limit = 100,
    offset: Offset = 0,
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
    return Status(201, _measure_out(measure))


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
    return Status(201, {"id": progress.pk, "evidence": progress.evidence.count()})


@router.post("/measures/{measure_id}/verify", response={201: VerificationOut})
def measure_verify(request, measure_id: int, data: VerifyIn):
    measure = access.get_for_user(Measure, request.user, measure_id)
    v = services.measure_verify(
        measure=measure, decision=data.decision, reason=data.reason, actor=request.user
    )
    measure.refresh_from_db()
    return Status(
        201,
        {
            "id": v.pk,
            "attempt": v.attempt,
            "decision": v.decision,
            "reason": v.reason,
            "reviewer": v.reviewer.display_name,
            "party": v.reviewer_unit.name if v.reviewer_unit else "巡察机构",
            "state_after": measure.state,
        },
    )


# --------------------------------------------------------------------------- responsible account


class AccountIn(Schema):
    user_id: int | None = None


@router.post(
    "/measures/{measure_id}/responsible-account",
    response=MeasureOut,
    summary="指定措施责任人账号（本单位联络员；只能选本单位账号）",
)
def measure_account(request, measure_id: int, data: AccountIn):
    measure = access.get_for_user(Measure, request.user, measure_id)
    if not services._may(measure.plan, request.user, "edit"):
        raise PermissionDenied("只有被巡察单位联络员可以指定责任人账号。")
    user = None
    if data.user_id is not None:
        user = get_user_model().objects.filter(pk=data.user_id).first()
        if user is None:
            raise DomainError(
                "所选账号不属于本单位或已停用，不能指定为责任人账号。", field="user_id"
            )
    services.measure_set_responsible_user(measure=measure, user=user, actor=request.user)
    return measure_get(request, measure_id)


# --------------------------------------------------------------------------- ledger


@router.get(
    "/plans/{plan_id}/ledger.xlsx",
    summary="导出整改台账（.xlsx，一行一项措施；记入审计）",
    openapi_extra=file_response("整改台账 .xlsx", XLSX),
)
def ledger_export(request, plan_id: int):
    from xuncha.rectification.views import _TempFileResponse

    plan = access.get_for_user(
        RectificationPlan.objects.select_related("unit"), request.user, plan_id
    )
    path = exports.ledger_export(
        title=f"{plan.unit.name}巡察整改台账",
        measures=plan.measures.all(),
        actor=request.user,
        obj=plan,
        problems=exports.plan_problem_rows(plan),
    )
    return _TempFileResponse(
        path, as_attachment=True, filename=f"ledger-{plan.pk}.xlsx", content_type=XLSX
    )


class CreatedRow(Schema):
    line: int
    problem_number: str
    content: str


class ChangedRow(Schema):
    line: int
    measure_id: int
    changes: dict[str, list[str]]


class MissingRow(Schema):
    measure_id: int
    problem_number: str
    content: str
    note: str


class ImportReportOut(Schema):
    detail: str
    applied: bool
    created: list[CreatedRow]
    changed: list[ChangedRow]
    unchanged: int
    missing: list[MissingRow]
    errors: list[str]


MISSING_NOTE = "未在表中出现（未删除）"


@router.post(
    "/plans/{plan_id}/ledger/import",
    response={200: ImportReportOut, 400: ImportReportOut},
    summary="导入整改台账：全部行合格才应用；返回变更报告（400 为拒绝，未作任何修改）",
)
def ledger_import(request, plan_id: int, file: File[UploadedFile], apply: Form[bool] = True):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    if not services._may(plan, request.user, "edit"):
        raise PermissionDenied("只有被巡察单位联络员可以导入本单位整改台账。")
    report = exports.ledger_import(plan=plan, file=file, actor=request.user, apply=apply)
    body = {
        "applied": report.applied and apply,
        "created": [
            {"line": line, "problem_number": number, "content": content}
            for line, number, content in report.created
        ],
        "changed": [
            {"line": line, "measure_id": mid, "changes": diff} for line, mid, diff in report.changed
        ],
        "unchanged": report.unchanged,
        "missing": [
            {"measure_id": mid, "problem_number": number, "content": content, "note": MISSING_NOTE}
            for mid, number, content in report.missing
        ],
        "errors": report.errors,
    }
    if report.errors:
        return Status(400, {**body, "detail": "导入未执行：" + report.errors[0]})
    if not apply:
        return Status(200, {**body, "detail": "检查通过（未应用）。"})
    return Status(
        200,
        {
            **body,
            "detail": f"导入完成：新增 {len(report.created)} 项，修改 {len(report.changed)} 项，"
            f"未变 {report.unchanged} 项，表中未列出 {len(report.missing)} 项（未删除）。",
        },
    )


# --------------------------------------------------------------------------- disclosure


class DisclosureItemIn(Schema):
    problem_id: int
    public_text: str = ""
    exemption: str = ""


class DisclosureIn(Schema):
    intro: str = ""
    items: list[DisclosureItemIn]


class DisclosureItemOut(Schema):
    problem_id: int
    problem_number: str
    public_text: str
    exemption: str


class DisclosureOut(Schema):
    id: int
    plan_id: int
    state: str
    intro: str
    review_comment: str
    published_at: datetime | None
    items: list[DisclosureItemOut]
    transitions: list[str]


def _disclosure_out(d, user):
    items = d.items.select_related("problem").order_by("problem__number", "pk")
    return {
        "id": d.pk,
        "plan_id": d.plan_id,
        "state": d.state,
        "intro": d.intro,
        "review_comment": d.review_comment,
        "published_at": d.published_at,
        "items": [
            {
                "problem_id": i.problem_id,
                "problem_number": i.problem.number,
                "public_text": i.public_text,
                "exemption": i.exemption,
            }
            for i in items
        ],
        "transitions": [t.target for t in services.disclosure_transitions_for(d, user)],
    }


def _disclosure(request, plan_id):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    disclosure = Disclosure.objects.filter(plan=plan).select_related("plan").first()
    if disclosure is None:
        raise Http404
    return disclosure


@router.get("/plans/{plan_id}/disclosure", response=DisclosureOut, summary="整改公开文本")
def disclosure_get(request, plan_id: int):
    return _disclosure_out(_disclosure(request, plan_id), request.user)


@router.put(
    "/plans/{plan_id}/disclosure",
    response=DisclosureOut,
    summary="起草/修改整改公开文本（被巡察单位联络员）",
)
def disclosure_put(request, plan_id: int, data: DisclosureIn):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    if not services._may(plan, request.user, "edit"):
        raise PermissionDenied("整改公开文本由被巡察单位起草。")
    items = {i.problem_id: (i.public_text, i.exemption) for i in data.items}
    disclosure = services.disclosure_draft(
        plan=plan, intro=data.intro, items=items, actor=request.user
    )
    return _disclosure_out(disclosure, request.user)


class DisclosureTransitionIn(Schema):
    target: str
    comment: str = ""


@router.post(
    "/plans/{plan_id}/disclosure/transition",
    response=DisclosureOut,
    summary="公开文本流转：submitted（单位报送）、returned（巡察机构退回）、published（巡察机构审批并公开）",
)
def disclosure_transition(request, plan_id: int, data: DisclosureTransitionIn):
    disclosure = _disclosure(request, plan_id)
    step = next(
        (
            t
            for t in services.DISCLOSURE_TRANSITIONS
            if t.source == disclosure.state and t.target == data.target
        ),
        None,
    )
    if step is not None and not services._may(disclosure.plan, request.user, step.who):
        raise PermissionDenied("您无权执行该操作。")
    disclosure = services.disclosure_transition(
        disclosure=disclosure, target=data.target, actor=request.user, comment=data.comment
    )
    return _disclosure_out(disclosure, request.user)


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


class ConfigOut(Schema):
    office_id: int
    plan_due_working_days: int
    report_due_working_days: int
    handover_due_months: int
    yellow_days: int
    red_days: int
    report_reminder_days: int
    disclosure_due_working_days: int
    internal_approver: str
    public_approver: str
    co_reviewer_ids: list[int]

    @staticmethod
    def resolve_co_reviewer_ids(obj):
        return sorted(u.pk for u in obj.co_reviewers.all())


class ConfigIn(Schema):
    """Only the fields given are changed."""

    plan_due_working_days: int | None = None
    report_due_working_days: int | None = None
    handover_due_months: int | None = None
    yellow_days: int | None = None
    red_days: int | None = None
    report_reminder_days: int | None = None
    disclosure_due_working_days: int | None = None
    internal_approver: str | None = None
    public_approver: str | None = None
    co_reviewer_ids: list[int] | None = None


@router.get("/settings", response=ConfigOut, summary="整改工作设置（巡察办管理员）")
def config_get(request, office_id: int | None = None):
    from xuncha.rectification.config_views import admin_office

    return services.config_for(admin_office(request.user, office_id))


@router.put("/settings", response=ConfigOut, summary="修改整改工作设置（巡察办管理员）")
def config_put(request, data: ConfigIn, office_id: int | None = None):
    from xuncha.rectification import config
    from xuncha.rectification.config_views import admin_office

    office = admin_office(request.user, office_id)
    given = data.dict(exclude_none=True)
    co_ids = given.pop("co_reviewer_ids", None)
    co_reviewers = None
    if co_ids is not None:
        co_reviewers = list(config.co_reviewer_choices(office).filter(pk__in=set(co_ids)))
        if len(co_reviewers) != len(set(co_ids)):
            raise DomainError(
                "共同审核单位须为本机构或上级机构管理的单位。", field="co_reviewer_ids"
            )
    return config.config_update(
        office=office, data=given, co_reviewers=co_reviewers, actor=request.user
    )
