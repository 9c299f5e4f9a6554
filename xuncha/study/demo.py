"""Demo study: two party branches of the city office, this year's and last year's plans,
sessions of every form over the past twelve months with attendance, self-study, and
reflections: most written from their own sentences, some sharing a passage copied from a
web template, one with a pasted advert line, one with doubled words. A county office has
a few sessions of its own (invisible to the city)."""

from datetime import timedelta

from xuncha.org.models import Role, User
from xuncha.study import services
from xuncha.study.models import Attendance, Form, StudySession

TOPICS = {
    Form.CENTRE: [
        "学习贯彻党的二十届三中全会精神",
        "学习《中国共产党巡视工作条例》",
        "学习习近平总书记关于党的自我革命的重要思想",
        "学习《中国共产党纪律处分条例》",
        "专题学习巡视巡察上下联动工作要求",
        "学习中央八项规定及其实施细则精神",
    ],
    Form.BRANCH: [
        "重温入党誓词，学习党章",
        "学习《关于新形势下党内政治生活的若干准则》",
        "交流巡察谈话技巧与保密要求",
        "学习身边典型案例，开展警示教育",
    ],
    Form.EXCHANGE: [
        "巡察发现问题定性交流研讨",
        "被巡察单位整改监督经验交流",
        "村（社区）巡察方法研学",
    ],
}
MATERIALS = [
    "《中国共产党巡视工作条例》",
    "《中国共产党纪律处分条例》",
    "《中国共产党党内监督条例》",
    "《关于新形势下党内政治生活的若干准则》",
    "《习近平关于全面从严治党论述摘编》",
]
SELF_MATERIALS = [
    "《习近平谈治国理政》第四卷",
    "《中国共产党巡视工作条例》释义",
    "《中国共产党纪律处分条例》释义",
    "学习强国“巡视巡察”专题课程",
    "《党的二十大报告》辅导读本",
]
EXCUSES = ["参加巡察组进驻工作", "外出参加培训", "病假", "到被巡察单位开展整改督查"]
OWN_SENTENCES = [
    "这次学习使我对巡察工作的政治定位有了更清醒的认识。",
    "巡察不是业务检查，而是政治监督，必须紧扣“两个维护”查找问题。",
    "结合我参加的第二轮巡察，个别谈话中群众反映的问题往往就是监督的重点。",
    "今后我要在底稿撰写中做到事实清楚、依据准确、定性恰当。",
    "对照条例要求，我在发现问题的深度上还有差距，需要多学多练。",
    "要把学习成果转化为发现问题、推动整改的实际能力。",
    "严守保密纪律是巡察干部的底线，任何时候都不能放松。",
    "在整改监督中要防止“重反馈、轻整改”，盯住问题不放。",
    "通过交流，我学到了其他巡察组查阅账目和资料的好方法。",
    "我将把学习体会运用到下一轮村（社区）巡察的实践中。",
]
# The template passage several reflections paste in (the hygiene check flags it).
TEMPLATE = (
    "通过此次学习，我深刻认识到全面从严治党永远在路上，党的自我革命永远在路上，"
    "必须始终保持“赶考”的清醒和坚定，把纪律和规矩挺在前面，切实做到学思用贯通、知信行统一。"
)
ADVERT = "需要更多心得体会范文请加微信 fanwen8866，详情咨询 13912345678。"
DOUBLED = "在学习的的过程中，我认识到要加强学习加强学习，不断提高政治判断力。"


def _text(rng, *, template=False, advert=False, doubled=False) -> str:
    parts = rng.sample(OWN_SENTENCES, k=4)
    if template:
        parts.insert(1, TEMPLATE)
    if doubled:
        parts.insert(2, DOUBLED)
    if advert:
        parts.append(ADVERT)
    return "\n".join(parts)


def _attendance(rng, people):
    rows = []
    for p in people:
        roll = rng.random()
        if roll < 0.85:
            rows.append((p, Attendance.Status.PRESENT, ""))
        elif roll < 0.95:
            rows.append((p, Attendance.Status.EXCUSED, rng.choice(EXCUSES)))
        else:
            rows.append((p, Attendance.Status.ABSENT, ""))
    return rows


def _office_study(ctx, office, admin, people, *, branches_spec, counts):
    rng = ctx.rng
    today = ctx.today
    branches = [
        services.branch_save(
            office=office, name=name, members=members, secretary=members[0], actor=admin
        )
        for name, members in branches_spec
        if members
    ]
    for year in (today.year - 1, today.year):
        services.plan_save(
            office=office,
            year=year,
            centre=12,
            branch=6,
            exchange=4,
            hours_per_person="40",
            note="按照市委巡察工作领导小组年度学习安排制定。",
            actor=admin,
        )
    sessions = []
    plan = [(Form.CENTRE, counts[0], None), (Form.EXCHANGE, counts[2], None)]
    plan += [(Form.BRANCH, counts[1], b) for b in branches]
    for form, n, branch in plan:
        for i in range(ctx.n(n)):
            day = today - timedelta(days=int(364 * (i + rng.random()) / ctx.n(n)))
            who = list(branch.members.all()) if branch else people
            host = branch.secretary if branch else rng.choice(people[:3])
            sessions.append(
                services.session_create(
                    office=office,
                    form=form,
                    date=day,
                    host=host,
                    topic=rng.choice(TOPICS[form]),
                    branch=branch,
                    materials="\n".join(rng.sample(MATERIALS, k=2)),
                    hours=rng.choice(["2", "2.5", "3", "4"]),
                    minutes=f"{host.full_name}主持学习并领学，参学人员结合工作交流发言。",
                    attendance=_attendance(rng, who),
                    actor=admin,
                )
            )
    own = []
    for p in people:
        for _ in range(ctx.n(rng.randint(4, 9))):
            own.append(
                services.self_study_create(
                    office=office,
                    person=p,
                    date=today - timedelta(days=rng.randint(0, 360)),
                    material=rng.choice(SELF_MATERIALS),
                    hours=rng.choice(["1", "1.5", "2", "3"]),
                    actor=p,
                )
            )
    reflections = 0
    special = {"advert": 1, "doubled": 1}
    for session in sorted(sessions, key=lambda s: s.date):
        present = [a.person for a in session.attendance.filter(status="present")]
        for person in rng.sample(present, k=min(len(present), 2)):
            flags = {"template": rng.random() < 0.25}
            for kind in ("advert", "doubled"):
                if special[kind] and rng.random() < 0.2:
                    flags[kind], special[kind] = True, 0
            services.reflection_submit(
                author=person,
                session=session,
                title=f"{session.topic}心得体会",
                text=_text(rng, **flags),
                actor=person,
            )
            reflections += 1
    for row in rng.sample(own, k=min(len(own), ctx.n(6))):
        services.reflection_submit(
            author=row.person,
            self_study=row,
            title=f"自学{row.material}的体会",
            text=_text(rng, template=rng.random() < 0.3, advert=bool(special["advert"])),
            actor=row.person,
        )
        special["advert"] = 0
        reflections += 1
    return len(sessions), len(own), reflections


def build(ctx):
    admin = User.objects.filter(username="office_admin").first()
    if admin is None or not admin.roles.filter(role=Role.OFFICE_ADMIN).exists():
        ctx.log("  学习教育：没有巡察办管理员账号，跳过")
        return
    city = admin.office
    people = list(services.office_people(city))
    by_name = {p.username: p for p in people}
    first = [
        by_name[k]
        for k in ("office_staff", "office_admin", "team_leader", "team_member")
        if k in by_name
    ]
    second = [p for p in people if p not in first]
    n = _office_study(
        ctx,
        city,
        admin,
        people,
        branches_spec=[("机关第一党支部", first), ("机关第二党支部", second)],
        counts=(10, 6, 4),
    )
    ctx.log(f"  {city.name}：学习活动 {n[0]} 次，个人自学 {n[1]} 条，心得体会 {n[2]} 篇")
    _study_library_rules(ctx, city)
    county_admin = User.objects.filter(username="county_admin").first()
    if county_admin is not None and county_admin.office_id:
        county = county_admin.office
        folks = list(services.office_people(county))
        n = _office_study(
            ctx,
            county,
            county_admin,
            folks,
            branches_spec=[("县委巡察办党支部", folks)],
            counts=(4, 3, 2),
        )
        ctx.log(f"  {county.name}：学习活动 {n[0]} 次，个人自学 {n[1]} 条，心得体会 {n[2]} 篇")


def _study_library_rules(ctx, office) -> None:
    """Some sessions studied rules of the library (built just before this app)."""
    rules = list(services.library_rules(office)[:3])
    if not rules:
        return
    sessions = StudySession.objects.filter(office=office).order_by("date", "pk")
    for i, session in enumerate(sessions[:6]):
        session.rules.add(rules[i % len(rules)])
    ctx.log(f"  {office.name}：{min(6, sessions.count())} 次学习活动学习了法规制度库中的规定")
