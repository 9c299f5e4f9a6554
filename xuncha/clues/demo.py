"""Demo clues and handovers with outcomes, one overdue; built on the fieldwork's problems."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from xuncha.clues.models import AuditFinding, Clue, ClueEvidence, Handover, HandoverHistory
from xuncha.org.models import Role, Unit, User
from xuncha.rectification.deadlines import month_later

PEOPLE = [
    "张某某，财务科科长",
    "李某，分管副局长",
    "王某某，办公室主任",
    "刘某，原工程科科长",
    "陈某，村党支部书记",
]
OUTCOMES = [
    (Handover.Outcome.TALK, "经谈话函询，本人如实说明情况，予以提醒谈话。", 1, "0"),
    (Handover.Outcome.PRELIMINARY, "经初步核实，反映问题部分属实，已转立案审查。", 0, "0"),
    (Handover.Outcome.CASE, "经立案审查调查，给予党内严重警告处分，收缴违纪款项。", 2, "12.60"),
    (Handover.Outcome.CLOSED, "经核查，反映问题不属实，予以了结，并向本人反馈。", 0, "0"),
    (Handover.Outcome.SHELVED, "线索暂存待查，待条件成熟时再行处置。", 0, "0"),
]


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def build(ctx):
    from xuncha.inspections.models import Problem

    rng, today = ctx.rng, ctx.today
    office_user = User.objects.filter(username="office_staff").first()
    recipient_user = User.objects.filter(roles__role=Role.HANDOVER_RECIPIENT).first()
    if office_user is None:
        ctx.log("  问题线索：没有巡察办账号，跳过")
        return
    problems = list(
        Problem.objects.filter(
            state="approved",
            nature__in=["corruption", "conduct"],
            inspection__feedback_date__isnull=False,
        )
        .select_related("inspection", "unit", "paper")
        .order_by("pk")[: ctx.n(40)]
    )
    if not problems:
        ctx.log("  问题线索：没有已核定的问题（巡察实施演示数据缺失），跳过")
        return
    counts = {"clues": 0, "handovers": 0, "overdue": 0}
    numbers = {}
    for p in problems:
        office = p.inspection.office
        discipline = (
            Unit.objects.filter(office=office, name__contains="纪委监委").first()
            or Unit.objects.filter(name__contains="纪委监委").first()
        )
        organisation = Unit.objects.filter(office=office, name__contains="组织部").first()
        if discipline is None:
            continue
        year = p.inspection.feedback_date.year
        numbers[office.pk] = numbers.get(office.pk, 0) + 1
        clue = Clue.objects.create(
            office=office,
            inspection=p.inspection,
            unit=p.unit,
            number=f"XS{year}-{numbers[office.pk]:03d}",
            source=Clue.Source.WORKING_PAPER if hasattr(p, "paper") else Clue.Source.PROBLEM,
            problem=p,
            working_paper=getattr(p, "paper", None),
            people_concerned=rng.choice(PEOPLE),
            facts=f"{p.description}涉嫌违反{p.get_discipline_display() or '廉洁纪律'}。",
            proposed_handling=Clue.Handling.DISCIPLINE
            if p.nature == "corruption"
            else Clue.Handling.ORGANISATION,
            created_by=office_user,
            created_at=_at(p.inspection.end),
        )
        ClueEvidence.objects.create(
            clue=clue, title="记账凭证摘录", extract=f"{year - 1}年相关记账凭证显示：{p.title}。"
        )
        counts["clues"] += 1
        if rng.random() < 0.25:
            continue  # registered, not yet handed over
        to_org = clue.proposed_handling == Clue.Handling.ORGANISATION and organisation is not None
        recipient = organisation if to_org else discipline
        sent_on = p.inspection.feedback_date + timedelta(days=rng.randint(3, 15))
        due = month_later(sent_on, 3)
        h = Handover.objects.create(
            office=office,
            inspection=p.inspection,
            recipient=recipient,
            kind=Handover.Kind.ORGANISATION if to_org else Handover.Kind.DISCIPLINE,
            number=f"YJ{year}-{numbers[office.pk]:03d}",
            subject=f"{p.unit.name}{p.title}问题线索",
            state=Handover.State.SENT,
            sent_at=_at(sent_on),
            due_date=due,
            created_by=office_user,
            created_at=_at(sent_on),
        )
        h.clues.set([clue])
        h.evidence.set(clue.evidence.all())
        history = [
            HandoverHistory(
                handover=h, from_state="draft", to_state="sent", actor=office_user, at=_at(sent_on)
            )
        ]
        clue.state = Clue.State.HANDED_OVER
        actor = (
            recipient_user
            if recipient_user and recipient_user.unit_id == recipient.pk
            else office_user
        )
        if today > sent_on + timedelta(days=5):
            h.state, h.acknowledged_at, h.acknowledged_by = (
                Handover.State.ACKNOWLEDGED,
                _at(sent_on + timedelta(days=3)),
                actor,
            )
            history.append(
                HandoverHistory(
                    handover=h,
                    from_state="sent",
                    to_state="acknowledged",
                    actor=actor,
                    at=h.acknowledged_at,
                )
            )
        if today > due and rng.random() < 0.75:
            outcome, note, people, money = rng.choice(OUTCOMES)
            h.state, h.outcome, h.outcome_note = Handover.State.CONCLUDED, outcome, note
            h.people_disciplined, h.money_recovered = people, money
            h.concluded_at = _at(due - timedelta(days=rng.randint(1, 20)))
            history.append(
                HandoverHistory(
                    handover=h,
                    from_state="acknowledged",
                    to_state="concluded",
                    actor=actor,
                    at=h.concluded_at,
                    note=note,
                )
            )
            clue.state = Clue.State.CONCLUDED
        elif today > due:
            counts["overdue"] += 1
        h.save()
        clue.save()
        HandoverHistory.objects.bulk_create(history)
        counts["handovers"] += 1
    counts["audit"] = _audit_linkage(ctx, office_user)
    ctx.log(
        "  问题线索：线索 {clues} 条，移交 {handovers} 件（逾期未反馈 {overdue} 件），"
        "巡审联动移交审计机关 {audit} 件".format(**counts)
    )


AUDIT_FINDINGS = [
    ("专项资金未按规定用途使用", "部分专项资金被用于日常办公支出", "86.50"),
    ("工程项目结算多计费用", "工程结算审核不严，多计工程款", "32.80"),
    ("政府采购未执行公开招标", "应公开招标项目拆分为多个小额项目直接采购", "120.00"),
    ("往来款项长期挂账未清理", "三年以上应收款项未及时清理", "45.20"),
]


def _audit_linkage(ctx, office_user) -> int:
    """巡审联动: feedback problems of the city's inspections handed over to the audit bureau,
    which recorded its findings against them."""
    from xuncha.inspections.models import Problem

    audit_unit = Unit.objects.filter(name="江州市审计局").first()
    if audit_unit is None:
        return 0
    liaison = User.objects.filter(unit=audit_unit, roles__role=Role.HANDOVER_RECIPIENT).first()
    problems = list(
        Problem.objects.filter(
            state="approved",
            in_feedback=True,
            inspection__office=audit_unit.office,
            inspection__feedback_date__isnull=False,
            inspection__feedback_date__lt=ctx.today - timedelta(days=30),
        )
        .select_related("inspection", "unit")
        .order_by("-inspection__feedback_date", "pk")[: ctx.n(4)]
    )
    for i, p in enumerate(problems):
        sent_on = p.inspection.feedback_date + timedelta(days=7)
        h = Handover.objects.create(
            office=p.inspection.office,
            inspection=p.inspection,
            recipient=audit_unit,
            kind=Handover.Kind.AUDIT,
            number=f"YJ{sent_on.year}-S{i + 1:03d}",
            subject=f"{p.unit.name}{p.title}（巡审联动）",
            state=Handover.State.ACKNOWLEDGED,
            sent_at=_at(sent_on),
            due_date=month_later(sent_on, 3),
            acknowledged_at=_at(sent_on + timedelta(days=2)),
            acknowledged_by=liaison or office_user,
            created_by=office_user,
            created_at=_at(sent_on),
        )
        h.problems.set([p])
        HandoverHistory.objects.bulk_create(
            [
                HandoverHistory(
                    handover=h,
                    from_state="draft",
                    to_state="sent",
                    actor=office_user,
                    at=h.sent_at,
                ),
                HandoverHistory(
                    handover=h,
                    from_state="sent",
                    to_state="acknowledged",
                    actor=liaison or office_user,
                    at=h.acknowledged_at,
                ),
            ]
        )
        if liaison is not None:
            title, facts, amount = AUDIT_FINDINGS[i % len(AUDIT_FINDINGS)]
            finding = AuditFinding.objects.create(
                handover=h,
                title=title,
                facts=f"经审计查明：{facts}。",
                report_number=f"江审报〔{sent_on.year}〕{10 + i}号",
                amount=amount,
                recorded_by=liaison,
                recorded_at=_at(sent_on + timedelta(days=20)),
            )
            finding.problems.set([p])
    return len(problems)
