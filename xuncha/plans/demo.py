"""Demo data for planning: terms, three years of plans and rounds, the inspector pool.

The current term (2024–2028) is about half-way through on the demo's today, so coverage
is partial: city departments mostly covered, villages lagging, a few units planned for
the coming round. Inspections of earlier years are archived or in rectification; the
autumn round of the current year is in the field. Accounts `team_leader` and
`team_member` sit on the city's team at the transport bureau (the unit liaison's unit).
"""

from datetime import date, time, timedelta

from django.contrib.auth.password_validation import validate_password
from django.utils import timezone

from xuncha.org.demo import DEMO_PASSWORD, person_name
from xuncha.org.models import Office, Unit, User
from xuncha.plans.models import (
    AnnualPlan,
    Declaration,
    EmploymentRecord,
    Inspection,
    Inspector,
    InspectorRelation,
    PlanEvent,
    PlanSettings,
    Round,
    SuperiorTie,
    Team,
    TeamMember,
    Term,
    TermDueUnit,
    VillageGrade,
)
from xuncha.plans.recusal import find_conflicts

RANKS = [
    "一级调研员",
    "二级调研员",
    "三级调研员",
    "四级调研员",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
]
THEMES = [
    "乡村振兴领域",
    "国有企业“三重一大”决策",
    "医疗卫生领域腐败问题",
    "教育系统师德师风",
    "粮食购销领域",
]
CN = "一二三四五六七八九十"


def _team_name(i: int) -> str:
    return f"第{CN[i - 1] if i <= 10 else str(i)}巡察组"


def _period(year: int, half: int, village: bool) -> tuple[date, date]:
    if half == 1:
        start = date(year, 3, 11)
        return start, start + timedelta(days=30 if village else 55)
    start = date(year, 9, 2)
    return start, start + timedelta(days=30 if village else 60)


def build(ctx):
    rng = ctx.rng
    today = ctx.today
    city = Office.objects.filter(level=Office.Level.CITY).order_by("pk").first()
    if city is None:
        ctx.log("  计划：没有巡察机构，跳过")
        return
    offices = [city, *city.children.order_by("pk")]
    for office in offices:
        PlanSettings.objects.get_or_create(office=office)
    # 纪委监委 and 组织部 read the city's approved plans, final reports and feedback opinions.
    readers = Unit.objects.filter(office=city, name__in=["江州市纪委监委", "江州市委组织部"])
    PlanSettings.objects.get(office=city).readers.set(readers)
    admin = User.objects.filter(username="office_admin").first()
    leader_user = User.objects.filter(username="leading_group").first()

    inspectors = _pool(ctx, offices)
    ctx.log(f"  巡察干部库：{sum(len(v) for v in inspectors.values())} 人")

    n_inspections = 0
    special_units = {}
    for office in offices:
        Term.objects.create(
            office=office, name="第十二届", start=date(2019, 1, 1), end=date(2023, 12, 31)
        )
        term = Term.objects.create(
            office=office, name="第十三届", start=date(2024, 1, 1), end=date(2028, 12, 31)
        )
        units = list(
            Unit.objects.filter(office=office, status=Unit.Status.ACTIVE, parent__isnull=True)
        ) + list(
            Unit.objects.filter(office=office, status=Unit.Status.ACTIVE, kind=Unit.Kind.VILLAGE)
        )
        rng.shuffle(units)
        # Top-level units and villages are due in the term plan; affiliates are covered with their parent.
        TermDueUnit.objects.bulk_create(
            [TermDueUnit(term=term, unit=u, planned_year=2024 + i % 5) for i, u in enumerate(units)]
        )
        queue = [u for u in units if u.kind != Unit.Kind.VILLAGE]
        villages = [u for u in units if u.kind == Unit.Kind.VILLAGE]
        by_parent = {}
        for v in villages:
            by_parent.setdefault(v.parent_id, []).append(v)
        done_inspections = []
        for year in (2024, 2025, 2026, 2027):
            state = AnnualPlan.State.APPROVED
            if year == 2027:
                state = AnnualPlan.State.SUBMITTED if office == city else AnnualPlan.State.DRAFT
            plan = AnnualPlan.objects.create(
                term=term,
                year=year,
                state=state,
                summary=f"按照届内巡察全覆盖规划，{year}年安排两轮巡察。",
                submitted_at=timezone.make_aware(timezone.datetime(year - 1, 12, 10)),
                approved_at=timezone.make_aware(timezone.datetime(year - 1, 12, 20))
                if state == AnnualPlan.State.APPROVED
                else None,
            )
            PlanEvent.objects.create(plan=plan, to_state="draft", actor=admin, summary="新建计划")
            PlanEvent.objects.create(
                plan=plan,
                from_state="draft",
                to_state="submitted",
                actor=admin,
                summary="报领导小组审批",
            )
            if state == AnnualPlan.State.APPROVED:
                PlanEvent.objects.create(
                    plan=plan,
                    from_state="submitted",
                    to_state="approved",
                    actor=leader_user,
                    summary="批准",
                )
            halves = (1, 2) if year < 2027 else (1,)
            for half in halves:
                start, end = _period(year, half, False)
                if year == today.year and half == halves[-1] and end < today:
                    # Keep the year's last round under way on the demo's today, so that
                    # teams are stationed and the public page has open announcements.
                    shift = today - timedelta(days=20) - start
                    start, end = start + shift, end + shift
                rnd = Round.objects.create(
                    plan=plan,
                    number=half,
                    start=start,
                    end=end + timedelta(days=5),
                    name="常规巡察" if half == 1 else "常规巡察、村(社区)巡察",
                )
                teams = rng.randint(5, 6) if office == city else rng.randint(3, 4)
                busy: set[int] = set()
                for t in range(1, teams + 1):
                    if not queue and not villages:
                        break
                    kind = Inspection.Kind.REGULAR
                    theme, revisits = "", None
                    village_round = office != city and half == 2 and villages and t >= teams - 1
                    if village_round:
                        kind = Inspection.Kind.VILLAGE
                        parent_id = rng.choice(list(by_parent))
                        picked = by_parent[parent_id][: rng.randint(2, 4)]
                        for v in picked:
                            by_parent[parent_id].remove(v)
                            villages.remove(v)
                        if not by_parent[parent_id]:
                            del by_parent[parent_id]
                        if not picked:
                            continue
                    elif year == 2026 and t == teams and done_inspections and rng.random() < 0.8:
                        kind = Inspection.Kind.REVISIT
                        revisits = done_inspections.pop(0)
                        picked = list(revisits.units.all())[:1]
                    else:
                        take = rng.choice([1, 1, 2, 2, 3])  # 一托N
                        picked = [queue.pop() for _ in range(min(take, len(queue)))]
                        if not picked:
                            continue
                        roll = rng.random()
                        if roll < 0.12:
                            kind, theme = Inspection.Kind.SPECIAL, rng.choice(THEMES)
                        elif roll < 0.18:
                            kind = Inspection.Kind.RAPID
                    if year == 2027 or (year == 2026 and half == 2 and t == 1 and office != city):
                        s, e = rnd.start, rnd.end
                    else:
                        s, e = rnd.start, rnd.end - timedelta(days=rng.randint(0, 5))
                    if kind == Inspection.Kind.VILLAGE:
                        e = s + timedelta(days=30)
                    insp = Inspection.objects.create(
                        office=office,
                        round=rnd,
                        kind=kind,
                        theme=theme,
                        revisits=revisits,
                        start=s,
                        end=e,
                        stage=_stage(s, e, today, rng),
                    )
                    if insp.stage in _AFTER_FEEDBACK:
                        insp.feedback_date = e + timedelta(days=rng.randint(30, 60))
                        insp.save(update_fields=["feedback_date"])
                    insp.units.set(picked)
                    team = Team.objects.create(inspection=insp, name=_team_name(t))
                    _staff(rng, insp, team, inspectors[office.pk], busy)
                    if kind in (Inspection.Kind.REGULAR, Inspection.Kind.VILLAGE) and year < 2026:
                        done_inspections.append(insp)
                    n_inspections += 1
        special_units[office.pk] = queue
    _escalated_and_cross(ctx, city, offices, inspectors)
    _team_accounts(ctx, city, inspectors[city.pk])
    _village_grades(ctx, offices, admin)
    ctx.log(f"  年度计划与轮次：{len(offices)} 个机构 × 4 个年度，巡察任务 {n_inspections} 个")


_AFTER_FEEDBACK = {
    Inspection.Stage.FEEDBACK,
    Inspection.Stage.RECTIFICATION,
    Inspection.Stage.EVALUATION,
    Inspection.Stage.ARCHIVED,
}


def _stage(start, end, today, rng):
    if start > today:
        return Inspection.Stage.PREPARATION
    if end >= today:
        return rng.choice([Inspection.Stage.INVESTIGATION, Inspection.Stage.STATIONING])
    days = (today - end).days
    if days < 20:
        return Inspection.Stage.REPORT
    if days < 45:
        return Inspection.Stage.REVIEW
    if days < 90:
        return Inspection.Stage.FEEDBACK
    if days < 300:
        return Inspection.Stage.RECTIFICATION
    if days < 500:
        return Inspection.Stage.EVALUATION
    return Inspection.Stage.ARCHIVED


def _pool(ctx, offices):
    rng = ctx.rng
    pool = {}
    all_units = {
        o.pk: list(Unit.objects.filter(office=o, status=Unit.Status.ACTIVE)) for o in offices
    }
    employment, relations, ties = [], [], []
    for office in offices:
        size = ctx.n(60 if office.level == Office.Level.CITY else 15)
        units = all_units[office.pk]
        homes = [
            u for u in units if u.kind in (Unit.Kind.CITY_DEPARTMENT, Unit.Kind.TOWNSHIP)
        ] or units
        people = []
        for _ in range(size):
            home = rng.choice(homes)
            people.append(
                Inspector(
                    office=office,
                    name=person_name(rng),
                    home_unit=home,
                    rank=rng.choice(RANKS),
                    expertise=rng.sample(Inspector.EXPERTISE, k=rng.randint(1, 3)),
                    phone=f"139{rng.randint(10000000, 99999999)}",
                )
            )
        Inspector.objects.bulk_create(people)
        people = list(Inspector.objects.filter(office=office).order_by("pk"))
        for p in people:
            start = date(rng.randint(1998, 2012), rng.choice([3, 7, 9]), 1)
            if rng.random() < 0.5:
                mid = date(rng.randint(2018, 2024), rng.choice([1, 6]), 1)
                employment.append(
                    EmploymentRecord(
                        inspector=p, unit=rng.choice(units), position="科员", start=start, end=mid
                    )
                )
                start = mid
            employment.append(
                EmploymentRecord(
                    inspector=p,
                    unit=p.home_unit,
                    position=rng.choice(["副科长", "科长", "副主任", "主任科员"]),
                    start=start,
                )
            )
            if rng.random() < 0.3:
                relations.append(
                    InspectorRelation(
                        inspector=p,
                        kind=rng.choice(["spouse", "sibling", "parent", "child"]),
                        name=person_name(rng),
                        unit=rng.choice(units),
                        position=rng.choice(["科员", "副科长", "教师", "医生"]),
                    )
                )
            if rng.random() < 0.1:
                ties.append(
                    SuperiorTie(
                        inspector=p,
                        person=person_name(rng),
                        unit=rng.choice(units),
                        inspector_was_superior=rng.random() < 0.5,
                        start=date(2016, 1, 1),
                        end=date(rng.randint(2019, 2025), 6, 30),
                    )
                )
        pool[office.pk] = people
    EmploymentRecord.objects.bulk_create(employment)
    InspectorRelation.objects.bulk_create(relations)
    SuperiorTie.objects.bulk_create(ties)
    return pool


def _staff(rng, insp, team, people, busy, size=None):
    conflicts = find_conflicts(
        office=insp.office, kind=insp.kind, units=list(insp.units.all()), today=insp.start
    )
    free = [p for p in people if p.pk not in busy and p.pk not in conflicts]
    size = min(size or rng.randint(4, 6), len(free))
    chosen = rng.sample(free, k=size)
    rows = []
    for i, p in enumerate(chosen):
        role = (
            TeamMember.Role.LEADER
            if i == 0
            else TeamMember.Role.DEPUTY
            if i == 1
            else TeamMember.Role.MEMBER
        )
        rows.append(TeamMember(team=team, inspector=p, role=role))
        busy.add(p.pk)
    TeamMember.objects.bulk_create(rows)
    filed = timezone.make_aware(timezone.datetime.combine(insp.start - timedelta(days=5), time(9)))
    Declaration.objects.bulk_create(
        [
            Declaration(
                member=m,
                statement="本人与被巡察单位无应回避的情形。",
                submitted_at=filed,
            )
            for m in TeamMember.objects.filter(team=team)
        ]
    )
    return chosen


def _escalated_and_cross(ctx, city, offices, inspectors):
    """The city's 2026 spring round also escalates one county township and runs one cross inspection."""
    rng = ctx.rng
    plan = AnnualPlan.objects.get(term__office=city, term__name="第十三届", year=2026)
    rnd = plan.rounds.get(number=1)
    counties = offices[1:]
    if len(counties) < 2:
        return
    used = set(
        TeamMember.objects.filter(team__inspection__round=rnd).values_list(
            "inspector_id", flat=True
        )
    )
    for kind, county, team_no in [
        (Inspection.Kind.ESCALATED, counties[0], 8),
        (Inspection.Kind.CROSS, counties[1], 9),
    ]:
        unit = (
            Unit.objects.filter(office=county, kind=Unit.Kind.TOWNSHIP, status=Unit.Status.ACTIVE)
            .exclude(inspections__isnull=False)
            .order_by("pk")
            .first()
        )
        if unit is None:
            continue
        insp = Inspection.objects.create(
            office=city,
            round=rnd,
            kind=kind,
            # Cross inspection: a team drawn from another county (交叉巡察组来源).
            team_office=counties[0] if kind == Inspection.Kind.CROSS else None,
            start=rnd.start,
            end=rnd.end - timedelta(days=3),
            stage=Inspection.Stage.RECTIFICATION,
            feedback_date=rnd.end + timedelta(days=40),
        )
        insp.units.set([unit])
        team = Team.objects.create(inspection=insp, name=_team_name(team_no))
        people = (
            inspectors[city.pk] if kind == Inspection.Kind.ESCALATED else inspectors[counties[0].pk]
        )
        _staff(rng, insp, team, people, used, size=4)


def _team_accounts(ctx, city, people):
    """team_leader / team_member on the city's autumn team at the transport bureau."""
    bureau = Unit.objects.filter(name="江州市交通运输局").first()
    plan = AnnualPlan.objects.get(term__office=city, term__name="第十三届", year=2026)
    rnd = plan.rounds.get(number=2)
    insp = rnd.inspections.filter(kind=Inspection.Kind.REGULAR).order_by("pk").first()
    if insp is None:
        return
    if bureau is not None and not bureau.inspections.filter(start__gte=date(2024, 1, 1)).exists():
        insp.units.add(bureau)
    insp.stage = Inspection.Stage.INVESTIGATION
    insp.save(update_fields=["stage"])
    team = insp.team
    now = timezone.now()
    members = list(team.members.select_related("inspector").order_by("pk"))
    leader = next(m for m in members if m.role == TeamMember.Role.LEADER)
    plain = next((m for m in members if m.role == TeamMember.Role.MEMBER), members[-1])
    for key, label, member in [
        ("team_leader", "巡察组组长", leader),
        ("team_member", "巡察组成员", plain),
    ]:
        user = User(username=key, full_name=member.inspector.name, office=city)
        validate_password(DEMO_PASSWORD, user)
        user.set_password(DEMO_PASSWORD)
        user.must_change_password = False
        user.password_changed_at = now
        user.save()
        member.inspector.user = user
        member.inspector.save(update_fields=["user"])
        if key == "team_member":  # one declaration left to file, for the home page to-do
            Declaration.objects.filter(member=member).update(submitted_at=None, statement="")
        ctx.accounts[key] = {"label": label, "username": key, "password": DEMO_PASSWORD}


GRADE_REASONS = {
    "key": [
        "村集体“三资”管理问题线索集中，近两年信访举报较多",
        "村“两委”班子不团结，换届后矛盾突出",
        "征地拆迁补偿款发放群众反映强烈",
    ],
    "watch": [
        "村务公开不及时，群众有意见",
        "惠民资金发放曾有问题反映，已初步核实",
        "村级工程项目较多，需关注招投标程序",
    ],
    "general": ["班子运行平稳，近三年无信访举报", "上轮巡察问题已整改到位"],
}


def _village_grades(ctx, offices, admin):
    """A few dozen villages graded by their county office; some regraded (history)."""
    rng = ctx.rng
    rows = []
    for office in offices:
        grader = User.objects.filter(office=office).order_by("pk").first() or admin
        villages = list(
            Unit.objects.filter(
                office=office, kind=Unit.Kind.VILLAGE, status=Unit.Status.ACTIVE
            ).order_by("pk")[:12]
        )
        for i, village in enumerate(villages):
            grade = ["key", "watch", "general", "general"][i % 4]
            if i % 5 == 1:  # first graded 一般, later raised: the history keeps both
                rows.append(
                    VillageGrade(
                        unit=village,
                        grade="general",
                        reason=rng.choice(GRADE_REASONS["general"]),
                        graded_by=grader,
                    )
                )
                grade = "key"
            rows.append(
                VillageGrade(
                    unit=village,
                    grade=grade,
                    reason=rng.choice(GRADE_REASONS[grade]),
                    graded_by=grader,
                )
            )
    VillageGrade.objects.bulk_create(rows)
    ctx.log(f"  村(社区)分级：{len(rows)} 条评定记录")
