"""API of 培训与考核 under /api/v1/training/: the same services and access rules as the pages."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from ninja import File, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from xuncha.audit.schemas import ConfidentialOut
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.plans.models import EDIT_ROLES, PLAN_ROLES, Inspector
from xuncha.training import selectors, services
from xuncha.training.models import Appraisal, TrainingRecord

router = Router(tags=["培训与考核"])


class TrainingOut(Schema):
    id: int
    inspector_id: int
    inspector: str
    course: str
    organiser: str
    start: date
    end: date
    hours: Decimal
    has_certificate: bool


class TrainingIn(Schema):
    inspector_id: int
    course: str
    organiser: str
    start: date
    end: date
    hours: Decimal


class ScoreOut(Schema):
    indicator_id: int
    name: str
    max_score: int
    score: int


class AppraisalOut(ConfidentialOut):
    """An appraisal with its comments: serialising one is an audited read."""

    id: int
    member_id: int
    inspector_id: int
    inspection_id: int
    source: str
    state: str
    rating: str
    total: int
    comments: str
    corrects_id: int | None
    correction_reason: str
    finalised_at: datetime | None
    scores: list[ScoreOut]

    @staticmethod
    def resolve_inspector_id(obj):
        return obj.member.inspector_id

    @staticmethod
    def resolve_inspection_id(obj):
        return obj.member.team.inspection_id

    @staticmethod
    def resolve_scores(obj):
        return [
            {
                "indicator_id": s.indicator_id,
                "name": s.name,
                "max_score": s.max_score,
                "score": s.score,
            }
            for s in obj.scores.all()
        ]


class AppraisalIn(Schema):
    member_id: int
    source: str
    rating: str
    scores: dict[int, int]
    comments: str = ""
    finalise: bool = False


class CorrectionIn(Schema):
    rating: str
    scores: dict[int, int]
    comments: str = ""
    reason: str


class IndicatorOut(Schema):
    id: int
    name: str
    max_score: int


class HistoryOut(Schema):
    inspection_id: int
    round: str
    team: str
    role: str
    leader_rating: str | None
    office_rating: str | None
    office_final: bool


class InspectorHistoryOut(Schema):
    inspector_id: int
    training_hours: Decimal
    rounds_served: int
    trainings: list[TrainingOut]
    history: list[HistoryOut]


def _training_out(t):
    return {
        "id": t.pk,
        "inspector_id": t.inspector_id,
        "inspector": t.inspector.name,
        "course": t.course,
        "organiser": t.organiser,
        "start": t.start,
        "end": t.end,
        "hours": t.hours,
        "has_certificate": bool(t.certificate_path),
    }


def _appraisals():
    return Appraisal.objects.select_related("member__team").prefetch_related("scores")


def _need_office(user, roles=PLAN_ROLES):
    if not (access.is_sysadmin(user) or access.user_offices(user, roles)):
        raise HttpError(403, "需要巡察办角色。")


@router.get("/records", response=list[TrainingOut], summary="培训记录")
def record_list(request, inspector_id: int | None = None):
    rows = access.visible(TrainingRecord.objects.select_related("inspector"), request.user)
    if inspector_id is not None:
        rows = rows.filter(inspector_id=inspector_id)
    return [_training_out(t) for t in rows[:500]]


@router.post(
    "/records", response={201: TrainingOut}, summary="登记培训记录（证书另行上传：…/certificate）"
)
def record_create(request, payload: TrainingIn):
    _need_office(request.user, EDIT_ROLES)
    inspector = access.get_for_user(Inspector, request.user, payload.inspector_id, "change")
    row = services.training_create(
        inspector=inspector,
        course=payload.course,
        organiser=payload.organiser,
        start=payload.start,
        end=payload.end,
        hours=payload.hours,
        actor=request.user,
    )
    return Status(201, _training_out(row))


@router.get(
    "/records.xlsx",
    summary="导出培训记录（.xlsx，带查阅人水印）",
    openapi_extra=file_response(
        "培训记录表", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
)
def records_download(request, q: str = ""):
    from xuncha.training.views import records_xlsx_response

    return records_xlsx_response(request.user, q)  # PermissionDenied: a JSON 403


@router.get(
    "/records/{record_id}/certificate",
    summary="下载结业证书（与页面同样的查阅范围）",
    openapi_extra=file_response("证书文件（PDF、OFD 或图片）"),
)
def certificate_download(request, record_id: int):
    from xuncha.training.views import certificate_response

    return certificate_response(access.get_for_user(TrainingRecord, request.user, record_id))


@router.post(
    "/records/{record_id}/certificate",
    response=TrainingOut,
    summary="上传（或更换）结业证书：PDF、OFD、JPG、PNG、WebP",
)
def certificate_upload(request, record_id: int, certificate: File[UploadedFile]):
    row = access.get_for_user(
        TrainingRecord.objects.select_related("inspector__office"),
        request.user,
        record_id,
        "change",
    )
    return _training_out(
        services.training_certificate_attach(
            record=row, certificate=certificate, actor=request.user
        )
    )


@router.get("/indicators", response=list[IndicatorOut], summary="本办考核指标")
def indicators(request):
    offices = access.user_offices(request.user, PLAN_ROLES)
    if not offices:
        raise HttpError(403, "需要巡察办角色。")
    return [
        {"id": i.pk, "name": i.name, "max_score": i.max_score}
        for i in services.indicators_for(offices[0])
    ]


@router.get("/appraisals", response=list[AppraisalOut], summary="可见的巡察干部考核")
def appraisal_list(request, inspection_id: int | None = None, inspector_id: int | None = None):
    rows = access.visible(_appraisals(), request.user).order_by("pk")
    if inspection_id is not None:
        rows = rows.filter(member__team__inspection_id=inspection_id)
    if inspector_id is not None:
        rows = rows.filter(member__inspector_id=inspector_id)
    return list(rows[:500])


@router.get("/appraisals/{appraisal_id}", response=AppraisalOut, summary="巡察干部考核")
def appraisal_detail(request, appraisal_id: int):
    return access.get_for_user(_appraisals(), request.user, appraisal_id)


def _writable(user, member, source):
    try:
        selectors.require_write(user, member, source)
    except PermissionDenied as e:
        raise HttpError(403, str(e)) from None


@router.post("/appraisals", response={201: AppraisalOut}, summary="填写（或修改草稿）考核")
def appraisal_save(request, payload: AppraisalIn):
    member = selectors.visible_member(request.user, payload.member_id)
    _writable(request.user, member, payload.source)
    row = services.appraisal_save(
        member=member,
        source=payload.source,
        rating=payload.rating,
        scores=payload.scores,
        comments=payload.comments,
        actor=request.user,
    )
    if payload.finalise:
        row = services.appraisal_finalise(appraisal=row, actor=request.user)
    return Status(201, access.get_for_user(_appraisals(), request.user, row.pk))


@router.post(
    "/appraisals/{appraisal_id}/finalise", response=AppraisalOut, summary="定档（组长：提交）"
)
def appraisal_finalise(request, appraisal_id: int):
    row = access.get_for_user(_appraisals(), request.user, appraisal_id)
    _writable(request.user, row.member, row.source)
    services.appraisal_finalise(appraisal=row, actor=request.user)
    return access.get_for_user(_appraisals(), request.user, row.pk)


@router.post(
    "/appraisals/{appraisal_id}/correct",
    response={201: AppraisalOut},
    summary="更正已定档的考核（新记录，须说明理由）",
)
def appraisal_correct(request, appraisal_id: int, payload: CorrectionIn):
    row = access.get_for_user(_appraisals(), request.user, appraisal_id)
    _writable(request.user, row.member, row.source)
    new = services.appraisal_correct(
        appraisal=row,
        rating=payload.rating,
        scores=payload.scores,
        comments=payload.comments,
        reason=payload.reason,
        actor=request.user,
    )
    return Status(201, access.get_for_user(_appraisals(), request.user, new.pk))


@router.get(
    "/inspectors/{inspector_id}/history",
    response=InspectorHistoryOut,
    summary="巡察干部的培训与历次巡察考核",
)
def inspector_history(request, inspector_id: int):
    inspector = access.get_for_user(Inspector, request.user, inspector_id)
    panel = selectors.inspector_panel(request.user, inspector)
    return {
        "inspector_id": inspector.pk,
        "training_hours": panel["training_hours"],
        "rounds_served": panel["rounds_served"],
        "trainings": [_training_out(t) for t in panel["trainings"]],
        "history": [
            {
                "inspection_id": h["inspection"].pk,
                "round": str(h["inspection"].round),
                "team": h["membership"].team.name,
                "role": h["membership"].role,
                "leader_rating": h["leader"].rating if h["leader"] else None,
                "office_rating": h["office"].rating if h["office"] else None,
                "office_final": bool(h["office"] and h["office"].is_final),
            }
            for h in panel["history"]
        ],
    }
