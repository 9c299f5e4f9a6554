"""API of 巡察“回头看” (/api/v1/rectification/revisits/...): same services and rules as the
pages (`revisit_views`). A finding with an evidence file goes as multipart
(`findings/upload`); the file is read back from `items/{id}/evidence`."""

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.org.api import ERRORS, file_response
from xuncha.plans.models import Inspection
from xuncha.rectification import revisits
from xuncha.rectification.revisit_views import _context, _own_revisit, evidence_response

router = Router(tags=["整改"])


class RevisitItemOut(Schema):
    id: int
    problem_id: int
    problem_number: str
    problem_title: str
    unit: str
    measures: list
    was_closed: bool
    finding: str
    finding_label: str
    evidence_text: str
    has_evidence_file: bool
    new_problem_id: int | None
    reopened: bool
    still_open: bool


class RevisitOut(Schema):
    id: int
    inspection_id: int
    original_id: int
    state: str
    started_at: datetime
    reported_at: datetime | None
    items: list[RevisitItemOut]
    still_open: list[str]


class FindingIn(Schema):
    item_id: int
    finding: str
    evidence_text: str


def _item(i) -> dict:
    return {
        "id": i.pk,
        "problem_id": i.problem_id,
        "problem_number": i.problem.number,
        "problem_title": i.problem.title,
        "unit": i.unit.name,
        "measures": i.measures,
        "was_closed": i.was_closed,
        "finding": i.finding,
        "finding_label": i.get_finding_display() if i.finding else "",
        "evidence_text": i.evidence_text,
        "has_evidence_file": i.attachment_id is not None,
        "new_problem_id": i.new_problem_id,
        "reopened": i.reopened,
        "still_open": i.still_open,
    }


def _out(revisit, items) -> dict:
    return {
        "id": revisit.pk,
        "inspection_id": revisit.inspection_id,
        "original_id": revisit.original_id,
        "state": revisit.state,
        "started_at": revisit.started_at,
        "reported_at": revisit.reported_at,
        "items": [_item(i) for i in items],
        "still_open": [i.problem.number for i in items if i.still_open],
    }


def _revisit_inspection(pk):
    return get_object_or_404(Inspection, pk=pk, kind=Inspection.Kind.REVISIT)


@router.get(
    "/revisits/{int:pk}", response={200: RevisitOut, **ERRORS}, summary="回头看核查清单及结论"
)
def revisit_get(request, pk: int):
    revisit, items, _work = _context(_revisit_inspection(pk), request.user)
    if revisit is None:
        raise Http404("尚未开始“回头看”")
    record(actor=request.user, action=Action.READ, obj=revisit, summary="查阅回头看核查清单")
    return _out(revisit, items)


@router.post("/revisits/{int:pk}/start", response={201: RevisitOut, **ERRORS}, summary="开始回头看")
def revisit_start(request, pk: int):
    inspection = _revisit_inspection(pk)
    if not revisits.may_work(inspection, request.user):
        raise Http404("对象不存在或无权访问")
    revisit = revisits.revisit_start(inspection=inspection, actor=request.user)
    return Status(201, _out(revisit, list(revisit.items.select_related("problem", "unit"))))


@router.post(
    "/revisits/{int:pk}/findings",
    response={200: RevisitItemOut, **ERRORS},
    summary="记录核查结论",
)
def finding_record(request, pk: int, payload: FindingIn):
    revisit = _own_revisit(request, pk)
    item = revisits.finding_record(
        revisit=revisit,
        item_id=payload.item_id,
        finding=payload.finding,
        evidence_text=payload.evidence_text,
        actor=request.user,
    )
    return _item(item)


@router.post(
    "/revisits/{int:pk}/findings/upload",
    response={200: RevisitItemOut, **ERRORS},
    summary="记录核查结论并上传佐证文件（multipart）",
)
def finding_record_upload(
    request,
    pk: int,
    item_id: Form[int],
    finding: Form[str],
    evidence_text: Form[str],
    file: File[UploadedFile],
):
    revisit = _own_revisit(request, pk)
    item = revisits.finding_record(
        revisit=revisit,
        item_id=item_id,
        finding=finding,
        evidence_text=evidence_text,
        uploaded=file,
        actor=request.user,
    )
    return _item(item)


@router.get(
    "/revisits/{int:pk}/items/{int:item_id}/evidence",
    summary="下载核查事项的佐证文件",
    openapi_extra=file_response("佐证文件"),
)
def evidence_get(request, pk: int, item_id: int):
    return evidence_response(request.user, pk, item_id)


@router.post(
    "/revisits/{int:pk}/report", response={200: RevisitOut, **ERRORS}, summary="形成回头看报告"
)
def revisit_report(request, pk: int):
    revisit = revisits.revisit_report(revisit=_own_revisit(request, pk), actor=request.user)
    return _out(revisit, list(revisit.items.select_related("problem", "unit")))
