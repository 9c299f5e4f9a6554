"""Writes of the study records: each validates, changes and audits in one transaction."""

import hashlib
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import diff, record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload
from xuncha.org.models import Role, User
from xuncha.study import hygiene
from xuncha.study.models import (
    SESSION_FORMS,
    Attendance,
    Form,
    Reflection,
    SelfStudy,
    SessionFile,
    StudyBranch,
    StudyPlan,
    StudySession,
)

MAX_REFLECTION = 20_000
MAX_FILES = 10


def office_people(office):
    """The people of the office who study: its active accounts, by name, without the
    system administrators' technical accounts."""
    people = User.objects.filter(office=office, is_active=True, is_superuser=False)
    people = people.exclude(roles__role=Role.SYSADMIN)
    return people.order_by("full_name", "username")


def _hours(value, *, label="学时", maximum=Decimal("24")) -> Decimal:
    try:
        hours = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise DomainError(f"{label}应为数字，如 2 或 1.5。", field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > maximum:
        raise DomainError(f"{label}应大于 0 且不超过 {maximum}。", field="hours")
    return hours.quantize(Decimal("0.1"))


def _past(day: date, label="学习日期") -> date:
    if not isinstance(day, date):
        raise DomainError(f"请填写{label}。", field="date")
    if day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天。", field="date")
    if day.year < 2000:
        raise DomainError(f"{label}有误。", field="date")
    return day


def _of_office(person, office, label):
    if person is None or person.office_id != office.pk:
        raise DomainError(f"{label}应为本巡察机构人员。")
    return person


# ---------------------------------------------------------------- branches and plans


@transaction.atomic
def branch_save(*, office, name, members, secretary=None, branch=None, actor) -> StudyBranch:
    """Create or change a party branch of the office and its members."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写支部名称。", field="name")
    limit = StudyBranch._meta.get_field("name").max_length
    if len(name) > limit:
        raise DomainError(
            f"支部名称过长（{len(name)} 字），请控制在 {limit} 字以内。", field="name"
        )
    members = list(members)
    for m in members:
        _of_office(m, office, "支部成员")
    if secretary is not None:
        _of_office(secretary, office, "支部书记")
    clash = StudyBranch.objects.filter(office=office, name=name)
    if branch is not None:
        clash = clash.exclude(pk=branch.pk)
    if clash.exists():
        raise DomainError(f"本机构已有名为“{name}”的支部。", field="name")
    created = branch is None
    branch = branch or StudyBranch(office=office)
    branch.name, branch.secretary = name, secretary
    branch.save()
    branch.members.set(members)
    record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=branch,
        changes={"name": name, "members": sorted(m.pk for m in members)},
    )
    return branch


@transaction.atomic
def plan_save(
    *, office, year, centre, branch, exchange, hours_per_person, note="", locked=False, actor
):
    """Set the office's study plan for one year (sessions per form, hours per person) and
    whether the year's study records are locked (no session recorded, changed or deleted)."""
    try:
        year = int(year)
        counts = [int(centre), int(branch), int(exchange)]
    except (TypeError, ValueError):
        raise DomainError("年度和计划次数应为整数。") from None
    if not 2000 <= year <= 2100:
        raise DomainError("年度有误。", field="year")
    if any(n < 0 or n > 500 for n in counts):
        raise DomainError("计划次数应在 0 到 500 之间。")
    hours = _hours(hours_per_person, label="人均学时", maximum=Decimal("2000"))
    plan, created = StudyPlan.objects.select_for_update().get_or_create(office=office, year=year)
    plan.centre_sessions, plan.branch_sessions, plan.exchange_sessions = counts
    plan.hours_per_person, plan.note = hours, (note or "").strip()
    plan.locked = bool(locked)
    plan.save()
    record(
        actor=actor,
        action=Action.CREATE if created else Action.UPDATE,
        obj=plan,
        changes={
            "year": year,
            "sessions": counts,
            "hours_per_person": str(hours),
            "locked": plan.locked,
        },
    )
    return plan


# ---------------------------------------------------------------- sessions


def _attendance_rows(office, rows):
    """[(person, status, reason)] checked: people of the office, once each, reasons given."""
    seen, out = set(), []
    for person, status, reason in rows:
        _of_office(person, office, "参学人员")
        if person.pk in seen:
            raise DomainError(f"“{person.full_name or person.username}”重复登记了出勤。")
        seen.add(person.pk)
        if status not in Attendance.Status.values:
            raise DomainError("出勤情况应为出席、请假或缺席。")
        reason = (reason or "").strip()
        if status == Attendance.Status.EXCUSED and not reason:
            name = person.full_name or person.username
            raise DomainError(f"“{name}”请假，请填写请假事由。", field="attendance")
        if status != Attendance.Status.EXCUSED:
            reason = ""
        out.append((person, status, reason[:200]))
    return out


def _file_store(session, uploaded, actor) -> SessionFile:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    checked = check_upload(uploaded)
    data = uploaded.read()
    digest = hashlib.sha256(data).hexdigest()
    row = SessionFile(
        session=session,
        sha256=digest,
        size=len(data),
        content_type=checked.content_type,
        original_name=checked.name,
        uploaded_by=actor,
    )
    path = f"study/{digest[:2]}/{digest}"
    if default_storage.exists(path):
        row.file.name = path  # content-addressed: the same bytes are stored once
    else:
        row.file.save(digest, ContentFile(data), save=False)
    row.save()
    return row


def _session_values(
    *, office, form, date, host, topic, branch, materials, hours, minutes, rules
) -> tuple[dict, list]:
    """The checked fields of a session (create and edit alike) and its library rules."""
    if form not in [f.value for f in SESSION_FORMS]:
        raise DomainError("学习形式应为理论中心组领学、支部带学或交流研学。", field="form")
    topic = (topic or "").strip()
    if not topic:
        raise DomainError("请填写学习主题。", field="topic")
    _of_office(host, office, "主持人")
    if form == Form.BRANCH:
        if branch is None or branch.office_id != office.pk:
            raise DomainError("支部带学须选择本机构的党支部。", field="branch")
    else:
        branch = None
    rules = list(rules)
    readable = set(library_rules(office).values_list("pk", flat=True))
    if any(r.pk not in readable for r in rules):
        raise DomainError("学习材料须选自本机构或上级机构的法规制度库。", field="rules")
    values = {
        "form": form,
        "date": _past(date),
        "host": host,
        "topic": topic[:200],
        "branch": branch,
        "materials": (materials or "").strip(),
        "hours": _hours(hours),
        "minutes": (minutes or "").strip(),
    }
    return values, rules


def locked(office, year: int) -> bool:
    """Whether the office has locked the study records of `year` (its yearly plan)."""
    return StudyPlan.objects.filter(office=office, year=year, locked=True).exists()


def _unlocked(office, day):
    if locked(office, day.year):
        raise DomainError(
            f"本机构已锁定{day.year}年度的学习记录，不能再登记、修改或删除该年度的学习活动；"
            "如需更正，请由巡察办在年度学习计划中解除锁定。"
        )


@transaction.atomic
def session_create(
    *,
    office,
    form,
    date,
    host,
    topic,
    actor,
    branch=None,
    materials="",
    hours="2",
    minutes="",
    attendance=(),
    files=(),
    rules=(),
) -> StudySession:
    """Record a collective study session with its attendance, material files and the rules
    of the library it studied (the office's own or its higher offices')."""
    values, rules = _session_values(
        office=office,
        form=form,
        date=date,
        host=host,
        topic=topic,
        branch=branch,
        materials=materials,
        hours=hours,
        minutes=minutes,
        rules=rules,
    )
    _unlocked(office, values["date"])
    files = list(files)
    if len(files) > MAX_FILES:
        raise DomainError(f"一次最多上传 {MAX_FILES} 个材料附件。", field="files")
    for f in files:
        check_upload(f)  # every file before anything is saved
        f.seek(0)
    session = StudySession.objects.create(office=office, created_by=actor, **values)
    session.rules.set(rules)
    rows = _attendance_rows(office, attendance)
    Attendance.objects.bulk_create(
        [Attendance(session=session, person=p, status=s, reason=r) for p, s, r in rows]
    )
    stored = [_file_store(session, f, actor) for f in files]
    record(
        actor=actor,
        action=Action.CREATE,
        obj=session,
        changes={
            "form": form,
            "date": str(session.date),
            "host": host.pk,
            "attendance": {str(p.pk): s for p, s, _ in rows},
            "files": [f.original_name for f in stored],
            "rules": sorted(r.pk for r in rules),
        },
    )
    return session


EDITABLE = ("form", "date", "host", "topic", "branch", "materials", "hours", "minutes")


@transaction.atomic
def session_update(
    *,
    session,
    actor,
    form,
    date,
    host,
    topic,
    branch=None,
    materials="",
    hours="2",
    minutes="",
    rules=(),
) -> StudySession:
    """Correct a session (the host or the office's study roles), while neither its old
    year nor its new one is locked. Attendance is corrected by `attendance_set`."""
    session = StudySession.objects.select_for_update().get(pk=session.pk)
    _unlocked(session.office, session.date)
    values, rules = _session_values(
        office=session.office,
        form=form,
        date=date,
        host=host,
        topic=topic,
        branch=branch,
        materials=materials,
        hours=hours,
        minutes=minutes,
        rules=rules,
    )
    _unlocked(session.office, values["date"])

    def plain(v):
        return v.pk if hasattr(v, "pk") else str(v) if v is not None else None

    before = {k: plain(getattr(session, k)) for k in EDITABLE}
    before_rules = sorted(session.rules.values_list("pk", flat=True))
    for name, value in values.items():
        setattr(session, name, value)
    session.save()
    session.rules.set(rules)
    changes = diff(before, {k: plain(v) for k, v in values.items()})
    after_rules = sorted(r.pk for r in rules)
    if after_rules != before_rules:
        changes["rules"] = [before_rules, after_rules]
    record(actor=actor, action=Action.UPDATE, obj=session, summary="修改学习活动", changes=changes)
    return session


@transaction.atomic
def session_delete(*, session, actor) -> None:
    """Delete a session recorded by mistake, with its attendance and material files;
    refused while reflections are attached (they are participants' own records)."""
    session = StudySession.objects.select_for_update().get(pk=session.pk)
    _unlocked(session.office, session.date)
    n = session.reflections.count()
    if n:
        raise DomainError(
            f"该学习活动已有 {n} 篇心得体会，不能删除；心得体会是参学人员本人的记录，"
            "如登记有误请修改学习活动。"
        )
    record(
        actor=actor,
        action=Action.DELETE,
        obj=session,
        summary=f"删除学习活动：{session}"[:300],
        changes={
            "form": session.form,
            "date": str(session.date),
            "host": session.host_id,
            "attendance": dict(
                (str(p), st) for p, st in session.attendance.values_list("person_id", "status")
            ),
            "files": list(session.files.values_list("original_name", flat=True)),
        },
    )
    session.delete()  # attendance and file rows go with it; stored bytes are shared


def library_rules(office):
    """Rules of the library a session of `office` may study: its own and its higher offices'."""
    from xuncha.library.models import Rule

    offices = [int(p) for p in office.path.split("/") if p] or [office.pk]
    return Rule.objects.filter(office_id__in=offices).order_by("title")


@transaction.atomic
def attendance_set(*, session, rows, actor) -> list[Attendance]:
    """Replace the attendance of a session (the office corrects who came)."""
    session = StudySession.objects.select_for_update().get(pk=session.pk)
    _unlocked(session.office, session.date)
    rows = _attendance_rows(session.office, rows)
    before = dict(session.attendance.values_list("person_id", "status"))
    session.attendance.all().delete()
    created = Attendance.objects.bulk_create(
        [Attendance(session=session, person=p, status=s, reason=r) for p, s, r in rows]
    )
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=session,
        summary="登记出勤",
        changes={
            "before": {str(k): v for k, v in before.items()},
            "after": {str(p.pk): s for p, s, _ in rows},
        },
    )
    return created


@transaction.atomic
def session_files_add(*, session, files, actor) -> list[SessionFile]:
    _unlocked(session.office, session.date)
    files = list(files)
    if not files:
        raise DomainError("请选择要上传的材料。", field="files")
    if len(files) + session.files.count() > MAX_FILES:
        raise DomainError(f"每次学习最多 {MAX_FILES} 个材料附件。", field="files")
    for f in files:
        check_upload(f)
        f.seek(0)
    stored = [_file_store(session, f, actor) for f in files]
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=session,
        summary="上传学习材料",
        changes={"files": [f.original_name for f in stored]},
    )
    return stored


@transaction.atomic
def self_study_create(*, office, person, date, material, hours, actor) -> SelfStudy:
    """Record a person's self-study (the person themself, or the office for them)."""
    _of_office(person, office, "自学人员")
    material = (material or "").strip()
    if not material:
        raise DomainError("请填写学习材料。", field="material")
    row = SelfStudy.objects.create(
        office=office,
        person=person,
        date=_past(date),
        material=material[:300],
        hours=_hours(hours),
        created_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=row,
        changes={"person": person.pk, "hours": str(row.hours), "date": str(row.date)},
    )
    return row


# ---------------------------------------------------------------- reflections


def reference_texts(*, office, exclude=None, text="") -> list[hygiene.Reference]:
    """The texts a reflection of `office` is compared with: the office's other reflections
    and, given the reflection's `text`, the library articles (its own and higher offices')
    that share the most rare words with it, so that a passage pasted from a rule is flagged
    too without comparing every reflection with the whole library."""
    from xuncha.library.selectors import similar_articles

    rows = Reflection.objects.filter(office=office).select_related("author")
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    articles = [
        hygiene.Reference(f"article:{i}", label, body)
        for i, (label, body) in enumerate(
            similar_articles(office=office, text=text) if text else []
        )
    ]
    return articles + [
        hygiene.Reference(
            f"reflection:{r.pk}",
            f"{r.author.full_name or r.author.username}《{r.title}》",
            r.text,
            bytes(r.shingles) or None,
        )
        for r in rows.only(
            "pk", "title", "text", "shingles", "author__full_name", "author__username"
        )
    ]


def _clean_text(text) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise DomainError("请填写心得体会正文。", field="text")
    if len(text) > MAX_REFLECTION:
        raise DomainError(f"正文过长（{len(text)} 字），请控制在 {MAX_REFLECTION} 字以内。")
    return text


@transaction.atomic
def reflection_submit(*, author, title, text, session=None, self_study=None, actor):
    """A participant submits a reflection. Hygiene flags are stored with it, never refused."""
    if (session is None) == (self_study is None):
        raise DomainError("心得体会应对应一次学习活动或一条个人自学记录。")
    if actor.pk != author.pk:
        raise DomainError("心得体会由本人提交。")
    if session is not None:
        office = session.office
        listed = session.attendance.filter(person=author).exclude(status=Attendance.Status.ABSENT)
        if not listed.exists() and session.host_id != author.pk:
            raise DomainError("只有参加本次学习的人员可以提交心得体会。")
        dup = Reflection.objects.filter(session=session, author=author)
    else:
        office = self_study.office
        if self_study.person_id != author.pk:
            raise DomainError("只能为本人的自学记录提交心得体会。")
        dup = Reflection.objects.filter(self_study=self_study, author=author)
    if dup.exists():
        raise DomainError("你已就此次学习提交过心得体会。")
    title = (title or "").strip()[:200]
    if not title:
        raise DomainError("请填写标题。", field="title")
    text = _clean_text(text)
    flags = [f.as_dict() for f in hygiene.check(text, reference_texts(office=office, text=text))]
    row = Reflection.objects.create(
        office=office,
        author=author,
        session=session,
        self_study=self_study,
        title=title,
        text=text,
        flags=flags,
        shingles=hygiene.fingerprint(text),
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=row,
        changes={"flags": sorted({f["kind"] for f in flags}), "length": len(text)},
    )
    return row


@transaction.atomic
def reflection_recheck(*, reflection, actor) -> Reflection:
    """Check a reflection again against today's references (later ones included)."""
    refs = reference_texts(office=reflection.office, exclude=reflection.pk, text=reflection.text)
    reflection.flags = [f.as_dict() for f in hygiene.check(reflection.text, refs)]
    reflection.save(update_fields=["flags"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=reflection,
        summary="重新检查心得体会",
        changes={"flags": sorted({f["kind"] for f in reflection.flags})},
    )
    return reflection


@transaction.atomic
def reflection_comment(*, reflection, comment, actor) -> Reflection:
    """The host (or the office) comments on a reflection."""
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("请填写点评意见。", field="comment")
    if len(comment) > 2000:
        raise DomainError("点评意见请控制在 2000 字以内。", field="comment")
    reflection.comment = comment
    reflection.commented_by = actor
    reflection.commented_at = timezone.now()
    reflection.save(update_fields=["comment", "commented_by", "commented_at"])
    record(actor=actor, action=Action.UPDATE, obj=reflection, summary="点评心得体会")
    return reflection
