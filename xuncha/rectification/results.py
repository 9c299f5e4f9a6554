"""Use of results (成果运用): the ledger of review decisions, talks (约谈), accountability
referrals (问责) and the rectification democratic life meeting (整改专题民主生活会).

Each decision taken at review becomes one `ResultItem` with its recipient and a due date
in working days on the office's calendar; the daily rectification sweep (`services.sweep`)
chases it with the same traffic lights and alert levels as a measure until it is answered.
Replies to 巡察建议书 and 抄告单 are recorded against their letter (`SupervisionLetter`).
Writes validate, change and audit in one transaction; the workflow is RESULT_TRANSITIONS.
"""

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record, record_read
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Unit
from xuncha.rectification import deadlines
from xuncha.rectification.models import (
    OFFICE_READ,
    OFFICE_REVIEW,
    LifeMeeting,
    Measure,
    RectificationPlan,
    Reminder,
    ResultHistory,
    ResultItem,
    SupervisionLetter,
    Talk,
)
from xuncha.rectification.services import (
    Transition,
    _remind,
    config_for,
    overrides_for,
    thresholds_for,
)

RS = ResultItem.State
RK = ResultItem.Kind
MS = Measure.State

# Default due dates, in working days after the decision (an office may give another date).
DEFAULT_DUE_WORKING_DAYS = {
    RK.HANDOVER: 60,
    RK.SUGGESTION_LETTER: 30,
    RK.COPY_NOTICE: 30,
    RK.TALK: 20,
    RK.ORG_REFERRAL: 20,
    RK.ACCOUNTABILITY: 60,
}
# Kinds whose reply is recorded against a letter of that kind.
LETTER_KINDS = {
    RK.SUGGESTION_LETTER: SupervisionLetter.Kind.SUGGESTION,
    RK.COPY_NOTICE: SupervisionLetter.Kind.COPY_NOTICE,
}
LETTER_PREFIX = {
    SupervisionLetter.Kind.SUGGESTION: "巡建",
    SupervisionLetter.Kind.COPY_NOTICE: "巡抄",
}
# Decision kinds recorded at review (inspections' review meetings) → ledger kinds.
# "feedback" goes to the unit's rectification plan, not to this ledger.
DECISION_KINDS = {
    "handover": RK.HANDOVER,
    "suggestion_letter": RK.SUGGESTION_LETTER,
    "copy_notice": RK.COPY_NOTICE,
    "talk": RK.TALK,
    "org_referral": RK.ORG_REFERRAL,
    "accountability": RK.ACCOUNTABILITY,
}
OPEN_STATES = (RS.DECIDED, RS.SENT)  # chased by the sweep until answered

# from, to, who may ("review" = office roles, "reply" = office roles or the recipient),
# label, whether a comment is required. The ledger page draws its buttons from this table.
RESULT_TRANSITIONS = [
    Transition(RS.DECIDED, RS.SENT, "review", "交办（发出）"),
    Transition(RS.SENT, RS.REPLIED, "reply", "登记回复", needs_comment=True),
    Transition(RS.REPLIED, RS.SENT, "review", "退回重新办理", needs_comment=True),
    Transition(RS.REPLIED, RS.CONCLUDED, "review", "确认办结", needs_comment=True),
    Transition(RS.DECIDED, RS.WITHDRAWN, "review", "撤销", needs_comment=True),
]
_ACTION = {"review": "change", "reply": "reply"}


def _may(item, user, who) -> bool:
    return access.visible(ResultItem.objects.filter(pk=item.pk), user, _ACTION[who]).exists()


def result_transitions_for(item, user) -> list[Transition]:
    """The steps the user may take now (buttons), replies excluded (their own form)."""
    return [
        t
        for t in RESULT_TRANSITIONS
        if t.source == item.state and t.target != RS.REPLIED and _may(item, user, t.who)
    ]


def may_reply(item, user) -> bool:
    return item.state == RS.SENT and _may(item, user, "reply")


def _office_may(inspection, actor, roles) -> bool:
    qs = type(inspection).objects.filter(pk=inspection.pk)
    if access.is_sysadmin(actor):
        return qs.exists()
    return qs.filter(access.office_q(actor, roles)).exists()


def _history(item, source, target, actor, comment=""):
    ResultHistory.objects.create(
        item=item, from_state=source, to_state=target, actor=actor, comment=comment
    )


def due_after(office, start: date, kind: str) -> date:
    """The default due date of a decision: its kind's working days on the office calendar."""
    return deadlines.add_working_days(start, DEFAULT_DUE_WORKING_DAYS[kind], overrides_for(office))


def _check_due(office, decided_on: date, due_date: date, overrides=None):
    if not isinstance(due_date, date):
        raise DomainError("请填写办理期限（日期）。", field="due_date")
    if due_date < decided_on:
        raise DomainError(
            f"办理期限 {due_date:%Y-%m-%d} 早于决定日期 {decided_on:%Y-%m-%d}。",
            field="due_date",
        )
    if not deadlines._working(
        due_date, overrides if overrides is not None else overrides_for(office)
    ):
        raise DomainError(
            f"办理期限 {due_date:%Y-%m-%d} 不是工作日，请选择工作日。", field="due_date"
        )


def _unit_recipient(office, recipient):
    """A recipient given as a unit, or as a name matched to a unit of the office."""
    if isinstance(recipient, Unit):
        return recipient, recipient.name
    name = (recipient or "").strip()
    if not name:
        return None, ""
    unit = Unit.objects.filter(office=office, name=name).first()
    return unit, name


def result_create(
    *,
    inspection,
    kind: str,
    subject: str,
    actor,
    recipient=None,
    problem=None,
    unit=None,
    decided_on: date | None = None,
    due_date: date | None = None,
    source: str = ResultItem.Source.MANUAL,
    escalated_from=None,
    letter_text: str = "",
) -> ResultItem:
    """Record one decision on the use of results (office staff on the ledger page, or a
    review decision through `result_from_decision`)."""
    roles = OFFICE_READ if source == ResultItem.Source.REVIEW else OFFICE_REVIEW
    if not _office_may(inspection, actor, roles):
        raise DomainError("只有本巡察机构的工作人员才能登记成果运用事项。")
    if kind not in RK.values:
        raise DomainError("请选择成果运用方式。", field="kind")
    subject = (subject or "").strip()
    if not subject:
        raise DomainError("请填写事项内容。", field="subject")
    if len(subject) > 200:
        raise DomainError("事项内容不超过 200 个字。", field="subject")
    if problem is not None and problem.inspection_id != inspection.pk:
        raise DomainError("该问题不属于本次巡察。", field="problem")
    if unit is None and problem is not None:
        unit = problem.unit
    if unit is not None and not inspection.units.filter(pk=unit.pk).exists():
        raise DomainError("该单位不是本次巡察的被巡察单位。", field="unit")
    office = inspection.office
    recipient_unit, recipient_name = _unit_recipient(office, recipient)
    if kind == RK.TALK and not recipient_name:
        if unit is None:
            raise DomainError("约谈须指明被约谈单位。", field="unit")
        recipient_unit, recipient_name = unit, unit.name
    if not recipient_name and source == ResultItem.Source.MANUAL:
        raise DomainError("请填写承办单位。", field="recipient")
    if len(recipient_name) > 120:
        raise DomainError("承办单位名称不超过 120 个字。", field="recipient")
    today = timezone.localdate()
    decided_on = decided_on or today
    if decided_on > today:
        raise DomainError("决定日期不能晚于今天。", field="decided_on")
    overrides = overrides_for(office)
    if due_date is None:
        due_date = deadlines.add_working_days(decided_on, DEFAULT_DUE_WORKING_DAYS[kind], overrides)
    _check_due(office, decided_on, due_date, overrides)
    with transaction.atomic():
        letter = None
        if kind in LETTER_KINDS:
            letter_kind = LETTER_KINDS[kind]
            count = SupervisionLetter.objects.filter(office=office, kind=letter_kind).count() + 1
            letter = SupervisionLetter.objects.create(
                kind=letter_kind,
                office=office,
                recipient=recipient_unit,
                number=f"{LETTER_PREFIX[letter_kind]}〔{decided_on.year}〕{count}号",
                requirement=(letter_text or subject).strip(),
                reply_by=due_date,
                issued_by=actor,
            )
        item = ResultItem.objects.create(
            office=office,
            inspection=inspection,
            problem=problem,
            unit=unit,
            kind=kind,
            source=source,
            subject=subject,
            recipient=recipient_unit,
            recipient_name=recipient_name or "待确定",
            decided_on=decided_on,
            due_date=due_date,
            letter=letter,
            escalated_from=escalated_from,
            created_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=item,
            changes={
                "kind": kind,
                "source": source,
                "recipient": item.recipient_name,
                "decided_on": str(decided_on),
                "due_date": str(due_date),
                "problem": problem.pk if problem else None,
                "letter": letter.number if letter else None,
                "escalated_from": escalated_from.pk if escalated_from else None,
            },
        )
    return item


def result_from_decision(*, inspection, kind, problem=None, unit=None, recipient="", actor):
    """The ledger item for one decision taken at review; idempotent per
    (inspection, problem, kind) (per unit when no problem). "feedback" decisions go to the
    unit's rectification and make no ledger item (returns None)."""
    if kind == "feedback":
        return None
    if kind not in DECISION_KINDS:
        raise DomainError("未知的成果运用方式。", field="kind")
    kind = DECISION_KINDS[kind]
    existing = ResultItem.objects.filter(
        inspection=inspection, kind=kind, source=ResultItem.Source.REVIEW, problem=problem
    )
    if problem is None:
        existing = existing.filter(unit=unit)
    found = existing.first()
    if found is not None:
        return found
    label = RK(kind).label
    if problem is not None:
        subject = f"{label}：问题{problem.number} {problem.title}"
    elif unit is not None:
        subject = f"{label}：{unit.name}"
    else:
        subject = f"{label}：{inspection}"
    try:
        with transaction.atomic():
            return result_create(
                inspection=inspection,
                kind=kind,
                subject=subject[:200],
                recipient=recipient,
                problem=problem,
                unit=unit,
                source=ResultItem.Source.REVIEW,
                actor=actor,
            )
    except IntegrityError:  # the same decision recorded at the same moment
        return existing.get()


def on_review_decided(sender, *, review, actor, **kwargs):
    """A decisive review's decisions (handover, 建议书, 约谈) become ledger items, in the
    review's own transaction: a decision is never recorded without its item."""
    from xuncha.inspections.reviews import decisions_for

    for decision in decisions_for(review.inspection):
        result_from_decision(
            inspection=review.inspection,
            kind=decision.kind,
            problem=decision.problem,
            unit=decision.problem.unit,
            actor=actor,
        )


def result_update(*, item, actor, recipient=None, due_date=None, subject=None) -> ResultItem:
    """Complete a decision before it is handed over: recipient, due date, wording."""
    with transaction.atomic():
        item = ResultItem.objects.select_for_update().get(pk=item.pk)
        if not _may(item, actor, "review"):
            raise DomainError("只有巡察机构可以修改成果运用事项。")
        if item.state != RS.DECIDED:
            raise DomainError("事项已交办，不能再修改。")
        before = {"recipient": item.recipient_name, "due_date": str(item.due_date)}
        if recipient is not None:
            unit, name = _unit_recipient(item.office, recipient)
            if not name:
                raise DomainError("请填写承办单位。", field="recipient")
            item.recipient, item.recipient_name = unit, name[:120]
        if due_date is not None:
            _check_due(item.office, item.decided_on, due_date)
            item.due_date = due_date
            item.alert_level = 0
        if subject is not None and subject.strip():
            item.subject = subject.strip()[:200]
        item.save()
        if item.letter_id:
            SupervisionLetter.objects.filter(pk=item.letter_id).update(
                recipient=item.recipient, reply_by=item.due_date
            )
        after = {"recipient": item.recipient_name, "due_date": str(item.due_date)}
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=item,
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
        )
    return item


def result_transition(*, item, target: str, actor, comment: str = "") -> ResultItem:
    """Apply one step of RESULT_TRANSITIONS (replies go through `result_reply`)."""
    if target == RS.REPLIED:
        return result_reply(item=item, text=comment, actor=actor)
    with transaction.atomic():
        item = ResultItem.objects.select_for_update().get(pk=item.pk)
        step = next(
            (t for t in RESULT_TRANSITIONS if t.source == item.state and t.target == target),
            None,
        )
        if step is None:
            raise DomainError(f"事项当前状态为“{item.get_state_display()}”，不能执行该操作。")
        if not _may(item, actor, step.who):
            raise DomainError("您无权执行该操作。")
        comment = (comment or "").strip()
        if step.needs_comment and not comment:
            raise DomainError(
                "请填写办理结果。" if target == RS.CONCLUDED else "请填写意见或理由。",
                field="comment",
            )
        now = timezone.now()
        source = item.state
        if target == RS.SENT and source == RS.DECIDED:
            if item.recipient_name in {"", "待确定"}:
                raise DomainError("请先确定承办单位再交办。", field="recipient")
            item.sent_at = now
            if item.letter_id:
                SupervisionLetter.objects.filter(pk=item.letter_id).update(sent_at=now)
        if target == RS.CONCLUDED:
            item.outcome = comment
            item.concluded_at = now
        item.state = target
        item.save()
        _history(item, source, target, actor, comment)
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=item,
            changes={"state": [source, target], "comment": comment},
        )
    return item


def letter_reply(*, letter, text: str, actor, replied_on: date | None = None) -> SupervisionLetter:
    """Record the reply to a letter (督办单, 巡察建议书, 抄告单); refused for a letter never sent."""
    text = (text or "").strip()
    with transaction.atomic():
        letter = SupervisionLetter.objects.select_for_update().get(pk=letter.pk)
        if letter.sent_at is None:
            raise DomainError(f"{letter.get_kind_display()}{letter.number}尚未发出，不能登记回复。")
        if not text:
            raise DomainError("请填写回复内容。", field="text")
        replied_on = replied_on or timezone.localdate()
        if replied_on < timezone.localtime(letter.sent_at).date():
            raise DomainError("回复日期不能早于发出日期。", field="replied_on")
        if replied_on > timezone.localdate():
            raise DomainError("回复日期不能晚于今天。", field="replied_on")
        letter.reply_text, letter.replied_on, letter.replied_by = text, replied_on, actor
        letter.save(update_fields=["reply_text", "replied_on", "replied_by"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=letter,
            changes={"reply": text[:200], "replied_on": str(replied_on)},
        )
    return letter


def letter_docx(item: ResultItem, *, actor) -> bytes:
    """The ledger item's 巡察建议书 or 抄告单 (.docx, GB/T 9704 layout) with the reader's
    watermark; the export is audited. The recipient is the ledger's 承办单位."""
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph
    from xuncha.reports.watermark import confidential_docx

    letter = item.letter
    if letter is None:
        raise DomainError("该事项没有巡察建议书或抄告单。")
    inspection = item.inspection
    unit = f"（{item.unit.name}）" if item.unit_id else ""
    reply_by = letter.reply_by
    if letter.kind == SupervisionLetter.Kind.SUGGESTION:
        title = "巡察建议书"
        opening = (
            f"{inspection}中发现{unit}存在以下问题。为推动问题整改、堵塞制度漏洞，"
            "根据巡察工作有关规定，现提出如下建议："
        )
        closing = "请认真研究，采取有效措施加以改进，"
    else:
        title = "巡察情况抄告单"
        opening = f"{inspection}中发现{unit}的下列情况，涉及你单位职责，现予抄告："
        closing = "请依职责研究处理，"
    closing += (
        f"并于{reply_by.year}年{reply_by.month}月{reply_by.day}日前将办理情况书面回复巡察机构。"
    )
    doc = OfficialDocument(
        title=f"{title}（{letter.number}）",
        recipient=f"{item.recipient_name}：",
        sections=[Paragraph(opening), Paragraph(letter.requirement), Paragraph(closing)],
        issuer=str(item.office),
        date=item.decided_on,
        doc_number=letter.number,
    )
    return confidential_docx(doc, actor=actor, objs=[item, letter], summary=f"导出{letter.number}")


def result_reply(*, item, text: str, actor, replied_on: date | None = None) -> ResultItem:
    """The recipient's reply (entered by the recipient or by the office from the paper one).
    For a 巡察建议书 or 抄告 the reply is recorded against its letter."""
    text = (text or "").strip()
    with transaction.atomic():
        item = ResultItem.objects.select_for_update().get(pk=item.pk)
        if item.letter_id and item.letter.sent_at is None:
            letter = item.letter
            raise DomainError(f"{letter.get_kind_display()}{letter.number}尚未发出，不能登记回复。")
        if item.state != RS.SENT:
            raise DomainError(f"事项当前状态为“{item.get_state_display()}”，不能登记回复。")
        if not _may(item, actor, "reply"):
            raise DomainError("您无权登记该事项的回复。")
        if not text:
            raise DomainError("请填写回复内容。", field="text")
        replied_on = replied_on or timezone.localdate()
        if item.sent_at and replied_on < timezone.localtime(item.sent_at).date():
            raise DomainError("回复日期不能早于交办日期。", field="replied_on")
        if replied_on > timezone.localdate():
            raise DomainError("回复日期不能晚于今天。", field="replied_on")
        if item.letter_id:
            letter_reply(letter=item.letter, text=text, replied_on=replied_on, actor=actor)
        item.reply, item.replied_on, item.state = text, replied_on, RS.REPLIED
        item.save(update_fields=["reply", "replied_on", "state"])
        _history(item, RS.SENT, RS.REPLIED, actor, text)
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=item,
            changes={"state": [RS.SENT, RS.REPLIED], "replied_on": str(replied_on)},
        )
    return item


# --------------------------------------------------------------------------- referral record


@dataclass(frozen=True)
class ReferralProblem:
    number: str
    title: str
    category: str


@dataclass(frozen=True)
class OrgReferral:
    """What the organisation department gets for cadre evaluation and selection: the unit's
    leadership problems (numbers, titles, categories — no descriptions, no evidence, no
    clues) and its rectification rating. Nothing else of the inspection."""

    unit: str
    inspection: str
    problems: list
    rating_grade: str
    rating_percent: str
    measures_total: int
    measures_closed: int
    plan_state: str


def org_referral_record(item, *, actor) -> OrgReferral | None:
    """The referral record of an org_referral item, its read audited."""
    if item.kind != RK.ORG_REFERRAL or item.unit_id is None:
        return None
    from xuncha.inspections.models import Problem

    problems = (
        Problem.objects.filter(inspection_id=item.inspection_id, unit_id=item.unit_id)
        .feedback_list()
        .select_related("category")
        .order_by("number")
    )
    plan = (
        RectificationPlan.objects.filter(inspection_id=item.inspection_id, unit_id=item.unit_id)
        .select_related("assessment")
        .first()
    )
    assessment = getattr(plan, "assessment", None) if plan else None
    counts = (
        plan.measures.aggregate(total=Count("pk"), closed=Count("pk", filter=Q(state=MS.CLOSED)))
        if plan
        else {"total": 0, "closed": 0}
    )
    record_read(actor=actor, obj=item, summary="查阅移送组织部记录（干部考核、选拔任用参考）")
    return OrgReferral(
        unit=item.unit.name,
        inspection=str(item.inspection),
        problems=[
            ReferralProblem(p.number, p.title, p.category.name if p.category_id else "")
            for p in problems
        ],
        rating_grade=assessment.grade if assessment else "",
        rating_percent=str(assessment.percent) if assessment else "",
        measures_total=counts["total"],
        measures_closed=counts["closed"],
        plan_state=plan.get_state_display() if plan else "",
    )


# --------------------------------------------------------------------------- the sweep


def result_sweep(today: date) -> int:
    """Remind and escalate open ledger items on the measures' lights (called by
    `services.sweep`). Each level is sent once per item and due date."""
    sent = 0
    offices = (
        ResultItem.objects.filter(state__in=OPEN_STATES, alert_level__lt=3)
        .values_list("office_id", flat=True)
        .distinct()
    )
    from xuncha.org.models import Office

    for office in Office.objects.filter(pk__in=list(offices)):
        overrides = overrides_for(office)
        thresholds = thresholds_for(config_for(office))
        last_yellow = deadlines.light_bounds(today, overrides, thresholds)[deadlines.YELLOW][1]
        candidates = ResultItem.objects.filter(
            office=office, state__in=OPEN_STATES, alert_level__lt=3, due_date__lte=last_yellow
        ).select_related("recipient", "unit")
        for item in candidates.iterator(chunk_size=500):
            light = deadlines.traffic_light(item.due_date, today, overrides, thresholds)
            due = deadlines.alerts_due(light, item.alert_level)
            if not due:
                continue
            with transaction.atomic():
                for alert in due:
                    _send_result_alert(item, alert)
                    sent += 1
                ResultItem.objects.filter(pk=item.pk).update(
                    alert_level=deadlines.ALERT_FOR_LIGHT[light]
                )
    return sent


def _send_result_alert(item, alert):
    url = reverse("rectification:result_detail", args=[item.pk])
    what = f"{item.get_kind_display()}“{item.subject[:60]}”（承办：{item.recipient_name}，期限 {item.due_date:%Y-%m-%d}）"
    key = f"r{item.pk}-{alert}-{item.due_date:%Y%m%d}"
    label = {"remind": "临近期限", "escalate": "已逾期", "escalate_serious": "严重逾期"}[alert]
    text = f"成果运用{label}：{what}"
    _remind(Reminder.Kind.RESULT, key=key + "-o", text=text, url=url, office=item.office)
    if item.state == RS.SENT and item.recipient_id:
        _remind(Reminder.Kind.RESULT, key=key + "-r", text=text, url=url, unit=item.recipient)


# --------------------------------------------------------------------------- talks, accountability


def lagging_measures(plan, today: date | None = None):
    """The plan's measures past their deadline and not closed (long-term items excepted)."""
    today = today or timezone.localdate()
    return plan.measures.filter(long_term=False, deadline__lt=today).exclude(state=MS.CLOSED)


def lagging_plans(plans, today: date | None = None):
    """Plans (a visible queryset) with overdue measures or an overdue plan, most lagging first."""
    today = today or timezone.localdate()
    overdue = Q(measures__deadline__lt=today, measures__long_term=False) & ~Q(
        measures__state=MS.CLOSED
    )
    return (
        plans.annotate(overdue=Count("measures", filter=overdue, distinct=True))
        .filter(
            Q(overdue__gt=0)
            | Q(
                state__in=[RectificationPlan.State.DRAFT, RectificationPlan.State.RETURNED],
                due_date__lt=today,
            )
        )
        .order_by("-overdue", "pk")
    )


def talk_record(
    *,
    plan,
    held_on: date,
    talker: str,
    talked_to: str,
    reason: str,
    promises: str,
    actor,
    due_date: date | None = None,
) -> Talk:
    """Record a talk (约谈) with a unit's leaders: who, when, why, what was promised. It is
    a ledger item (kind talk, handed over on the day of the talk) chased until the unit
    reports on its promises; a decided talk of the same unit and inspection is completed
    rather than duplicated."""
    if not access.visible(RectificationPlan.objects.filter(pk=plan.pk), actor, "review").exists():
        raise DomainError("只有巡察机构可以登记约谈。")
    values = {
        "talker": ((talker or "").strip(), "约谈人", 100),
        "talked_to": ((talked_to or "").strip(), "被约谈人", 100),
        "reason": ((reason or "").strip(), "约谈事由", 5000),
        "promises": ((promises or "").strip(), "表态承诺", 5000),
    }
    for name, (value, label, limit) in values.items():
        if not value:
            raise DomainError(f"请填写“{label}”。", field=name)
        if len(value) > limit:
            raise DomainError(f"“{label}”不超过 {limit} 个字。", field=name)
    if not isinstance(held_on, date):
        raise DomainError("请填写约谈日期。", field="held_on")
    if held_on > timezone.localdate():
        raise DomainError("约谈日期不能晚于今天。", field="held_on")
    if held_on < plan.feedback_date:
        raise DomainError(
            f"约谈日期 {held_on:%Y-%m-%d} 早于反馈日期 {plan.feedback_date:%Y-%m-%d}。",
            field="held_on",
        )
    overrides = overrides_for(plan.office)
    if due_date is None:
        due_date = deadlines.add_working_days(held_on, DEFAULT_DUE_WORKING_DAYS[RK.TALK], overrides)
    _check_due(plan.office, held_on, due_date, overrides)
    lagging = lagging_measures(plan).count()
    with transaction.atomic():
        item = (
            ResultItem.objects.select_for_update()
            .filter(
                inspection_id=plan.inspection_id,
                unit_id=plan.unit_id,
                kind=RK.TALK,
                state=RS.DECIDED,
            )
            .exclude(pk__in=Talk.objects.values("item_id"))
            .first()
        )
        subject = f"约谈{talked_to}：{values['reason'][0][:150]}"
        now = timezone.now()
        if item is None:
            item = ResultItem.objects.create(
                office=plan.office,
                inspection_id=plan.inspection_id,
                unit=plan.unit,
                kind=RK.TALK,
                subject=subject[:200],
                recipient=plan.unit,
                recipient_name=plan.unit.name,
                decided_on=held_on,
                due_date=due_date,
                state=RS.SENT,
                sent_at=now,
                created_by=actor,
            )
            record(
                actor=actor,
                action=Action.CREATE,
                obj=item,
                changes={"kind": RK.TALK, "due_date": str(due_date), "plan": plan.pk},
            )
            _history(item, "", RS.SENT, actor, "约谈已实施")
        else:
            item.state, item.sent_at, item.due_date = RS.SENT, now, due_date
            item.recipient, item.recipient_name = plan.unit, plan.unit.name
            if item.decided_on > held_on:
                item.decided_on = held_on
            item.save()
            _history(item, RS.DECIDED, RS.SENT, actor, "约谈已实施")
            record(
                actor=actor,
                action=Action.TRANSITION,
                obj=item,
                changes={"state": [RS.DECIDED, RS.SENT], "due_date": str(due_date)},
            )
        talk = Talk.objects.create(
            item=item,
            plan=plan,
            held_on=held_on,
            talker=values["talker"][0],
            talked_to=values["talked_to"][0],
            reason=values["reason"][0],
            promises=values["promises"][0],
            lagging_measures=lagging,
            recorded_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=talk,
            changes={
                "held_on": str(held_on),
                "talker": talk.talker,
                "talked_to": talk.talked_to,
                "lagging_measures": lagging,
            },
        )
    return talk


def talk_escalate(*, talk, recipient, reason: str, actor, due_date: date | None = None):
    """The unit did not keep its promises: refer the accountability (问责) of its leaders to
    the discipline commission — a ledger item of its own, linked to the talk."""
    item = talk.item
    if not _may(item, actor, "review"):
        raise DomainError("只有巡察机构可以移送问责。")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写移送问责的理由。", field="reason")
    if item.escalations.filter(kind=RK.ACCOUNTABILITY).exclude(state=RS.WITHDRAWN).exists():
        raise DomainError("该约谈已移送问责，不能重复移送。")
    plan = talk.plan
    return result_create(
        inspection=plan.inspection,
        kind=RK.ACCOUNTABILITY,
        subject=f"问责：{plan.unit.name}约谈后整改仍滞后——{reason}"[:200],
        recipient=recipient,
        unit=plan.unit,
        due_date=due_date,
        escalated_from=item,
        actor=actor,
    )


# --------------------------------------------------------------------------- life meeting


def life_meeting_record(
    *,
    plan,
    actor,
    held_on: date,
    host: str,
    attendees: str,
    discipline_observer: str,
    organisation_observer: str,
    self_criticism: str,
    followup: str = "",
    place: str = "",
    measures=(),
) -> LifeMeeting:
    """Record the rectification democratic life meeting (整改专题民主生活会) of the unit's
    leadership, with the discipline commission's and organisation department's observers;
    its follow-up measures are measures of the plan."""
    plans = RectificationPlan.objects.filter(pk=plan.pk)
    if not (
        access.visible(plans, actor, "edit").exists()
        or access.visible(plans, actor, "review").exists()
    ):
        raise DomainError("只有被巡察单位或巡察机构可以登记整改专题民主生活会。")
    texts = {
        "host": ((host or "").strip(), "主持人", 50),
        "attendees": ((attendees or "").strip(), "参会班子成员", 2000),
        "discipline_observer": ((discipline_observer or "").strip(), "纪委监委列席人员", 100),
        "organisation_observer": ((organisation_observer or "").strip(), "组织部列席人员", 100),
        "self_criticism": ((self_criticism or "").strip(), "对照检查和批评与自我批评情况", 20000),
    }
    for name, (value, label, limit) in texts.items():
        if not value:
            raise DomainError(f"请填写“{label}”。", field=name)
        if len(value) > limit:
            raise DomainError(f"“{label}”不超过 {limit} 个字。", field=name)
    if len((place or "").strip()) > 100:
        raise DomainError("地点不超过 100 个字。", field="place")
    if not isinstance(held_on, date):
        raise DomainError("请填写召开日期。", field="held_on")
    if held_on < plan.feedback_date:
        raise DomainError(
            f"召开日期 {held_on:%Y-%m-%d} 早于反馈日期 {plan.feedback_date:%Y-%m-%d}。",
            field="held_on",
        )
    if held_on > timezone.localdate():
        raise DomainError("召开日期不能晚于今天。", field="held_on")
    measures = list(measures)
    if any(m.plan_id != plan.pk for m in measures):
        raise DomainError("会后整改措施须为本单位整改方案中的措施。", field="measures")
    followup = (followup or "").strip()
    if not measures and not followup:
        raise DomainError("请关联整改方案中的措施或填写会后整改措施。", field="measures")
    with transaction.atomic():
        meeting = LifeMeeting.objects.create(
            plan=plan,
            held_on=held_on,
            place=(place or "").strip(),
            followup=followup,
            recorded_by=actor,
            **{k: v[0] for k, v in texts.items()},
        )
        meeting.measures.set(measures)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=meeting,
            changes={
                "held_on": str(held_on),
                "discipline_observer": meeting.discipline_observer,
                "organisation_observer": meeting.organisation_observer,
                "measures": [m.pk for m in measures],
            },
        )
    return meeting


# --------------------------------------------------------------------------- statistics


def result_stats(items, today: date | None = None) -> dict:
    """Counts of a (visible) ledger queryset: by kind and state, open, overdue, talks and
    accountability referrals — one aggregate query whatever the volume."""
    today = today or timezone.localdate()
    open_q = Q(state__in=OPEN_STATES)
    aggregates = {"overdue": Count("pk", filter=open_q & Q(due_date__lt=today))}
    for state in (RS.REPLIED, RS.CONCLUDED):
        aggregates[f"state_{state}"] = Count("pk", filter=Q(state=state))
    for kind in RK.values:
        aggregates[f"total_{kind}"] = Count("pk", filter=Q(kind=kind))
        aggregates[f"open_{kind}"] = Count("pk", filter=Q(kind=kind) & open_q)
    row = items.order_by().aggregate(**aggregates)
    by_kind = [
        {
            "kind": kind,
            "label": str(label),
            "total": row[f"total_{kind}"],
            "open": row[f"open_{kind}"],
        }
        for kind, label in RK.choices
    ]
    return {
        "total": sum(v["total"] for v in by_kind),
        "open": sum(v["open"] for v in by_kind),
        "overdue": row["overdue"],
        "replied": row[f"state_{RS.REPLIED}"],
        "concluded": row[f"state_{RS.CONCLUDED}"],
        "talks": row[f"total_{RK.TALK}"],
        "accountability": row[f"total_{RK.ACCOUNTABILITY}"],
        "by_kind": by_kind,
    }


def light_of_item(item, today, overrides, thresholds) -> str:
    if item.state not in OPEN_STATES:
        return deadlines.CLOSED
    return deadlines.traffic_light(item.due_date, today, overrides, thresholds)
