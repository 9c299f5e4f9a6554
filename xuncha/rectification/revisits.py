"""巡察“回头看”: start a revisit from the original inspection, record findings, report.

Rules (docs/workflow.md, 巡察“回头看”):
- A revisit belongs to a 回头看 inspection and checks its original inspection, which must
  have delivered feedback; the checklist is exactly the original feedback problems.
- Every item gets one finding; 未到位 / 虚假整改 / 敷衍整改 become a new problem of the
  revisit inspection linked to the original; a problem whose measures were all closed
  (销号) but is found 未到位 (or false / perfunctory) has its measures reopened, recorded in
  `MeasureReopen` and the plan's `PlanHistory`.
- The report lists the original problems still open; the unit liaison reads its own
  items only after the report.
"""

from django.db import transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections.models import Problem, WorkingPaper
from xuncha.inspections.services import _next_number, attachment_store, files_atomic
from xuncha.org import access
from xuncha.plans.models import Inspection
from xuncha.rectification.models import Measure, PlanHistory, RectificationPlan
from xuncha.rectification.revisit_models import (
    REVISIT_OFFICE,
    MeasureReopen,
    Revisit,
    RevisitItem,
)

Finding = RevisitItem.Finding


def may_work(revisit_or_inspection, user) -> bool:
    """Office admin/staff of the office, or a member of the revisit inspection's team."""
    from django.db.models import Q

    inspection = getattr(revisit_or_inspection, "inspection", revisit_or_inspection)
    if access.is_sysadmin(user):
        return True
    office = access.office_q(user, REVISIT_OFFICE, field="office")
    team = Q(team__members__inspector__user=user)
    return Inspection.objects.filter(office | team, pk=inspection.pk).exists()


def original_problems(original):
    """The original inspection's feedback problems, as delivered to the units."""
    return (
        Problem.objects.filter(
            inspection=original,
            in_feedback=True,
            feedback_documents__delivery__isnull=False,
        )
        .distinct()
        .order_by("number", "pk")
    )


def _snapshot(problem):
    return [
        {
            "content": m.content,
            "state": m.state,
            "state_label": m.get_state_display(),
            "evidence_count": m.evidence_count,
            "closed_at": m.closed_at.date().isoformat() if m.closed_at else "",
        }
        for m in Measure.objects.filter(problem=problem).order_by("pk")
    ]


@transaction.atomic
def revisit_start(*, inspection, actor) -> Revisit:
    """Start the revisit of `inspection` (a 回头看): build the checklist from the original."""
    if not may_work(inspection, actor):
        raise DomainError("您无权开展此次“回头看”。")
    if inspection.kind != Inspection.Kind.REVISIT or inspection.revisits_id is None:
        raise DomainError("只有“回头看”巡察才能开展回头看核查，且须关联原巡察。")
    if Revisit.objects.filter(inspection=inspection).exists():
        raise DomainError("本次“回头看”已经开始，不能重复开始。")
    original = inspection.revisits
    problems = list(original_problems(original))
    if not problems:
        raise DomainError("原巡察尚未向被巡察单位送达反馈意见，无法开展“回头看”。")
    revisit = Revisit.objects.create(
        office=inspection.office, inspection=inspection, original=original, started_by=actor
    )
    for problem in problems:
        measures = _snapshot(problem)
        RevisitItem.objects.create(
            revisit=revisit,
            problem=problem,
            unit=problem.unit,
            measures=measures,
            was_closed=bool(measures) and all(m["state"] == Measure.State.CLOSED for m in measures),
        )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=revisit,
        summary=f"开始回头看，核查事项 {len(problems)} 项",
        changes={"original": original.pk, "items": len(problems)},
    )
    return revisit


def _new_problem(item, actor, finding_label, text) -> Problem:
    inspection = item.revisit.inspection
    Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
    original = item.problem
    problem = Problem.objects.create(
        inspection=inspection,
        unit=original.unit,
        number=_next_number(inspection),
        title=f"回头看发现：{original.title}（{finding_label}）"[:200],
        description=text,
        category=original.category,
        theme=original.theme,
        discipline=original.discipline,
        nature=original.nature,
        severity=original.severity,
        responsible_posts=original.responsible_posts,
        created_by=actor,
    )
    WorkingPaper.objects.create(
        problem=problem,
        inspection=inspection,
        number=problem.number,
        title=problem.title,
        facts=text,
        drafter=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=problem,
        summary=f"回头看：原问题 {original.number} {finding_label}，列为新问题",
        changes={"original_problem": original.pk, "finding": item.finding},
    )
    return problem


def _reopen(item, actor, finding_label, text) -> int:
    """Reopen the closed measures of a problem found not rectified; return how many."""
    reason = f"回头看核查结论：{finding_label}。{text}"
    measures = list(
        Measure.objects.select_for_update().filter(problem=item.problem, state=Measure.State.CLOSED)
    )
    plans = set()
    for m in measures:
        MeasureReopen.objects.create(
            measure=m,
            item=item,
            from_state=m.state,
            closed_at=m.closed_at,
            actor=actor,
            reason=reason,
        )
        m.state = Measure.State.OPEN
        m.attempt += 1
        m.return_reason = reason
        m.closed_at = None
        m.save(update_fields=["state", "attempt", "return_reason", "closed_at"])
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=m,
            summary="回头看发现未到位，已销号措施重新整改",
            changes={"state": ["closed", "open"], "revisit_item": item.pk},
        )
        plans.add(m.plan_id)
    for plan in RectificationPlan.objects.select_for_update().filter(pk__in=plans):
        to_state = (
            RectificationPlan.State.ADOPTED
            if plan.state == RectificationPlan.State.COMPLETED
            else plan.state
        )
        PlanHistory.objects.create(
            plan=plan,
            from_state=plan.state,
            to_state=to_state,
            actor=actor,
            comment=f"回头看：问题 {item.problem.number} 重新整改（{finding_label}）",
        )
        if to_state != plan.state:
            plan.state = to_state
            plan.completed_at = None
            plan.save(update_fields=["state", "completed_at"])
    return len(measures)


def finding_record(*, revisit, item_id, finding, evidence_text, actor, uploaded=None):
    """Record the finding of one checklist item (once), with its evidence."""
    with files_atomic():
        revisit = Revisit.objects.select_for_update().get(pk=revisit.pk)
        if not may_work(revisit, actor):
            raise DomainError("您无权记录此次“回头看”的核查结论。")
        if revisit.state != Revisit.State.OPEN:
            raise DomainError("“回头看”报告已形成，不能再修改核查结论。")
        try:
            item_id = int(item_id)
        except (TypeError, ValueError):
            item_id = None
        item = RevisitItem.objects.filter(revisit=revisit, pk=item_id).first() if item_id else None
        if item is None:
            raise DomainError("该事项不在本次“回头看”的核查清单中。", field="item")
        if finding not in Finding.values:
            raise DomainError(
                "请选择核查结论（整改到位、基本到位、未到位、虚假整改或敷衍整改）。",
                field="finding",
            )
        text = (evidence_text or "").strip()
        if not text:
            raise DomainError("请填写核查情况及佐证。", field="evidence_text")
        if item.finding:
            raise DomainError("该事项已记录核查结论，不能重复记录。", field="item")
        item.finding = finding
        item.evidence_text = text
        item.found_by = actor
        item.found_at = timezone.now()
        if uploaded is not None:
            item.attachment = attachment_store(
                inspection=revisit.inspection,
                uploaded=uploaded,
                actor=actor,
                description=f"回头看佐证：{item.problem.number}",
            )
        label = item.get_finding_display()
        reopened = 0
        if finding in RevisitItem.NOT_DONE_FINDINGS:
            item.new_problem = _new_problem(item, actor, label, text)
            reopened = _reopen(item, actor, label, text)
            item.reopened = reopened > 0
        item.save()
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=item,
            summary=f"回头看核查：{item.problem.number} {label}",
            changes={
                "finding": finding,
                "new_problem": item.new_problem_id,
                "reopened_measures": reopened,
                "attachment": item.attachment_id,
            },
        )
    return item


@transaction.atomic
def revisit_report(*, revisit, actor) -> Revisit:
    """Close the checklist: every item must have a finding."""
    revisit = Revisit.objects.select_for_update().get(pk=revisit.pk)
    if not may_work(revisit, actor):
        raise DomainError("您无权形成此次“回头看”报告。")
    if revisit.state != Revisit.State.OPEN:
        raise DomainError("“回头看”报告已经形成。")
    missing = list(revisit.items.filter(finding="").values_list("problem__number", flat=True))
    if missing:
        raise DomainError(
            f"还有 {len(missing)} 项未记录核查结论（{'、'.join(missing[:10])}），不能形成报告。"
        )
    revisit.state = Revisit.State.REPORTED
    revisit.reported_at = timezone.now()
    revisit.save(update_fields=["state", "reported_at"])
    record(
        actor=actor,
        action=Action.TRANSITION,
        obj=revisit,
        summary="形成回头看报告",
        changes={"state": ["open", "reported"]},
    )
    return revisit


def coverage(revisit, items=None) -> dict:
    """Counts per finding and the original problems still open."""
    items = list(items if items is not None else revisit.items.select_related("problem", "unit"))
    counts = {value: 0 for value in Finding.values}
    for item in items:
        if item.finding:
            counts[item.finding] += 1
    checked = sum(counts.values())
    return {
        "total": len(items),
        "checked": checked,
        "unchecked": len(items) - checked,
        "counts": [(Finding(v).label, counts[v]) for v in Finding.values],
        "still_open": [i for i in items if i.still_open],
    }


def report_document(revisit, items, *, actor) -> bytes:
    """The revisit report (.docx, GB/T 9704) via the official-document helper; audited."""
    from xuncha.reports.officialdoc import OfficialDocument, Section, Table, render_document
    from xuncha.reports.watermark import watermark_text

    cov = coverage(revisit, items)
    counts = "；".join(f"{label} {n} 项" for label, n in cov["counts"])
    rows = [
        [
            i.problem.number,
            i.problem.title,
            i.unit.name,
            "已销号" if i.was_closed else "未销号",
            i.get_finding_display() or "待核查",
        ]
        for i in cov["still_open"]
    ]
    doc = OfficialDocument(
        title=f"关于对{revisit.original}开展巡察“回头看”的情况报告",
        recipient=str(revisit.office),
        sections=[
            f"对原巡察反馈的 {cov['total']} 个问题逐项核查，已核查 {cov['checked']} 项：{counts}。",
            Section(
                "仍未整改到位的原问题",
                paragraphs=[
                    Table(header=["编号", "原问题", "单位", "开始时状态", "核查结论"], rows=rows)
                    if rows
                    else "原巡察反馈问题均已整改到位或基本到位。"
                ],
            ),
        ],
        issuer=str(revisit.office),
        date=timezone.localdate(),
        secrecy="机密",
        watermark=watermark_text(actor),
    )
    record(actor=actor, action=Action.EXPORT, obj=revisit, summary="导出回头看情况报告")
    return render_document(doc)
