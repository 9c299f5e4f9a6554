"""Writes on document drafts: generate from the fieldwork, edit, finalise, export (audited)."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections import documents as gather
from xuncha.reports.models import POST_FEEDBACK_STAGES, FeedbackDelivery, ReportDraft
from xuncha.reports.officialdoc import render_document
from xuncha.reports.watermark import watermark_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SINGLE_KINDS = {ReportDraft.Kind.REPORT, ReportDraft.Kind.FEEDBACK}
ISSUERS = {
    ReportDraft.Kind.REPORT: "{team}",
    ReportDraft.Kind.FEEDBACK: "{team}",
    ReportDraft.Kind.TOPICAL: "{team}",
    ReportDraft.Kind.RECOMMENDATION: "{office}",
}


def feedback_cc(office) -> str:
    """抄送 of a feedback opinion: the 纪委监委 and 组织部 of the office's own level and place
    (a county office copies its county's, a city office its city's)."""
    place = office.region or office.name.removesuffix("巡察办").removesuffix("委")
    return f"{place}纪委监委，{place}委组织部"


def feedback_due(draft: ReportDraft):
    """The deadlines a feedback opinion states: those fixed on its delivery record once it
    was delivered; before that the office's rule from the planned feedback date."""
    from xuncha.rectification.deadlines import RectificationDue
    from xuncha.rectification.services import rectification_due_for

    delivery = getattr(draft, "delivery", None) if draft.pk else None
    if delivery is not None:
        return RectificationDue(
            start=delivery.delivered_on,
            plan_days=delivery.plan_working_days,
            report_days=delivery.report_working_days,
            plan_due=delivery.plan_due,
            report_due=delivery.report_due,
        )
    start = draft.inspection.feedback_date or timezone.localdate()
    return rectification_due_for(draft.inspection.office, start)


def _topic_name(topic: str) -> str:
    if not topic:
        return ""
    from xuncha.inspections.models import TaxonomyCategory

    cat = TaxonomyCategory.objects.filter(code=topic, version__active=True).first()
    if cat is None:
        raise DomainError(f"监督内容分类代码“{topic}”不存在。", field="topic")
    return gather._category_name(cat.name)


def _blocks(draft: ReportDraft, user) -> tuple[list[dict], list]:
    inspection = draft.inspection
    facts = gather.inspection_facts(inspection, unit=draft.unit)
    kind = draft.kind
    if kind == ReportDraft.Kind.FEEDBACK:
        problems = gather.report_problems(inspection, user, feedback_only=True, unit=draft.unit)
        due = feedback_due(draft)
        blocks = gather.feedback_blocks(
            facts,
            problems,
            plan_due=due.plan_due,
            report_due=due.report_due,
            plan_days=due.plan_days,
            report_days=due.report_days,
        )
    elif kind == ReportDraft.Kind.TOPICAL:
        problems = gather.report_problems(inspection, user, topic=draft.topic)
        blocks = gather.topical_blocks(facts, problems, _topic_name(draft.topic) or "有关")
    elif kind == ReportDraft.Kind.RECOMMENDATION:
        problems = gather.report_problems(inspection, user, topic=draft.topic)
        blocks = gather.recommendation_blocks(facts, problems, draft.recipient)
    else:
        problems = gather.report_problems(inspection, user)
        blocks = gather.report_blocks(facts, problems)
    return blocks, problems


def _feedback_unit(inspection, unit):
    """The unit a feedback opinion goes to: given, or the inspection's only unit."""
    if unit is None:
        units = list(inspection.units.order_by("pk")[:2])
        if len(units) != 1:
            raise DomainError("反馈意见按被巡察单位分别出具，请选择被反馈单位。", field="unit")
        return units[0]
    if not inspection.units.filter(pk=unit.pk).exists():
        raise DomainError("该单位不是本次巡察的被巡察单位。", field="unit")
    return unit


def draft_generate(
    *, inspection, kind: str, actor, recipient: str = "", topic: str = "", unit=None
) -> ReportDraft:
    """Create a draft from the fieldwork, or refill the existing report/feedback draft.

    A feedback opinion is one per inspected unit (`unit`; optional when the inspection
    has a single unit) and lists only that unit's problems."""
    if kind not in ReportDraft.Kind.values:
        raise DomainError("未知的文书类型。", field="kind")
    topic = (topic or "").strip().upper()
    if kind == ReportDraft.Kind.RECOMMENDATION and not recipient.strip():
        raise DomainError("巡察建议书须填写主送部门。", field="recipient")
    feedback = kind == ReportDraft.Kind.FEEDBACK
    unit = _feedback_unit(inspection, unit) if feedback else None
    if feedback:
        from xuncha.inspections.reviews import feedback_blockers

        blockers = feedback_blockers(inspection)
        if blockers:  # feedback follows the reviews' decisions on the use of results
            raise DomainError("；".join(blockers))
    with transaction.atomic():
        facts = gather.inspection_facts(inspection, unit=unit)
        draft = None
        if kind in SINGLE_KINDS:
            draft = (
                ReportDraft.objects.select_for_update()
                .filter(inspection=inspection, kind=kind, unit=unit)
                .first()
            )
        if draft is not None and draft.state == ReportDraft.State.FINAL:
            raise DomainError("该文书已定稿，不能重新生成。")
        created = draft is None
        if created:
            unit_leaders = f"中共{facts.units_text}党组织" if facts.units else ""
            draft = ReportDraft(
                inspection=inspection,
                kind=kind,
                unit=unit,
                topic=topic,
                recipient=recipient.strip()
                or (
                    unit_leaders
                    if kind == ReportDraft.Kind.FEEDBACK
                    else "巡察工作领导小组"
                    if kind in {ReportDraft.Kind.REPORT, ReportDraft.Kind.TOPICAL}
                    else ""
                ),
                issuer=ISSUERS[kind].format(team=facts.team, office=facts.office),
                doc_date=timezone.localdate(),
                cc=feedback_cc(inspection.office) if feedback else "",
                created_by=actor,
                updated_by=actor,
            )
        else:
            draft.version += 1
            draft.updated_by = actor
        draft.title = gather.default_title(kind, facts, _topic_name(topic) if topic else "")
        if kind == ReportDraft.Kind.RECOMMENDATION:
            draft.title = f"关于{_topic_name(topic) or '巡察发现有关'}问题的巡察建议书"
        draft.sections, problems = _blocks(draft, actor)
        draft.problem_count = len(problems)
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:  # another person generated the same document just now
            raise DomainError("该文书刚由他人生成，请刷新后再试。") from None
        changes = {"kind": kind, "version": draft.version, "problems": draft.problem_count}
        if feedback:
            draft.problems.set([p.pk for p in problems])
            changes["unit"] = unit.name
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=draft,
            changes=changes,
        )
    return draft


def feedback_generate_all(*, inspection, actor) -> list[ReportDraft]:
    """Generate (or refill) the feedback opinion of every inspected unit not yet final."""
    finals = set(
        ReportDraft.objects.filter(
            inspection=inspection,
            kind=ReportDraft.Kind.FEEDBACK,
            state=ReportDraft.State.FINAL,
        ).values_list("unit_id", flat=True)
    )
    return [
        draft_generate(inspection=inspection, kind=ReportDraft.Kind.FEEDBACK, unit=u, actor=actor)
        for u in inspection.units.order_by("pk")
        if u.pk not in finals
    ]


def feedback_deliver(
    *, draft: ReportDraft, delivered_on, delivered_by: str, actor
) -> FeedbackDelivery:
    """Record that a final feedback opinion was given to its unit (date, who delivered).

    Fixes the rectification deadlines from the delivery date by the office's rule: they
    are stored here, printed in the letter and copied to the unit's rectification plan.
    From now on the unit's liaison reads the letter and its problems."""
    from xuncha.rectification.services import rectification_due_for

    delivered_by = (delivered_by or "").strip()
    with transaction.atomic():
        if not ReportDraft.objects.for_user(actor, "change").filter(pk=draft.pk).exists():
            raise DomainError("只有本巡察机构或巡察组可以登记反馈意见送达。")
        draft = (
            ReportDraft.objects.select_for_update(of=("self",))
            .select_related("inspection__office", "unit")
            .get(pk=draft.pk)
        )
        if draft.kind != ReportDraft.Kind.FEEDBACK or draft.unit_id is None:
            raise DomainError("只有按单位出具的反馈意见才能登记送达。")
        if draft.state != ReportDraft.State.FINAL:
            raise DomainError("反馈意见须审定（定稿）后才能送达。")
        inspection = draft.inspection
        if inspection.stage not in POST_FEEDBACK_STAGES:
            raise DomainError("巡察报告经审议、巡察进入反馈阶段后才能送达反馈意见。")
        if FeedbackDelivery.objects.filter(draft=draft).exists():
            raise DomainError("该反馈意见已登记送达。")
        if not isinstance(delivered_on, date):
            raise DomainError("请填写送达日期。", field="delivered_on")
        if delivered_on > timezone.localdate():
            raise DomainError("送达日期不能晚于今天。", field="delivered_on")
        if delivered_on < inspection.end:
            raise DomainError("送达日期不能早于巡察结束日期。", field="delivered_on")
        if not delivered_by:
            raise DomainError("请填写送达人。", field="delivered_by")
        due = rectification_due_for(inspection.office, delivered_on)
        delivery = FeedbackDelivery.objects.create(
            draft=draft,
            delivered_on=delivered_on,
            delivered_by=delivered_by[:100],
            plan_working_days=due.plan_days,
            report_working_days=due.report_days,
            plan_due=due.plan_due,
            report_due=due.report_due,
            recorded_by=actor,
        )
        draft.sections = _stamped(draft.sections, due)
        draft.save(update_fields=["sections"])
        record(
            actor=actor,
            action=Action.CREATE,
            obj=delivery,
            summary=f"反馈意见送达{draft.unit.name}",
            changes={
                "draft": draft.pk,
                "unit": draft.unit.name,
                "delivered_on": str(delivered_on),
                "delivered_by": delivery.delivered_by,
                "plan_due": str(due.plan_due),
                "report_due": str(due.report_due),
                "problems": list(draft.problems.values_list("number", flat=True)),
            },
        )
    return delivery


def _stamped(blocks, due):
    return gather.stamp_deadlines(
        blocks,
        plan_days=due.plan_days,
        plan_due=due.plan_due,
        report_days=due.report_days,
        report_due=due.report_due,
    )


EDITABLE = ["title", "recipient", "issuer", "doc_date", "doc_number", "secrecy", "cc"]


def draft_update(*, draft: ReportDraft, actor, sections: list[dict], **fields) -> ReportDraft:
    """Save the staff's edits of a draft's text; a final draft is locked."""
    with transaction.atomic():
        draft = ReportDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.state == ReportDraft.State.FINAL:
            raise DomainError("该文书已定稿，不能修改。")
        if not (fields.get("title") or draft.title).strip():
            raise DomainError("标题不能为空。", field="title")
        before = {k: str(getattr(draft, k)) for k in EDITABLE}
        for key in EDITABLE:
            if key in fields:
                value = fields[key]
                if value is None and key != "doc_date":
                    value = ""
                setattr(draft, key, value)
        cleaned = []
        for block in sections:
            heading = str(block.get("heading") or "").strip()[:200]
            text = str(block.get("text") or "")
            try:
                level = max(0, min(4, int(block.get("level") or 0)))
            except (TypeError, ValueError):
                level = 0
            if heading or text.strip():
                cleaned.append({"heading": heading, "level": level if heading else 0, "text": text})
        draft.sections = cleaned
        draft.version += 1
        draft.updated_by = actor
        draft.save()
        after = {k: str(getattr(draft, k)) for k in EDITABLE}
        changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
        changes["version"] = draft.version
        record(actor=actor, action=Action.UPDATE, obj=draft, changes=changes)
    return draft


def draft_finalize(*, draft: ReportDraft, actor) -> ReportDraft:
    with transaction.atomic():
        draft = ReportDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.state == ReportDraft.State.FINAL:
            raise DomainError("该文书已定稿。")
        draft.state = ReportDraft.State.FINAL
        draft.updated_by = actor
        draft.save()
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=draft,
            changes={"state": [ReportDraft.State.DRAFT, ReportDraft.State.FINAL]},
        )
    return draft


watermark_for = watermark_text


def draft_export(*, draft: ReportDraft, actor) -> tuple[str, bytes]:
    """The .docx of a draft, watermarked with the reader's name and time; the export is audited."""
    watermark = watermark_for(actor)
    blocks = draft.sections
    if draft.kind == ReportDraft.Kind.FEEDBACK:
        blocks = _stamped(blocks, feedback_due(draft))
    doc = gather.official_document(
        title=draft.title,
        blocks=blocks,
        recipient=draft.recipient,
        issuer=draft.issuer,
        doc_date=draft.doc_date,
        doc_number=draft.doc_number,
        secrecy=draft.secrecy,
        cc=draft.cc,
        watermark=watermark,
    )
    data = render_document(doc)
    with transaction.atomic():
        record(
            actor=actor,
            action=Action.EXPORT,
            obj=draft,
            changes={"format": "docx", "version": draft.version, "watermark": watermark},
        )
    unit = f"-{draft.unit.name}" if draft.unit_id else ""
    name = f"{draft.get_kind_display()}-{draft.inspection_id}{unit}-v{draft.version}.docx"
    return name, data
