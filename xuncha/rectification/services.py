"""Rectification writes: plans, measures, progress and evidence, verification, escalation,
supervision letters, reports, assessment, disclosure. Each validates, changes and audits
in one transaction; workflows are the TRANSITIONS tables below."""

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import check_upload, strip_image_metadata
from xuncha.org import access
from xuncha.org.models import Role
from xuncha.rectification import deadlines
from xuncha.rectification.models import (
    Assessment,
    AssessmentIndicator,
    AssessmentScore,
    Disclosure,
    DisclosureItem,
    Evidence,
    Measure,
    PlanHistory,
    PlanOpinion,
    Progress,
    RectificationConfig,
    RectificationPlan,
    Reminder,
    Report,
    SupervisionLetter,
    TeamRating,
    Verification,
)
from xuncha.rectification.scoring import DEFAULT_INDICATORS, IndicatorScore, total_and_grade

PS = RectificationPlan.State
MS = Measure.State
DS = Disclosure.State

# --------------------------------------------------------------------------- settings


def _index(obj, state_only=False):
    """Keep the search index in step (analytics reads every app; imported lazily)."""
    from xuncha.analytics import search

    if state_only:
        search.set_state(obj)
    else:
        search.index(obj)


def config_for(office) -> RectificationConfig:
    config, _ = RectificationConfig.objects.get_or_create(office=office)
    return config


def overrides_for(office) -> dict:
    try:
        from xuncha.plans.calendar import overrides_for as plan_overrides
    except ImportError:  # pragma: no cover - the planning calendar ships with plans
        return {}
    return plan_overrides(office)


def rectification_due_for(office, start: date) -> deadlines.RectificationDue:
    """The office's deadline rule (RectificationConfig, working days) applied from `start`.

    Used for the dates printed in the feedback letter, stored on its delivery record and
    copied to the rectification plan (due_date, report_due_date), from which the traffic
    lights, the sweep's reminders and the API read them."""
    config = config_for(office)
    return deadlines.rectification_due(
        start, config.plan_due_working_days, config.report_due_working_days, overrides_for(office)
    )


def thresholds_for(config: RectificationConfig) -> deadlines.Thresholds:
    return deadlines.Thresholds(yellow_days=config.yellow_days, red_days=config.red_days)


def light_of(measure: Measure, today: date, overrides, thresholds) -> str:
    if measure.state == MS.CLOSED:
        return deadlines.CLOSED
    return deadlines.traffic_light(measure.deadline, today, overrides, thresholds)


# --------------------------------------------------------------------------- plans


# from, to, who may ("edit" = the unit, "review" = the office), what is required, label
@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    who: str
    label: str
    needs_comment: bool = False


PLAN_TRANSITIONS = [
    Transition(PS.DRAFT, PS.SUBMITTED, "edit", "报送审核"),
    Transition(PS.RETURNED, PS.SUBMITTED, "edit", "修改后重新报送"),
    Transition(PS.SUBMITTED, PS.RETURNED, "review", "退回修改", needs_comment=True),
    Transition(PS.SUBMITTED, PS.ADOPTED, "review", "审核通过"),
    Transition(PS.ADOPTED, PS.COMPLETED, "review", "确认整改完成"),
]


def plan_transitions_for(plan, user) -> list[Transition]:
    """The transitions the user may take now (the UI draws its buttons from this)."""
    out = []
    for t in PLAN_TRANSITIONS:
        if t.source == plan.state and _may(plan, user, t.who):
            out.append(t)
    return out


def _may(plan, user, who) -> bool:
    return access.visible(RectificationPlan.objects.filter(pk=plan.pk), user, who).exists()


def delivered_feedback(inspection, unit):
    """The feedback opinion delivered to `unit` in `inspection` (with its delivery), or None."""
    from xuncha.reports.models import ReportDraft

    return (
        ReportDraft.objects.filter(
            inspection=inspection,
            unit=unit,
            kind=ReportDraft.Kind.FEEDBACK,
            state=ReportDraft.State.FINAL,
            delivery__isnull=False,
        )
        .select_related("delivery")
        .first()
    )


def plan_open(*, inspection, unit, actor, main_leader="") -> RectificationPlan:
    """Open rectification for one unit once its feedback opinion was delivered.

    The plan starts on the delivery date, takes its due dates from the delivery record
    (the dates printed in the letter) and lists exactly the problems of that letter."""
    if not access.visible(
        type(inspection).objects.filter(pk=inspection.pk), actor, "change"
    ).exists():
        raise DomainError("只有本巡察机构的工作人员才能下发整改任务。")
    if not inspection.units.filter(pk=unit.pk).exists():
        raise DomainError("该单位不是本次巡察的被巡察单位。", field="unit")
    feedback = delivered_feedback(inspection, unit)
    if feedback is None:
        raise DomainError(
            "尚未向该单位送达反馈意见（反馈意见须定稿并登记送达），不能下发整改任务。",
            field="unit",
        )
    delivery = feedback.delivery
    with transaction.atomic():
        if RectificationPlan.objects.filter(inspection=inspection, unit=unit).exists():
            raise DomainError("该单位本次巡察的整改方案已经建立。")
        plan = RectificationPlan.objects.create(
            office=inspection.office,
            inspection=inspection,
            unit=unit,
            feedback=feedback,
            feedback_date=delivery.delivered_on,
            due_date=delivery.plan_due,
            report_due_date=delivery.report_due,
            main_leader=main_leader,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=plan,
            changes={
                "feedback": feedback.pk,
                "feedback_date": str(plan.feedback_date),
                "due_date": str(plan.due_date),
                "report_due_date": str(plan.report_due_date),
            },
        )
        _index(plan)
    return plan


def feedback_problems(plan):
    """The plan's problem list: the problems of the feedback opinion delivered to its unit.

    Plans opened before feedback was given per unit (no `feedback`) keep the unit's
    feedback problems of the inspection."""
    from xuncha.inspections.models import Problem

    if plan.feedback_id:
        qs = Problem.objects.filter(feedback_documents=plan.feedback_id, unit_id=plan.unit_id)
    else:
        qs = Problem.objects.filter(
            inspection_id=plan.inspection_id, unit_id=plan.unit_id
        ).feedback_list()
    return qs.select_related("category").order_by("number")


def plan_transition(*, plan, target: str, actor, comment: str = "") -> RectificationPlan:
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        step = next(
            (t for t in PLAN_TRANSITIONS if t.source == plan.state and t.target == target), None
        )
        if step is None:
            raise DomainError(f"方案当前状态为“{plan.get_state_display()}”，不能执行该操作。")
        if not _may(plan, actor, step.who):
            raise DomainError("您无权执行该操作。")
        if step.needs_comment and not comment.strip():
            raise DomainError("退回时必须填写审核意见。", field="comment")
        now = timezone.now()
        if target == PS.SUBMITTED:
            _check_plan_complete(plan)
            plan.submission_no += 1
            plan.submitted_at = now
        if target == PS.ADOPTED:
            missing = _co_reviewers_pending(plan)
            if missing:
                raise DomainError(f"尚需{'、'.join(missing)}会审同意后才能通过。")
            plan.adopted_at = now
        if target == PS.COMPLETED:
            open_count = plan.measures.filter(long_term=False).exclude(state=MS.CLOSED).count()
            if open_count:
                raise DomainError(f"还有 {open_count} 项整改措施未销号，不能确认整改完成。")
            plan.completed_at = now
        source = plan.state
        plan.state = target
        plan.save()
        PlanHistory.objects.create(
            plan=plan, from_state=source, to_state=target, actor=actor, comment=comment
        )
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=plan,
            changes={"state": [source, target], "comment": comment},
        )
        _index(plan, state_only=True)
    return plan


def _check_plan_complete(plan):
    missing = list(
        feedback_problems(plan)
        .annotate(n=Count("measures", filter=Q(measures__plan=plan)))
        .filter(n=0)
        .values_list("number", flat=True)
    )
    if missing:
        raise DomainError(f"问题 {'、'.join(missing)} 尚未制定整改措施，每个问题至少一项措施。")


def _co_reviewers_pending(plan) -> list[str]:
    config = config_for(plan.office)
    agreed = set(
        plan.opinions.filter(
            submission_no=plan.submission_no, decision=PlanOpinion.Decision.AGREE
        ).values_list("reviewer_unit_id", flat=True)
    )
    return [u.name for u in config.co_reviewers.all() if u.pk not in agreed]


def co_reviewer_unit(plan, user):
    """The configured co-reviewing unit the user speaks for, or None."""
    config = config_for(plan.office)
    return next(
        (
            u
            for u in config.co_reviewers.all()
            if u.pk in {x.pk for x in access.user_units(user, {Role.HANDOVER_RECIPIENT})}
        ),
        None,
    )


def plan_co_review(*, plan, decision: str, comment: str, actor) -> PlanOpinion:
    """纪委监委/组织部 co-review of a submitted plan; a return sends the plan back."""
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        unit = co_reviewer_unit(plan, actor)
        if unit is None:
            raise DomainError("您不是本方案的会审单位。")
        if plan.state != PS.SUBMITTED:
            raise DomainError("方案不在待审核状态。")
        if decision not in PlanOpinion.Decision.values:
            raise DomainError("请选择审核意见。", field="decision")
        if decision == PlanOpinion.Decision.RETURN and not comment.strip():
            raise DomainError("退回时必须填写审核意见。", field="comment")
        if plan.opinions.filter(submission_no=plan.submission_no, reviewer_unit=unit).exists():
            raise DomainError("本单位已对本次报送的方案提出意见。")
        opinion = PlanOpinion.objects.create(
            plan=plan,
            submission_no=plan.submission_no,
            reviewer_unit=unit,
            reviewer=actor,
            decision=decision,
            comment=comment,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=plan,
            summary=f"会审意见：{opinion.get_decision_display()}",
            changes={"decision": decision, "comment": comment, "unit": unit.name},
        )
        if decision == PlanOpinion.Decision.RETURN:
            PlanHistory.objects.create(
                plan=plan,
                from_state=plan.state,
                to_state=PS.RETURNED,
                actor=actor,
                comment=f"（{unit.name}）{comment}",
            )
            plan.state = PS.RETURNED
            plan.save(update_fields=["state"])
    return opinion


def plan_update(*, plan, actor, main_leader: str, summary: str) -> RectificationPlan:
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editable(plan, actor)
        before = {"main_leader": plan.main_leader, "summary": plan.summary}
        plan.main_leader, plan.summary = main_leader, summary
        plan.save(update_fields=["main_leader", "summary"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=plan,
            changes=_diff(before, {"main_leader": main_leader, "summary": summary}),
        )
        _index(plan)
    return plan


def _diff(before, after):
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def _require_editable(plan, actor):
    if not _may(plan, actor, "edit"):
        raise DomainError("只有被巡察单位联络员可以编辑本单位整改方案。")
    if plan.state not in {PS.DRAFT, PS.RETURNED}:
        raise DomainError(f"方案当前状态为“{plan.get_state_display()}”，不能修改整改措施。")


# --------------------------------------------------------------------------- measures

MEASURE_FIELDS = [
    "content",
    "responsible_leader",
    "lead_department",
    "responsible_person",
    "deadline",
    "expected_outcome",
    "long_term",
]
REQUIRED_LABELS = {
    "content": "整改措施",
    "responsible_leader": "责任领导",
    "lead_department": "牵头部门",
    "responsible_person": "责任人",
}


def validate_measure_values(plan, values: dict, overrides=None) -> dict:
    """Clean and check one measure's values; raises DomainError (Chinese, with the field)."""
    out = {}
    for name in MEASURE_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip()
        out[name] = value
    for name, label in REQUIRED_LABELS.items():
        if not out[name]:
            raise DomainError(f"请填写“{label}”。", field=name)
    if len(out["responsible_leader"]) > 50 or len(out["responsible_person"]) > 50:
        raise DomainError("责任领导、责任人不超过 50 个字。", field="responsible_person")
    if len(out["lead_department"]) > 80:
        raise DomainError("牵头部门不超过 80 个字。", field="lead_department")
    deadline = out["deadline"]
    if not isinstance(deadline, date):
        raise DomainError("请填写完成时限（日期）。", field="deadline")
    if deadline < plan.feedback_date:
        raise DomainError(
            f"完成时限 {deadline:%Y-%m-%d} 早于反馈日期 {plan.feedback_date:%Y-%m-%d}。",
            field="deadline",
        )
    if not deadlines._working(
        deadline, overrides if overrides is not None else overrides_for(plan.office)
    ):
        raise DomainError(
            f"完成时限 {deadline:%Y-%m-%d} 不是工作日，请选择工作日。", field="deadline"
        )
    out["expected_outcome"] = out["expected_outcome"] or ""
    out["long_term"] = bool(out["long_term"])
    return out


def measure_create(*, plan, problem, actor, **values) -> Measure:
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        _require_editable(plan, actor)
        if not feedback_problems(plan).filter(pk=problem.pk).exists():
            raise DomainError("该问题不在本单位的反馈问题清单中。", field="problem")
        clean = validate_measure_values(plan, values)
        measure = Measure.objects.create(plan=plan, problem=problem, **clean)
        record(actor=actor, action=Action.CREATE, obj=measure, changes=_jsonable(clean))
        _index(measure)
    return measure


def measure_update(*, measure, actor, **values) -> Measure:
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=measure.plan_id)
        _require_editable(plan, actor)
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        clean = validate_measure_values(plan, values)
        before = {f: getattr(measure, f) for f in MEASURE_FIELDS}
        for name, value in clean.items():
            setattr(measure, name, value)
        measure.save()
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=measure,
            changes=_jsonable(_diff(before, clean)),
        )
        _index(measure)
    return measure


def responsible_accounts(plan):
    """Accounts the liaison may name as a measure's responsible person: active, own unit."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(unit_id=plan.unit_id, is_active=True)
        .order_by("username", "pk")
    )


def measure_set_responsible_user(*, measure, user, actor) -> Measure:
    """Link (or unlink, user=None) the account that receives the measure's reminders."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update().select_related("plan").get(pk=measure.pk)
        plan = measure.plan
        if not _may(plan, actor, "edit"):
            raise DomainError("只有被巡察单位联络员可以指定责任人账号。")
        if measure.state == MS.CLOSED:
            raise DomainError("措施已销号，不能再指定责任人账号。")
        if user is not None and not responsible_accounts(plan).filter(pk=user.pk).exists():
            raise DomainError("所选账号不属于本单位或已停用，不能指定为责任人账号。", field="user")
        before = measure.responsible_user_id
        measure.responsible_user = user
        measure.save(update_fields=["responsible_user"])
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=measure,
            changes={"responsible_user": [before, user.pk if user else None]},
        )
    return measure


def measure_delete(*, measure, actor):
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=measure.plan_id)
        _require_editable(plan, actor)
        if measure.progress.exists():
            raise DomainError("该措施已有进展记录，不能删除。")
        record(actor=actor, action=Action.DELETE, obj=measure, changes={"content": measure.content})
        from xuncha.analytics import search

        search.unindex(measure)
        measure.delete()


def _jsonable(d):
    def conv(v):
        if isinstance(v, (date, Decimal)):
            return str(v)
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return {k: conv(v) for k, v in d.items()}


# --------------------------------------------------------------------------- progress

MEASURE_TRANSITIONS = [
    # from, to, who, label
    Transition(MS.OPEN, MS.PENDING, "edit", "提交核验销号"),
    Transition(MS.RETURNED, MS.PENDING, "edit", "补充后重新提交核验"),
    Transition(MS.PENDING, MS.RETURNED, "verify", "退回补充"),
    Transition(MS.PENDING, MS.CLOSED, "verify", "核验销号（全部会签后）"),
]


def _store_file(uploaded) -> tuple[str, str, object]:
    checked = check_upload(uploaded)
    data = uploaded.read()
    data = strip_image_metadata(data, checked.extension)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("rectification") / digest[:2] / f"{digest}.{checked.extension}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(data)
    return str(relative), digest, checked, len(data)


def progress_add(*, measure, text: str, files=(), request_verification=False, actor) -> Progress:
    """The unit reports progress with evidence; optionally asks for verification (销号)."""
    if not text.strip():
        raise DomainError("请填写整改进展情况。", field="text")
    stored = [_store_file(f) for f in files]  # checks every file before anything is written
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=measure.plan_id)
        if not _may(plan, actor, "edit"):
            raise DomainError("只有被巡察单位联络员可以报送整改进展。")
        if plan.state not in {PS.ADOPTED, PS.COMPLETED}:
            raise DomainError("整改方案审核通过后才能报送整改进展。")
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if measure.state == MS.CLOSED:
            raise DomainError("该措施已销号。")
        if measure.state == MS.PENDING:
            raise DomainError("该措施正在核验中，请等待核验结果。")
        progress = Progress.objects.create(
            measure=measure, text=text, request_verification=request_verification, author=actor
        )
        for relative, digest, checked, size in stored:
            Evidence.objects.create(
                progress=progress,
                measure=measure,
                name=checked.name,
                path=relative,
                content_type=checked.content_type,
                size=size,
                sha256=digest,
            )
        measure.evidence_count += len(stored)
        measure.last_progress_at = progress.at
        source = measure.state
        if request_verification:
            if measure.evidence_count == 0:
                raise DomainError("申请核验销号须上传佐证材料。", field="files")
            measure.state = MS.PENDING
        measure.save()
        record(
            actor=actor,
            action=Action.CREATE,
            obj=measure,
            summary=f"整改进展：{text[:60]}",
            changes={
                "evidence": [s[1] for s in stored],
                "state": [source, measure.state],
            },
        )
    return progress


def verification_parties(plan) -> list:
    """Who must sign a closing: None (the office) and each configured co-reviewing unit."""
    return [None, *config_for(plan.office).co_reviewers.all()]


def verifier_party(plan, user):
    """The party the user signs for: "office", a co-reviewing Unit, or None (may not verify)."""
    if _may(plan, user, "review"):
        return "office"
    return co_reviewer_unit(plan, user)


def measure_verify(*, measure, decision: str, reason: str, actor) -> Verification:
    """Record one party's verification; close when the office and every co-reviewer agree.

    The unit itself can never close: it is not a verifying party."""
    with transaction.atomic():
        measure = Measure.objects.select_for_update().select_related("plan").get(pk=measure.pk)
        plan = measure.plan
        if _may(plan, actor, "edit") and not _may(plan, actor, "review"):
            raise DomainError("被巡察单位不能自行销号，须由巡察机构核验。")
        party = verifier_party(plan, actor)
        if party is None:
            raise DomainError("您无权核验该整改措施。")
        if measure.state != MS.PENDING:
            raise DomainError(f"该措施当前为“{measure.get_state_display()}”，不在待核验状态。")
        if decision not in Verification.Decision.values:
            raise DomainError("请选择核验结论。", field="decision")
        if not reason.strip():
            raise DomainError("请填写核验意见或理由。", field="reason")
        unit = None if party == "office" else party
        if measure.verifications.filter(attempt=measure.attempt, reviewer_unit=unit).exists():
            raise DomainError("本方已对本轮核验作出结论。")
        verification = Verification.objects.create(
            measure=measure,
            attempt=measure.attempt,
            reviewer=actor,
            reviewer_unit=unit,
            decision=decision,
            reason=reason,
        )
        source = measure.state
        if decision == Verification.Decision.REJECT:
            measure.state = MS.RETURNED
            measure.return_reason = reason
            measure.attempt += 1
        else:
            signed = set(
                measure.verifications.filter(
                    attempt=measure.attempt, decision=Verification.Decision.APPROVE
                ).values_list("reviewer_unit_id", flat=True)
            )
            needed = {None if p is None else p.pk for p in verification_parties(plan)}
            if needed <= signed:
                measure.state = MS.CLOSED
                measure.closed_at = timezone.now()
        measure.save()
        _index(measure, state_only=True)
        record(
            actor=actor,
            action=Action.TRANSITION if measure.state != source else Action.CREATE,
            obj=measure,
            summary=f"核验：{verification.get_decision_display()}",
            changes={
                "decision": decision,
                "reason": reason,
                "party": unit.name if unit else "巡察机构",
                "attempt": verification.attempt,
                "state": [source, measure.state],
            },
        )
    return verification


# --------------------------------------------------------------------------- reports, letters


def report_submit(*, plan, kind: str, text: str, actor) -> Report:
    if kind not in Report.Kind.values:
        raise DomainError("请选择报告类型。", field="kind")
    if not text.strip():
        raise DomainError("请填写报告内容。", field="text")
    with transaction.atomic():
        plan = RectificationPlan.objects.select_for_update().get(pk=plan.pk)
        if not _may(plan, actor, "edit"):
            raise DomainError("只有被巡察单位可以报送整改报告。")
        if plan.state not in {PS.ADOPTED, PS.COMPLETED}:
            raise DomainError("整改方案通过后才能报送整改报告。")
        if plan.reports.filter(kind=kind).exists():
            raise DomainError("该报告已报送。")
        report = Report.objects.create(plan=plan, kind=kind, text=text, author=actor)
        record(actor=actor, action=Action.CREATE, obj=report, changes={"kind": kind})
    return report


def supervision_issue(
    *, plan, measures, requirement: str, reply_by: date, actor
) -> SupervisionLetter:
    if not _may(plan, actor, "review"):
        raise DomainError("只有巡察机构可以发出督办单。")
    if not requirement.strip():
        raise DomainError("请填写督办要求。", field="requirement")
    measures = list(measures)
    if not measures:
        raise DomainError("请选择督办事项。", field="measures")
    if any(m.plan_id != plan.pk for m in measures):
        raise DomainError("督办事项须属于本方案。", field="measures")
    if reply_by < timezone.localdate():
        raise DomainError("回复期限不能早于今天。", field="reply_by")
    with transaction.atomic():
        count = (
            SupervisionLetter.objects.filter(
                plan__office=plan.office, kind=SupervisionLetter.Kind.SUPERVISION
            ).count()
            + 1
        )
        letter = SupervisionLetter.objects.create(
            kind=SupervisionLetter.Kind.SUPERVISION,
            plan=plan,
            office=plan.office,
            recipient=plan.unit,
            number=f"督办〔{timezone.localdate().year}〕{count}号",
            requirement=requirement,
            reply_by=reply_by,
            issued_by=actor,
            sent_at=timezone.now(),  # a 督办单 is sent when it is issued
        )
        letter.measures.set(measures)
        _remind(
            Reminder.Kind.ESCALATE,
            key=f"letter-{letter.pk}",
            text=f"巡察机构发出{letter.number}，请于{reply_by:%Y-%m-%d}前回复",
            url=reverse("rectification:plan_detail", args=[plan.pk]),
            unit=plan.unit,
            user=plan.main_leader_user,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=letter,
            changes={"measures": [m.pk for m in measures], "reply_by": str(reply_by)},
        )
    return letter


def supervision_letter_docx(letter: SupervisionLetter, *, actor) -> bytes:
    """督办单 (.docx), watermarked with the reader; the export is audited."""
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Table
    from xuncha.reports.watermark import confidential_docx

    plan = letter.plan
    rows = [
        [
            m.problem.number,
            m.content[:120],
            m.responsible_person,
            f"{m.deadline:%Y-%m-%d}",
            m.get_state_display(),
        ]
        for m in letter.measures.select_related("problem").order_by("pk")
    ]
    doc = OfficialDocument(
        title=f"巡察整改督办单（{letter.number}）",
        recipient=f"中共{plan.unit.name}委员会（党组）："
        if "委" not in plan.unit.name
        else f"{plan.unit.name}：",
        sections=[
            Paragraph(
                f"根据巡察整改工作安排，经核查，你单位下列整改事项进度滞后或已超过完成时限。"
                f"现予督办，请于{letter.reply_by.year}年{letter.reply_by.month}月{letter.reply_by.day}日前"
                "将整改落实情况书面报送巡察机构。"
            ),
            Paragraph(letter.requirement),
            Table(
                header=["问题编号", "整改措施", "责任人", "完成时限", "当前状态"],
                rows=rows,
                title="督办事项清单",
                widths=[26, 60, 24, 24, 22],
            ),
        ],
        issuer=str(plan.office),
        date=timezone.localtime(letter.issued_at).date(),
        doc_number=letter.number,
    )
    return confidential_docx(doc, actor=actor, objs=letter, summary=f"导出{letter.number}")


# --------------------------------------------------------------------------- escalation


def _remind(kind, *, key, text, url="", user=None, office=None, unit=None):
    """Create a reminder once per key (a re-run of the sweep sends nothing twice)."""
    Reminder.objects.get_or_create(
        key=key[:80],
        defaults={
            "kind": kind,
            "text": text[:300],
            "url": url,
            "user": user,
            "office": office,
            "unit": unit,
        },
    )


def sweep(today: date | None = None) -> dict:
    """The daily sweep: reminders before deadlines, escalations when overdue, report and
    handover deadlines. Idempotent: each alert level is sent once."""
    today = today or timezone.localdate()
    counts = {
        "remind": 0,
        "escalate": 0,
        "escalate_serious": 0,
        "reports": 0,
        "handovers": 0,
        "results": 0,
    }
    plans = RectificationPlan.objects.filter(state__in=[PS.ADOPTED, PS.COMPLETED])
    offices = {p.office_id: p.office for p in plans.select_related("office").distinct()}
    for office_id, office in offices.items():
        config = config_for(office)
        overrides = overrides_for(office)
        thresholds = thresholds_for(config)
        bounds = deadlines.light_bounds(today, overrides, thresholds)
        last_yellow = bounds[deadlines.YELLOW][1]
        candidates = (
            Measure.objects.filter(plan__office_id=office_id, plan__in=plans, long_term=False)
            .exclude(state=MS.CLOSED)
            .filter(deadline__lte=last_yellow, alert_level__lt=3)
            .select_related("plan", "plan__unit", "problem")
        )
        for measure in candidates.iterator(chunk_size=500):
            light = deadlines.traffic_light(measure.deadline, today, overrides, thresholds)
            due = deadlines.alerts_due(light, measure.alert_level)
            if not due:
                continue
            with transaction.atomic():
                for alert in due:
                    _send_measure_alert(measure, alert)
                    counts[alert] += 1
                Measure.objects.filter(pk=measure.pk).update(
                    alert_level=deadlines.ALERT_FOR_LIGHT[light]
                )
    counts["reports"] = _sweep_reports(today)
    from xuncha.clues.services import handover_sweep

    counts["handovers"] = handover_sweep(today)
    # Use of results (成果运用) is chased by the same sweep, on the same lights and levels.
    from xuncha.rectification.results import result_sweep

    counts["results"] = result_sweep(today)
    from xuncha.rectification.disclosure import disclosure_sweep

    counts["disclosures"] = disclosure_sweep(today)
    return counts


def _send_measure_alert(measure, alert):
    plan = measure.plan
    url = reverse("rectification:measure_detail", args=[measure.pk])
    what = f"{plan.unit.name}问题{measure.problem.number}的整改措施（时限 {measure.deadline:%Y-%m-%d}）"
    key = f"m{measure.pk}-{alert}-{measure.deadline:%Y%m%d}"
    if alert == "remind":
        _remind(
            Reminder.Kind.REMIND,
            key=key,
            text=f"临近期限：{what}",
            url=url,
            user=measure.responsible_user,
            unit=None if measure.responsible_user else plan.unit,
        )
        return
    label = "严重逾期" if alert == "escalate_serious" else "已逾期"
    kind = Reminder.Kind.ESCALATE_SERIOUS if alert == "escalate_serious" else Reminder.Kind.ESCALATE
    _remind(kind, key=key + "-u", text=f"{label}：{what}", url=url, unit=plan.unit)
    if plan.main_leader_user_id:
        _remind(kind, key=key + "-l", text=f"{label}：{what}", url=url, user=plan.main_leader_user)
    _remind(kind, key=key + "-o", text=f"{label}：{what}", url=url, office=plan.office)


def _sweep_reports(today) -> int:
    sent = 0
    for plan in RectificationPlan.objects.filter(
        state__in=[PS.ADOPTED, PS.COMPLETED]
    ).select_related("unit", "office"):
        missing = set(Report.Kind.values) - set(plan.reports.values_list("kind", flat=True))
        if not missing:
            continue
        config = config_for(plan.office)
        from xuncha.core.workdays import working_days_between

        left = working_days_between(today, plan.report_due_date, overrides_for(plan.office))
        url = reverse("rectification:plan_detail", args=[plan.pk])
        if plan.report_due_date >= today and left <= config.report_reminder_days:
            _remind(
                Reminder.Kind.REPORT,
                key=f"p{plan.pk}-report-remind",
                text=f"整改报告须于{plan.report_due_date:%Y-%m-%d}前报送巡察机构",
                url=url,
                unit=plan.unit,
            )
            sent += 1
        elif plan.report_due_date < today:
            _remind(
                Reminder.Kind.ESCALATE,
                key=f"p{plan.pk}-report-overdue",
                text=f"{plan.unit.name}整改报告逾期未报（期限 {plan.report_due_date:%Y-%m-%d}）",
                url=url,
                office=plan.office,
            )
            sent += 1
    for plan in RectificationPlan.objects.filter(
        state__in=[PS.DRAFT, PS.RETURNED], due_date__lt=today
    ).select_related("unit"):
        _remind(
            Reminder.Kind.ESCALATE,
            key=f"p{plan.pk}-plan-overdue",
            text=f"{plan.unit.name}整改方案逾期未报（期限 {plan.due_date:%Y-%m-%d}）",
            url=reverse("rectification:plan_detail", args=[plan.pk]),
            office=plan.office,
        )
        sent += 1
    return sent


def reminders_for(user):
    """Reminders addressed to the user, their units or their offices (SQL filter)."""
    q = Q(user=user)
    q |= access.unit_q(user, {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}, field="unit")
    q |= access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}, field="office")
    return Reminder.objects.filter(q)


# --------------------------------------------------------------------------- assessment


def indicators_for(office):
    qs = AssessmentIndicator.objects.filter(office=office, active=True)
    if not qs.exists():
        AssessmentIndicator.objects.bulk_create(
            AssessmentIndicator(office=office, dimension=d, name=n, max_score=m, order=i)
            for i, (d, n, m) in enumerate(DEFAULT_INDICATORS)
        )
    return qs.order_by("order", "pk")


def assessment_save(*, plan, scores: dict, comment: str, actor) -> Assessment:
    if not _may(plan, actor, "review"):
        raise DomainError("只有巡察机构可以评估整改情况。")
    indicators = list(indicators_for(plan.office))
    items = []
    for ind in indicators:
        raw = scores.get(ind.pk, scores.get(str(ind.pk)))
        if raw in (None, ""):
            raise DomainError(
                f"请填写“{ind.dimension}·{ind.name}”的得分。", field=f"score_{ind.pk}"
            )
        try:
            value = Decimal(str(raw))
        except Exception:
            raise DomainError(f"“{ind.name}”的得分不是数字。", field=f"score_{ind.pk}") from None
        items.append(IndicatorScore(max_score=ind.max_score, score=value))
    try:
        total, percent, grade = total_and_grade(items)
    except ValueError as exc:
        raise DomainError(str(exc)) from None
    with transaction.atomic():
        Assessment.objects.filter(plan=plan).delete()
        assessment = Assessment.objects.create(
            plan=plan, total=total, percent=percent, grade=grade, comment=comment, assessed_by=actor
        )
        AssessmentScore.objects.bulk_create(
            AssessmentScore(assessment=assessment, indicator=ind, score=item.score)
            for ind, item in zip(indicators, items, strict=True)
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=assessment,
            changes={"total": str(total), "percent": str(percent), "grade": grade},
        )
    return assessment


def team_rate(*, plan, actor, discipline, professionalism, integrity, comment="") -> TeamRating:
    if not _may(plan, actor, "edit"):
        raise DomainError("只有被巡察单位可以评价巡察组作风。")
    values = {"discipline": discipline, "professionalism": professionalism, "integrity": integrity}
    for name, value in values.items():
        if value not in TeamRating.Level.values:
            raise DomainError("请选择评价等次。", field=name)
    with transaction.atomic():
        rating, _ = TeamRating.objects.update_or_create(
            plan=plan, defaults={**values, "comment": comment, "rated_by": actor}
        )
        record(actor=actor, action=Action.UPDATE, obj=rating, changes=values)
    return rating


# --------------------------------------------------------------------------- disclosure

DISCLOSURE_TRANSITIONS = [
    Transition(DS.DRAFT, DS.SUBMITTED, "edit", "报送审批"),
    Transition(DS.RETURNED, DS.SUBMITTED, "edit", "修改后重新报送"),
    Transition(DS.SUBMITTED, DS.RETURNED, "review", "退回修改", needs_comment=True),
    Transition(DS.SUBMITTED, DS.PUBLISHED, "review", "审批并公开"),
]


def disclosure_transitions_for(disclosure, user):
    return [
        t
        for t in DISCLOSURE_TRANSITIONS
        if t.source == disclosure.state and _may(disclosure.plan, user, t.who)
    ]


def disclosure_draft(*, plan, intro: str, items: dict, actor) -> Disclosure:
    """items: {problem_id: (public_text, exemption)}. Every feedback problem gets an item."""
    if not _may(plan, actor, "edit"):
        raise DomainError("整改公开文本由被巡察单位起草。")
    if plan.state not in {PS.ADOPTED, PS.COMPLETED}:
        raise DomainError("整改方案通过后才能起草公开文本。")
    problems = {p.pk: p for p in feedback_problems(plan)}
    with transaction.atomic():
        disclosure, _ = Disclosure.objects.select_for_update().get_or_create(plan=plan)
        if disclosure.state not in {DS.DRAFT, DS.RETURNED}:
            raise DomainError("公开文本已报送或已公开，不能修改。")
        disclosure.intro = intro
        disclosure.save(update_fields=["intro"])
        for pid, problem in problems.items():
            text, exemption = items.get(pid, items.get(str(pid), ("", "")))
            exemption = exemption or ""
            if exemption not in DisclosureItem.Exemption.values:
                raise DomainError("不予公开的理由无效。")
            if not exemption and not text.strip():
                raise DomainError(f"请填写问题 {problem.number} 的公开表述，或标明不予公开的理由。")
            DisclosureItem.objects.update_or_create(
                disclosure=disclosure,
                problem=problem,
                defaults={"public_text": text.strip(), "exemption": exemption},
            )
        record(actor=actor, action=Action.UPDATE, obj=disclosure, changes={"items": len(problems)})
    return disclosure


def disclosure_transition(*, disclosure, target, actor, comment="") -> Disclosure:
    with transaction.atomic():
        disclosure = (
            Disclosure.objects.select_for_update().select_related("plan").get(pk=disclosure.pk)
        )
        step = next(
            (
                t
                for t in DISCLOSURE_TRANSITIONS
                if t.source == disclosure.state and t.target == target
            ),
            None,
        )
        if step is None:
            raise DomainError("公开文本当前状态不能执行该操作。")
        if not _may(disclosure.plan, actor, step.who):
            raise DomainError("您无权执行该操作。")
        if step.needs_comment and not comment.strip():
            raise DomainError("退回时必须填写审批意见。", field="comment")
        from xuncha.rectification.disclosure import before_transition

        before_transition(disclosure, target)
        source = disclosure.state
        disclosure.state = target
        disclosure.review_comment = comment if step.who == "review" else disclosure.review_comment
        if target == DS.PUBLISHED:
            from xuncha.rectification.disclosure import due_date

            disclosure.published_at = timezone.now()
            disclosure.due_date = due_date(disclosure.plan)
            disclosure.approved_by = actor
        disclosure.save()
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=disclosure,
            changes={"state": [source, target], "comment": comment},
        )
    return disclosure


def default_exemption(problem) -> str:
    """Problems handed over and still open are an open case unless the unit says otherwise."""
    from xuncha.clues.models import Handover

    open_case = (
        problem.handovers.exclude(state=Handover.State.CONCLUDED).exists()
        or Handover.objects.filter(clues__problem=problem)
        .exclude(state=Handover.State.CONCLUDED)
        .exists()
    )
    return DisclosureItem.Exemption.OPEN_CASE if open_case else ""


def plan_progress(plan) -> dict:
    counts = plan.measures.aggregate(
        total=Count("pk"), closed=Count("pk", filter=Q(state=MS.CLOSED))
    )
    total = counts["total"] or 0
    counts["percent"] = round(100 * counts["closed"] / total) if total else 0
    return counts


def timeline_of(plan) -> list[tuple[date, str]]:
    events = [(plan.feedback_date, "巡察反馈")]
    if plan.adopted_at:
        events.append((timezone.localtime(plan.adopted_at).date(), "整改方案审核通过"))
    for report in plan.reports.all():
        events.append(
            (timezone.localtime(report.submitted_at).date(), f"报送{report.get_kind_display()}")
        )
    if plan.completed_at:
        events.append((timezone.localtime(plan.completed_at).date(), "整改任务全部完成"))
    return sorted(events)
