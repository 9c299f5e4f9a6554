"""成果运用 API (/api/v1/rectification/results/...): the ledger, replies, talks, accountability
referrals and the democratic life meeting; same services and access rules as the pages."""

from datetime import date

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Schema, Status

from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.org.models import Unit
from xuncha.plans.models import Inspection
from xuncha.rectification import deadlines, results
from xuncha.rectification.models import (
    LifeMeeting,
    Measure,
    RectificationPlan,
    ResultItem,
    Talk,
)
from xuncha.rectification.services import config_for, overrides_for, thresholds_for
from xuncha.reports.services import DOCX

router = Router(tags=["成果运用"])


class ResultItemOut(Schema):
    id: int
    inspection_id: int
    problem_id: int | None
    unit_id: int | None
    unit: str
    kind: str
    source: str
    subject: str
    recipient_id: int | None
    recipient_name: str
    decided_on: date
    due_date: date
    state: str
    light: str
    letter_number: str
    letter_sent: bool
    reply: str
    replied_on: date | None
    outcome: str
    escalated_from_id: int | None


class ResultReferralProblemOut(Schema):
    number: str
    title: str
    category: str


class ResultOrgReferralOut(Schema):
    unit: str
    inspection: str
    problems: list[ResultReferralProblemOut]
    rating_grade: str
    rating_percent: str
    measures_total: int
    measures_closed: int
    plan_state: str


class ResultItemDetailOut(ResultItemOut):
    org_referral: ResultOrgReferralOut | None = None


class ResultItemPageOut(Schema):
    count: int
    items: list[ResultItemOut]


class ResultItemIn(Schema):
    inspection_id: int
    kind: str
    subject: str
    recipient_id: int | None = None
    recipient_name: str = ""
    problem_id: int | None = None
    unit_id: int | None = None
    decided_on: date | None = None
    due_date: date | None = None
    letter_text: str = ""


class ResultTransitionIn(Schema):
    target: str
    comment: str = ""


class ResultReplyIn(Schema):
    text: str
    replied_on: date | None = None


class ResultKindCountOut(Schema):
    kind: str
    label: str
    total: int
    open: int


class ResultStatsOut(Schema):
    total: int
    open: int
    overdue: int
    replied: int
    concluded: int
    talks: int
    accountability: int
    by_kind: list[ResultKindCountOut]


class TalkRecordIn(Schema):
    held_on: date
    talker: str
    talked_to: str
    reason: str
    promises: str
    due_date: date | None = None


class TalkRecordOut(Schema):
    id: int
    item_id: int
    plan_id: int
    held_on: date
    talker: str
    talked_to: str
    reason: str
    promises: str
    lagging_measures: int
    due_date: date
    state: str


class TalkEscalateIn(Schema):
    recipient_id: int
    reason: str
    due_date: date | None = None


class LifeMeetingIn(Schema):
    held_on: date
    host: str
    attendees: str
    discipline_observer: str
    organisation_observer: str
    self_criticism: str
    followup: str = ""
    place: str = ""
    measure_ids: list[int] = []


class LifeMeetingOut(Schema):
    id: int
    plan_id: int
    held_on: date
    place: str
    host: str
    attendees: str
    discipline_observer: str
    organisation_observer: str
    self_criticism: str
    followup: str
    measure_ids: list[int]


def _light(item, today, calendars):
    if item.state not in results.OPEN_STATES:
        return deadlines.CLOSED
    if item.office_id not in calendars:
        office = item.office
        calendars[item.office_id] = (overrides_for(office), thresholds_for(config_for(office)))
    overrides, thresholds = calendars[item.office_id]
    return deadlines.traffic_light(item.due_date, today, overrides, thresholds)


def _item_out(item, today=None, calendars=None):
    letter = item.letter if item.letter_id else None
    return {
        "id": item.pk,
        "inspection_id": item.inspection_id,
        "problem_id": item.problem_id,
        "unit_id": item.unit_id,
        "unit": item.unit.name if item.unit_id else "",
        "kind": item.kind,
        "source": item.source,
        "subject": item.subject,
        "recipient_id": item.recipient_id,
        "recipient_name": item.recipient_name,
        "decided_on": item.decided_on,
        "due_date": item.due_date,
        "state": item.state,
        "light": _light(
            item, today or timezone.localdate(), calendars if calendars is not None else {}
        ),
        "letter_number": letter.number if letter else "",
        "letter_sent": bool(letter and letter.sent_at),
        "reply": item.reply,
        "replied_on": item.replied_on,
        "outcome": item.outcome,
        "escalated_from_id": item.escalated_from_id,
    }


def _talk_out(talk):
    return {
        "id": talk.pk,
        "item_id": talk.item_id,
        "plan_id": talk.plan_id,
        "held_on": talk.held_on,
        "talker": talk.talker,
        "talked_to": talk.talked_to,
        "reason": talk.reason,
        "promises": talk.promises,
        "lagging_measures": talk.lagging_measures,
        "due_date": talk.item.due_date,
        "state": talk.item.state,
    }


def _meeting_out(m):
    return {
        "id": m.pk,
        "plan_id": m.plan_id,
        "held_on": m.held_on,
        "place": m.place,
        "host": m.host,
        "attendees": m.attendees,
        "discipline_observer": m.discipline_observer,
        "organisation_observer": m.organisation_observer,
        "self_criticism": m.self_criticism,
        "followup": m.followup,
        "measure_ids": sorted(x.pk for x in m.measures.all()),
    }


def _items(request):
    return access.visible(ResultItem.objects.all(), request.user).select_related(
        "unit", "letter", "office"
    )


@router.get("/results", response=ResultItemPageOut)
def result_list(
    request,
    inspection_id: int | None = None,
    kind: str = "",
    state: str = "",
    limit: Limit = 50,
    offset: Offset = 0,
):
    """The ledger, filtered; `count` is the number of matching items, `items` one page."""
    items = _items(request)
    if inspection_id is not None:
        items = items.filter(inspection_id=inspection_id)
    if kind:
        if kind not in ResultItem.Kind.values:
            raise DomainError("未知的成果运用方式。", field="kind")
        items = items.filter(kind=kind)
    if state:
        if state not in ResultItem.State.values:
            raise DomainError("未知的状态。", field="state")
        items = items.filter(state=state)
    limit = min(limit, 200)
    today, calendars = timezone.localdate(), {}
    page = items.order_by("due_date", "pk")[offset : offset + limit]
    return {
        "count": items.count(),
        "items": [_item_out(i, today, calendars) for i in page],
    }


@router.get("/results/stats", response=ResultStatsOut)
def result_stats(request, inspection_id: int | None = None):
    items = access.visible(ResultItem.objects.all(), request.user)
    if inspection_id is not None:
        items = items.filter(inspection_id=inspection_id)
    return results.result_stats(items)


@router.post("/results", response={201: ResultItemOut})
def result_create(request, data: ResultItemIn):
    inspection = access.get_for_user(Inspection, request.user, data.inspection_id)
    problem = unit = recipient = None
    if data.problem_id is not None:
        from xuncha.inspections.models import Problem

        problem = access.get_for_user(Problem, request.user, data.problem_id)
    if data.unit_id is not None:
        unit = access.get_for_user(Unit, request.user, data.unit_id)
    if data.recipient_id is not None:
        recipient = access.get_for_user(Unit, request.user, data.recipient_id)
    item = results.result_create(
        inspection=inspection,
        kind=data.kind,
        subject=data.subject,
        recipient=recipient or data.recipient_name,
        problem=problem,
        unit=unit,
        decided_on=data.decided_on,
        due_date=data.due_date,
        letter_text=data.letter_text,
        actor=request.user,
    )
    return Status(201, _item_out(item))


@router.get("/results/{item_id}", response=ResultItemDetailOut)
def result_get(request, item_id: int):
    """One ledger item; an organisation-department referral carries its record (audited)."""
    item = access.get_for_user(_items(request), request.user, item_id)
    out = _item_out(item)
    referral = results.org_referral_record(item, actor=request.user)
    if referral is not None:
        out["org_referral"] = {
            **referral.__dict__,
            "problems": [p.__dict__ for p in referral.problems],
        }
    return out


@router.get(
    "/results/{item_id}/letter.docx",
    summary="下载巡察建议书或抄告单 .docx（带阅读人水印，记入审计）",
    openapi_extra=file_response("GB/T 9704 版式的 .docx 文件", DOCX),
)
def result_letter_docx(request, item_id: int):
    item = access.get_for_user(_items(request), request.user, item_id)
    response = HttpResponse(results.letter_docx(item, actor=request.user), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="letter-{item.pk}.docx"'
    return response


@router.post("/results/{item_id}/transition", response=ResultItemOut)
def result_transition(request, item_id: int, data: ResultTransitionIn):
    item = access.get_for_user(ResultItem, request.user, item_id)
    if data.target not in ResultItem.State.values:
        raise DomainError("未知的目标状态。", field="target")
    item = results.result_transition(
        item=item, target=data.target, comment=data.comment, actor=request.user
    )
    return _item_out(ResultItem.objects.select_related("unit", "letter", "office").get(pk=item.pk))


@router.post("/results/{item_id}/reply", response=ResultItemOut)
def result_reply(request, item_id: int, data: ResultReplyIn):
    item = access.get_for_user(ResultItem, request.user, item_id)
    item = results.result_reply(
        item=item, text=data.text, replied_on=data.replied_on, actor=request.user
    )
    return _item_out(ResultItem.objects.select_related("unit", "letter", "office").get(pk=item.pk))


@router.get("/plans/{plan_id}/talks", response=list[TalkRecordOut])
def talk_list(request, plan_id: int):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    talks = access.visible(Talk.objects.filter(plan=plan), request.user).select_related("item")
    return [_talk_out(t) for t in talks]


@router.post("/plans/{plan_id}/talks", response={201: TalkRecordOut})
def talk_create(request, plan_id: int, data: TalkRecordIn):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    talk = results.talk_record(plan=plan, actor=request.user, **data.dict())
    return Status(201, _talk_out(talk))


@router.post("/talks/{talk_id}/escalate", response={201: ResultItemOut})
def talk_escalate(request, talk_id: int, data: TalkEscalateIn):
    talk = access.get_for_user(Talk.objects.select_related("plan", "item"), request.user, talk_id)
    recipient = access.get_for_user(Unit, request.user, data.recipient_id)
    item = results.talk_escalate(
        talk=talk,
        recipient=recipient,
        reason=data.reason,
        due_date=data.due_date,
        actor=request.user,
    )
    return Status(201, _item_out(item))


@router.get("/plans/{plan_id}/life-meetings", response=list[LifeMeetingOut])
def life_meeting_list(request, plan_id: int):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    meetings = access.visible(LifeMeeting.objects.filter(plan=plan), request.user)
    return [_meeting_out(m) for m in meetings.prefetch_related("measures")]


@router.post("/plans/{plan_id}/life-meetings", response={201: LifeMeetingOut})
def life_meeting_create(request, plan_id: int, data: LifeMeetingIn):
    plan = access.get_for_user(RectificationPlan, request.user, plan_id)
    values = data.dict()
    ids = values.pop("measure_ids")
    measures = list(Measure.objects.filter(pk__in=ids, plan=plan))
    if len(measures) != len(set(ids)):
        raise DomainError("会后整改措施须为本单位整改方案中的措施。", field="measures")
    meeting = results.life_meeting_record(
        plan=plan, actor=request.user, measures=measures, **values
    )
    return Status(201, _meeting_out(meeting))
