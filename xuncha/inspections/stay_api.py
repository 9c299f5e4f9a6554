"""/api/v1/inspections/: the stay records, the workspace timeline and the reviews' decisions.

Mounted beside `inspections/api.py` under the same prefix. Same services and access rules
as the pages: the inspection through `access.get_for_user` (office roles + leading group,
the own team; others 404); DomainError -> 400 with a Chinese `detail`. Schema names carry
a `Stay`/`Review` prefix (OpenAPI component names are unique across the API).
"""

from datetime import date, datetime

from ninja import Router, Schema, Status

from xuncha.audit.schemas import ConfidentialOut
from xuncha.inspections import reviews, stay
from xuncha.inspections.stay_models import ImportantReport
from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.plans.models import Inspection

router = Router(tags=["巡察实施"])
FIELDWORK = "fieldwork"


def _inspection(request, pk):
    return access.get_for_user(
        Inspection.objects.select_related("office", "team"), request.user, pk
    )


class StayTimelineItemOut(Schema):
    on: date
    kind: str
    title: str
    url: str


class StayMobilisationIn(Schema):
    held_on: date
    attendees: str
    speech: str
    place: str = ""
    announcement_id: int | None = None


class StayMobilisationOut(Schema):
    id: int
    inspection_id: int
    held_on: date
    place: str
    attendees: str
    speech: str
    announcement_id: int | None
    announcement_title: str


class StayTeamMeetingIn(Schema):
    held_on: date
    topic: str
    attendees: str
    resolutions: str
    assignments: str = ""


class StayTeamMeetingOut(ConfidentialOut):  # the minutes are confidential: an audited read
    id: int
    inspection_id: int
    held_on: date
    topic: str
    attendees: str
    resolutions: str
    assignments: str


class StayImportantReportIn(Schema):
    title: str
    reported_on: date
    situation: str
    proposal: str = ""
    doc_number: str = ""


class StayImportantReportOut(ConfidentialOut):
    id: int
    inspection_id: int
    title: str
    reported_on: date
    situation: str
    proposal: str
    doc_number: str
    state: str
    sent_at: datetime | None
    received_at: datetime | None
    receipt_note: str


class StayReceiveIn(Schema):
    note: str = ""


class StayWeeklyReportIn(Schema):
    week_start: date
    progress: str
    next_plan: str = ""


class StayWeeklyReportOut(Schema):
    id: int
    inspection_id: int
    week_start: date
    week_end: date
    progress: str
    next_plan: str
    figures: dict


class ReviewUseIn(Schema):
    problem_id: int
    kinds: list[str]


class ReviewDecideIn(Schema):
    body: str
    held_on: date
    decision: str
    uses: list[ReviewUseIn]


class ReviewResultDecisionOut(Schema):
    review_id: int
    body: str
    held_on: date
    problem_id: int
    problem_number: str
    unit_id: int
    kind: str

    @staticmethod
    def resolve_body(obj):
        return obj.review.body

    @staticmethod
    def resolve_held_on(obj):
        return obj.review.held_on

    @staticmethod
    def resolve_problem_number(obj):
        return obj.problem.number

    @staticmethod
    def resolve_unit_id(obj):
        return obj.problem.unit_id


class ReviewStatusOut(Schema):
    required: list[str]
    blockers: list[str]
    decisions: list[ReviewResultDecisionOut]


@router.get(
    "/{int:pk}/timeline",
    response={200: list[StayTimelineItemOut], **ERRORS},
    summary="工作时间线（全部记录按日期排列）",
)
def timeline(request, pk: int):
    return stay.timeline(_inspection(request, pk))


@router.post(
    "/{int:pk}/mobilisation-meetings",
    response={201: StayMobilisationOut, **ERRORS},
    summary="登记巡察动员会",
)
def mobilisation_create(request, pk: int, payload: StayMobilisationIn):
    inspection = _inspection(request, pk)
    meeting = stay.mobilisation_record(inspection=inspection, actor=request.user, **payload.dict())
    return Status(201, meeting)


@router.post(
    "/{int:pk}/team-meetings",
    response={201: StayTeamMeetingOut, **ERRORS},
    summary="登记组务会纪要",
)
def team_meeting_create(request, pk: int, payload: StayTeamMeetingIn):
    inspection = _inspection(request, pk)
    meeting = stay.team_meeting_record(inspection=inspection, actor=request.user, **payload.dict())
    return Status(201, meeting)


@router.post(
    "/{int:pk}/important-reports",
    response={201: StayImportantReportOut, **ERRORS},
    summary="起草重要情况报告",
)
def important_report_create(request, pk: int, payload: StayImportantReportIn):
    inspection = _inspection(request, pk)
    report = stay.important_report_create(
        inspection=inspection, actor=request.user, **payload.dict()
    )
    return Status(201, report)


def _report(request, pk):
    return access.get_for_user(
        ImportantReport.objects.select_related("inspection"), request.user, pk, FIELDWORK
    )


@router.post(
    "/important-reports/{int:pk}/send",
    response={200: StayImportantReportOut, **ERRORS},
    summary="报送重要情况报告（组长）",
)
def important_report_send(request, pk: int):
    return stay.important_report_send(report=_report(request, pk), actor=request.user)


@router.post(
    "/important-reports/{int:pk}/receipt",
    response={200: StayImportantReportOut, **ERRORS},
    summary="签收重要情况报告（巡察办）",
)
def important_report_receive(request, pk: int, payload: StayReceiveIn):
    return stay.important_report_receive(
        report=_report(request, pk), actor=request.user, note=payload.note
    )


@router.post(
    "/{int:pk}/weekly-reports",
    response={201: StayWeeklyReportOut, **ERRORS},
    summary="填报巡察工作周报",
)
def weekly_report_create(request, pk: int, payload: StayWeeklyReportIn):
    inspection = _inspection(request, pk)
    report = stay.weekly_report_create(inspection=inspection, actor=request.user, **payload.dict())
    return Status(201, report)


@router.get(
    "/{int:pk}/result-decisions",
    response={200: ReviewStatusOut, **ERRORS},
    summary="审议程序与成果运用决定",
)
def result_decisions(request, pk: int):
    inspection = _inspection(request, pk)
    return {
        "required": reviews.required_bodies(inspection),
        "blockers": reviews.feedback_blockers(inspection),
        "decisions": list(reviews.decisions_for(inspection)),
    }


@router.post(
    "/{int:pk}/reviews",
    response={201: ReviewStatusOut, **ERRORS},
    summary="登记审议（领导小组会议/书记专题会）及每个问题的成果运用决定",
)
def review_decide(request, pk: int, payload: ReviewDecideIn):
    inspection = _inspection(request, pk)
    reviews.review_decide(
        inspection=inspection,
        body=payload.body,
        held_on=payload.held_on,
        decision=payload.decision,
        decisions={u.problem_id: u.kinds for u in payload.uses},
        actor=request.user,
    )
    return Status(201, result_decisions(request, pk))
