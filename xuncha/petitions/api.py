"""Register API for staff: list, detail (audited read), transitions. Same rules as the views."""

from datetime import date

from django.db.models import Q
from ninja import Router, Schema
from ninja.errors import HttpError

from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.petitions import services
from xuncha.petitions.models import Announcement, Submission

router = Router(tags=["群众参与"])


class SubmissionOut(Schema):
    id: int
    number: str
    inspection_id: int | None
    office_id: int
    kind: str
    channel: str
    category: str
    state: str
    real_name: bool
    spam: bool
    received_on: date
    accept_due: date | None
    accepted_on: date | None
    closed_on: date | None
    result_due: date | None
    merged_into_id: int | None


class SubmissionDetail(SubmissionOut):
    unit: str
    people: str
    text: str
    reason: str
    competent_body: str
    events: list[dict]


class SubmissionTransitionIn(Schema):
    to: str
    reason: str = ""
    competent_body: str = ""
    target_id: int | None = None


class AnnouncementOut(Schema):
    id: int
    inspection_id: int
    title: str
    state: str
    cutoff: date
    period_start: date
    period_end: date


def _out(s: Submission) -> dict:
    return {f: getattr(s, f) for f in SubmissionOut.model_fields} | {"number": s.number}


@router.get("/submissions", response=list[SubmissionOut])
def submission_list(
    request,
    state: str = "",
    inspection_id: int | None = None,
    overdue: bool = False,
    limit: Limit = 100,
    offset: Offset = 0,
):
    qs = access.visible(Submission.objects.all(), request.auth).order_by("-received_on", "-pk")
    if state:
        qs = qs.filter(state=state)
    if inspection_id:
        qs = qs.filter(inspection_id=inspection_id)
    if overdue:
        qs = qs.filter(services.overdue_q())
    limit = max(1, min(limit, 500))
    return [_out(s) for s in qs[offset : offset + limit]]


@router.get("/submissions/{pk}", response=SubmissionDetail)
def submission_detail(request, pk: int):
    sub = access.get_for_user(Submission, request.auth, pk)
    content = services.submission_content(submission=sub, actor=request.auth)
    events = [
        {"from": e.from_state, "to": e.to_state, "note": e.note, "at": e.at.isoformat()}
        for e in sub.events.all()
    ]
    return _out(sub) | {
        "unit": content.get("unit", ""),
        "people": content.get("people", ""),
        "text": content.get("text", ""),
        "reason": sub.reason,
        "competent_body": sub.competent_body,
        "events": events,
    }


@router.post("/submissions/{pk}/transition", response=SubmissionOut)
def submission_transition(request, pk: int, body: SubmissionTransitionIn):
    sub = access.get_for_user(Submission, request.auth, pk, "change")
    target = None
    if body.target_id:
        target = access.get_for_user(Submission, request.auth, body.target_id, "change")
    try:
        sub = services.submission_transition(
            submission=sub,
            to=body.to,
            actor=request.auth,
            reason=body.reason,
            competent_body=body.competent_body,
            target=target,
        )
    except DomainError as e:
        raise HttpError(400, e.message) from None
    return _out(sub)


@router.get("/transitions")
def transitions(request):
    return [
        {"from": src, "to": dst, "label": label, "requires": list(req)}
        for (src, dst), (label, req) in services.TRANSITIONS.items()
    ]


@router.get("/announcements", response=list[AnnouncementOut])
def announcement_list(request):
    return list(access.visible(Announcement.objects.all(), request.auth).filter(~Q(state="")))[:500]


@router.get("/public/announcements", response=list[AnnouncementOut], auth=None)
def public_announcements(request):
    return list(Announcement.objects.public().order_by("-period_start")[:200])
