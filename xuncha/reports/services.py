"""Writes on document drafts: generate from the fieldwork, edit, finalise, export (audited)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.inspections import documents as gather
from xuncha.reports.models import ReportDraft
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


def _overrides(office):
    try:
        from xuncha.plans.calendar import overrides_for
    except ImportError:  # the planning app's calendar is optional for the pure computation
        return {}
    return overrides_for(office)


def _topic_name(topic: str) -> str:
    if not topic:
        return ""
    from xuncha.inspections.models import TaxonomyCategory

    cat = TaxonomyCategory.objects.filter(code=topic, version__active=True).first()
    if cat is None:
        raise DomainError(f"监督内容分类代码“{topic}”不存在。", field="topic")
    return gather._category_name(cat.name)


def _blocks(draft: ReportDraft, user) -> tuple[list[dict], int]:
    inspection = draft.inspection
    facts = gather.inspection_facts(inspection)
    kind = draft.kind
    if kind == ReportDraft.Kind.FEEDBACK:
        problems = gather.report_problems(inspection, user, feedback_only=True)
        start = inspection.feedback_date or timezone.localdate()
        plan_due, report_due = gather.rectification_dates(
            start,
            draft.plan_working_days,
            draft.report_working_days,
            _overrides(inspection.office),
        )
        blocks = gather.feedback_blocks(
            facts,
            problems,
            plan_due=plan_due,
            report_due=report_due,
            plan_days=draft.plan_working_days,
            report_days=draft.report_working_days,
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
    return blocks, len(problems)


def draft_generate(
    *, inspection, kind: str, actor, recipient: str = "", topic: str = ""
) -> ReportDraft:
    """Create a draft from the fieldwork, or refill the existing report/feedback draft."""
    if kind not in ReportDraft.Kind.values:
        raise DomainError("未知的文书类型。", field="kind")
    topic = (topic or "").strip().upper()
    if kind == ReportDraft.Kind.RECOMMENDATION and not recipient.strip():
        raise DomainError("巡察建议书须填写主送部门。", field="recipient")
    with transaction.atomic():
        facts = gather.inspection_facts(inspection)
        draft = None
        if kind in SINGLE_KINDS:
            draft = (
                ReportDraft.objects.select_for_update()
                .filter(inspection=inspection, kind=kind)
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
                cc="市纪委监委，市委组织部" if kind == ReportDraft.Kind.FEEDBACK else "",
                created_by=actor,
                updated_by=actor,
            )
        else:
            draft.version += 1
            draft.updated_by = actor
        draft.title = gather.default_title(kind, facts, _topic_name(topic) if topic else "")
        if kind == ReportDraft.Kind.RECOMMENDATION:
            draft.title = f"关于{_topic_name(topic) or '巡察发现有关'}问题的巡察建议书"
        draft.sections, draft.problem_count = _blocks(draft, actor)
        try:
            with transaction.atomic():
                draft.save()
        except IntegrityError:  # another person generated the same document just now
            raise DomainError("该文书刚由他人生成，请刷新后再试。") from None
        record(
            actor=actor,
            action=Action.CREATE if created else Action.UPDATE,
            obj=draft,
            changes={"kind": kind, "version": draft.version, "problems": draft.problem_count},
        )
    return draft


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
    doc = gather.official_document(
        title=draft.title,
        blocks=draft.sections,
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
    name = f"{draft.get_kind_display()}-{draft.inspection_id}-v{draft.version}.docx"
    return name, data
