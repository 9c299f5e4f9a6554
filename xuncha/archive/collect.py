"""Gather every record of one inspection for its archive (read-only over the other apps).

Each record becomes an `Entry`: its kind (for the retention class), a title and date for
the index, a JSON snapshot of its fields (and of the rows that only make sense with it:
a paper's review steps, a plan's history, a measure's progress and verifications), and
the stored files attached to it (the shared file store under MEDIA_ROOT, content-addressed
by SHA-256). The people's submissions stay sealed in the people's channel: the archive
keeps the ids the activities and papers link to, never their content or reporters.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.apps import apps
from django.db.models.fields.files import FieldFile

from xuncha.archive.models import RecordKind

SKIPPED_FIELDS = {"token", "password"}  # secrets are not records


@dataclass
class FileRef:
    storage_name: str
    name: str
    content_type: str
    size: int
    sha256: str


@dataclass
class Entry:
    kind: str
    title: str
    obj: object
    record_date: date | None
    content: dict
    files: list[FileRef] = field(default_factory=list)

    @property
    def record_type(self) -> str:
        return self.obj._meta.label_lower if hasattr(self.obj, "_meta") else str(self.obj)

    @property
    def record_id(self) -> str:
        return str(getattr(self.obj, "pk", "")) if hasattr(self.obj, "_meta") else ""


def _value(value):
    if isinstance(value, FieldFile):
        return value.name or ""  # the stored name; the file itself is a file item
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def fields_of(obj) -> dict:
    """The row's own fields, choices with their Chinese label beside the code."""
    out = {"_model": obj._meta.label_lower, "_label": str(obj)}
    for f in obj._meta.concrete_fields:
        if f.name in SKIPPED_FIELDS:
            continue
        value = getattr(obj, f.attname)
        out[f.attname] = _value(value)
        if f.choices and value not in (None, ""):
            out[f"{f.name}_label"] = str(getattr(obj, f"get_{f.name}_display")())
    return out


def _day(value):
    if isinstance(value, datetime):
        return value.date()
    return value


def _inspection_files(qs) -> list[FileRef]:
    return [
        FileRef(a.file.name, a.original_name, a.content_type, a.size, a.sha256)
        for a in qs
        if a.file
    ]


def collect(inspection) -> list[Entry]:
    """Every record of the inspection, in the order of the work."""
    from xuncha.inspections import models as fw
    from xuncha.plans.models import TeamMember

    entries: list[Entry] = []
    add = entries.append
    i = inspection

    # Task and assignment (巡察任务与分工)
    members = [
        {"name": m.inspector.name, "role": m.role, "role_label": m.get_role_display()}
        for m in TeamMember.objects.filter(team__inspection=i).select_related("inspector")
    ]
    team = getattr(i, "team", None)
    content = fields_of(i)
    content["units"] = [{"id": u.pk, "name": u.name} for u in i.units.all()]
    content["round"] = str(i.round)
    content["team"] = fields_of(team) if team else None
    content["members"] = members
    add(Entry(RecordKind.ASSIGNMENT, f"巡察任务与分工：{i}", i, i.start, content))

    stages = list(fw.StageChange.objects.filter(inspection=i).order_by("at", "pk"))
    if stages:
        add(
            Entry(
                RecordKind.STAGE,
                f"巡察阶段变更记录（{len(stages)} 条）",
                stages[0],
                _day(stages[-1].at),
                {"rows": [fields_of(s) for s in stages]},
            )
        )

    _preparation(i, add)
    if apps.is_installed("xuncha.petitions"):
        from xuncha.petitions.models import Announcement

        for a in Announcement.objects.filter(inspection=i).prefetch_related("events"):
            c = fields_of(a)
            c["events"] = [fields_of(e) for e in a.events.all()]
            add(Entry(RecordKind.ANNOUNCEMENT, a.title, a, _day(a.published_at or a.created_at), c))

    for letter in fw.PreInspectionLetter.objects.filter(inspection=i).prefetch_related(
        "attachments"
    ):
        add(
            Entry(
                RecordKind.LETTER,
                f"巡前函询：{letter}",
                letter,
                letter.sent_on,
                fields_of(letter),
                _inspection_files(letter.attachments.all()),
            )
        )
    for req in fw.DocumentRequest.objects.filter(inspection=i):
        add(
            Entry(
                RecordKind.DOCUMENT_REQUEST,
                f"调取资料：{req.title}",
                req,
                req.requested_on,
                fields_of(req),
            )
        )

    for act in (
        fw.Activity.objects.filter(inspection=i)
        .order_by("held_on", "pk")
        .prefetch_related("attachments")
    ):
        add(
            Entry(
                RecordKind.ACTIVITY,
                f"{act.get_kind_display()}：{act.title}",
                act,
                act.held_on,
                fields_of(act),
                _inspection_files(act.attachments.all()),
            )
        )
    for survey in fw.Survey.objects.filter(activity__inspection=i).select_related("activity"):
        questions = []
        for q in survey.questions.all().prefetch_related("answers"):
            answers = list(q.answers.all())
            scores = [a.score for a in answers if a.score is not None]
            questions.append(
                {
                    **fields_of(q),
                    "answers": len(answers),
                    "mean_score": round(sum(scores) / len(scores), 2) if scores else None,
                    "texts": [a.text for a in answers if a.text],
                }
            )
        c = fields_of(survey)
        c["responses"] = survey.responses.count()
        c["questions"] = questions
        add(
            Entry(
                RecordKind.SURVEY,
                f"问卷结果：{survey.activity.title}",
                survey,
                survey.activity.held_on,
                c,
            )
        )

    for p in fw.Problem.objects.filter(inspection=i).select_related("unit", "category"):
        c = fields_of(p)
        c["unit_name"] = p.unit.name
        c["category_code"] = f"{p.category.code} {p.category.name}"
        add(Entry(RecordKind.PROBLEM, f"问题 {p.number} {p.title}", p, _day(p.created_at), c))
    for paper in (
        fw.WorkingPaper.objects.filter(inspection=i)
        .prefetch_related("steps", "attachments", "sources")
        .order_by("number")
    ):
        c = fields_of(paper)
        c["steps"] = [fields_of(s) for s in paper.steps.all()]
        c["source_activity_ids"] = [a.pk for a in paper.sources.all()]
        add(
            Entry(
                RecordKind.WORKING_PAPER,
                f"底稿 {paper.number} {paper.title}",
                paper,
                _day(paper.leader_signed_at or paper.drafted_at),
                c,
                _inspection_files(paper.attachments.all()),
            )
        )
    for notice in fw.FixNotice.objects.filter(inspection=i).prefetch_related("attachments"):
        add(
            Entry(
                RecordKind.FIX_NOTICE,
                f"立行立改：{notice.title}",
                notice,
                _day(notice.issued_at),
                fields_of(notice),
                _inspection_files(notice.attachments.all()),
            )
        )
    _stay(i, add)
    for review in fw.LeadingGroupReview.objects.filter(inspection=i).prefetch_related(
        "result_decisions"
    ):
        c = fields_of(review)
        c["decisions"] = [fields_of(d) for d in review.result_decisions.all()]
        add(
            Entry(
                RecordKind.REVIEW,
                f"审议记录（{review.held_on:%Y年%m月%d日}）",
                review,
                review.held_on,
                c,
            )
        )
    # Files attached to nothing above (a loose attachment of the inspection).
    loose = fw.Attachment.objects.filter(
        inspection=i, activity=None, paper=None, letter=None, fix_notice=None
    )
    if loose.exists():
        add(
            Entry(
                RecordKind.ACTIVITY,
                "其他巡察附件",
                i,
                i.end,
                {"files": [fields_of(a) for a in loose]},
                _inspection_files(loose),
            )
        )

    if apps.is_installed("xuncha.reports"):
        _reports(i, add)
    if apps.is_installed("xuncha.clues"):
        _clues(i, add)
    if apps.is_installed("xuncha.rectification"):
        _rectification(i, add)
        _results(i, add)
    return entries


def _preparation(i, add):
    """巡察工作方案 and the records 进驻 waits for (pledges, replacement requests, branch)."""
    from xuncha.inspections import prep_models as pm

    for plan in pm.WorkPlan.objects.filter(inspection=i):
        add(
            Entry(
                RecordKind.WORK_PLAN,
                f"巡察工作方案：{i}",
                plan,
                plan.approved_on or _day(plan.updated_at),
                fields_of(plan),
            )
        )
    rows = [
        *pm.SecrecyPledge.objects.filter(member__team__inspection=i).order_by("pk"),
        *pm.ReplacementRequest.objects.filter(inspection=i).order_by("pk"),
        *pm.TemporaryBranch.objects.filter(inspection=i),
    ]
    if rows:
        add(
            Entry(
                RecordKind.PREPARATION,
                f"进驻准备记录（保密承诺书、更换申请、临时党支部，{len(rows)} 条）",
                rows[0],
                i.start,
                {"rows": [fields_of(r) for r in rows]},
            )
        )


def _stay(i, add):
    """动员会, 组务会, 重要情况报告 and weekly reports, one entry per record."""
    from xuncha.inspections import stay_models as sm

    kinds = [
        (sm.MobilisationMeeting, "held_on", "动员会"),
        (sm.TeamMeeting, "held_on", "组务会"),
        (sm.ImportantReport, "reported_on", "重要情况报告"),
        (sm.WeeklyReport, "week_end", "周报"),
    ]
    for model, day, label in kinds:
        for row in model.objects.filter(inspection=i).order_by(day, "pk"):
            on = getattr(row, day)
            add(Entry(RecordKind.STAY, f"{label}（{on:%Y年%m月%d日}）", row, on, fields_of(row)))


def _reports(i, add):
    from xuncha.reports.models import FeedbackDelivery, ReportDraft

    kinds = {
        "report": RecordKind.REPORT,
        "feedback": RecordKind.FEEDBACK,
        "topical": RecordKind.TOPICAL,
        "recommendation": RecordKind.RECOMMENDATION,
    }
    from xuncha.reports.delivery_models import FeedbackMeeting, FeedbackReceipt, LeaderFeedback

    deliveries = {d.draft_id: d for d in FeedbackDelivery.objects.filter(draft__inspection=i)}
    meetings = {m.draft_id: m for m in FeedbackMeeting.objects.filter(draft__inspection=i)}
    leaders = {m.draft_id: m for m in LeaderFeedback.objects.filter(draft__inspection=i)}
    receipts = {
        r.delivery_id: r for r in FeedbackReceipt.objects.filter(delivery__draft__inspection=i)
    }
    for d in ReportDraft.objects.filter(inspection=i).prefetch_related("problems").order_by("pk"):
        c = fields_of(d)
        c["problem_ids"] = [p.pk for p in d.problems.all()]
        files = []
        if d.pk in deliveries:
            delivery = deliveries[d.pk]
            c["delivery"] = fields_of(delivery)
            receipt = receipts.get(delivery.pk)
            if receipt is not None:
                c["receipt"] = fields_of(receipt)
                name = receipt.original_name or "签收回执"
                files.append(
                    FileRef(
                        receipt.file.name, name, receipt.content_type, receipt.size, receipt.sha256
                    )
                )
        if d.pk in meetings:
            c["feedback_meeting"] = fields_of(meetings[d.pk])
        if d.pk in leaders:
            c["leader_feedback"] = fields_of(leaders[d.pk])
        add(
            Entry(
                kinds.get(d.kind, RecordKind.REPORT),
                f"{d.get_kind_display()}：{d.title}",
                d,
                d.doc_date or _day(d.created_at),
                c,
                files,
            )
        )


def _clues(i, add):
    from xuncha.clues.models import Clue, Handover

    for clue in Clue.objects.filter(inspection=i).prefetch_related("evidence"):
        c = fields_of(clue)
        c["evidence"] = [fields_of(e) for e in clue.evidence.all()]
        files = [
            FileRef(e.file, e.file_name or e.title, e.content_type, e.size, e.sha256)
            for e in clue.evidence.all()
            if e.file and e.sha256
        ]
        add(
            Entry(RecordKind.CLUE, f"问题线索 {clue.number}", clue, _day(clue.created_at), c, files)
        )
    for h in Handover.objects.filter(inspection=i).prefetch_related(
        "history", "clues", "problems", "evidence"
    ):
        c = fields_of(h)
        c["history"] = [fields_of(x) for x in h.history.all()]
        c["clue_ids"] = [x.pk for x in h.clues.all()]
        c["problem_ids"] = [x.pk for x in h.problems.all()]
        c["evidence_ids"] = [x.pk for x in h.evidence.all()]
        add(
            Entry(
                RecordKind.HANDOVER,
                f"移交函 {h.number or h.pk}：{h.subject}",
                h,
                _day(h.sent_at or h.created_at),
                c,
            )
        )


def _rectification(i, add):
    from xuncha.rectification import models as rm

    plans = rm.RectificationPlan.objects.filter(inspection=i).select_related("unit")
    for plan in plans.prefetch_related("history", "opinions"):
        c = fields_of(plan)
        c["history"] = [fields_of(x) for x in plan.history.all()]
        c["opinions"] = [fields_of(x) for x in plan.opinions.all()]
        add(
            Entry(
                RecordKind.RECT_PLAN,
                f"整改方案：{plan.unit.name}",
                plan,
                _day(plan.adopted_at or plan.created_at),
                c,
            )
        )
        for m in (
            rm.Measure.objects.filter(plan=plan)
            .select_related("problem")
            .prefetch_related("progress", "verifications", "evidence")
            .order_by("pk")
        ):
            mc = fields_of(m)
            mc["progress"] = [fields_of(x) for x in m.progress.all()]
            mc["verifications"] = [fields_of(x) for x in m.verifications.all()]
            mc["evidence"] = [fields_of(x) for x in m.evidence.all()]
            files = [
                FileRef(e.path, e.name, e.content_type, e.size, e.sha256) for e in m.evidence.all()
            ]
            add(
                Entry(
                    RecordKind.MEASURE,
                    f"整改措施：{m.problem.number} {m.content[:60]}",
                    m,
                    _day(m.closed_at or m.created_at),
                    mc,
                    files,
                )
            )
        for letter in rm.SupervisionLetter.objects.filter(plan=plan).prefetch_related("measures"):
            c = fields_of(letter)
            c["measure_ids"] = [x.pk for x in letter.measures.all()]
            add(
                Entry(
                    RecordKind.SUPERVISION,
                    f"督办单 {letter.number}",
                    letter,
                    _day(letter.issued_at),
                    c,
                )
            )
        for report in rm.Report.objects.filter(plan=plan):
            add(
                Entry(
                    RecordKind.RECT_REPORT,
                    f"{report.get_kind_display()}：{plan.unit.name}",
                    report,
                    _day(report.submitted_at),
                    fields_of(report),
                )
            )
        assessment = rm.Assessment.objects.filter(plan=plan).first()
        rating = rm.TeamRating.objects.filter(plan=plan).first()
        if assessment or rating:
            c = {"assessment": fields_of(assessment) if assessment else None}
            if assessment:
                c["scores"] = [fields_of(s) for s in assessment.scores.all()]
            c["team_rating"] = fields_of(rating) if rating else None
            add(
                Entry(
                    RecordKind.ASSESSMENT,
                    f"整改评估与作风评价：{plan.unit.name}",
                    assessment or rating,
                    _day(assessment.assessed_at if assessment else rating.rated_at),
                    c,
                )
            )
        disclosure = rm.Disclosure.objects.filter(plan=plan).first()
        if disclosure:
            c = fields_of(disclosure)
            c["items"] = [fields_of(x) for x in disclosure.items.all()]
            add(
                Entry(
                    RecordKind.DISCLOSURE,
                    f"整改公开：{plan.unit.name}",
                    disclosure,
                    _day(disclosure.published_at) or None,
                    c,
                )
            )


def _results(i, add):
    """成果运用: every ledger item with its history and letter (a 建议书 or 抄告单 to a
    department has no plan, so it is not among the plans' letters), the talks and the
    rectification democratic life meetings."""
    from xuncha.rectification import models as rm

    items = (
        rm.ResultItem.objects.filter(inspection=i)
        .select_related("letter")
        .prefetch_related("history")
        .order_by("decided_on", "pk")
    )
    for item in items:
        c = fields_of(item)
        c["history"] = [fields_of(h) for h in item.history.all()]
        c["letter"] = fields_of(item.letter) if item.letter_id else None
        add(Entry(RecordKind.RESULTS, f"成果运用：{item.subject}", item, item.decided_on, c))
    for talk in rm.Talk.objects.filter(plan__inspection=i).order_by("held_on", "pk"):
        add(Entry(RecordKind.RESULTS, f"约谈记录：{talk}", talk, talk.held_on, fields_of(talk)))
    meetings = rm.LifeMeeting.objects.filter(plan__inspection=i).prefetch_related("measures")
    for meeting in meetings.order_by("held_on", "pk"):
        c = fields_of(meeting)
        c["measure_ids"] = [m.pk for m in meeting.measures.all()]
        add(
            Entry(RecordKind.RESULTS, f"整改专题民主生活会：{meeting}", meeting, meeting.held_on, c)
        )


def audit_excerpt(entries: list[Entry]) -> list[dict]:
    """The audit entries about the inspection and every archived record (object label + id)."""
    from django.db.models import Q

    from xuncha.audit.models import AuditEntry

    wanted: dict[str, set[str]] = {}
    for e in entries:
        if hasattr(e.obj, "_meta"):
            wanted.setdefault(e.record_type, set()).add(e.record_id)
    q = Q(pk__in=[])
    for label, ids in wanted.items():
        q |= Q(object_type=label, object_id__in=sorted(ids))
    rows = AuditEntry.objects.filter(q).order_by("seq")
    return [
        {
            "seq": a.seq,
            "at": a.at.isoformat(),
            "actor": a.actor_name,
            "action": a.action,
            "object_type": a.object_type,
            "object_id": a.object_id,
            "summary": a.summary,
            "hash": a.hash,
        }
        for a in rows.iterator(chunk_size=500)
    ]
