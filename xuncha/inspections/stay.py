"""Writes and reads of the stay: 动员会, 组务会, 重要情况报告 (sent to the office, received by
it), the weekly progress report, and the workspace timeline of every record.

Meetings and reports are dated within the inspection (start to end) and not in the future;
a refused record leaves nothing saved (one transaction with its audit entry).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections import workflow
from xuncha.inspections.models import Activity, LeadingGroupReview, Problem
from xuncha.inspections.stay_models import (
    ImportantReport,
    MobilisationMeeting,
    TeamMeeting,
    WeeklyReport,
)
from xuncha.plans.models import Inspection

Stage = Inspection.Stage
STAY_STAGES = {Stage.STATIONING, Stage.INVESTIGATION, Stage.REPORT}


def _team_or_office(inspection, actor, what):
    from xuncha.inspections.services import OFFICE, TEAM, _require

    return _require(inspection, actor, TEAM | OFFICE, what)


def _team(inspection, actor, what):
    from xuncha.inspections.services import TEAM, _require

    return _require(inspection, actor, TEAM, what)


def _in_stay_stage(inspection, what):
    from xuncha.inspections.services import _stage_in

    _stage_in(inspection, STAY_STAGES, what)


def within_inspection(inspection, day, label: str, field: str = "held_on") -> date:
    """A date of the stay: from the inspection's start to its end, and not in the future."""
    if not isinstance(day, date):
        raise DomainError(f"请填写{label}。", field=field)
    if day < inspection.start or day > inspection.end:
        raise DomainError(
            f"{label}须在巡察期间（{inspection.start:%Y年%m月%d日}至"
            f"{inspection.end:%Y年%m月%d日}）内。",
            field=field,
        )
    if day > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天。", field=field)
    return day


def _text(value, label, *, required=True, max_length=None, field=None):
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field=field or label)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过 {max_length} 个字。", field=field or label)
    return value


def published_announcements(inspection) -> list[tuple[int, str]]:
    """(id, title) of the inspection's published announcements (none without the channel)."""
    if not apps.is_installed("xuncha.petitions"):
        return []
    from xuncha.petitions.models import Announcement

    return [
        (a.pk, str(a))
        for a in Announcement.objects.filter(inspection=inspection, state="published").order_by(
            "-pk"
        )
    ]


@transaction.atomic
def mobilisation_record(
    *, inspection, held_on, attendees, speech, actor, place="", announcement_id=None
) -> MobilisationMeeting:
    """Record the 动员会 and the announcement made public there."""
    _team_or_office(inspection, actor, "登记巡察动员会")
    _in_stay_stage(inspection, "登记巡察动员会")
    within_inspection(inspection, held_on, "动员会日期")
    shown = published_announcements(inspection)
    title = ""
    if announcement_id:
        match = [t for pk, t in shown if pk == int(announcement_id)]
        if not match:
            raise DomainError("所选公告不是本次巡察已发布的巡察公告。", field="announcement_id")
        title = match[0]
    elif shown:
        announcement_id, title = shown[0]
    elif apps.is_installed("xuncha.petitions"):
        raise DomainError("本次巡察尚无已发布的巡察公告，动员会须公布巡察公告。")
    meeting = MobilisationMeeting.objects.create(
        inspection=inspection,
        held_on=held_on,
        place=_text(place, "地点", required=False, max_length=100, field="place"),
        attendees=_text(attendees, "参会人员", max_length=2000, field="attendees"),
        speech=_text(speech, "动员讲话要点", max_length=10000, field="speech"),
        announcement_id=announcement_id or None,
        announcement_title=title[:200],
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=meeting,
        changes={"held_on": str(held_on), "announcement": title},
    )
    return meeting


@transaction.atomic
def team_meeting_record(
    *, inspection, held_on, topic, attendees, resolutions, actor, assignments=""
) -> TeamMeeting:
    """Record the minutes of a 组务会 (the team only)."""
    _team(inspection, actor, "登记组务会纪要")
    _in_stay_stage(inspection, "登记组务会纪要")
    within_inspection(inspection, held_on, "组务会日期")
    meeting = TeamMeeting.objects.create(
        inspection=inspection,
        held_on=held_on,
        topic=_text(topic, "议题", max_length=200, field="topic"),
        attendees=_text(attendees, "参会人员", max_length=2000, field="attendees"),
        resolutions=_text(resolutions, "议定事项", max_length=10000, field="resolutions"),
        assignments=_text(assignments, "任务分工", required=False, max_length=10000),
        recorded_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=meeting,
        changes={"held_on": str(held_on), "topic": meeting.topic},
    )
    return meeting


@transaction.atomic
def important_report_create(
    *, inspection, title, reported_on, situation, actor, proposal="", doc_number=""
) -> ImportantReport:
    """Draft a 重要情况报告 (the team)."""
    _team(inspection, actor, "起草重要情况报告")
    _in_stay_stage(inspection, "起草重要情况报告")
    within_inspection(inspection, reported_on, "报告日期", field="reported_on")
    report = ImportantReport.objects.create(
        inspection=inspection,
        title=_text(title, "标题", max_length=200, field="title"),
        reported_on=reported_on,
        situation=_text(situation, "情况内容", max_length=20000, field="situation"),
        proposal=_text(proposal, "处理建议", required=False, max_length=10000),
        doc_number=_text(doc_number, "文号", required=False, max_length=60),
        created_by=actor,
    )
    record(actor=actor, action=Action.CREATE, obj=report, changes={"title": report.title})
    return report


@transaction.atomic
def important_report_send(*, report: ImportantReport, actor) -> ImportantReport:
    """The team leader sends the report to the office."""
    from xuncha.inspections.services import _require

    report = (
        ImportantReport.objects.select_for_update(of=("self",))
        .select_related("inspection")
        .get(pk=report.pk)
    )
    _require(report.inspection, actor, {workflow.LEADER}, "报送重要情况报告")
    if report.state != ImportantReport.State.DRAFT:
        raise DomainError("该报告已报送。")
    report.state = ImportantReport.State.SENT
    report.sent_by, report.sent_at = actor, timezone.now()
    report.save(update_fields=["state", "sent_by", "sent_at"])
    record(
        actor=actor,
        action=Action.TRANSITION,
        obj=report,
        summary=f"报送重要情况报告：{report.title}",
        changes={"state": ["draft", "sent"]},
    )
    return report


@transaction.atomic
def important_report_receive(*, report: ImportantReport, actor, note: str = "") -> ImportantReport:
    """The office records that it received the report (签收)."""
    from xuncha.inspections.services import OFFICE, _require

    report = (
        ImportantReport.objects.select_for_update(of=("self",))
        .select_related("inspection")
        .get(pk=report.pk)
    )
    _require(report.inspection, actor, OFFICE, "签收重要情况报告")
    if report.state == ImportantReport.State.DRAFT:
        raise DomainError("该报告尚未报送，不能签收。")
    if report.state == ImportantReport.State.RECEIVED:
        raise DomainError("该报告已签收。")
    report.state = ImportantReport.State.RECEIVED
    report.received_by, report.received_at = actor, timezone.now()
    report.receipt_note = _text(note, "签收意见", required=False, max_length=300)
    report.save(update_fields=["state", "received_by", "received_at", "receipt_note"])
    record(
        actor=actor,
        action=Action.TRANSITION,
        obj=report,
        summary=f"签收重要情况报告：{report.title}",
        changes={"state": ["sent", "received"]},
    )
    return report


def important_report_document(report: ImportantReport):
    """The report as a GB/T 9704 document (an `officialdoc.OfficialDocument`, no watermark)."""
    from xuncha.inspections.documents import official_document

    inspection = report.inspection
    blocks = [{"heading": "", "level": 0, "text": report.situation}]
    if report.proposal.strip():
        blocks += [
            {"heading": "处理建议", "level": 1, "text": report.proposal},
        ]
    return official_document(
        title=f"关于{report.title}的重要情况报告",
        blocks=blocks,
        recipient=inspection.office.name,
        issuer=inspection.team.name,
        doc_date=report.reported_on,
        doc_number=report.doc_number,
        secrecy="机密",
    )


def week_figures(inspection, week_start: date, week_end: date) -> dict:
    counts = Activity.objects.filter(
        inspection=inspection, held_on__range=(week_start, week_end)
    ).aggregate(
        activities=Count("pk"), interviews=Count("pk", filter=Q(kind=Activity.Kind.INTERVIEW))
    )
    counts["problems"] = Problem.objects.filter(
        inspection=inspection,
        created_at__date__range=(week_start, week_end),
    ).count()
    return counts


@transaction.atomic
def weekly_report_create(*, inspection, week_start, progress, actor, next_plan="") -> WeeklyReport:
    """The team's progress report of one week (the week's figures are counted for it)."""
    _team(inspection, actor, "填报巡察工作周报")
    _in_stay_stage(inspection, "填报巡察工作周报")
    within_inspection(inspection, week_start, "本周起始日", field="week_start")
    week_end = min(week_start + timedelta(days=6), inspection.end)
    if WeeklyReport.objects.filter(inspection=inspection, week_start=week_start).exists():
        raise DomainError("该周的周报已填报。", field="week_start")
    report = WeeklyReport.objects.create(
        inspection=inspection,
        week_start=week_start,
        week_end=week_end,
        progress=_text(progress, "工作进展", max_length=10000, field="progress"),
        next_plan=_text(next_plan, "下周安排", required=False, max_length=10000),
        figures=week_figures(inspection, week_start, week_end),
        created_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=report,
        changes={"week_start": str(week_start), "figures": report.figures},
    )
    return report


# --- The workspace timeline -------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    on: date
    kind: str  # a short Chinese label of the record's type
    title: str
    url: str = ""
    order: int = 0  # within one day: the order of the work (activities, meetings, reviews, …)
    pk: int = 0


def _rows(qs, on, kind, title, link="pk"):
    """One branch of the timeline's UNION: (on, kind, title, pk, link, order) with fixed types;
    `order` places records of one day (动员会 first, then activities, …) in SQL too."""
    from django.db.models import CharField, F, IntegerField, Value
    from django.db.models.functions import Cast

    text = CharField()
    order = _KINDS[kind][1] if isinstance(kind, str) else ACTIVITY_ORDER
    return (
        qs.order_by()
        .annotate(
            t_on=F(on),
            t_kind=kind if not isinstance(kind, str) else Value(kind, output_field=text),
            t_title=Cast(title, text)
            if not isinstance(title, str)
            else Value(title, output_field=text),
            t_pk=F("pk"),
            t_link=Cast(link, IntegerField()),
            t_order=Value(order, output_field=IntegerField()),
        )
        .values_list("t_on", "t_kind", "t_title", "t_pk", "t_link", "t_order")
    )


SEP = "\x1f"  # between the title and the state of an important report in the UNION

# label, order within a day, link (url name, or "" for none) of each kind of record
ACTIVITY_ORDER = 1  # an activity's place among the records of one day
_KINDS = {
    "mobilisation": ("动员会", 0, ""),
    "team_meeting": ("组务会", 2, "inspections:stay_records"),
    "important_report": ("重要情况报告", 3, "inspections:important_report"),
    "weekly_report": ("工作周报", 4, "inspections:stay_records"),
    "review": ("审议", 5, "inspections:stay_records"),
    "leader_feedback": ("向主要负责人反馈", 6, "reports:feedback_delivery"),
    "feedback_meeting": ("反馈会", 7, "reports:feedback_delivery"),
    "delivery": ("反馈意见送达", 8, "reports:feedback_delivery"),
    "receipt": ("签收回执", 9, "reports:feedback_delivery"),
}


def _union(inspection):
    """Every record of the inspection (or of the inspection with this pk) as ONE query: a
    UNION of every kind of record, rows (on, kind, title, pk, link, order)."""
    from django.db.models import CharField, F, Value
    from django.db.models.functions import Concat

    of = {"inspection": inspection}
    branches = [
        _rows(Activity.objects.filter(**of), "held_on", F("kind"), F("title")),
        _rows(MobilisationMeeting.objects.filter(**of), "held_on", "mobilisation", "巡察动员会"),
        _rows(TeamMeeting.objects.filter(**of), "held_on", "team_meeting", F("topic")),
        _rows(
            ImportantReport.objects.filter(**of),
            "reported_on",
            "important_report",
            Concat(F("title"), Value(SEP), F("state"), output_field=CharField()),
        ),
        _rows(WeeklyReport.objects.filter(**of), "week_end", "weekly_report", F("week_start")),
        _rows(LeadingGroupReview.objects.filter(**of), "held_on", "review", F("body")),
    ]
    if apps.is_installed("xuncha.reports"):
        from xuncha.reports.models import (
            FeedbackDelivery,
            FeedbackMeeting,
            FeedbackReceipt,
            LeaderFeedback,
        )

        for model, via, on, kind in [
            (LeaderFeedback, "draft", "held_on", "leader_feedback"),
            (FeedbackMeeting, "draft", "held_on", "feedback_meeting"),
            (FeedbackDelivery, "draft", "delivered_on", "delivery"),
            (FeedbackReceipt, "delivery__draft", "signed_on", "receipt"),
        ]:
            qs = model.objects.filter(**{f"{via}__inspection": inspection})
            branches.append(_rows(qs, on, kind, F(f"{via}__unit__name"), F(f"{via}__pk")))
    return branches[0].union(*branches[1:], all=True)


def timeline(inspection) -> list[TimelineEntry]:
    """Every record of the inspection, oldest first: activities, stay records, reviews and
    the feedback of each unit (向主要负责人反馈, 反馈会, 送达, 签收回执). ONE query, whatever
    their number."""
    return _entries(inspection, list(_union(inspection)))


def latest_timeline(inspection, n: int) -> tuple[list[TimelineEntry], int]:
    """The newest `n` entries of `timeline` (oldest first) and the number of all: two
    queries (the count, and the union ordered newest first by the timeline's own order,
    limited to n), so the workspace never builds thousands of entries to show thirty.
    (One query with COUNT(*) OVER () was slower on SQLite: it materialises every row.)"""
    count_sql, latest_sql, params = _latest_sql(n)
    params = [inspection.pk if p == _ANY_INSPECTION else p for p in params]
    with connection.cursor() as cursor:
        cursor.execute(count_sql, params)
        (total,) = cursor.fetchone()
        cursor.execute(latest_sql, params)
        rows = cursor.fetchall()
    return _entries(inspection, rows), total


# A pk no inspection has: the latest-timeline SQL is compiled once per database and size
# with it in the place of the inspection (compiling the ten-branch UNION cost more than
# running it), and each call puts the real pk there.
_ANY_INSPECTION = -7_654_321
_LATEST_SQL: dict[tuple[str, int], tuple[str, str, tuple]] = {}


def _latest_sql(n: int) -> tuple[str, str, tuple]:
    key = (connection.vendor, n)
    if key not in _LATEST_SQL:
        union = _union(_ANY_INSPECTION)
        sql, params = union.query.sql_with_params()
        branches = len(union.query.combined_queries)
        if sum(p == _ANY_INSPECTION for p in params) != branches:
            raise RuntimeError("timeline SQL: one inspection parameter per branch expected")
        # `sql` is Django's own compilation (values are parameters) and n an int.
        _LATEST_SQL[key] = (
            f"SELECT COUNT(*) FROM ({sql}) u",  # noqa: S608
            f"SELECT u.* FROM ({sql}) u ORDER BY u.t_on DESC, u.t_order DESC, u.t_pk DESC "  # noqa: S608
            f"LIMIT {int(n)}",
            tuple(params),
        )
    return _LATEST_SQL[key]


def _entries(inspection, rows) -> list[TimelineEntry]:
    from django.urls import reverse

    activity_kinds = {k: str(v) for k, v in Activity.Kind.choices}
    bodies = {k: str(v) for k, v in LeadingGroupReview.Body.choices}
    states = {k: str(v) for k, v in ImportantReport.State.choices}
    prefixes = {}

    def url(name, link):
        if not name:
            return ""
        if name not in prefixes:
            prefixes[name] = reverse(name, args=[0]).removesuffix("0/")
        if name == "inspections:stay_records":
            return stay_url
        return f"{prefixes[name]}{link}/"

    act_prefix = reverse("inspections:activity_detail", args=[0]).removesuffix("0/")
    stay_url = reverse("inspections:stay_records", args=[inspection.pk])
    entries = []
    for on, kind, title, pk, link, _order in rows:
        on = _as_date(on)
        if kind in _KINDS:
            label, order, name = _KINDS[kind]
            if kind == "review":
                title = bodies.get(title, title)
            elif kind == "weekly_report":
                title = f"{_as_date(title):%m月%d日}—{on:%m月%d日}"
            elif kind == "important_report":
                name_, _, state = title.partition(SEP)
                title = f"{name_}（{states.get(state, '')}）"
            entries.append(TimelineEntry(on, label, title or "", url(name, link), order, pk))
        else:  # an activity: its kind is the label
            entries.append(
                TimelineEntry(
                    on,
                    activity_kinds.get(kind, ""),
                    title,
                    f"{act_prefix}{pk}/",
                    ACTIVITY_ORDER,
                    pk,
                )
            )
    entries.sort(key=lambda e: (e.on, e.order, e.pk))
    return entries


def _as_date(value):
    """SQLite hands dates of a UNION back as text."""
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
