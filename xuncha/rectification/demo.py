"""Demo rectification: plans at every stage, overdue, rejected and closed measures,
co-signed closings, reports, assessments and one published disclosure.

Built on the feedback problems the fieldwork demo created; skips with a note if none."""

import hashlib
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from xuncha.core.workdays import add_working_days, is_working_day
from xuncha.org.models import Role, RoleAssignment, Unit, User
from xuncha.rectification.disclosure import due_date
from xuncha.rectification.models import (
    Assessment,
    AssessmentScore,
    Disclosure,
    DisclosureItem,
    Evidence,
    Measure,
    PlanHistory,
    Progress,
    RectificationConfig,
    RectificationPlan,
    Report,
    SupervisionLetter,
    TeamRating,
    Verification,
)
from xuncha.rectification.scoring import IndicatorScore, total_and_grade

PS = RectificationPlan.State
MS = Measure.State

MEASURES = [
    (
        "召开领导班子专题会议，逐项研究整改措施，明确责任分工和完成时限。",
        "制定专项整改方案，建立问题台账",
    ),
    ("全面清理自查，对涉及资金逐笔核实，能退还的全部退还。", "违规资金全部清退到位"),
    ("修订完善相关管理制度，堵塞制度漏洞，形成长效机制。", "出台制度文件并组织学习"),
    ("开展专项警示教育，对相关责任人进行批评教育或诫勉谈话。", "责任人员受到处理，干部受到警醒"),
    ("建立常态化监督检查机制，每季度开展一次督查。", "问题不反弹、不回潮"),
    ("对照问题开展举一反三排查，扩大整改覆盖面。", "同类问题全面整改"),
]
LEADERS = ["党组书记、局长", "党委副书记", "分管副局长", "纪检组长", "副主任"]
DEPARTMENTS = ["办公室", "财务科", "人事科", "机关党委", "规划建设科", "审计科", "政策法规科"]
PEOPLE = ["张明", "李华", "王芳", "刘强", "陈静", "杨帆", "赵磊", "黄敏", "周洁", "吴斌"]
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _workday(day):
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def _evidence_file():
    digest = hashlib.sha256(PDF).hexdigest()
    relative = Path("rectification") / digest[:2] / f"{digest}.pdf"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(PDF)
    return str(relative), digest


def build(ctx):

    rng, today = ctx.rng, ctx.today
    office_user = (
        User.objects.filter(username="office_staff").first()
        or User.objects.filter(roles__role__in=[Role.OFFICE_STAFF, Role.OFFICE_ADMIN]).first()
    )
    if office_user is None:
        ctx.log("  整改落实：没有巡察办账号，跳过")
        return
    from xuncha.reports.models import FeedbackDelivery

    # One plan per feedback opinion delivered to a unit (the reports demo delivers them).
    deliveries = list(
        FeedbackDelivery.objects.filter(draft__problem_count__gt=0)
        .select_related("draft__inspection__office", "draft__unit")
        .order_by("draft__inspection_id", "draft__unit_id")
    )
    if not deliveries:
        ctx.log("  整改落实：没有已送达的反馈意见（巡察文书演示数据缺失），跳过")
        return
    discipline = Unit.objects.filter(name__contains="纪委监委").order_by("depth", "pk").first()
    recipient = User.objects.filter(roles__role=Role.HANDOVER_RECIPIENT, unit=discipline).first()
    liaisons = {
        r.unit_id: r.user
        for r in RoleAssignment.objects.filter(
            role=Role.UNIT_LIAISON, unit__isnull=False
        ).select_related("user")
    }
    path, digest = _evidence_file()
    counts = {"plans": 0, "measures": 0, "closed": 0, "overdue": 0, "rejected": 0}
    configs = {}
    bureau_plan = None
    for delivery in deliveries:
        insp = delivery.draft.inspection
        office = insp.office
        if office.pk not in configs:
            config, _ = RectificationConfig.objects.get_or_create(office=office)
            if (
                discipline is not None
                and recipient is not None
                and discipline.office_id == office.pk
            ):
                config.co_reviewers.add(discipline)
            configs[office.pk] = config
        config = configs[office.pk]
        co_units = list(config.co_reviewers.all())
        feedback = delivery.delivered_on
        if feedback > today:
            continue
        unit = delivery.draft.unit
        liaison = liaisons.get(unit.pk)
        actor = liaison or office_user
        age = (today - feedback).days
        # Stage by age, with some variety: new plans are drafts, older ones adopted or completed.
        if age < 20:
            state = rng.choice([PS.DRAFT, PS.SUBMITTED])
        elif age < 35:
            state = rng.choice([PS.SUBMITTED, PS.RETURNED, PS.ADOPTED])
        elif age > 300:
            state = rng.choice([PS.COMPLETED, PS.ADOPTED])
        else:
            state = PS.ADOPTED
        if liaison is not None and bureau_plan is None:
            state = PS.ADOPTED  # the liaison's demo account gets a plan in progress
        plan = RectificationPlan.objects.create(
            office=office,
            inspection=insp,
            unit=unit,
            feedback=delivery.draft,
            feedback_date=feedback,
            due_date=delivery.plan_due,
            report_due_date=delivery.report_due,
            main_leader=rng.choice(PEOPLE) + "（党组书记）",
            main_leader_user=liaison,
            summary="坚持问题导向，照单全收、立行立改，做到条条有着落、件件有回音。",
            state=PS.DRAFT,
            created_at=_at(feedback),
        )
        counts["plans"] += 1
        if liaison is not None and bureau_plan is None:
            bureau_plan = plan
        problems = list(delivery.draft.problems.order_by("number"))
        submitted_on = _workday(feedback + timedelta(days=rng.randint(15, 28)))
        history = []
        measures = []
        for p in problems:
            for k in range(rng.randint(1, 3) if state != PS.DRAFT or rng.random() < 0.5 else 0):
                text, outcome = MEASURES[rng.randrange(len(MEASURES))]
                long_term = k == 2 or rng.random() < 0.08
                deadline = _workday(
                    feedback + timedelta(days=rng.choice([30, 45, 60, 90, 120, 180]))
                )
                measures.append(
                    Measure(
                        plan=plan,
                        problem=p,
                        content=f"针对“{p.title}”：{text}",
                        responsible_leader=rng.choice(LEADERS),
                        lead_department=rng.choice(DEPARTMENTS),
                        responsible_person=rng.choice(PEOPLE),
                        responsible_user=liaison,
                        deadline=deadline,
                        expected_outcome=outcome,
                        long_term=long_term,
                        created_at=_at(feedback + timedelta(days=5)),
                    )
                )
        Measure.objects.bulk_create(measures)
        counts["measures"] += len(measures)
        if state == PS.DRAFT:
            continue
        history.append(
            PlanHistory(
                plan=plan,
                from_state=PS.DRAFT,
                to_state=PS.SUBMITTED,
                actor=actor,
                at=_at(submitted_on),
                comment="",
            )
        )
        plan.submission_no, plan.submitted_at = 1, _at(submitted_on)
        if state == PS.RETURNED or (state in {PS.ADOPTED, PS.COMPLETED} and rng.random() < 0.3):
            returned_on = add_working_days(submitted_on, 3)
            history.append(
                PlanHistory(
                    plan=plan,
                    from_state=PS.SUBMITTED,
                    to_state=PS.RETURNED,
                    actor=office_user,
                    at=_at(returned_on, 15),
                    comment=rng.choice(
                        [
                            "部分整改措施过于笼统，请细化到具体责任人和时间节点。",
                            "第二个问题的整改措施未体现举一反三，请补充。",
                            "完成时限偏长，请压缩集中整改期内可完成事项的时限。",
                        ]
                    ),
                )
            )
            if state != PS.RETURNED:
                submitted_on = add_working_days(returned_on, 3)
                history.append(
                    PlanHistory(
                        plan=plan,
                        from_state=PS.RETURNED,
                        to_state=PS.SUBMITTED,
                        actor=actor,
                        at=_at(submitted_on),
                        comment="已按意见修改",
                    )
                )
                plan.submission_no = 2
        if state in {PS.ADOPTED, PS.COMPLETED}:
            adopted_on = add_working_days(submitted_on, 4)
            history.append(
                PlanHistory(
                    plan=plan,
                    from_state=PS.SUBMITTED,
                    to_state=PS.ADOPTED,
                    actor=office_user,
                    at=_at(adopted_on, 16),
                    comment="同意",
                )
            )
            plan.adopted_at = _at(adopted_on, 16)
            _progress(
                ctx,
                plan,
                measures,
                state,
                today,
                office_user,
                recipient,
                co_units,
                actor,
                path,
                digest,
                counts,
            )
            if age > 62:
                for kind in (Report.Kind.CONCENTRATED, Report.Kind.MAIN_LEADER):
                    Report.objects.create(
                        plan=plan,
                        kind=kind,
                        text="集中整改期间，班子召开专题会议研究整改工作，反馈问题已整改完成大部分，其余事项持续推进。",
                        author=actor,
                        submitted_at=_at(_workday(plan.report_due_date - timedelta(days=5))),
                    )
            if state == PS.COMPLETED:
                Measure.objects.filter(plan=plan, long_term=False).update(
                    state=MS.CLOSED, closed_at=_at(feedback + timedelta(days=150))
                )
                plan.completed_at = _at(feedback + timedelta(days=200))
                history.append(
                    PlanHistory(
                        plan=plan,
                        from_state=PS.ADOPTED,
                        to_state=PS.COMPLETED,
                        actor=office_user,
                        at=plan.completed_at,
                        comment="整改任务完成",
                    )
                )
                _assess(plan, office_user, rng, actor)
        plan.state = state
        plan.save()
        PlanHistory.objects.bulk_create(history)
    if bureau_plan is not None:
        _disclose(bureau_plan, office_user)
    else:
        first = RectificationPlan.objects.filter(state__in=[PS.ADOPTED, PS.COMPLETED]).first()
        if first:
            _disclose(first, office_user)
    overdue = Measure.objects.filter(
        plan__state=PS.ADOPTED, long_term=False, deadline__lt=today
    ).exclude(state=MS.CLOSED)
    for plan in RectificationPlan.objects.filter(measures__in=overdue).distinct()[:3]:
        letter = SupervisionLetter.objects.create(
            plan=plan,
            office=plan.office,
            recipient=plan.unit,
            number=f"督办〔{today.year}〕{plan.pk}号",
            requirement="请于回复期限前完成逾期事项整改，并书面报告整改情况和未按期完成的原因。",
            reply_by=add_working_days(today, 10),
            issued_by=office_user,
            sent_at=timezone.now(),
        )
        letter.measures.set(overdue.filter(plan=plan)[:5])
    counts["overdue"] = overdue.count()
    _results(ctx, office_user, today)
    ctx.log(
        "  整改落实：方案 {plans} 个，措施 {measures} 项（销号 {closed}、逾期 {overdue}、核验退回 {rejected}），公开 1 份".format(
            **counts
        )
    )


def _progress(
    ctx, plan, measures, state, today, office_user, recipient, co_units, actor, path, digest, counts
):
    rng = ctx.rng
    for m in measures:
        roll = rng.random()
        if m.deadline > today and roll < 0.5:
            continue  # on track, no report yet
        started = min(today, m.deadline - timedelta(days=10))
        p = Progress.objects.create(
            measure=m, text="已按方案推进，阶段性工作完成。", author=actor, at=_at(started)
        )
        if m.long_term:
            Measure.objects.filter(pk=m.pk).update(last_progress_at=p.at)
            continue
        if m.deadline < today and roll < 0.25:
            Measure.objects.filter(pk=m.pk).update(last_progress_at=p.at, alert_level=2)
            continue  # overdue, still open
        done_on = min(today - timedelta(days=1), m.deadline)
        ask = Progress.objects.create(
            measure=m,
            text="整改已完成，报送佐证材料，申请核验销号。",
            author=actor,
            at=_at(done_on),
            request_verification=True,
        )
        Evidence.objects.create(
            progress=ask,
            measure=m,
            name="整改佐证材料.pdf",
            path=path,
            content_type="application/pdf",
            size=len(PDF),
            sha256=digest,
            at=ask.at,
        )
        verified_on = done_on + timedelta(days=3)
        if verified_on >= today or roll > 0.92:
            Measure.objects.filter(pk=m.pk).update(
                state=MS.PENDING, evidence_count=1, last_progress_at=ask.at
            )
            continue
        if roll > 0.82:
            Verification(
                measure=m,
                attempt=1,
                reviewer=office_user,
                decision="reject",
                reason="佐证材料不能证明整改到位，请补充制度文件和资金退还凭证。",
                at=_at(verified_on, 15),
            ).save()
            Measure.objects.filter(pk=m.pk).update(
                state=MS.RETURNED,
                attempt=2,
                return_reason="佐证材料不能证明整改到位，请补充制度文件和资金退还凭证。",
                evidence_count=1,
                last_progress_at=ask.at,
            )
            counts["rejected"] += 1
            continue
        Verification(
            measure=m,
            attempt=1,
            reviewer=office_user,
            decision="approve",
            reason="佐证材料齐全，整改到位，同意销号。",
            at=_at(verified_on, 15),
        ).save()
        for unit in co_units:
            if recipient is not None:
                Verification(
                    measure=m,
                    attempt=1,
                    reviewer=recipient,
                    reviewer_unit=unit,
                    decision="approve",
                    reason="会签同意。",
                    at=_at(verified_on, 16),
                ).save()
        Measure.objects.filter(pk=m.pk).update(
            state=MS.CLOSED,
            closed_at=_at(verified_on, 16),
            evidence_count=1,
            last_progress_at=ask.at,
            alert_level=0,
        )
        counts["closed"] += 1


def _assess(plan, office_user, rng, actor):
    from xuncha.rectification.services import indicators_for

    indicators = list(indicators_for(plan.office))
    scores = [
        IndicatorScore(max_score=i.max_score, score=i.max_score - rng.randint(0, 4))
        for i in indicators
    ]
    total, percent, grade = total_and_grade(scores)
    a = Assessment.objects.create(
        plan=plan,
        total=total,
        percent=percent,
        grade=grade,
        comment="整改责任落实到位，整改成效明显。",
        assessed_by=office_user,
    )
    AssessmentScore.objects.bulk_create(
        AssessmentScore(assessment=a, indicator=i, score=s.score)
        for i, s in zip(indicators, scores, strict=True)
    )
    TeamRating.objects.create(
        plan=plan,
        discipline="good",
        professionalism="good",
        integrity="good",
        comment="巡察组严守纪律、作风扎实。",
        rated_by=actor,
    )


def _disclose(plan, office_user):
    from xuncha.inspections.models import Problem

    d = Disclosure.objects.create(
        plan=plan,
        intro=f"根据巡察工作有关规定，现将{plan.unit.name}巡察整改进展情况予以公开，欢迎广大干部群众监督。",
        state=Disclosure.State.PUBLISHED,
        published_at=timezone.now(),
        due_date=due_date(plan),
        approved_by=office_user,
    )
    problems = list(
        Problem.objects.feedback_list()
        .filter(inspection=plan.inspection, unit=plan.unit)
        .order_by("number")
    )
    DisclosureItem.objects.bulk_create(
        DisclosureItem(
            disclosure=d,
            problem=p,
            public_text=p.title,
            exemption=DisclosureItem.Exemption.OPEN_CASE if p.nature == "corruption" else "",
            exemption_reason="问题线索已移交纪委监委，正在查办" if p.nature == "corruption" else "",
            exemption_approved_by=office_user if p.nature == "corruption" else None,
            exemption_approved_at=timezone.now() if p.nature == "corruption" else None,
        )
        for p in problems
    )
    from xuncha.rectification.models import DisclosureVersion

    DisclosureVersion.objects.bulk_create(
        DisclosureVersion(
            disclosure=d,
            kind=kind,
            text=d.intro,
            approved_by=office_user,
            approved_at=d.published_at,
            published_at=d.published_at,
        )
        for kind in DisclosureVersion.Kind.values
    )


SUGGESTIONS = [
    ("江州市财政局", "建议规范全市津补贴发放管理，开展专项检查"),
    ("江州市住房和城乡建设局", "建议加强工程项目招投标监管，堵塞制度漏洞"),
    ("江州市审计局", "建议将发现的资金管理问题纳入年度审计重点"),
]


def _results(ctx, office_user, today):
    """成果运用: for some adopted plans, the review's decisions in the ledger — 建议书 and
    抄告 (some answered), a referral to the organisation department, a 约谈 of a lagging
    unit escalated to accountability, and the bureau's democratic life meeting."""
    from xuncha.rectification import results

    rng = ctx.rng
    plans = list(
        RectificationPlan.objects.filter(
            state__in=[PS.ADOPTED, PS.COMPLETED], office_id=office_user.office_id
        )
        .select_related("inspection", "unit", "office")
        .order_by("pk")[: ctx.n(8)]
    )
    if not plans:
        return
    discipline = Unit.objects.filter(name="江州市纪委监委").first()
    organisation = Unit.objects.filter(name="江州市委组织部").first()
    n = {"items": 0, "talks": 0, "meetings": 0}
    for i, plan in enumerate(plans):
        insp, unit = plan.inspection, plan.unit
        problems = list(insp.problems.filter(unit=unit, in_feedback=True).order_by("number")[:1])
        decided = min(today, _workday(plan.feedback_date - timedelta(days=7)))
        name, text = SUGGESTIONS[i % len(SUGGESTIONS)]
        recipient = Unit.objects.filter(name=name).first() or name
        letter = results.result_create(
            inspection=insp,
            kind="suggestion_letter" if i % 2 == 0 else "copy_notice",
            subject=f"{text}（{unit.name}巡察）",
            recipient=recipient,
            problem=problems[0] if problems else None,
            unit=unit,
            decided_on=decided,
            source="review",
            actor=office_user,
        )
        n["items"] += 1
        if i % 3 != 2:
            letter = results.result_transition(item=letter, target="sent", actor=office_user)
            if i % 3 == 0:
                results.result_reply(
                    item=letter,
                    text="已研究部署，制定专项工作方案，正在全面推进落实。",
                    actor=office_user,
                )
        if organisation is not None:
            referral = results.result_create(
                inspection=insp,
                kind="org_referral",
                subject=f"{unit.name}领导班子问题及整改情况，供干部考核和选拔任用参考",
                recipient=organisation,
                unit=unit,
                decided_on=decided,
                source="review",
                actor=office_user,
            )
            results.result_transition(item=referral, target="sent", actor=office_user)
            n["items"] += 1
        lagging = results.lagging_measures(plan, today).count()
        if lagging and n["talks"] < 3:
            held = min(today, _workday(plan.feedback_date + timedelta(days=rng.randint(70, 100))))
            talk = results.talk_record(
                plan=plan,
                held_on=held,
                talker="江州市委巡察办主任 王志强",
                talked_to=f"{plan.main_leader or '主要负责人'}",
                reason=f"{lagging} 项整改措施超过完成时限未销号，整改进度滞后。",
                promises="一个月内完成逾期事项整改，每周向巡察办报告进展。",
                actor=office_user,
            )
            n["talks"] += 1
            n["items"] += 1
            if n["talks"] == 1 and discipline is not None:
                referral = results.talk_escalate(
                    talk=talk,
                    recipient=discipline,
                    reason="约谈后整改仍未按承诺推进",
                    actor=office_user,
                )
                results.result_transition(item=referral, target="sent", actor=office_user)
                n["items"] += 1
        measures = list(plan.measures.order_by("pk")[:2])
        if measures and n["meetings"] < 3:
            results.life_meeting_record(
                plan=plan,
                actor=office_user,
                held_on=min(today, _workday(plan.feedback_date + timedelta(days=30))),
                place="单位机关三楼会议室",
                host=plan.main_leader or "主要负责人",
                attendees="领导班子全体成员",
                discipline_observer="市纪委监委派驻纪检监察组 组长",
                organisation_observer="市委组织部干部监督科 科长",
                self_criticism=(
                    "班子成员逐一对照巡察反馈问题，从思想、政治、作风、能力、廉政方面"
                    "深入查摆，开展批评和自我批评，明确个人整改事项。"
                ),
                followup="会后将查摆问题纳入整改方案，逐项明确责任人和完成时限。",
                measures=measures,
            )
            n["meetings"] += 1
    ctx.log(
        "  成果运用：台账事项 {items} 项，约谈 {talks} 次，整改专题民主生活会 {meetings} 次".format(
            **n
        )
    )
