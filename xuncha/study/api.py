"""学习教育 API: sessions with attendance, self-study, reflections with their flags, statistics.
Thin over study/services.py and study/stats.py; the same rules as the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field

from xuncha.audit.schemas import ConfidentialOut
from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.study import services, stats
from xuncha.study.models import (
    MANAGE_ROLES,
    SESSION_FORMS,
    Reflection,
    SelfStudy,
    StudyBranch,
    StudySession,
)

router = Router(tags=["学习教育"])

Year = Annotated[int | None, Field(ge=2000, le=2100)]


def _office(user):
    offices = access.user_offices(user, MANAGE_ROLES)
    if not offices:
        raise PermissionDenied("只有本机构巡察办管理员、工作人员或领导小组成员可以管理学习活动。")
    return offices[0]


def _person(office, pk, label="人员"):
    person = services.office_people(office).filter(pk=pk).first()
    if person is None:
        raise DomainError(f"{label}应为本巡察机构人员。")
    return person


def _name(u) -> str:
    return u.full_name or u.username


class StudyAttendanceRow(Schema):
    person_id: int
    status: str
    reason: str = ""


class StudyAttendanceOut(Schema):
    person_id: int
    person: str
    status: str
    reason: str


class StudySessionOut(Schema):
    id: int
    form: str
    form_label: str
    date: date
    topic: str
    host_id: int
    host: str
    branch_id: int | None
    hours: Decimal
    materials: str
    minutes: str


class StudySessionDetailOut(StudySessionOut):
    attendance: list[StudyAttendanceOut]
    files: list[str]
    rule_ids: list[int]


class StudySessionEditIn(Schema):
    form: str
    date: date
    topic: str
    host_id: int
    branch_id: int | None = None
    hours: Decimal = Decimal("2")
    materials: str = ""
    rule_ids: list[int] = []
    minutes: str = ""


class StudySessionIn(StudySessionEditIn):
    """A new session: the edit fields and its attendance (recorded apart when editing)."""

    attendance: list[StudyAttendanceRow] = []


def _session_out(s) -> dict:
    return {
        "id": s.pk,
        "form": s.form,
        "form_label": s.get_form_display(),
        "date": s.date,
        "topic": s.topic,
        "host_id": s.host_id,
        "host": _name(s.host),
        "branch_id": s.branch_id,
        "hours": s.hours,
        "materials": s.materials,
        "minutes": s.minutes,
    }


def _detail_out(s) -> dict:
    out = _session_out(s)
    out["attendance"] = [
        {
            "person_id": a.person_id,
            "person": _name(a.person),
            "status": a.status,
            "reason": a.reason,
        }
        for a in s.attendance.select_related("person")
    ]
    out["files"] = [f.original_name for f in s.files.all()]
    out["rule_ids"] = sorted(r.pk for r in s.rules.all())
    return out


@router.get("/sessions", response=list[StudySessionOut])
def session_list(
    request, year: Year = None, form: str = "", limit: Limit = 100, offset: Offset = 0
):
    """Sessions the user may read (the office's for its roles; one's own for a participant)."""
    rows = access.visible(StudySession.objects.all(), request.user).select_related("host")
    if year:
        rows = rows.filter(date__year=year)
    if form:
        rows = rows.filter(form=form)
    limit = min(limit, 500)
    return [_session_out(s) for s in rows.order_by("-date", "-pk")[offset : offset + limit]]


@router.post("/sessions", response={201: StudySessionDetailOut})
def session_create(request, data: StudySessionIn):
    office = _office(request.user)
    if data.form not in {f.value for f in SESSION_FORMS}:
        raise DomainError(
            "学习形式应为 centre（理论中心组领学）、branch（支部带学）或 exchange（交流研学）。"
        )
    branch = _branch(office, data.branch_id)
    session = services.session_create(
        office=office,
        form=data.form,
        date=data.date,
        host=_person(office, data.host_id, "主持人"),
        topic=data.topic,
        branch=branch,
        hours=data.hours,
        materials=data.materials,
        rules=_rules(office, data.rule_ids),
        minutes=data.minutes,
        attendance=[(_person(office, a.person_id), a.status, a.reason) for a in data.attendance],
        actor=request.user,
    )
    return Status(201, _detail_out(session))


def _rules(office, ids):
    """The library rules with these ids that the office reads; an unknown id is refused."""
    rows = list(services.library_rules(office).filter(pk__in=set(ids)))
    if len(rows) != len(set(ids)):
        raise DomainError("学习材料须选自本机构或上级机构的法规制度库。", field="rule_ids")
    return rows


@router.get("/sessions/{pk}", response=StudySessionDetailOut)
def session_get(request, pk: int):
    return _detail_out(access.get_for_user(StudySession, request.user, pk))


def _branch(office, branch_id):
    if branch_id is None:
        return None
    branch = StudyBranch.objects.filter(office=office, pk=branch_id).first()
    if branch is None:
        raise DomainError("支部带学须选择本机构的党支部。", field="branch_id")
    return branch


@router.put("/sessions/{pk}", response=StudySessionDetailOut)
def session_update(request, pk: int, data: StudySessionEditIn):
    """Correct a session (the host or the study roles) while its year is not locked;
    attendance through PUT …/attendance."""
    session = access.get_for_user(StudySession, request.user, pk, "edit")
    office = session.office
    session = services.session_update(
        session=session,
        form=data.form,
        date=data.date,
        host=_person(office, data.host_id, "主持人"),
        topic=data.topic,
        branch=_branch(office, data.branch_id),
        hours=data.hours,
        materials=data.materials,
        rules=_rules(office, data.rule_ids),
        minutes=data.minutes,
        actor=request.user,
    )
    return _detail_out(session)


@router.delete("/sessions/{pk}", response={204: None})
def session_delete(request, pk: int):
    """Delete a session without reflections (the study roles) while its year is open."""
    session = access.get_for_user(StudySession, request.user, pk, "change")
    services.session_delete(session=session, actor=request.user)
    return Status(204, None)


@router.put("/sessions/{pk}/attendance", response=list[StudyAttendanceOut])
def attendance_put(request, pk: int, rows: list[StudyAttendanceRow]):
    session = access.get_for_user(StudySession, request.user, pk, "change")
    services.attendance_set(
        session=session,
        rows=[(_person(session.office, a.person_id), a.status, a.reason) for a in rows],
        actor=request.user,
    )
    return _detail_out(session)["attendance"]


class SelfStudyIn(Schema):
    date: date
    material: str
    hours: Decimal


class SelfStudyOut(Schema):
    id: int
    person_id: int
    date: date
    material: str
    hours: Decimal


@router.post("/self-study", response={201: SelfStudyOut})
def self_study_create(request, data: SelfStudyIn):
    """One's own self-study record."""
    user = request.user
    if not user.office_id:
        raise PermissionDenied("学习教育仅面向巡察机构人员。")
    row = services.self_study_create(
        office=user.office,
        person=user,
        date=data.date,
        material=data.material,
        hours=data.hours,
        actor=user,
    )
    return Status(
        201,
        {
            "id": row.pk,
            "person_id": row.person_id,
            "date": row.date,
            "material": row.material,
            "hours": row.hours,
        },
    )


class HygieneFlagOut(Schema):
    start: int
    end: int
    kind: str
    message: str
    ref: str
    passage: str


class ReflectionOut(ConfidentialOut):
    """A reflection with its text and comment: serialising one is an audited read."""

    id: int
    author_id: int
    author: str
    session_id: int | None
    self_study_id: int | None
    title: str
    text: str
    submitted_at: datetime
    flags: list[HygieneFlagOut]
    comment: str

    @staticmethod
    def resolve_author(obj):
        return _name(obj.author)

    @staticmethod
    def resolve_flags(obj):
        return [{**f, "passage": obj.text[f["start"] : f["end"]]} for f in obj.flags]


class ReflectionIn(Schema):
    session_id: int | None = None
    self_study_id: int | None = None
    title: str
    text: str


class ReflectionCommentIn(Schema):
    comment: str


@router.get("/reflections", response=list[ReflectionOut])
def reflection_list(request, session_id: int | None = None, limit: Limit = 100, offset: Offset = 0):
    rows = access.visible(Reflection.objects.all(), request.user).select_related("author")
    if session_id is not None:
        rows = rows.filter(session_id=session_id)
    limit = min(limit, 500)
    return list(rows.order_by("-submitted_at")[offset : offset + limit])


@router.post("/reflections", response={201: ReflectionOut})
def reflection_create(request, data: ReflectionIn):
    """Submit a reflection; flagged passages are returned, the reflection is always kept."""
    session = self_study = None
    if data.session_id is not None:
        session = access.get_for_user(StudySession, request.user, data.session_id)
    if data.self_study_id is not None:
        self_study = access.get_for_user(SelfStudy, request.user, data.self_study_id)
    row = services.reflection_submit(
        author=request.user,
        session=session,
        self_study=self_study,
        title=data.title,
        text=data.text,
        actor=request.user,
    )
    return Status(201, row)


@router.get("/reflections/{pk}", response=ReflectionOut)
def reflection_get(request, pk: int):
    return access.get_for_user(Reflection.objects.select_related("author"), request.user, pk)


@router.post("/reflections/{pk}/comment", response=ReflectionOut)
def reflection_comment(request, pk: int, data: ReflectionCommentIn):
    row = access.get_for_user(Reflection, request.user, pk, "comment")
    return services.reflection_comment(reflection=row, comment=data.comment, actor=request.user)


class StudyStatRow(Schema):
    id: int
    name: str
    sessions: int
    hours: Decimal
    reflections: int
    listed: int
    present: int
    attendance_rate: float | None


class StudyBranchRow(StudyStatRow):
    members: int
    held: int


class StudyPlanRow(Schema):
    form: str
    planned: int
    held: int


class StudyStatsOut(Schema):
    office: str
    year: int
    hours_per_person: Decimal | None
    plan: list[StudyPlanRow]
    people: list[StudyStatRow]
    branches: list[StudyBranchRow]


def _row(r) -> dict:
    return {
        "id": r.key,
        "name": r.name,
        "sessions": r.sessions,
        "hours": r.hours,
        "reflections": r.reflections,
        "listed": r.listed,
        "present": r.present,
        "attendance_rate": r.rate,
        "members": r.members,
        "held": r.held,
    }


@router.get("/stats", response=StudyStatsOut)
def stats_get(request, year: Year = None):
    office = _office(request.user)
    year = year or timezone.localdate().year
    result = stats.compute(office, year, services.office_people(office))
    return {
        "office": office.name,
        "year": year,
        "hours_per_person": result.plan.hours_per_person if result.plan else None,
        "plan": [{"form": label, "planned": p, "held": h} for label, p, h in result.plan_rows],
        "people": [_row(r) for r in result.people],
        "branches": [_row(r) for r in result.branches],
    }
