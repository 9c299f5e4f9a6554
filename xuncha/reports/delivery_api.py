"""/api/v1/reports/: a unit's feedback delivery records (反馈会, 向主要负责人反馈, 签收回执).

Mounted beside `reports/api.py`. Readers follow the feedback opinion (`ReportDraft.for_user`);
the office and the team record the meeting and the talk; the unit's liaison uploads the
signed receipt (multipart). Schema names carry a `Delivery` prefix (unique across the API).
"""

from datetime import date, datetime

from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.reports import delivery as svc
from xuncha.reports.models import (
    FeedbackDelivery,
    FeedbackMeeting,
    FeedbackReceipt,
    LeaderFeedback,
    ReportDraft,
)

router = Router(tags=["文书报表"])


class DeliveryMeetingIn(Schema):
    held_on: date
    attendees: str
    delivered_by: str
    place: str = ""


class DeliveryMeetingOut(Schema):
    held_on: date
    place: str
    attendees: str
    delivered_by: str


class DeliveryLeaderIn(Schema):
    held_on: date
    leader_name: str
    delivered_by: str
    notes: str = ""


class DeliveryLeaderOut(Schema):
    held_on: date
    leader_name: str
    delivered_by: str
    notes: str


class DeliveryReceiptOut(Schema):
    id: int
    signed_on: date
    signed_by: str
    original_name: str
    sha256: str
    uploaded_at: datetime


class DeliveryDeliveredOut(Schema):
    delivered_on: date
    delivered_by: str


class DeliveryRecordsOut(Schema):
    draft_id: int
    unit_id: int | None
    delivery: DeliveryDeliveredOut | None = None
    meeting: DeliveryMeetingOut | None = None
    leader_feedback: DeliveryLeaderOut | None = None
    receipt: DeliveryReceiptOut | None = None


def _draft(request, pk, action="view"):
    return access.get_for_user(
        ReportDraft.objects.filter(kind=ReportDraft.Kind.FEEDBACK), request.user, pk, action
    )


def _records(draft) -> dict:
    delivery = FeedbackDelivery.objects.filter(draft=draft).first()
    return {
        "draft_id": draft.pk,
        "unit_id": draft.unit_id,
        "delivery": delivery,
        "meeting": FeedbackMeeting.objects.filter(draft=draft).first(),
        "leader_feedback": LeaderFeedback.objects.filter(draft=draft).first(),
        "receipt": FeedbackReceipt.objects.filter(delivery=delivery).first() if delivery else None,
    }


@router.get(
    "/drafts/{int:draft_id}/delivery-records",
    response={200: DeliveryRecordsOut, **ERRORS},
    summary="反馈送达记录（送达、反馈会、向主要负责人反馈、签收回执）",
)
def delivery_records(request, draft_id: int):
    return _records(_draft(request, draft_id))


@router.post(
    "/drafts/{int:draft_id}/feedback-meeting",
    response={201: DeliveryRecordsOut, **ERRORS},
    summary="登记反馈会",
)
def feedback_meeting(request, draft_id: int, payload: DeliveryMeetingIn):
    draft = _draft(request, draft_id, "change")
    svc.feedback_meeting_record(draft=draft, actor=request.user, **payload.dict())
    return Status(201, _records(draft))


@router.post(
    "/drafts/{int:draft_id}/leader-feedback",
    response={201: DeliveryRecordsOut, **ERRORS},
    summary="登记向主要负责人反馈",
)
def leader_feedback(request, draft_id: int, payload: DeliveryLeaderIn):
    draft = _draft(request, draft_id, "change")
    svc.leader_feedback_record(draft=draft, actor=request.user, **payload.dict())
    return Status(201, _records(draft))


@router.post(
    "/drafts/{int:draft_id}/receipt",
    response={201: DeliveryRecordsOut, **ERRORS},
    summary="上传签收回执（被反馈单位联络员，multipart）",
)
def receipt_upload(
    request,
    draft_id: int,
    signed_on: Form[date],
    signed_by: Form[str],
    file: File[UploadedFile],
):
    draft = _draft(request, draft_id)
    svc.receipt_upload(
        draft=draft, signed_on=signed_on, signed_by=signed_by, uploaded=file, actor=request.user
    )
    return Status(201, _records(draft))
