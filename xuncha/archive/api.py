"""立卷归档 API: index, borrowed materials, archiving, package, retention and disposal.

The same access rule and services as the pages; reading the index or the materials is an
audited confidential read (`ConfidentialOut`), downloading the package an export entry."""

from datetime import date
from typing import Annotated

from ninja import Field, Router, Schema, Status

from xuncha.archive import services
from xuncha.archive.models import (
    Archive,
    ArchiveInspection,
    ArchiveItem,
    BorrowedMaterial,
    RecordKind,
    retention_for,
)
from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.org.models import Office, Unit

router = Router(tags=["立卷归档"])


class ItemOut(ConfidentialOut):
    id: int
    seq: int
    kind: str
    item_title: str
    record_date: date | None
    is_file: bool
    parent_seq: int | None
    path: str
    size: int
    sha256: str
    retention: str
    expires_on: date | None
    state: str


class ArchiveOut(Schema):
    number: str
    archived_on: date
    archived_by: str = Field(..., alias="archived_by.username")
    item_count: int
    file_count: int
    total_bytes: int
    index_sha256: str


class IndexOut(Schema):
    inspection_id: int
    stage: str
    archived: bool
    outstanding_materials: int
    archive: ArchiveOut | None = None
    count: int
    items: list[ItemOut]


class MaterialOut(ConfidentialOut):
    id: int
    material_title: str
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    copies: int
    borrowed_on: date
    handler: str
    material_note: str
    state: str
    cleared_on: date | None
    cleared_note: str


class MaterialIn(Schema):
    title: str = Field(..., max_length=200)
    unit_id: int = Field(..., ge=1, le=2**63 - 1)
    copies: int = Field(1, ge=1, le=9999)
    borrowed_on: date
    handler: str = Field(..., max_length=50)
    note: str = Field("", max_length=200)


class ClearIn(Schema):
    how: str
    cleared_on: date
    note: str = Field(..., max_length=200)


class DisposalIn(Schema):
    items: list[int] = Field(..., min_length=1, max_length=1000)
    decision: str
    reason: str = Field(..., max_length=2000)
    extend_years: int | None = None


class DisposalOut(Schema):
    id: int
    decision: str
    extend_years: int | None
    reason: str
    items: int


class RetentionOut(Schema):
    office_id: int
    table: dict[str, str]
    labels: dict[str, str]


class RetentionIn(Schema):
    table: dict[str, str]


class Error(Schema):
    detail: str


def _inspection(request, pk, action="view"):
    return access.get_for_user(ArchiveInspection, request.user, pk, action)


@router.get("/inspections/{inspection_id}", response=IndexOut)
def archive_index(request, inspection_id: int, limit: Limit = 200, offset: Offset = 0):
    """The archive of one inspection: status and its index (案卷目录), paged."""
    inspection = _inspection(request, inspection_id)
    archive = Archive.objects.filter(inspection=inspection).select_related("archived_by").first()
    items = []
    count = 0
    if archive:
        qs = access.visible(ArchiveItem.objects.filter(archive=archive), request.user).defer(
            "snapshot"
        )
        count = qs.count()
        items = list(qs.order_by("seq")[offset : offset + min(limit, 1000)])
    outstanding = BorrowedMaterial.objects.filter(
        inspection=inspection, state=BorrowedMaterial.State.OUTSTANDING
    ).count()
    return {
        "inspection_id": inspection.pk,
        "stage": inspection.stage,
        "archived": archive is not None,
        "outstanding_materials": outstanding,
        "archive": archive,
        "count": count,
        "items": items,
    }


@router.get("/inspections/{inspection_id}/materials", response=list[MaterialOut])
def material_list(request, inspection_id: int, limit: Limit = 200, offset: Offset = 0):
    inspection = _inspection(request, inspection_id)
    qs = access.visible(BorrowedMaterial.objects.filter(inspection=inspection), request.user)
    return list(qs.select_related("unit").order_by("borrowed_on", "pk")[offset : offset + limit])


@router.post("/inspections/{inspection_id}/materials", response={201: MaterialOut, 400: Error})
def material_log(request, inspection_id: int, payload: MaterialIn):
    inspection = _inspection(request, inspection_id, "change")
    unit = inspection.units.filter(pk=payload.unit_id).first()
    if unit is None:
        unit = Unit.objects.none().first()
    data = payload.dict()
    data.pop("unit_id")
    material = services.material_log(inspection=inspection, unit=unit, actor=request.user, **data)
    return Status(201, material)


@router.post("/materials/{material_id}/clear", response={200: MaterialOut, 400: Error})
def material_clear(request, material_id: int, payload: ClearIn):
    material = access.get_for_user(BorrowedMaterial, request.user, material_id, "change")
    return services.material_clear(material=material, actor=request.user, **payload.dict())


@router.post("/inspections/{inspection_id}/archive", response={201: ArchiveOut, 400: Error})
def archive_create(request, inspection_id: int):
    """立卷归档: refused (400, in Chinese) while borrowed materials are outstanding."""
    inspection = _inspection(request, inspection_id, "change")
    archive = services.archive_create(inspection=inspection, actor=request.user)
    return Status(201, archive)


@router.get(
    "/inspections/{inspection_id}/package",
    response={200: None},
    openapi_extra=file_response(
        "签名归档包（zip，流式传输；含 manifest.json 与 manifest.sig）", "application/zip"
    ),
)
def archive_package(request, inspection_id: int):
    """The signed archive package (zip, streamed); an audited export naming the reader."""
    from django.http import Http404

    from xuncha.archive.views import package_response

    inspection = _inspection(request, inspection_id)
    archive = Archive.objects.filter(inspection=inspection).first()
    if archive is None:
        raise Http404
    return package_response(archive, request.user)


@router.get("/due", response=list[ItemOut])
def due_items(request, limit: Limit = 200, offset: Offset = 0):
    """Archive items past their retention date, awaiting a disposal decision."""
    from django.utils import timezone

    qs = (
        access.visible(ArchiveItem.objects.all(), request.user)
        .filter(state=ArchiveItem.State.KEPT, expires_on__lte=timezone.localdate())
        .defer("snapshot")
        .order_by("expires_on", "archive_id", "seq")
    )
    return list(qs[offset : offset + min(limit, 1000)])


@router.post("/disposals", response={201: DisposalOut, 400: Error})
def disposal_create(request, payload: DisposalIn):
    """处置决定 (销毁 / 延长保管) for items past retention; refused before the retention date."""
    ids = set(payload.items)
    items = list(access.visible(ArchiveItem.objects.filter(pk__in=ids), request.user, "dispose"))
    if len(items) != len(ids):
        raise DomainError("所选案卷条目不存在或无权处置。", field="items")
    row = services.disposal_decide(
        items=items,
        decision=payload.decision,
        reason=payload.reason,
        extend_years=payload.extend_years,
        actor=request.user,
    )
    return Status(
        201,
        {
            "id": row.pk,
            "decision": row.decision,
            "extend_years": row.extend_years,
            "reason": row.reason,
            "items": len(items),
        },
    )


def _office(request, office_id, action="view"):
    from django.http import Http404

    office = access.get_for_user(Office, request.user, office_id, action)
    roles = services.OFFICE_WORK if action == "view" else {services.Role.OFFICE_ADMIN}
    if not services._office_roles(request.user, office.pk, roles):
        raise Http404("对象不存在或无权访问")  # the archive's settings: its office alone
    return office


@router.get("/retention/{office_id}", response=RetentionOut)
def retention_get(request, office_id: int):
    office = _office(request, office_id)
    return {
        "office_id": office.pk,
        "table": retention_for(office.pk),
        "labels": {k: str(v) for k, v in RecordKind.choices},
    }


@router.put("/retention/{office_id}", response={200: RetentionOut, 400: Error})
def retention_put(request, office_id: int, payload: RetentionIn):
    office = _office(request, office_id, "change")
    services.retention_set(office=office, table=payload.table, actor=request.user)
    return retention_get(request, office_id)


# --------------------------------------------------------------------------- submissions


class SubmissionRetentionOut(Schema):
    office_id: int
    years: int
    default_years: int


class SubmissionRetentionIn(Schema):
    years: int = Field(..., description="保管年限（1–50 年，自办结次年 1 月 1 日起算）")


class DueSubmissionOut(Schema):
    id: int
    number: str
    office_id: int
    inspection_id: int | None
    category: str
    state: str
    received_on: date
    closed_on: date
    expires_on: date
    open_links: list[str]


class SubmissionDisposalIn(Schema):
    submissions: list[Annotated[int, Field(ge=1, le=2**63 - 1)]] = Field(
        ..., min_length=1, max_length=1000
    )
    reason: str = Field(..., max_length=2000)


class SubmissionDisposalOut(Schema):
    id: int
    decision: str
    reason: str
    submissions: list[str]


@router.get("/submission-retention/{office_id}", response=SubmissionRetentionOut)
def submission_retention_get(request, office_id: int):
    """来信来访保管期限 of one office (its setting, else the installation's default)."""
    from django.conf import settings

    from xuncha.archive.models import submission_years

    office = _office(request, office_id)
    return {
        "office_id": office.pk,
        "years": submission_years(office.pk),
        "default_years": settings.SUBMISSION_RETENTION_YEARS,
    }


@router.put("/submission-retention/{office_id}", response={200: SubmissionRetentionOut, 400: Error})
def submission_retention_put(request, office_id: int, payload: SubmissionRetentionIn):
    office = _office(request, office_id, "change")
    services.submission_retention_set(office=office, years=payload.years, actor=request.user)
    return submission_retention_get(request, office_id)


@router.get("/submissions/due", response=list[DueSubmissionOut])
def submissions_due(request, limit: Limit = 200, offset: Offset = 0):
    """Closed submissions past their office's retention period, awaiting a decision."""
    from xuncha.archive.models import submission_expiry, submission_years

    rows = list(
        services.submissions_due(request.user).order_by("office_id", "closed_on", "pk")[
            offset : offset + min(limit, 1000)
        ]
    )
    linked = services.submission_open_links(rows)
    years = {o: submission_years(o) for o in {s.office_id for s in rows}}
    return [
        {
            "id": s.pk,
            "number": s.number,
            "office_id": s.office_id,
            "inspection_id": s.inspection_id,
            "category": s.category,
            "state": s.state,
            "received_on": s.received_on,
            "closed_on": s.closed_on,
            "expires_on": submission_expiry(s.closed_on, years[s.office_id]),
            "open_links": linked.get(s.pk, []),
        }
        for s in rows
    ]


@router.post("/submission-disposals", response={201: SubmissionDisposalOut, 400: Error})
def submission_disposal_create(request, payload: SubmissionDisposalIn):
    """销毁决定 for closed submissions past retention: crypto-shreds them (irreversible)."""
    from xuncha.petitions.models import Submission

    ids = set(payload.submissions)
    rows = list(access.visible(Submission.objects.filter(pk__in=ids), request.user, "dispose"))
    if len(rows) != len(ids):
        raise DomainError("所选来信来访不存在或无权处置。", field="submissions")
    row = services.submission_dispose(submissions=rows, reason=payload.reason, actor=request.user)
    return Status(
        201,
        {
            "id": row.pk,
            "decision": row.decision,
            "reason": row.reason,
            "submissions": [s.number for s in rows],
        },
    )
