"""/api/v1/inspections/: 立行立改 (immediate-fix notices) — issue, list, read, reply, close.

Mounted beside `inspections/api.py` under the same prefix, over the same services and access
rules as the pages: the team leader issues, the inspected unit's liaison reads and answers
its own notices (never drafts, never another unit's), the leader or the office closes; the
team, the office and the leading group read. `requirement` and `reply` are confidential:
every response that shows them is an audited read (`ConfidentialOut`). The reply over the
API is text; files go through the page's upload form (the upload checks live there).
"""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.apitypes import PageNumberPagination
from xuncha.inspections import services
from xuncha.inspections.models import FixNotice, Problem
from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.plans.models import Inspection

router = Router(tags=["巡察实施"])


class FixNoticeOut(ConfidentialOut):
    id: int
    inspection_id: int
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    problem_id: int | None
    title: str
    requirement: str
    deadline: date
    state: str
    issued_at: datetime
    reply: str
    replied_at: datetime | None
    closed_at: datetime | None
    escalated_at: datetime | None


class FixNoticeIn(Schema):
    unit_id: int
    title: str = Field(max_length=200)
    requirement: str = Field(max_length=5000)
    deadline: date | None = None
    problem_id: int | None = None


class FixReplyIn(Schema):
    reply: str = Field(max_length=5000)


def _notice(request, pk, action="view"):
    return access.get_for_user(
        FixNotice.objects.select_related("inspection", "unit"), request.user, pk, action
    )


@router.get(
    "/fix-notices",
    response=list[FixNoticeOut],
    summary="立行立改通知（巡察组、巡察办、领导小组；被巡察单位只见本单位已下发的）",
)
@paginate(PageNumberPagination)
def fix_notice_list(request, inspection_id: int | None = None, state: str = ""):
    qs = access.visible(FixNotice.objects.all(), request.user).select_related("unit")
    if inspection_id is not None:
        qs = qs.filter(inspection_id=inspection_id)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("state", "deadline", "pk")


@router.post(
    "/{int:pk}/fix-notices",
    response={201: FixNoticeOut, **ERRORS},
    summary="下发立行立改通知（巡察组组长）",
)
def fix_notice_issue(request, pk: int, payload: FixNoticeIn):
    inspection = access.get_for_user(Inspection.objects.select_related("office"), request.user, pk)
    problem = None
    if payload.problem_id is not None:
        problem = access.visible(Problem.objects.all(), request.user, "fieldwork").filter(
            pk=payload.problem_id
        ).first() or Problem(pk=payload.problem_id, inspection_id=None)
    notice = services.fix_notice_issue(
        inspection=inspection,
        unit_id=payload.unit_id,
        title=payload.title,
        requirement=payload.requirement,
        deadline=payload.deadline,
        problem=problem,
        actor=request.user,
    )
    return Status(201, notice)


@router.get("/fix-notices/{int:pk}", response={200: FixNoticeOut, **ERRORS}, summary="立行立改通知")
def fix_notice_detail(request, pk: int):
    return _notice(request, pk)


@router.post(
    "/fix-notices/{int:pk}/reply",
    response={200: FixNoticeOut, **ERRORS},
    summary="被巡察单位书面回复立行立改事项（文字；附件请在页面上传）",
)
def fix_notice_reply(request, pk: int, payload: FixReplyIn):
    notice = _notice(request, pk, "reply")
    return services.fix_notice_reply(notice=notice, reply=payload.reply, actor=request.user)


@router.post(
    "/fix-notices/{int:pk}/close",
    response={200: FixNoticeOut, **ERRORS},
    summary="销号立行立改事项（组长或巡察办）",
)
def fix_notice_close(request, pk: int):
    notice = _notice(request, pk, "fieldwork")
    return services.fix_notice_close(notice=notice, actor=request.user)
