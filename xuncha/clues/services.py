"""Clue and handover writes. Handovers follow HANDOVER_TRANSITIONS under a row lock."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import confidential, record
from xuncha.clues.models import AuditFinding, Clue, ClueEvidence, Handover, HandoverHistory
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Role

HS = Handover.State

KIND_FOR_HANDLING = {
    Clue.Handling.DISCIPLINE: Handover.Kind.DISCIPLINE,
    Clue.Handling.ORGANISATION: Handover.Kind.ORGANISATION,
    Clue.Handling.DEPARTMENT: Handover.Kind.DEPARTMENT,
    Clue.Handling.PETITION: Handover.Kind.PETITION,
    Clue.Handling.AUDIT: Handover.Kind.AUDIT,
}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    who: str  # "change" = the office, "receive" = the recipient's liaison
    label: str


HANDOVER_TRANSITIONS = [
    Transition(HS.DRAFT, HS.SENT, "change", "发出移交函"),
    Transition(HS.SENT, HS.ACKNOWLEDGED, "receive", "签收"),
    Transition(HS.ACKNOWLEDGED, HS.CONCLUDED, "receive", "反馈办理结果"),
]


def _inspection_writable(inspection, user) -> bool:
    """Office staff of the inspection's office, or a member of its team."""
    from xuncha.plans.models import Inspection

    qs = Inspection.objects.filter(pk=inspection.pk)
    if access.is_sysadmin(user):
        return True
    office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
    return qs.filter(office).exists() or qs.filter(team__members__inspector__user=user).exists()


def _next_number(prefix, model, office) -> str:
    year = timezone.localdate().year
    count = model.objects.filter(office=office, created_at__year=year).count() + 1
    return f"{prefix}{year}-{count:03d}"


def submission_choices(user, inspection=None):
    """Submissions the user may see (petitions' own access rule), for the clue's source picker.

    Callers show only a short summary (number, date, category, state), never who reported."""
    from xuncha.petitions.models import Submission

    qs = Submission.objects.filter(inspection__isnull=False)
    if inspection is not None:
        qs = qs.filter(inspection=inspection)
    return access.visible(qs, user).order_by("-received_on", "-pk")


def submission_summary(submission) -> str:
    """A non-identifying one-line summary of a submission."""
    return (
        f"{submission.number} · {submission.received_on:%Y-%m-%d} · "
        f"{submission.get_category_display()} · {submission.get_state_display()}"
    )


def _index(obj, state_only=False):
    """Keep the search index in step (analytics reads every app; imported lazily)."""
    from xuncha.analytics import search

    if state_only:
        search.set_state(obj)
    else:
        search.index(obj)


def clue_create(
    *,
    inspection,
    unit,
    source: str,
    people_concerned: str,
    facts: str,
    proposed_handling: str,
    actor,
    problem=None,
    working_paper=None,
    submission=None,
    submission_id=None,
) -> Clue:
    if not _inspection_writable(inspection, actor):
        raise DomainError("只有本巡察组成员或巡察机构工作人员可以登记问题线索。")
    if source not in Clue.Source.values:
        raise DomainError("请选择线索来源。", field="source")
    if proposed_handling not in Clue.Handling.values:
        raise DomainError("请选择拟处理意见。", field="proposed_handling")
    if not people_concerned.strip():
        raise DomainError("请填写反映对象。", field="people_concerned")
    if not facts.strip():
        raise DomainError("请填写主要问题线索。", field="facts")
    if problem is not None and problem.inspection_id != inspection.pk:
        raise DomainError("来源问题不属于本次巡察。", field="problem")
    if working_paper is not None and working_paper.inspection_id != inspection.pk:
        raise DomainError("来源底稿不属于本次巡察。", field="working_paper")
    if source == Clue.Source.PROBLEM and problem is None:
        raise DomainError("请选择来源问题。", field="problem")
    if source == Clue.Source.WORKING_PAPER and working_paper is None:
        raise DomainError("请选择来源底稿。", field="working_paper")
    if submission is not None:
        submission_id = submission.pk
    if source == Clue.Source.SUBMISSION and not submission_id:
        raise DomainError("请选择来源信访件。", field="submission")
    if (
        submission_id
        and not submission_choices(actor, inspection).filter(pk=submission_id).exists()
    ):
        raise DomainError("来源信访件不存在、不属于本次巡察或您无权查看。", field="submission")
    with transaction.atomic():
        clue = Clue.objects.create(
            office=inspection.office,
            inspection=inspection,
            unit=unit,
            number=_next_number("XS", Clue, inspection.office),
            source=source,
            problem=problem,
            working_paper=working_paper,
            submission_id=submission_id or None,
            people_concerned=people_concerned.strip(),
            facts=facts.strip(),
            proposed_handling=proposed_handling,
            created_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=clue,
            summary=f"登记问题线索 {clue.number}",  # no content in the audit summary
            changes={"source": source, "proposed_handling": proposed_handling},
        )
    return clue


def clue_read(*, clue, actor, evidence=()):
    """Log a read of a confidential clue and the evidence extracts shown with it (one entry)."""
    confidential([clue, *evidence], actor=actor, summary=f"查阅问题线索 {clue.number}")


def clue_add_evidence(*, clue, title: str, extract: str = "", file=None, actor) -> ClueEvidence:
    from xuncha.rectification.services import _store_file

    if not access.visible(Clue.objects.filter(pk=clue.pk), actor, "change").exists():
        raise DomainError("您无权为该线索添加证据。")
    if not title.strip():
        raise DomainError("请填写证据名称。", field="title")
    if file is None and not extract.strip():
        raise DomainError("请上传证据文件或填写证据摘录。", field="extract")
    stored = _store_file(file) if file is not None else None
    with transaction.atomic():
        evidence = ClueEvidence.objects.create(
            clue=clue, title=title.strip(), extract=extract.strip()
        )
        if stored:
            relative, digest, checked, size = stored
            evidence.file, evidence.sha256 = relative, digest
            evidence.file_name, evidence.content_type, evidence.size = (
                checked.name,
                checked.content_type,
                size,
            )
            evidence.save()
        record(actor=actor, action=Action.CREATE, obj=clue, summary=f"线索 {clue.number} 添加证据")
    return evidence


def handover_create(
    *,
    inspection,
    recipient,
    kind: str,
    subject: str,
    actor,
    clues=(),
    problems=(),
    evidence=(),
    letter_body: str = "",
) -> Handover:
    from xuncha.plans.models import Inspection

    if not access.visible(Inspection.objects.filter(pk=inspection.pk), actor, "change").exists():
        raise DomainError("只有巡察机构工作人员可以办理移交。")
    if kind not in Handover.Kind.values:
        raise DomainError("请选择移交类型。", field="kind")
    if not subject.strip():
        raise DomainError("请填写移交事由。", field="subject")
    clues, problems, evidence = list(clues), list(problems), list(evidence)
    if not clues and not problems:
        raise DomainError("请至少选择一条问题线索或一个问题。", field="clues")
    if any(c.inspection_id != inspection.pk for c in clues):
        raise DomainError("所选线索不属于本次巡察。", field="clues")
    if any(p.inspection_id != inspection.pk for p in problems):
        raise DomainError("所选问题不属于本次巡察。", field="problems")
    clue_ids = {c.pk for c in clues}
    if any(e.clue_id not in clue_ids for e in evidence):
        raise DomainError("随附证据须来自所选线索。", field="evidence")
    with transaction.atomic():
        handover = Handover.objects.create(
            office=inspection.office,
            inspection=inspection,
            recipient=recipient,
            kind=kind,
            number=_next_number("YJ", Handover, inspection.office),
            subject=subject.strip(),
            letter_body=letter_body.strip(),
            created_by=actor,
        )
        handover.clues.set(clues)
        handover.problems.set(problems)
        handover.evidence.set(evidence)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=handover,
            changes={
                "recipient": recipient.name,
                "clues": sorted(clue_ids),
                "problems": sorted(p.pk for p in problems),
                "evidence": sorted(e.pk for e in evidence),
            },
        )
        _index(handover)
    return handover


def handover_transitions_for(handover, user):
    return [
        t
        for t in HANDOVER_TRANSITIONS
        if t.source == handover.state
        and access.visible(Handover.objects.filter(pk=handover.pk), user, t.who).exists()
    ]


def handover_transition(
    *,
    handover,
    target: str,
    actor,
    note: str = "",
    outcome: str = "",
    people_disciplined=0,
    money_recovered="0",
) -> Handover:
    from xuncha.rectification.deadlines import month_later
    from xuncha.rectification.services import config_for

    with transaction.atomic():
        handover = Handover.objects.select_for_update().get(pk=handover.pk)
        step = next(
            (t for t in HANDOVER_TRANSITIONS if t.source == handover.state and t.target == target),
            None,
        )
        if step is None:
            raise DomainError(f"移交当前状态为“{handover.get_state_display()}”，不能执行该操作。")
        if not access.visible(Handover.objects.filter(pk=handover.pk), actor, step.who).exists():
            raise DomainError("您无权执行该操作。")
        now = timezone.now()
        changes = {"state": [handover.state, target]}
        if target == HS.SENT:
            handover.sent_at = now
            months = config_for(handover.office).handover_due_months
            handover.due_date = month_later(timezone.localdate(), months)
            handover.clues.update(state=Clue.State.HANDED_OVER)
            changes["due_date"] = str(handover.due_date)
        elif target == HS.ACKNOWLEDGED:
            handover.acknowledged_at = now
            handover.acknowledged_by = actor
        elif target == HS.CONCLUDED:
            if outcome not in Handover.Outcome.values:
                raise DomainError("请选择处置方式。", field="outcome")
            if not note.strip():
                raise DomainError("请填写办理结果。", field="note")
            try:
                people = int(people_disciplined or 0)
                money = Decimal(str(money_recovered or "0"))
            except (ValueError, InvalidOperation):
                raise DomainError(
                    "处理人数、挽回损失须为数字。", field="people_disciplined"
                ) from None
            if people < 0 or money < 0:
                raise DomainError("处理人数、挽回损失不能为负数。", field="people_disciplined")
            handover.outcome = outcome
            handover.outcome_note = note.strip()
            handover.people_disciplined = people
            handover.money_recovered = money
            handover.concluded_at = now
            handover.clues.update(state=Clue.State.CONCLUDED)
            changes.update(outcome=outcome, people=people, money=str(money))
        HandoverHistory.objects.create(
            handover=handover, from_state=handover.state, to_state=target, actor=actor, note=note
        )
        handover.state = target
        handover.save()
        record(actor=actor, action=Action.TRANSITION, obj=handover, changes=changes)
        _index(handover, state_only=True)
    return handover


def handover_letter_docx(handover: Handover, *, actor) -> bytes:
    """移交函 (.docx): the letter, the clue list and the chosen evidence extracts; watermarked
    with the reader, and one audited export naming the handover, its clues and extracts."""
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Section, Table
    from xuncha.reports.watermark import confidential_docx

    clues = list(handover.clues.order_by("number"))
    evidence = list(handover.evidence.order_by("pk"))
    clue_rows = [
        [
            c.number,
            c.people_concerned.replace("\n", "；"),
            c.facts[:300],
            c.get_proposed_handling_display(),
        ]
        for c in clues
    ]
    problem_rows = [[p.number, p.title] for p in handover.problems.order_by("number")]
    body = handover.letter_body or (
        f"根据巡察工作有关规定，现将{handover.inspection}中发现的{handover.subject}移交你单位，"
        "请按照有关规定和程序办理，并于期限内将办理结果书面反馈我办。"
    )
    sections = [Paragraph(body)]
    if clue_rows:
        sections.append(
            Section(
                heading="问题线索清单",
                paragraphs=[
                    Table(
                        header=["编号", "反映对象", "主要问题", "拟处理意见"],
                        rows=clue_rows,
                        widths=[30, 30, 66, 30],
                    )
                ],
            )
        )
    if problem_rows:
        sections.append(
            Section(
                heading="移交问题清单",
                paragraphs=[Table(header=["编号", "问题"], rows=problem_rows, widths=[36, 120])],
            )
        )
    extracts = [
        Paragraph(f"{e.title}：{e.extract or '（见附件 ' + e.file_name + '）'}") for e in evidence
    ]
    if extracts:
        sections.append(Section(heading="随附证据摘录", paragraphs=extracts))
    if handover.due_date:
        sections.append(
            Paragraph(
                f"请于{handover.due_date.year}年{handover.due_date.month}月{handover.due_date.day}日前反馈办理结果。"
            )
        )
    doc = OfficialDocument(
        title=f"关于移交{handover.subject}的函",
        recipient=f"{handover.recipient.name}：",
        sections=sections,
        issuer=str(handover.office),
        date=timezone.localtime(handover.sent_at).date()
        if handover.sent_at
        else timezone.localdate(),
        doc_number=handover.number,
        secrecy="机密",
    )
    return confidential_docx(
        doc,
        actor=actor,
        objs=[handover, *clues, *evidence],
        summary=f"导出移交函 {handover.number}",
    )


def handover_read(*, handover, clues, evidence, actor, findings=()):
    """Log the read of a handover page: its letter, outcome, clues, extracts and audit
    findings, one entry."""
    confidential(
        [handover, *clues, *evidence, *findings],
        actor=actor,
        summary=f"查阅移交 {handover.number}",
    )


def handover_sweep(today: date) -> int:
    """Flag overdue handovers once and tell the office (and the recipient's liaison)."""
    from xuncha.rectification.models import Reminder
    from xuncha.rectification.services import _remind

    overdue = Handover.objects.filter(
        state__in=[HS.SENT, HS.ACKNOWLEDGED], due_date__lt=today, escalated_on__isnull=True
    ).select_related("recipient", "office")
    n = 0
    for handover in overdue:
        with transaction.atomic():
            url = reverse("clues:handover_detail", args=[handover.pk])
            text = f"移交{handover.number}（{handover.recipient.name}）逾期未反馈办理结果，期限 {handover.due_date:%Y-%m-%d}"
            _remind(
                Reminder.Kind.HANDOVER,
                key=f"h{handover.pk}-overdue-o",
                text=text,
                url=url,
                office=handover.office,
            )
            _remind(
                Reminder.Kind.HANDOVER,
                key=f"h{handover.pk}-overdue-r",
                text=text,
                url=url,
                unit=handover.recipient,
            )
            Handover.objects.filter(pk=handover.pk).update(escalated_on=today)
            n += 1
    return n


def may_record_findings(handover, user) -> bool:
    """Whether `user` is the audit body's liaison on this sent audit handover."""
    return (
        handover.kind == Handover.Kind.AUDIT
        and handover.state != HS.DRAFT
        and access.can(user, handover, "receive")
    )


def audit_finding_create(
    *,
    handover,
    title: str,
    actor,
    facts: str = "",
    report_number: str = "",
    amount="0",
    problems=(),
) -> AuditFinding:
    """巡审联动: the audit body records what its audit found on a handover it received,
    linked to the handed-over problems it concerns; the office reads it on the handover
    and on each problem."""
    with transaction.atomic():
        # The handover as it is now (its state may have moved since the caller read it).
        handover = Handover.objects.select_for_update().get(pk=handover.pk)
        if handover.kind != Handover.Kind.AUDIT:
            raise DomainError("只有移交审计机关的事项才能登记审计发现。")
        if not access.can(actor, handover, "receive"):
            raise DomainError("只有接收移交的审计机关联络员可以登记审计发现。")
        if handover.state == HS.DRAFT:
            raise DomainError("移交尚未发出，不能登记审计发现。")
        if not title.strip():
            raise DomainError("请填写审计发现。", field="title")
        if len(title.strip()) > 200 or len(report_number.strip()) > 60:
            raise DomainError("审计发现不超过 200 字，文号不超过 60 字。", field="title")
        try:
            amount = Decimal(str(amount or "0"))
        except InvalidOperation:
            raise DomainError("涉及金额须为数字（万元）。", field="amount") from None
        if not amount.is_finite() or amount < 0 or amount >= 10**12:
            raise DomainError("涉及金额须为不小于 0 的数字（万元）。", field="amount")
        amount = amount.quantize(Decimal("0.01"))
        problems = list(problems)
        handed = set(handover.problems.values_list("pk", flat=True))
        if any(p.pk not in handed for p in problems):
            raise DomainError("所选问题不在本次移交之内。", field="problems")
        finding = AuditFinding.objects.create(
            handover=handover,
            title=title.strip(),
            facts=facts.strip(),
            report_number=report_number.strip(),
            amount=amount,
            recorded_by=actor,
        )
        finding.problems.set(problems)
        record(
            actor=actor,
            action=Action.CREATE,
            obj=finding,
            changes={
                "handover": handover.number,
                "problems": sorted(p.pk for p in problems),
                "amount": str(amount),
            },
        )
    return finding
