"""/api/v1/inspections/: the lifecycle, activities, problems and working papers.

Same services and access rules as the pages: inspections through `access.get_for_user`,
confidential records with action "fieldwork" (own team, office, leading group; others 404),
every read of a confidential record audited (the output schemas derive from
`audit.schemas.ConfidentialOut`: one read entry per response, lists included); DomainError -> 400 with a Chinese `detail`.
"""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.apitypes import PageNumberPagination
from xuncha.inspections import services, workflow
from xuncha.inspections.models import Activity, Problem, TaxonomyCategory, WorkingPaper
from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.plans.models import Inspection

router = Router(tags=["巡察实施"])
FIELDWORK = "fieldwork"


def _inspection(request, pk):
    return access.get_for_user(
        Inspection.objects.select_related("office", "team"), request.user, pk
    )


# --- Schemas -------------------------------------------------------------------------------


class InspectionOut(Schema):
    id: int
    office_id: int
    round_id: int
    kind: str
    theme: str
    start: date
    end: date
    stage: str
    feedback_date: date | None
    team_name: str = Field("", alias="team.name")


class StepOut(Schema):
    target: str
    label: str
    allowed: bool
    reasons: list[str]


class InspectionDetailOut(InspectionOut):
    next_steps: list[StepOut]
    deadlines: dict[str, date | None]
    activity_count: int
    problem_count: int


class InspectionTransitionIn(Schema):
    target: str
    note: str = Field("", max_length=300)
    feedback_date: date | None = None


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    at: datetime
    note: str


class ActivityOut(ConfidentialOut):
    id: int
    inspection_id: int
    kind: str
    title: str
    held_on: date
    place: str
    interviewee: str
    interviewee_position: str
    interviewee_category: str
    interviewer_id: int | None
    recorder_id: int | None
    created_by_id: int


class ActivityDetailOut(ActivityOut):
    summary: str
    outline: str
    requested_on: date | None
    received_on: date | None
    returned_on: date | None
    submission_ids: list[int]


class ActivityIn(Schema):
    kind: str
    title: str = Field(max_length=200)
    held_on: date
    place: str = Field("", max_length=100)
    summary: str = ""
    interviewee: str = Field("", max_length=50)
    interviewee_position: str = Field("", max_length=100)
    interviewee_category: str = ""
    interviewer_id: int | None = None
    recorder_id: int | None = None
    outline: str = ""
    requested_on: date | None = None
    received_on: date | None = None
    returned_on: date | None = None
    submission_ids: list[int] = []


class ProblemOut(ConfidentialOut):
    id: int
    inspection_id: int
    unit_id: int
    number: str
    title: str
    category: str = Field(..., alias="category.code")
    theme_id: int | None
    discipline: str
    nature: str
    severity: str
    responsible_posts: str
    state: str
    in_feedback: bool
    paper_id: int = Field(..., alias="paper.id")
    paper_state: str = Field(..., alias="paper.state")


class ProblemDetailOut(ProblemOut):
    description: str


class ProblemIn(Schema):
    title: str = Field(max_length=200)
    category_code: str = Field(max_length=10)
    unit_id: int | None = None
    theme_code: str = ""
    description: str = ""
    facts: str = ""
    discipline: str = ""
    nature: str = ""
    severity: str = "minor"
    responsible_posts: str = Field("", max_length=200)


class PaperOut(ConfidentialOut):
    id: int
    problem_id: int
    number: str
    title: str
    facts: str
    evidence: str
    policy_basis: str
    state: str
    drafter_id: int
    deputy_signed_by_id: int | None
    deputy_signed_at: datetime | None
    leader_signed_by_id: int | None
    leader_signed_at: datetime | None
    return_comment: str
    source_ids: list[int]
    source_submission_ids: list[int]

    @staticmethod
    def resolve_source_ids(obj):
        return [a.pk for a in obj.sources.all()]


class PaperIn(Schema):
    title: str | None = Field(None, max_length=200)
    facts: str | None = None
    evidence: str | None = None
    policy_basis: str | None = None
    source_ids: list[int] | None = None
    source_submission_ids: list[int] | None = None


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class CategoryOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None = Field(None, alias="parent.code")


# --- Inspections and the lifecycle ------------------------------------------------------------


@router.get("/", response=list[InspectionOut], summary="我可查看的巡察")
@paginate(PageNumberPagination, page_size=50)
def inspection_list(request, stage: str = ""):
    qs = access.visible(Inspection.objects.all(), request.user).select_related("team")
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("-start", "pk")


@router.get("/taxonomy", response=list[CategoryOut], summary="当前使用的监督内容分类")
def taxonomy(request):
    qs = access.visible(TaxonomyCategory.objects.filter(version__active=True), request.user)
    return qs.select_related("parent")


@router.get("/{int:pk}", response={200: InspectionDetailOut, **ERRORS}, summary="巡察详情与下一步")
def inspection_detail(request, pk: int):
    inspection = _inspection(request, pk)
    steps = workflow.next_steps(inspection, request.user)
    inspection.next_steps = [
        {
            "target": s.transition.target,
            "label": s.transition.label,
            "allowed": s.allowed,
            "reasons": s.reasons,
        }
        for s in steps
    ]
    inspection.deadlines = workflow.deadlines(inspection)
    inspection.activity_count = Activity.objects.filter(inspection=inspection).count()
    inspection.problem_count = Problem.objects.filter(inspection=inspection).count()
    return inspection


@router.post("/{int:pk}/transition", response={200: StageChangeOut, **ERRORS}, summary="阶段流转")
def transition(request, pk: int, payload: InspectionTransitionIn):
    inspection = _inspection(request, pk)
    return services.inspection_transition(
        inspection=inspection,
        target=payload.target,
        actor=request.user,
        note=payload.note,
        feedback_date=payload.feedback_date,
    )


# --- Activities ------------------------------------------------------------------------------------


@router.get(
    "/{int:pk}/activities", response={200: list[ActivityOut], **ERRORS}, summary="了解情况记录"
)
@paginate(PageNumberPagination, page_size=50)
def activity_list(request, pk: int, kind: str = ""):
    inspection = _inspection(request, pk)
    qs = access.visible(Activity.objects.filter(inspection=inspection), request.user, FIELDWORK)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-held_on", "-pk")


@router.post(
    "/{int:pk}/activities", response={201: ActivityDetailOut, **ERRORS}, summary="新增了解情况记录"
)
def activity_create(request, pk: int, payload: ActivityIn):
    inspection = _inspection(request, pk)
    data = payload.dict()
    kind = data.pop("kind")
    activity = services.activity_create(
        inspection=inspection, kind=kind, actor=request.user, **data
    )
    return Status(201, activity)


@router.get(
    "/activities/{int:pk}", response={200: ActivityDetailOut, **ERRORS}, summary="了解情况记录详情"
)
def activity_detail(request, pk: int):
    activity = access.get_for_user(Activity, request.user, pk, FIELDWORK)
    return activity


# --- Problems and papers -------------------------------------------------------------------------


@router.get("/{int:pk}/problems", response={200: list[ProblemOut], **ERRORS}, summary="问题清单")
@paginate(PageNumberPagination, page_size=50)
def problem_list(request, pk: int, state: str = "", for_report: bool = False):
    inspection = _inspection(request, pk)
    qs = access.visible(Problem.objects.filter(inspection=inspection), request.user, FIELDWORK)
    if state:
        qs = qs.filter(state=state)
    if for_report:
        qs = qs.for_report()
    return qs.select_related("category", "paper").order_by("number")


@router.post(
    "/{int:pk}/problems",
    response={201: ProblemDetailOut, **ERRORS},
    summary="登记问题（同时建立底稿）",
)
def problem_create(request, pk: int, payload: ProblemIn):
    inspection = _inspection(request, pk)
    problem = services.problem_create(inspection=inspection, actor=request.user, **payload.dict())
    return Status(201, problem)


def _problem(request, pk):
    qs = Problem.objects.select_related("category", "paper", "inspection")
    return access.get_for_user(qs, request.user, pk, FIELDWORK)


@router.get("/problems/{int:pk}", response={200: ProblemDetailOut, **ERRORS}, summary="问题详情")
def problem_detail(request, pk: int):
    problem = _problem(request, pk)
    return problem


@router.post(
    "/problems/{int:pk}/approve", response={200: ProblemDetailOut, **ERRORS}, summary="组长核定问题"
)
def problem_approve(request, pk: int):
    problem = _problem(request, pk)
    services.problem_approve(problem=problem, actor=request.user)
    return _problem(request, pk)


def _paper(request, pk):
    qs = WorkingPaper.objects.select_related("inspection").prefetch_related("sources")
    return access.get_for_user(qs, request.user, pk, FIELDWORK)


@router.get("/papers/{int:pk}", response={200: PaperOut, **ERRORS}, summary="工作底稿")
def paper_detail(request, pk: int):
    paper = _paper(request, pk)
    return paper


@router.patch("/papers/{int:pk}", response={200: PaperOut, **ERRORS}, summary="修改底稿")
def paper_update(request, pk: int, payload: PaperIn):
    paper = _paper(request, pk)
    services.paper_update(paper=paper, actor=request.user, **payload.dict())
    return _paper(request, pk)


PAPER_ACTIONS = {
    "submit": lambda p, u, c: services.paper_submit(paper=p, actor=u),
    "sign": lambda p, u, c: services.paper_sign(paper=p, actor=u, comment=c),
    "return": lambda p, u, c: services.paper_return(paper=p, actor=u, comment=c),
}


@router.post(
    "/papers/{int:pk}/{action}",
    response={200: PaperOut, **ERRORS},
    summary="底稿提交、签署或退回（action = submit / sign / return）",
)
def paper_action(request, pk: int, action: str, payload: CommentIn):
    from django.http import Http404

    if action not in PAPER_ACTIONS:
        raise Http404
    paper = _paper(request, pk)
    PAPER_ACTIONS[action](paper, request.user, payload.comment)
    return _paper(request, pk)
