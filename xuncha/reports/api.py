"""Document drafts over the API: list, generate, edit, download (same services and rules)."""

from datetime import date, datetime

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.plans.models import Inspection
from xuncha.reports import services
from xuncha.reports.models import ReportDraft, writable_inspections

router = Router(tags=["文书报表"])


class BlockIO(Schema):
    heading: str = ""
    level: int = 0
    text: str = ""


class DraftOut(ConfidentialOut):  # the detail shows `sections` (机密 text): an audited read
    id: int
    inspection_id: int
    kind: str
    unit_id: int | None
    title: str
    recipient: str
    state: str
    version: int
    problem_count: int
    updated_at: datetime


class DeliveryOut(Schema):
    delivered_on: date
    delivered_by: str
    plan_working_days: int
    report_working_days: int
    plan_due: date
    report_due: date


class DeliveryIn(Schema):
    delivered_on: date
    delivered_by: str


class DraftDetailOut(DraftOut):
    issuer: str
    doc_date: date | None
    doc_number: str
    secrecy: str
    cc: str
    sections: list[BlockIO]
    delivery: DeliveryOut | None = None

    @staticmethod
    def resolve_delivery(obj):
        return getattr(obj, "delivery", None)  # reverse one-to-one: absent until delivered


class GenerateIn(Schema):
    kind: str
    unit_id: int | None = None
    recipient: str = ""
    topic: str = ""


class DraftIn(Schema):
    title: str
    recipient: str = ""
    issuer: str = ""
    doc_date: date | None = None
    doc_number: str = ""
    secrecy: str = ""
    cc: str = ""
    sections: list[BlockIO]


@router.get("/drafts", response=list[DraftOut], summary="可查阅的文书草稿")
def draft_list(request, inspection_id: int | None = None):
    qs = access.visible(ReportDraft.objects.all(), request.user)
    if inspection_id is not None:
        qs = qs.filter(inspection_id=inspection_id)
    return list(qs.order_by("-updated_at", "pk")[:500])


@router.post(
    "/inspections/{inspection_id}/drafts",
    response={201: DraftDetailOut},
    summary="生成（或重新生成）文书草稿",
)
def draft_generate(request, inspection_id: int, payload: GenerateIn):
    inspection = access.get_for_user(Inspection, request.user, inspection_id)
    if not writable_inspections(request.user).filter(pk=inspection.pk).exists():
        raise Http404
    unit = None
    if payload.unit_id is not None:
        unit = inspection.units.filter(pk=payload.unit_id).first()
        if unit is None:
            raise DomainError("该单位不是本次巡察的被巡察单位。", field="unit_id")
    draft = services.draft_generate(
        inspection=inspection,
        kind=payload.kind,
        unit=unit,
        recipient=payload.recipient,
        topic=payload.topic,
        actor=request.user,
    )
    return Status(201, draft)


@router.get("/drafts/{draft_id}", response=DraftDetailOut, summary="文书草稿")
def draft_detail(request, draft_id: int):
    draft = access.get_for_user(ReportDraft, request.user, draft_id, "change")
    return draft


@router.put("/drafts/{draft_id}", response=DraftDetailOut, summary="修改文书草稿")
def draft_put(request, draft_id: int, payload: DraftIn):
    draft = access.get_for_user(ReportDraft, request.user, draft_id, "change")
    data = payload.dict()
    sections = data.pop("sections")
    draft = services.draft_update(draft=draft, actor=request.user, sections=sections, **data)
    return draft


@router.post(
    "/drafts/{draft_id}/delivery",
    response={201: DraftDetailOut},
    summary="登记反馈意见送达（定稿后；自送达日起计算整改期限）",
)
def draft_deliver(request, draft_id: int, payload: DeliveryIn):
    draft = access.get_for_user(ReportDraft, request.user, draft_id, "change")
    services.feedback_deliver(
        draft=draft,
        delivered_on=payload.delivered_on,
        delivered_by=payload.delivered_by,
        actor=request.user,
    )
    return Status(201, access.get_for_user(ReportDraft, request.user, draft.pk, "change"))


@router.get(
    "/drafts/{draft_id}/docx",
    summary="下载 .docx（带阅读人水印，记入审计）",
    openapi_extra=file_response("GB/T 9704 版式的 .docx 文件", services.DOCX),
)
def draft_docx(request, draft_id: int):
    draft = access.get_for_user(
        ReportDraft.objects.select_related("inspection"), request.user, draft_id
    )
    _name, data = services.draft_export(draft=draft, actor=request.user)
    response = HttpResponse(data, content_type=services.DOCX)
    response["Content-Disposition"] = f'attachment; filename="draft-{draft.pk}.docx"'
    return response
