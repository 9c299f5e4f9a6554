"""Writes of the fieldwork: each validates, changes, audits in one transaction.

Callers fetch the objects they pass in through `org.access` (so a user never reaches a row
outside their scope); the services then check the user's capacity in that inspection
(team leader, deputy, member, office) and the state rules, and raise DomainError in Chinese.
"""

import hashlib
from contextlib import ContextDecorator
from contextvars import ContextVar
from datetime import date

from django.db import DatabaseError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.inspections import workflow
from xuncha.inspections.models import (
    Activity,
    Attachment,
    DocumentRequest,
    Fieldwork,
    FieldworkSettings,
    FixNotice,
    LeadingGroupReview,
    PaperStep,
    PreInspectionLetter,
    Problem,
    StageChange,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TaxonomyCategory,
    TaxonomyTheme,
    TaxonomyVersion,
    WorkingPaper,
)
from xuncha.plans.models import Inspection, Inspector, TeamMember

Stage = Inspection.Stage
TEAM = {workflow.LEADER, workflow.DEPUTY, workflow.MEMBER}
OFFICE = {workflow.OFFICE, workflow.OFFICE_ADMIN}
FIELD_STAGES = {Stage.PREPARATION, Stage.STATIONING, Stage.INVESTIGATION, Stage.REPORT}
PROBLEM_STAGES = {Stage.STATIONING, Stage.INVESTIGATION, Stage.REPORT}
CLOSED_STAGES = {Stage.ARCHIVED}


def _require(inspection, actor, allowed: set[str], what: str) -> set[str]:
    caps = workflow.capacities(inspection, actor)
    if workflow.SYSADMIN in caps or caps & allowed:
        return caps
    who = "、".join(sorted({workflow.CAPACITY_LABELS[c] for c in allowed}))
    raise DomainError(f"只有{who}可以{what}。")


def _stage_in(inspection, stages, what: str):
    if inspection.stage not in stages:
        raise DomainError(f"巡察当前处于“{inspection.get_stage_display()}”阶段，不能{what}。")


def _text(value, label: str, *, required=True, max_length=None) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。", field=label)
    if max_length and len(value) > max_length:
        raise DomainError(f"{label}不能超过 {max_length} 个字。", field=label)
    return value


def _index(obj, state_only=False):
    """Keep the search index in step (analytics reads every app; imported lazily)."""
    from xuncha.analytics import search

    if state_only:
        search.set_state(obj)
    else:
        search.index(obj)


# --- Lifecycle ---------------------------------------------------------------------


@transaction.atomic
def inspection_transition(
    *, inspection: Inspection, target: str, actor, note: str = "", feedback_date: date | None = None
) -> StageChange:
    """Move the inspection to `target` if the table allows it for this actor now."""
    locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
    source = locked.stage
    try:
        target_label = Stage(target).label
    except ValueError:
        raise DomainError("目标阶段不存在。", field="target") from None
    transition = workflow.find(source, target)
    if transition is None:
        allowed = "、".join(str(Stage(t.target).label) for t in workflow.transitions_from(source))
        raise DomainError(
            f"巡察当前处于“{locked.get_stage_display()}”阶段，不能直接转入“{target_label}”"
            f"（可转入：{allowed or '无'}）。",
            field="target",
        )
    caps = workflow.capacities(locked, actor)
    if not workflow.may_act(transition, caps):
        who = "、".join(sorted(workflow.CAPACITY_LABELS[c] for c in transition.who))
        raise DomainError(f"只有{who}可以将巡察转入“{target_label}”阶段。")
    reasons = workflow.blocking_reasons(transition, locked)
    if reasons:
        raise DomainError("；".join(reasons))
    note = (note or "").strip()
    changes = {"stage": [source, str(target)]}
    summary = f"巡察阶段：{Stage(source).label} → {target_label}"
    needs_reason = workflow.reason_needed(transition, locked)
    if needs_reason:
        if not note:
            raise DomainError(needs_reason, field="note")
        changes["reason"] = note[:300]
        summary += f"（提前进驻，理由：{note[:100]}）"
    locked.stage = target
    fields = ["stage"]
    if target == Stage.FEEDBACK:
        locked.feedback_date = feedback_date or locked.feedback_date or timezone.localdate()
        fields.append("feedback_date")
        changes["feedback_date"] = str(locked.feedback_date)
    locked.save(update_fields=fields)
    change = StageChange.objects.create(
        inspection=locked, from_stage=source, to_stage=target, actor=actor, note=note[:300]
    )
    record(actor=actor, action=Action.TRANSITION, obj=locked, summary=summary, changes=changes)
    inspection.stage = locked.stage
    inspection.feedback_date = locked.feedback_date
    return change


@transaction.atomic
def review_record(
    *, inspection: Inspection, held_on: date, decision: str, actor, body: str = "leading_group"
) -> LeadingGroupReview:
    """Record the leading group's (or the secretary meeting's) review of the report."""
    _require(inspection, actor, OFFICE | {workflow.LEADING_GROUP}, "登记审议意见")
    _stage_in(inspection, {Stage.REVIEW, Stage.FEEDBACK}, "登记审议意见")
    if body not in LeadingGroupReview.Body.values:
        raise DomainError("审议机构不正确。", field="body")
    review = LeadingGroupReview.objects.create(
        inspection=inspection,
        body=body,
        held_on=held_on,
        decision=_text(decision, "审议意见"),
        recorded_by=actor,
    )
    record(actor=actor, action=Action.CREATE, obj=review, changes={"held_on": str(held_on)})
    return review


@transaction.atomic
def no_problems_note_set(*, inspection: Inspection, note: str, actor) -> Fieldwork:
    """The leader states that no problem for the report was found (lets 了解 → 报告 proceed)."""
    _require(inspection, actor, {workflow.LEADER}, "填写未发现问题说明")
    fieldwork, _ = Fieldwork.objects.get_or_create(inspection=inspection)
    fieldwork.no_problems_note = _text(note, "未发现问题说明", required=False, max_length=2000)
    fieldwork.save(update_fields=["no_problems_note"])
    record(actor=actor, action=Action.UPDATE, obj=fieldwork, changes={"no_problems_note": "set"})
    return fieldwork


# --- Attachments -------------------------------------------------------------------


class files_atomic(ContextDecorator):
    """`transaction.atomic` that also removes the files written inside it if it rolls back.

    Django has no rollback hook, so the services that store attachments run in this block:
    `attachment_store` registers each file it newly writes with the innermost block; a block
    that ends in an exception deletes its files (unless a committed row of another
    transaction points at the same content-addressed file), a block that succeeds hands them
    to the enclosing one, so a failure anywhere up to the outermost block cleans up.
    """

    def __init__(self, using=None):
        self.using = using

    def _recreate_cm(self):
        return files_atomic(self.using)  # a fresh block per call: safe to nest and re-enter

    def __enter__(self):
        self._atomic = transaction.atomic(using=self.using)
        self._atomic.__enter__()
        _written.set((*_written.get(), []))
        return self

    def __exit__(self, exc_type, exc, tb):
        stack = _written.get()
        mine, rest = stack[-1], stack[:-1]
        _written.set(rest)
        try:
            result = self._atomic.__exit__(exc_type, exc, tb)
        except BaseException:
            _remove_orphans(mine)
            raise
        if exc_type is not None:
            _remove_orphans(mine)
        elif rest:
            rest[-1].extend(mine)
        return result


_written: ContextVar[tuple[list[str], ...]] = ContextVar("inspections_written_files", default=())


def _remove_orphans(paths):
    from django.core.files.storage import default_storage

    for path in paths:
        try:
            shared = Attachment.objects.filter(file=path).exists()
        except DatabaseError:  # the enclosing transaction is broken: the file is ours alone
            shared = False
        if not shared:
            default_storage.delete(path)


def attachment_store(*, inspection: Inspection, uploaded, actor, description: str = "", **link):
    """Check (size, type by content), hash and store one file; link it to one record.

    Inside `files_atomic` a newly written file is removed again if the save rolls back.
    """
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    checked = check_upload(uploaded)
    data = uploaded.read()
    data = strip_image_metadata(data, checked.extension)
    digest = hashlib.sha256(data).hexdigest()
    attachment = Attachment(
        inspection=inspection,
        sha256=digest,
        size=len(data),
        content_type=checked.content_type,
        original_name=checked.name,
        description=(description or "")[:200],
        uploaded_by=actor,
        **link,
    )
    path = f"inspections/{digest[:2]}/{digest}"
    if default_storage.exists(path):
        attachment.file.name = path  # content-addressed: the same bytes are stored once
    else:
        attachment.file.save(digest, ContentFile(data), save=False)
        stack = _written.get()
        if stack:
            stack[-1].append(attachment.file.name)
    attachment.save()
    record(
        actor=actor,
        action=Action.CREATE,
        obj=attachment,
        changes={"sha256": digest, "size": len(data), "name": checked.name},
    )
    return attachment


def _store_all(inspection, files, actor, **link):
    # Check every file first, so one bad file refuses the whole save and nothing is half-stored.
    for f in files or []:
        check_upload(f)
    return [
        attachment_store(inspection=inspection, uploaded=f, actor=actor, **link)
        for f in files or []
    ]


# --- Preparation ---------------------------------------------------------------------


@files_atomic()
def letter_create(
    *, inspection, recipient, subject, sent_on, actor, recipient_name="", due_on=None, files=()
) -> PreInspectionLetter:
    """巡前函询: record a letter sent to 纪委监委, 组织部, 审计, 信访 … asking about the unit."""
    _require(inspection, actor, TEAM | OFFICE, "发出巡前函询")
    _stage_in(inspection, FIELD_STAGES, "发出巡前函询")
    if recipient not in PreInspectionLetter.Recipient.values:
        raise DomainError("请选择函询对象。", field="recipient")
    if due_on is None:
        s = FieldworkSettings.for_office(inspection.office)
        due_on = workflow._calendar()(inspection.office_id, sent_on, s.letter_reply_days)
    if due_on < sent_on:
        raise DomainError("回复期限不能早于发函日期。", field="due_on")
    letter = PreInspectionLetter.objects.create(
        inspection=inspection,
        recipient=recipient,
        recipient_name=_text(recipient_name, "单位名称", required=False, max_length=100),
        subject=_text(subject, "函询事项", max_length=200),
        sent_on=sent_on,
        due_on=due_on,
        created_by=actor,
    )
    _store_all(inspection, files, actor, letter=letter)
    record(actor=actor, action=Action.CREATE, obj=letter, changes={"recipient": recipient})
    return letter


@files_atomic()
def letter_reply(*, letter: PreInspectionLetter, reply_on, reply_text, actor, files=()):
    """Attach a body's reply to a pre-inspection letter."""
    inspection = letter.inspection
    _require(inspection, actor, TEAM | OFFICE, "登记函询回复")
    if reply_on < letter.sent_on:
        raise DomainError("回复日期不能早于发函日期。", field="reply_on")
    letter.reply_on = reply_on
    letter.reply_text = _text(reply_text, "回复内容")
    letter.state = PreInspectionLetter.State.REPLIED
    letter.save(update_fields=["reply_on", "reply_text", "state"])
    _store_all(inspection, files, actor, letter=letter)
    record(actor=actor, action=Action.UPDATE, obj=letter, changes={"state": "replied"})
    return letter


@transaction.atomic
def document_request_create(*, inspection, title, requested_on, actor, detail="", due_on=None):
    """Add an item to the list of documents the unit must provide."""
    _require(inspection, actor, TEAM | OFFICE, "开列调取资料清单")
    _stage_in(inspection, FIELD_STAGES, "开列调取资料清单")
    if due_on and due_on < requested_on:
        raise DomainError("提供期限不能早于提出日期。", field="due_on")
    item = DocumentRequest.objects.create(
        inspection=inspection,
        title=_text(title, "资料名称", max_length=200),
        detail=detail or "",
        requested_on=requested_on,
        due_on=due_on,
        created_by=actor,
    )
    record(actor=actor, action=Action.CREATE, obj=item)
    return item


@transaction.atomic
def document_request_mark(*, item: DocumentRequest, state: str, actor, on: date | None = None):
    _require(item.inspection, actor, TEAM | OFFICE, "更新资料清单")
    order = [s.value for s in DocumentRequest.State]
    if state not in order or order.index(state) != order.index(item.state) + 1:
        raise DomainError("资料状态只能依次变为“已提供”“已退还”。", field="state")
    before = item.state
    item.state = state
    if state == DocumentRequest.State.PROVIDED:
        item.provided_on = on or timezone.localdate()
    item.save(update_fields=["state", "provided_on"])
    record(actor=actor, action=Action.UPDATE, obj=item, changes={"state": [before, state]})
    return item


# --- Activities ---------------------------------------------------------------------


def _team_inspector(inspection, inspector_id, label):
    if not inspector_id:
        raise DomainError(f"请选择{label}。", field=label)
    inspector = Inspector.objects.filter(
        pk=inspector_id, memberships__team__inspection=inspection
    ).first()
    if inspector is None:
        raise DomainError(f"{label}必须是本巡察组成员。", field=label)
    return inspector


ACTIVITY_FIELDS = [
    "title",
    "held_on",
    "place",
    "summary",
    "interviewee",
    "interviewee_position",
    "interviewee_category",
    "outline",
    "requested_on",
    "received_on",
    "returned_on",
]


@files_atomic()
def activity_create(*, inspection, kind, actor, files=(), **data) -> Activity:
    """Record one activity (interview, document review, visit, …) with its attachments."""
    _require(inspection, actor, TEAM, "记录了解情况")
    _stage_in(inspection, FIELD_STAGES, "新增了解情况记录")
    if kind not in Activity.Kind.values:
        raise DomainError("请选择了解方式。", field="kind")
    if not data.get("held_on"):
        raise DomainError("请填写日期。", field="held_on")
    activity = Activity(inspection=inspection, kind=kind, created_by=actor)
    for name in ACTIVITY_FIELDS:
        if name in data and data[name] is not None:
            setattr(activity, name, data[name])
    activity.title = _text(activity.title, "标题", max_length=200)
    if kind == Activity.Kind.INTERVIEW:
        activity.interviewee = _text(activity.interviewee, "谈话对象", max_length=50)
        if activity.interviewee_category not in Activity.IntervieweeCategory.values:
            raise DomainError("请选择谈话对象类别。", field="interviewee_category")
        activity.interviewer = _team_inspector(inspection, data.get("interviewer_id"), "主谈人")
        activity.recorder = _team_inspector(inspection, data.get("recorder_id"), "记录人")
        if activity.interviewer == activity.recorder:
            raise DomainError(
                "个别谈话须由两名巡察干部进行：主谈人和记录人不能是同一人。", field="recorder"
            )
        activity.confidential = True
    if kind == Activity.Kind.DOCUMENT_REVIEW:
        r, got, back = activity.requested_on, activity.received_on, activity.returned_on
        if (r and got and got < r) or (got and back and back < got) or (back and not got):
            raise DomainError("调阅日期顺序不正确：调阅 ≤ 收到 ≤ 退还。", field="returned_on")
    if kind == Activity.Kind.INTAKE:
        ids = data.get("submission_ids") or []
        activity.submission_ids = [int(i) for i in ids]
    activity.save()
    _store_all(inspection, files, actor, activity=activity)
    record(actor=actor, action=Action.CREATE, obj=activity, changes={"kind": kind})
    _index(activity)
    return activity


@files_atomic()
def activity_update(*, activity: Activity, actor, files=(), **data) -> Activity:
    """Edit an activity's record (e.g. mark documents returned, complete an interview record)."""
    inspection = activity.inspection
    _require(inspection, actor, TEAM, "修改了解情况记录")
    _stage_in(inspection, FIELD_STAGES, "修改了解情况记录")
    changed = {}
    for name in ACTIVITY_FIELDS:
        if name in data and data[name] is not None and getattr(activity, name) != data[name]:
            changed[name] = "changed"
            setattr(activity, name, data[name])
    activity.title = _text(activity.title, "标题", max_length=200)
    if activity.returned_on and not activity.received_on:
        raise DomainError("尚未收到的资料不能登记退还。", field="returned_on")
    activity.save()
    _store_all(inspection, files, actor, activity=activity)
    record(actor=actor, action=Action.UPDATE, obj=activity, changes=changed)
    _index(activity)
    return activity


# --- Surveys ---------------------------------------------------------------------------


@files_atomic()
def survey_create(*, inspection, title, held_on, questions, actor, intro="", closes_on=None):
    """Create a questionnaire (Likert and free-text questions) answered through a link."""
    clean = []
    for kind, text in questions:
        text = (text or "").strip()
        if not text:
            continue
        if kind not in SurveyQuestion.Kind.values:
            raise DomainError("题型不正确。", field="questions")
        clean.append((kind, text[:300]))
    if not clean:
        raise DomainError("问卷至少需要一道题目。", field="questions")
    activity = activity_create(
        inspection=inspection,
        kind=Activity.Kind.SURVEY,
        actor=actor,
        title=title,
        held_on=held_on,
        summary=intro,
    )
    survey = Survey.objects.create(activity=activity, intro=intro or "", closes_on=closes_on)
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(survey=survey, order=i, kind=k, text=t) for i, (k, t) in enumerate(clean)
    )
    return survey


@transaction.atomic
def survey_submit(*, survey: Survey, answers: dict) -> SurveyResponse:
    """Store one anonymous answer sheet: no account, no address, no time beyond the date."""
    today = timezone.localdate()
    if not survey.open or (survey.closes_on and today > survey.closes_on):
        raise DomainError("本问卷已结束，感谢您的参与。")
    questions = list(survey.questions.all())
    rows = []
    for q in questions:
        raw = answers.get(q.pk, answers.get(str(q.pk), ""))
        raw = (raw or "").strip() if isinstance(raw, str) else raw
        if q.kind == SurveyQuestion.Kind.LIKERT:
            if raw in ("", None):
                raise DomainError(f"请为“{q.text}”选择评价。", field=f"q{q.pk}")
            try:
                score = int(raw)
            except (TypeError, ValueError):
                score = 0
            if not 1 <= score <= 5:
                raise DomainError(f"“{q.text}”的评价须在 1–5 之间。", field=f"q{q.pk}")
            rows.append(SurveyAnswer(question=q, score=score))
        elif raw:
            rows.append(SurveyAnswer(question=q, text=str(raw)[:2000]))
    response = SurveyResponse.objects.create(survey=survey)
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows)
    return response


def survey_results(survey: Survey) -> list[dict]:
    """Tally per question: response count, mean and distribution for Likert; texts for free text."""
    from collections import Counter

    questions = list(survey.questions.all())
    answers = SurveyAnswer.objects.filter(question__survey=survey).values_list(
        "question_id", "score", "text"
    )
    by_q: dict[int, list] = {q.pk: [] for q in questions}
    for qid, score, text in answers:
        by_q[qid].append(score if score is not None else text)
    results = []
    for q in questions:
        values = by_q[q.pk]
        if q.kind == SurveyQuestion.Kind.LIKERT:
            counts = Counter(values)
            total = len(values)
            mean = round(sum(values) / total, 2) if total else None
            results.append(
                {
                    "question": q,
                    "count": total,
                    "mean": mean,
                    "distribution": [counts.get(i, 0) for i in range(1, 6)],
                }
            )
        else:
            results.append({"question": q, "count": len(values), "texts": values})
    return results


# --- Problems and working papers ----------------------------------------------------------


def _category(code: str) -> TaxonomyCategory:
    code = (code or "").strip().upper()
    if not code:
        raise DomainError("请选择问题分类。", field="category")
    version = TaxonomyVersion.objects.filter(active=True).first()
    category = TaxonomyCategory.objects.filter(version=version, code=code).first()
    if category is None:
        raise DomainError(f"问题分类代码“{code}”不存在，请从分类表中选择。", field="category")
    if not category.is_active:
        raise DomainError(
            f"问题分类“{code} {category.name}”已停用，请选择其他分类。", field="category"
        )
    if category.level != 2:
        raise DomainError(
            f"请选择二级分类（如 {code}1），不能只选一级分类“{code}”。", field="category"
        )
    return category


def _theme(inspection, code) -> TaxonomyTheme | None:
    code = (code or "").strip()
    if not code:
        return None
    theme = TaxonomyTheme.objects.filter(round_id=inspection.round_id, code=code).first()
    if theme is None:
        raise DomainError(f"本轮次没有代码为“{code}”的专项主题。", field="theme")
    return theme


@transaction.atomic
def theme_create(*, inspection, name: str, actor, code: str = "") -> TaxonomyTheme:
    """Add a per-round custom theme (专项主题) under F1, for the inspection's round."""
    _require(inspection, actor, OFFICE | {workflow.LEADER}, "设置专项主题分类")
    name = _text(name, "主题名称", max_length=100)
    parent = _category("F1")
    existing = TaxonomyTheme.objects.filter(round_id=inspection.round_id)
    if existing.filter(name=name).exists():
        raise DomainError(f"本轮次已有专项主题“{name}”。", field="name")
    code = (code or "").strip() or f"F1-{existing.count() + 1:02d}"
    if existing.filter(code=code).exists():
        raise DomainError(f"本轮次已有代码为“{code}”的专项主题。", field="code")
    theme = TaxonomyTheme.objects.create(
        round_id=inspection.round_id, category=parent, code=code[:16], name=name
    )
    record(actor=actor, action=Action.CREATE, obj=theme, changes={"round": inspection.round_id})
    return theme


def _next_number(inspection) -> str:
    numbers = Problem.objects.filter(inspection=inspection).values_list("number", flat=True)
    top = max((int(n) for n in numbers if n.isdigit()), default=0)
    return f"{top + 1:03d}"


def _unit(inspection, unit_id):
    unit = inspection.units.filter(pk=unit_id).first() if unit_id else None
    if unit is None and unit_id:
        # A problem can sit in a unit below an inspected unit (e.g. its subordinate centre).
        from xuncha.org.models import Unit

        roots = list(inspection.units.all())
        candidate = Unit.objects.filter(pk=unit_id).first()
        if candidate and any(candidate.path.startswith(r.path) for r in roots):
            unit = candidate
    if unit is None:
        if not unit_id and inspection.units.count() == 1:
            return inspection.units.get()
        raise DomainError("问题单位必须是本次巡察的被巡察单位或其下属单位。", field="unit")
    return unit


PROBLEM_FIELDS = ["title", "description", "discipline", "nature", "severity", "responsible_posts"]


def _validate_tags(problem):
    if problem.discipline and problem.discipline not in Problem.Discipline.values:
        raise DomainError("违反纪律类型不正确。", field="discipline")
    if problem.nature and problem.nature not in Problem.Nature.values:
        raise DomainError("问题性质不正确。", field="nature")
    if problem.severity not in Problem.Severity.values:
        raise DomainError("严重程度不正确。", field="severity")


@transaction.atomic
def problem_create(
    *, inspection, actor, title, category_code, unit_id=None, theme_code="", facts="", **data
) -> Problem:
    """Register a problem and start its working paper (一事一底稿)."""
    _require(inspection, actor, TEAM, "登记问题")
    _stage_in(inspection, PROBLEM_STAGES, "登记问题")
    Inspection.objects.select_for_update().filter(pk=inspection.pk).first()  # serialise numbering
    problem = Problem(
        inspection=inspection,
        unit=_unit(inspection, unit_id),
        number=_next_number(inspection),
        title=_text(title, "问题概述", max_length=200),
        category=_category(category_code),
        theme=_theme(inspection, theme_code),
        created_by=actor,
    )
    for name in PROBLEM_FIELDS[1:]:
        if data.get(name) is not None:
            setattr(problem, name, data[name])
    _validate_tags(problem)
    problem.save()
    paper = WorkingPaper.objects.create(
        problem=problem,
        inspection=inspection,
        number=problem.number,
        title=problem.title,
        facts=facts or problem.description,
        drafter=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=problem,
        changes={"category": problem.category.code, "paper": paper.pk},
    )
    _index(problem)
    _index(paper)
    return problem


@transaction.atomic
def problem_update(
    *, problem: Problem, actor, category_code=None, theme_code=None, unit_id=None, **data
):
    inspection = problem.inspection
    _require(inspection, actor, TEAM, "修改问题")
    _stage_in(inspection, PROBLEM_STAGES, "修改问题")
    if problem.state == Problem.State.APPROVED and not (
        workflow.capacities(inspection, actor) & {workflow.LEADER}
    ):
        raise DomainError("问题已经组长核定，只有组长可以修改。")
    changes = {}
    for name in PROBLEM_FIELDS:
        if data.get(name) is not None and getattr(problem, name) != data[name]:
            changes[name] = "changed"
            setattr(problem, name, data[name])
    problem.title = _text(problem.title, "问题概述", max_length=200)
    if category_code is not None:
        problem.category = _category(category_code)
        changes["category"] = problem.category.code
    if theme_code is not None:
        problem.theme = _theme(inspection, theme_code)
    if unit_id is not None:
        problem.unit = _unit(inspection, unit_id)
    _validate_tags(problem)
    problem.save()
    record(actor=actor, action=Action.UPDATE, obj=problem, changes=changes)
    _index(problem)
    return problem


@transaction.atomic
def problem_approve(*, problem: Problem, actor) -> Problem:
    """The leader confirms the problem for the report; its paper must carry the leader's signature."""
    _require(problem.inspection, actor, {workflow.LEADER}, "核定问题")
    _stage_in(problem.inspection, PROBLEM_STAGES, "核定问题")
    paper = WorkingPaper.objects.select_for_update().get(problem=problem)
    if not paper.signed_off:
        raise DomainError(
            f"问题 {problem.number} 的底稿尚未经组长签批（当前：{paper.get_state_display()}），不能写入报告。"
        )
    if problem.state == Problem.State.APPROVED:
        return problem
    before = problem.state
    problem.state = Problem.State.APPROVED
    problem.save(update_fields=["state", "updated_at"])
    record(actor=actor, action=Action.UPDATE, obj=problem, changes={"state": [before, "approved"]})
    _index(problem, state_only=True)
    return problem


@transaction.atomic
def problem_withdraw(*, problem: Problem, actor, reason: str) -> Problem:
    _require(problem.inspection, actor, {workflow.LEADER}, "撤销问题")
    _stage_in(problem.inspection, PROBLEM_STAGES, "撤销问题")
    before = problem.state
    problem.state = Problem.State.WITHDRAWN
    problem.in_feedback = False
    problem.save(update_fields=["state", "in_feedback", "updated_at"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=problem,
        changes={"state": [before, "withdrawn"], "reason": _text(reason, "撤销理由")},
    )
    _index(problem, state_only=True)
    return problem


@transaction.atomic
def problem_set_feedback(*, problem: Problem, included: bool, actor) -> Problem:
    """Put a report problem on (or off) the feedback list the unit will rectify."""
    _require(problem.inspection, actor, OFFICE | {workflow.LEADER}, "确定反馈问题清单")
    _stage_in(problem.inspection, {Stage.REPORT, Stage.REVIEW}, "调整反馈问题清单")
    if included and not Problem.objects.filter(pk=problem.pk).for_report().exists():
        raise DomainError("只有已核定且底稿经组长签批的问题才能列入反馈意见。")
    problem.in_feedback = bool(included)
    problem.save(update_fields=["in_feedback", "updated_at"])
    record(actor=actor, action=Action.UPDATE, obj=problem, changes={"in_feedback": bool(included)})
    return problem


PAPER_FIELDS = ["title", "facts", "evidence", "policy_basis"]
PAPER_STAGES = PROBLEM_STAGES | {Stage.REVIEW}
EDITABLE_PAPER = {WorkingPaper.State.DRAFTING, WorkingPaper.State.RETURNED}


@files_atomic()
def paper_update(*, paper: WorkingPaper, actor, source_ids=None, files=(), **data) -> WorkingPaper:
    """Edit a paper while it is with its drafter (drafting or returned)."""
    inspection = paper.inspection
    _require(inspection, actor, TEAM, "修改底稿")
    _stage_in(inspection, PROBLEM_STAGES, "修改底稿")
    paper = WorkingPaper.objects.select_for_update().get(pk=paper.pk)
    if paper.state not in EDITABLE_PAPER:
        raise DomainError(
            f"底稿处于“{paper.get_state_display()}”状态，不能修改；如需修改请由审核人退回。"
        )
    changes = {}
    for name in PAPER_FIELDS:
        if data.get(name) is not None and getattr(paper, name) != data[name]:
            changes[name] = "changed"
            setattr(paper, name, data[name])
    paper.title = _text(paper.title, "底稿标题", max_length=200)
    if "source_submission_ids" in data and data["source_submission_ids"] is not None:
        paper.source_submission_ids = [int(i) for i in data["source_submission_ids"]]
    paper.save()
    if source_ids is not None:
        sources = list(Activity.objects.filter(inspection=inspection, pk__in=source_ids))
        if len(sources) != len(set(source_ids)):
            raise DomainError("来源必须是本次巡察的了解情况记录。", field="sources")
        paper.sources.set(sources)
        changes["sources"] = sorted(a.pk for a in sources)
    _store_all(inspection, files, actor, paper=paper)
    record(actor=actor, action=Action.UPDATE, obj=paper, changes=changes)
    _index(paper)
    return paper


def _has_deputy(inspection) -> bool:
    return TeamMember.objects.filter(
        team__inspection=inspection, role=TeamMember.Role.DEPUTY
    ).exists()


def _step(paper, action, actor, comment=""):
    PaperStep.objects.create(paper=paper, action=action, actor=actor, comment=comment)
    record(
        actor=actor,
        action=Action.TRANSITION,
        obj=paper,
        summary=f"底稿{paper.number}：{PaperStep.Action(action).label}",
        changes={"state": paper.state, "comment": comment[:200]},
    )
    _index(paper, state_only=True)


@transaction.atomic
def paper_submit(*, paper: WorkingPaper, actor) -> WorkingPaper:
    """The drafter sends the paper up the chain (to the deputy, or the leader if no deputy)."""
    inspection = paper.inspection
    _require(inspection, actor, TEAM, "提交底稿")
    _stage_in(paper.inspection, PAPER_STAGES, "审核底稿")
    paper = WorkingPaper.objects.select_for_update().get(pk=paper.pk)
    if paper.state not in EDITABLE_PAPER:
        raise DomainError(f"底稿处于“{paper.get_state_display()}”状态，不能提交审核。")
    if not paper.facts.strip():
        raise DomainError("请先填写底稿的事实摘要再提交审核。", field="facts")
    paper.state = (
        WorkingPaper.State.DEPUTY_REVIEW
        if _has_deputy(inspection)
        else WorkingPaper.State.LEADER_REVIEW
    )
    paper.save(update_fields=["state"])
    _step(paper, PaperStep.Action.SUBMIT, actor)
    return paper


@transaction.atomic
def paper_sign(*, paper: WorkingPaper, actor, comment: str = "") -> WorkingPaper:
    """Sign the paper at the current step: the deputy first, then the leader."""
    inspection = paper.inspection
    _stage_in(paper.inspection, PAPER_STAGES, "审核底稿")
    paper = WorkingPaper.objects.select_for_update().get(pk=paper.pk)
    caps = workflow.capacities(inspection, actor)
    now = timezone.now()
    if paper.state == WorkingPaper.State.DEPUTY_REVIEW:
        if workflow.DEPUTY not in caps:
            raise DomainError("底稿当前待副组长审核，只有本组副组长可以签署。")
        paper.state = WorkingPaper.State.LEADER_REVIEW
        paper.deputy_signed_by, paper.deputy_signed_at = actor, now
        action = PaperStep.Action.DEPUTY_SIGN
    elif paper.state == WorkingPaper.State.LEADER_REVIEW:
        if workflow.LEADER not in caps:
            raise DomainError("底稿当前待组长审签，只有本组组长可以签批。")
        paper.state = WorkingPaper.State.SIGNED
        paper.leader_signed_by, paper.leader_signed_at = actor, now
        action = PaperStep.Action.LEADER_SIGN
    else:
        raise DomainError(f"底稿处于“{paper.get_state_display()}”状态，无需签署。")
    paper.return_comment = ""
    paper.save()
    _step(paper, action, actor, comment)
    return paper


@transaction.atomic
def paper_return(*, paper: WorkingPaper, actor, comment: str) -> WorkingPaper:
    """Send the paper back to its drafter with the reviewer's comment."""
    inspection = paper.inspection
    _stage_in(paper.inspection, PAPER_STAGES, "审核底稿")
    paper = WorkingPaper.objects.select_for_update().get(pk=paper.pk)
    caps = workflow.capacities(inspection, actor)
    if paper.state == WorkingPaper.State.DEPUTY_REVIEW:
        if workflow.DEPUTY not in caps:
            raise DomainError("底稿当前待副组长审核，只有本组副组长可以退回。")
    elif paper.state == WorkingPaper.State.LEADER_REVIEW:
        if workflow.LEADER not in caps:
            raise DomainError("底稿当前待组长审签，只有本组组长可以退回。")
    else:
        raise DomainError(f"底稿处于“{paper.get_state_display()}”状态，不能退回。")
    comment = _text(comment, "退回意见", max_length=2000)
    paper.state = WorkingPaper.State.RETURNED
    paper.return_comment = comment
    paper.deputy_signed_by = paper.deputy_signed_at = None
    paper.save()
    _step(paper, PaperStep.Action.RETURN, actor, comment)
    return paper


@transaction.atomic
def papers_file(*, inspection, actor) -> int:
    """File every signed paper of the inspection with the office (after feedback)."""
    _require(inspection, actor, OFFICE, "接收底稿归档")
    _stage_in(
        inspection,
        {Stage.FEEDBACK, Stage.RECTIFICATION, Stage.EVALUATION},
        "归档底稿",
    )
    papers = list(
        WorkingPaper.objects.select_for_update().filter(
            inspection=inspection, state=WorkingPaper.State.SIGNED
        )
    )
    unsigned = (
        WorkingPaper.objects.filter(inspection=inspection)
        .exclude(state__in=[WorkingPaper.State.SIGNED, WorkingPaper.State.FILED])
        .exclude(problem__state=Problem.State.WITHDRAWN)
        .count()
    )
    if unsigned:
        raise DomainError(f"尚有 {unsigned} 份底稿未经组长签批，不能归档。")
    now = timezone.now()
    for paper in papers:
        paper.state, paper.filed_at = WorkingPaper.State.FILED, now
        paper.save(update_fields=["state", "filed_at"])
        PaperStep.objects.create(paper=paper, action=PaperStep.Action.FILE, actor=actor)
    # Withdrawn problems' papers are filed as they stand, for the record.
    WorkingPaper.objects.filter(
        inspection=inspection, problem__state=Problem.State.WITHDRAWN
    ).exclude(state=WorkingPaper.State.FILED).update(state=WorkingPaper.State.FILED, filed_at=now)
    Fieldwork.objects.update_or_create(inspection=inspection, defaults={"papers_filed_at": now})
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=inspection,
        summary="底稿归档",
        changes={"filed": len(papers)},
    )
    return len(papers)


# --- Immediate-fix notices -------------------------------------------------------------------


@transaction.atomic
def fix_notice_issue(
    *, inspection, unit_id, title, requirement, actor, deadline=None, problem=None
):
    """立行立改: the leader issues a notice to the unit with a deadline."""
    _require(inspection, actor, {workflow.LEADER}, "下发立行立改通知")
    _stage_in(inspection, PROBLEM_STAGES | {Stage.REVIEW}, "下发立行立改通知")
    unit = _unit(inspection, unit_id)
    today = timezone.localdate()
    if deadline is None:
        s = FieldworkSettings.for_office(inspection.office)
        deadline = workflow._calendar()(inspection.office_id, today, s.fix_notice_days)
    if deadline < today:
        raise DomainError("整改期限不能早于今天。", field="deadline")
    if problem is not None and problem.inspection_id != inspection.pk:
        raise DomainError("关联问题不属于本次巡察。", field="problem")
    notice = FixNotice.objects.create(
        inspection=inspection,
        unit=unit,
        problem=problem,
        title=_text(title, "事项", max_length=200),
        requirement=_text(requirement, "整改要求"),
        deadline=deadline,
        issued_by=actor,
    )
    record(actor=actor, action=Action.CREATE, obj=notice, changes={"deadline": str(deadline)})
    return notice


@files_atomic()
def fix_notice_reply(*, notice: FixNotice, reply: str, actor, files=()) -> FixNotice:
    """The unit's written reply (the caller fetched the notice with action "reply")."""
    notice = FixNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.state not in {FixNotice.State.ISSUED, FixNotice.State.REPLIED}:
        raise DomainError("该立行立改事项已销号，不能再回复。")
    notice.reply = _text(reply, "书面回复", max_length=5000)
    notice.state = FixNotice.State.REPLIED
    notice.replied_by, notice.replied_at = actor, timezone.now()
    notice.save()
    _store_all(notice.inspection, files, actor, fix_notice=notice)
    record(actor=actor, action=Action.UPDATE, obj=notice, changes={"state": "replied"})
    return notice


@transaction.atomic
def fix_notice_close(*, notice: FixNotice, actor) -> FixNotice:
    """The team leader (or the office) accepts the reply and closes the item."""
    _require(notice.inspection, actor, OFFICE | {workflow.LEADER}, "销号立行立改事项")
    notice = FixNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.state != FixNotice.State.REPLIED:
        raise DomainError("单位尚未书面回复，不能销号。")
    notice.state = FixNotice.State.CLOSED
    notice.closed_by, notice.closed_at = actor, timezone.now()
    notice.save()
    record(actor=actor, action=Action.UPDATE, obj=notice, changes={"state": "closed"})
    return notice


def fix_notice_due(notice: FixNotice, calendar_cache: dict | None = None) -> date:
    """The day the reply is due on the office's calendar: a deadline falling on a holiday or
    weekend moves to the next working day."""
    from xuncha.plans import calendar

    cache = calendar_cache if calendar_cache is not None else {}
    office_id = notice.inspection.office_id
    if office_id not in cache:
        cache[office_id] = calendar.overrides_for(office_id)
    from xuncha.core import workdays

    overrides = cache[office_id]
    if workdays.is_working_day(notice.deadline, overrides):
        return notice.deadline
    return workdays.add_working_days(notice.deadline, 1, overrides)


def fix_notices_sweep(today: date | None = None) -> int:
    """Record one escalation (逾期督办) for each issued notice not answered by its due day.

    Each notice is escalated once: the row is locked and `escalated_at` set in the same
    transaction as the audit entry; a second sweep finds nothing left to do.
    """
    today = today or timezone.localdate()
    candidates = (
        FixNotice.objects.filter(
            state=FixNotice.State.ISSUED, escalated_at__isnull=True, deadline__lt=today
        )
        .select_related("inspection")
        .order_by("pk")
    )
    cache: dict = {}
    count = 0
    for notice in candidates.iterator():
        due = fix_notice_due(notice, cache)
        if today <= due:
            continue
        with transaction.atomic():
            locked = (
                FixNotice.objects.select_for_update()
                .filter(pk=notice.pk, state=FixNotice.State.ISSUED, escalated_at__isnull=True)
                .first()
            )
            if locked is None:
                continue
            locked.escalated_at = timezone.now()
            locked.save(update_fields=["escalated_at"])
            record(
                actor="系统巡检",
                action=Action.UPDATE,
                obj=locked,
                summary=f"立行立改逾期督办：{locked.title}（期限 {due}）",
                changes={"escalated": str(today), "due": str(due)},
            )
            count += 1
    return count


# --- Survey questions (editable until the first answer) ------------------------------------------


def _survey_editable(survey: Survey, actor):
    _require(survey.activity.inspection, actor, TEAM, "修改问卷题目")
    if SurveyResponse.objects.filter(survey=survey).exists():
        raise DomainError("问卷已有人作答，题目不能再修改或删除。")


def _question_fields(kind, text):
    if kind not in SurveyQuestion.Kind.values:
        raise DomainError("题型不正确。", field="kind")
    return kind, _text(text, "题目", max_length=300)


@transaction.atomic
def survey_question_add(*, survey: Survey, kind: str, text: str, actor) -> SurveyQuestion:
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    _survey_editable(survey, actor)
    kind, text = _question_fields(kind, text)
    top = survey.questions.order_by("-order").values_list("order", flat=True).first()
    question = SurveyQuestion.objects.create(
        survey=survey, kind=kind, text=text, order=(top or 0) + 1
    )
    record(actor=actor, action=Action.CREATE, obj=question, changes={"kind": kind})
    return question


@transaction.atomic
def survey_question_update(
    *, question: SurveyQuestion, kind: str, text: str, actor
) -> SurveyQuestion:
    Survey.objects.select_for_update().filter(pk=question.survey_id).first()
    _survey_editable(question.survey, actor)
    kind, text = _question_fields(kind, text)
    changes = {"kind": [question.kind, kind]} if kind != question.kind else {}
    if text != question.text:
        changes["text"] = "changed"
    question.kind, question.text = kind, text
    question.save(update_fields=["kind", "text"])
    record(actor=actor, action=Action.UPDATE, obj=question, changes=changes)
    return question


@transaction.atomic
def survey_question_delete(*, question: SurveyQuestion, actor) -> None:
    Survey.objects.select_for_update().filter(pk=question.survey_id).first()
    survey = question.survey
    _survey_editable(survey, actor)
    if survey.questions.count() <= 1:
        raise DomainError("问卷至少需要一道题目，不能删除最后一道题。")
    record(actor=actor, action=Action.DELETE, obj=question, changes={"text": question.text})
    question.delete()


# --- Office settings and taxonomy versions (office admin) ------------------------------------------

SETTINGS_FIELDS = [
    "cutoff_before_end",
    "report_after_end",
    "feedback_after_review",
    "letter_reply_days",
    "fix_notice_days",
    "early_stationing_days",
]


@transaction.atomic
def fieldwork_settings_update(*, office, actor, **values) -> FieldworkSettings:
    """The office admin sets the office's fieldwork deadlines (working days, 0–120)."""
    settings_row, _ = FieldworkSettings.objects.select_for_update().get_or_create(office=office)
    changes = {}
    for name in SETTINGS_FIELDS:
        if name not in values or values[name] is None:
            continue
        label = str(FieldworkSettings._meta.get_field(name).verbose_name)
        try:
            value = int(values[name])
        except (TypeError, ValueError):
            raise DomainError(f"{label}须为整数。", field=name) from None
        if not 0 <= value <= 120:
            raise DomainError(f"{label}须在 0 到 120 个工作日之间。", field=name)
        if name in ("letter_reply_days", "fix_notice_days") and value < 1:
            raise DomainError(f"{label}至少为 1 个工作日。", field=name)
        if getattr(settings_row, name) != value:
            changes[name] = [getattr(settings_row, name), value]
            setattr(settings_row, name, value)
    settings_row.save()
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=settings_row,
        summary="修改巡察实施期限设置",
        changes=changes,
    )
    return settings_row


def _draft(version: TaxonomyVersion) -> TaxonomyVersion:
    locked = TaxonomyVersion.objects.select_for_update().get(pk=version.pk)
    if not locked.is_draft:
        raise DomainError(f"“{locked.name}”已启用过，不能再修改；请复制为新版本后修改。")
    return locked


@transaction.atomic
def taxonomy_version_copy(*, code: str, name: str, actor, source=None) -> TaxonomyVersion:
    """A new draft version holding a copy of the active version's categories."""
    code = _text(code, "版本代码", max_length=20)
    name = _text(name, "版本名称", max_length=100)
    if TaxonomyVersion.objects.filter(code=code).exists():
        raise DomainError(f"版本代码“{code}”已存在。", field="code")
    source = source or TaxonomyVersion.objects.filter(active=True).first()
    if source is None:
        raise DomainError("没有正在使用的分类版本可以复制。")
    version = TaxonomyVersion.objects.create(code=code, name=name, active=False)
    mapping = {}
    for level in (1, 2):
        for c in TaxonomyCategory.objects.filter(version=source, level=level).order_by("pk"):
            mapping[c.pk] = TaxonomyCategory.objects.create(
                version=version,
                parent=mapping.get(c.parent_id),
                level=c.level,
                code=c.code,
                name=c.name,
                sort=c.sort,
                is_active=c.is_active,
            )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=version,
        summary=f"复制分类版本“{source.name}”为“{name}”",
        changes={"source": source.code, "categories": len(mapping)},
    )
    return version


@transaction.atomic
def taxonomy_category_add(
    *, version: TaxonomyVersion, code: str, name: str, actor, parent_code: str = ""
) -> TaxonomyCategory:
    """Add a level-1 (no parent) or level-2 category to a draft version."""
    version = _draft(version)
    code = _text(code, "分类代码", max_length=10).upper()
    name = _text(name, "分类名称", max_length=200)
    if TaxonomyCategory.objects.filter(version=version, code=code).exists():
        raise DomainError(f"本版本已有代码为“{code}”的分类。", field="code")
    parent = None
    parent_code = (parent_code or "").strip().upper()
    if parent_code:
        parent = TaxonomyCategory.objects.filter(version=version, code=parent_code, level=1).first()
        if parent is None:
            raise DomainError(f"一级分类“{parent_code}”在本版本中不存在。", field="parent_code")
    siblings = TaxonomyCategory.objects.filter(version=version, parent=parent)
    top = siblings.order_by("-sort").values_list("sort", flat=True).first()
    category = TaxonomyCategory.objects.create(
        version=version,
        parent=parent,
        level=2 if parent else 1,
        code=code,
        name=name,
        sort=(top or 0) + 1,
    )
    record(actor=actor, action=Action.CREATE, obj=category, changes={"version": version.code})
    return category


@transaction.atomic
def taxonomy_category_update(
    *, category: TaxonomyCategory, actor, name: str | None = None, is_active: bool | None = None
) -> TaxonomyCategory:
    """Rename or (de)activate a category of a draft version."""
    _draft(category.version)
    changes = {}
    if name is not None:
        name = _text(name, "分类名称", max_length=200)
        if name != category.name:
            changes["name"] = [category.name, name]
            category.name = name
    if is_active is not None and bool(is_active) != category.is_active:
        changes["is_active"] = bool(is_active)
        category.is_active = bool(is_active)
        if category.level == 1 and not category.is_active:
            category.children.update(is_active=False)
    category.save()
    record(actor=actor, action=Action.UPDATE, obj=category, changes=changes)
    return category


@transaction.atomic
def taxonomy_version_activate(*, version: TaxonomyVersion, actor) -> TaxonomyVersion:
    """Make a draft the version in use; problems keep the categories they were filed under."""
    version = _draft(version)
    usable = TaxonomyCategory.objects.filter(version=version, level=2, is_active=True)
    if not usable.exists():
        raise DomainError("该版本没有启用的二级分类，不能启用。")
    previous = list(
        TaxonomyVersion.objects.select_for_update()
        .filter(active=True)
        .values_list("code", flat=True)
    )
    TaxonomyVersion.objects.filter(active=True).update(active=False)
    version.active = True
    version.activated_at = timezone.now()
    version.effective_from = version.effective_from or timezone.localdate()
    version.save(update_fields=["active", "activated_at", "effective_from"])
    record(
        actor=actor,
        action=Action.TRANSITION,
        obj=version,
        summary=f"启用监督内容分类版本“{version.name}”",
        changes={"previous": previous},
    )
    return version
