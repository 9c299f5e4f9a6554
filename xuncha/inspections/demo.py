"""Demo fieldwork: for the inspections the planning demo created, records fitting each stage.

Preparation: pre-inspection letters and the document list. From stationing on: interviews
with realistic notes, document reviews, visits, discussions, a survey. From investigation
on: problems classified in the taxonomy, each with its working paper at a review step that
fits the stage (signed and approved from the report stage; on the feedback list after
feedback; filed when archived), immediate-fix notices, the leading group's review, and the
stage history. Everything is drawn from ctx.rng and written with bulk_create.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone

from xuncha.inspections import stay_demo
from xuncha.inspections.models import (
    Activity,
    DocumentRequest,
    FixNotice,
    PaperStep,
    PreInspectionLetter,
    Problem,
    StageChange,
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
    TaxonomyCategory,
    TaxonomyTheme,
    WorkingPaper,
)
from xuncha.inspections.prep import prepare_for_stationing
from xuncha.org.models import User
from xuncha.plans.models import Inspection, TeamMember

Stage = Inspection.Stage
ORDER = [s.value for s in Stage]

SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林高罗郑梁谢宋唐许邓冯韩曹曾彭萧蔡潘田董袁于余叶蒋杜苏魏程吕丁沈任姚卢傅钟姜崔谭廖范汪陆金石戴贾韦夏邱方侯邹熊孟秦白江阎薛尹段雷黎史龙陶贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国志强海燕秀英丽华明军伟东晓红国庆春梅文华建华玉兰桂芳永刚宏伟立新卫东红梅雪梅俊杰子涵浩然思远"

POSITIONS = [
    ("党组书记、局长", "leader"),
    ("党组成员、副局长", "leader"),
    ("纪检监察组组长", "leader"),
    ("办公室主任", "middle"),
    ("财务科科长", "middle"),
    ("人事科科长", "middle"),
    ("规划建设科科长", "middle"),
    ("机关党委专职副书记", "middle"),
    ("科员", "staff"),
    ("出纳", "staff"),
    ("驾驶员", "staff"),
    ("原副局长（已退休）", "retired"),
    ("下属中心主任", "subordinate"),
]

INTERVIEW_NOTES = [
    "谈话对象介绍了近三年单位贯彻落实上级决策部署的情况，认为班子整体团结，但在重大项目推进中存在"
    "“等靠要”思想。反映{year}年部分工程项目先施工后补手续，个别项目招标文件设置了明显倾向性条款。",
    "谈话对象反映，单位“三重一大”事项决策程序总体规范，但部分采购事项以“主要负责人碰头会”代替党组会研究，"
    "会议记录不完整，个别事项没有表决情况记载。",
    "谈话对象称，单位存在以“加班费”“值班补助”名义发放津补贴的情况，{year}年春节前后集中发放，"
    "发放依据为办公室签报，未经党组会研究。建议调阅相关记账凭证核实。",
    "谈话对象反映，机关党支部“三会一课”流于形式，党员活动日多以业务会议代替，组织生活会批评与自我批评辣味不足，"
    "问题整改清单与上年度基本雷同。",
    "谈话对象认为，上轮巡察反馈的公务用车管理问题整改不彻底，目前仍有车辆停放在个人住所附近，"
    "车辆使用登记与加油记录对不上。",
    "谈话对象介绍了干部选拔任用情况，反映{year}年有两名中层干部在任职前未进行个人有关事项报告查核，"
    "一名干部试用期满未按期考核转正。",
    "谈话对象表示，单位意识形态工作责任制落实不够到位，门户网站和公众号审核把关流程不健全，"
    "曾出现转载未核实信息的情况。",
    "谈话对象反映下属单位财务管理混乱，存在公款私存、白条入账现象，往来款长期挂账未清理，"
    "部分资金去向不明。",
]

OUTLINE = (
    "一、履行全面从严治党主体责任和监督责任情况；二、落实中央八项规定精神情况；"
    "三、“三重一大”决策执行情况；四、选人用人情况；五、上轮巡察和审计整改情况；六、其他需要反映的问题。"
)

PROBLEMS = [
    (
        "A2",
        "落实上级重大决策部署打折扣",
        "对上级关于优化营商环境的部署研究不深，配套措施迟迟未出台，部分任务未按时完成。",
        "responsibility",
        "work",
    ),
    (
        "A5",
        "防范化解债务风险不力",
        "隐性债务化解方案执行不到位，{year}年新增政府性债务未经审批。",
        "responsibility",
        "work",
    ),
    (
        "A7",
        "意识形态工作责任制落实不到位",
        "党组未按要求每半年专题研究意识形态工作，阵地管理存在漏洞。",
        "responsibility",
        "political",
    ),
    (
        "B1",
        "主体责任落实不力",
        "党组书记第一责任人职责履行不到位，对班子成员廉政谈话流于形式。",
        "responsibility",
        "political",
    ),
    (
        "B4",
        "违规发放津补贴",
        "{year}年以加班费名义违规发放补贴共计{amount}万元。",
        "conduct",
        "integrity",
    ),
    (
        "B4",
        "公务用车管理不规范",
        "公务车辆使用审批不严，存在公车私用、节假日未封存等问题。",
        "conduct",
        "integrity",
    ),
    (
        "B4",
        "超标准公务接待",
        "公务接待无公函、超标准、超人数，{year}年接待费支出同比上升。",
        "conduct",
        "integrity",
    ),
    (
        "B5",
        "形式主义、官僚主义问题突出",
        "文件会议多，督查检查考核过多过频，基层负担较重。",
        "conduct",
        "work",
    ),
    (
        "B6",
        "工程项目招投标不规范",
        "部分项目化整为零规避招标，存在围标串标风险，合同变更未经集体研究。",
        "corruption",
        "integrity",
    ),
    (
        "B7",
        "惠民资金管理存在漏洞",
        "惠民补贴资金发放审核把关不严，存在优亲厚友、虚报冒领现象。",
        "corruption",
        "mass",
    ),
    (
        "B8",
        "“三重一大”事项未经集体决策",
        "{count}项重大资金支出未经党组会集体研究，由个人或少数人决定。",
        "responsibility",
        "organizational",
    ),
    (
        "B9",
        "财经纪律执行不严",
        "往来款长期挂账未清理，白条入账，预算执行率偏低。",
        "responsibility",
        "work",
    ),
    (
        "C2",
        "选人用人程序不规范",
        "个别干部任前未查核个人有关事项，干部档案“三龄两历一身份”认定不准确。",
        "responsibility",
        "organizational",
    ),
    (
        "C3",
        "干部日常管理监督缺位",
        "对干部八小时以外监督不够，个别干部长期在编不在岗。",
        "responsibility",
        "organizational",
    ),
    (
        "C4",
        "基层党组织建设薄弱",
        "“三会一课”制度落实不到位，党费收缴不规范，发展党员程序不严。",
        "responsibility",
        "organizational",
    ),
    (
        "D1",
        "上轮巡察整改不到位",
        "上轮巡察反馈的{count}个问题中，有部分问题整改不彻底、出现反弹。",
        "responsibility",
        "political",
    ),
    (
        "D2",
        "审计发现问题整改不到位",
        "审计指出的违规支出问题未按期整改，整改报告与实际不符。",
        "responsibility",
        "work",
    ),
    (
        "E2",
        "村务财务公开不及时",
        "村务公开栏内容长期未更新，财务收支明细未按季度公开。",
        "responsibility",
        "mass",
    ),
    (
        "E3",
        "集体“三资”管理混乱",
        "集体土地发包未经村民代表会议表决，合同租金长期未收缴。",
        "corruption",
        "mass",
    ),
    (
        "E4",
        "涉农资金项目管理不规范",
        "高标准农田建设项目验收把关不严，部分工程量虚报。",
        "corruption",
        "mass",
    ),
]

POLICY = [
    "《中国共产党纪律处分条例》相关条款",
    "《中共中央政治局贯彻落实中央八项规定实施细则》",
    "《党政机关厉行节约反对浪费条例》",
    "《党政领导干部选拔任用工作条例》",
    "《关于进一步推进“三重一大”决策制度建设的意见》",
]

LETTERS = [
    ("discipline", "市纪委监委", "函询被巡察单位领导班子及其成员信访举报、问题线索及处置情况"),
    (
        "organization",
        "市委组织部",
        "函询被巡察单位领导班子建设、干部选拔任用及个人有关事项报告情况",
    ),
    ("audit", "市审计局", "函询近三年对被巡察单位审计发现问题及整改情况"),
    ("petitions", "市信访局", "函询近三年涉及被巡察单位的信访事项及办理情况"),
]

DOCUMENTS = [
    "近三年党组（党委）会议纪要、“三重一大”事项决策记录",
    "近三年财务账簿、记账凭证及预决算报告",
    "上轮巡察反馈问题整改报告及佐证材料",
    "干部选拔任用工作档案（近三年）",
    "工程建设项目招投标及合同管理资料",
    "公务接待、公务用车管理台账",
]

VISITS = ["走访下属中心及基层站所", "下沉走访服务对象和企业", "实地查看在建工程项目"]
DISCUSSIONS = ["中层干部座谈会", "一般干部职工座谈会", "离退休干部座谈会"]
MEETINGS = ["列席党组会议", "列席年度民主生活会"]


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(
        [GIVEN[i : i + 2] for i in range(0, len(GIVEN) - 1, 2)]
    )


def _at(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _prep_midway(insp, team, actor, rng):
    """An inspection before stationing: a draft work plan, some pledges signed."""
    from xuncha.inspections.prep import work_plan_initial
    from xuncha.inspections.prep_models import SecrecyPledge, WorkPlan

    WorkPlan.objects.create(inspection=insp, created_by=actor, **work_plan_initial(insp))
    signed = [m for m in team if rng.random() < 0.5]
    SecrecyPledge.objects.bulk_create(
        SecrecyPledge(
            member=m,
            signature=m.inspector.name,
            signed_on=min(insp.start, timezone.localdate()),
            recorded_by=actor,
        )
        for m in signed
    )
    # Where an inspected unit has a liaison account, it asks for one member's replacement.
    from xuncha.inspections.prep_models import ReplacementRequest
    from xuncha.org.models import RoleAssignment

    liaison = (
        RoleAssignment.objects.filter(role="unit_liaison", unit__in=insp.units.all())
        .select_related("user", "unit")
        .order_by("pk")
        .first()
    )
    member = next((m for m in team if m.role == "member"), None)
    if liaison and member and not ReplacementRequest.objects.filter(unit=liaison.unit).exists():
        ReplacementRequest.objects.create(
            inspection=insp,
            unit=liaison.unit,
            member=member,
            member_name=member.inspector.name,
            reason=f"{member.inspector.name}同志的配偶在本单位下属中心工作，申请予以更换。",
            requested_by=liaison.user,
        )


def build(ctx):
    rng = ctx.rng
    today = ctx.today
    fallback = (
        User.objects.filter(username="office_admin").first()
        or User.objects.filter(is_superuser=True).first()
        or User.objects.order_by("pk").first()
    )
    if fallback is None:
        ctx.log("  巡察实施：没有用户，跳过")
        return
    categories = {c.code: c for c in TaxonomyCategory.objects.filter(version__active=True)}
    f1 = categories.get("F1")
    inspections = list(
        Inspection.objects.select_related("team", "round", "office")
        .prefetch_related("units")
        .order_by("pk")
    )
    by_team = {}
    for m in TeamMember.objects.select_related("inspector", "team").order_by("pk"):
        by_team.setdefault(m.team.inspection_id, []).append(m)

    counts = {"activities": 0, "problems": 0}
    themes = {}
    for insp in inspections:
        team = by_team.get(insp.pk, [])
        if not team:
            continue
        units = list(insp.units.all())
        if not units:
            continue
        stage_i = ORDER.index(insp.stage)
        leader = next((m for m in team if m.role == "leader"), team[0])
        deputy = next((m for m in team if m.role == "deputy"), None)
        plain = [m for m in team if m.role == "member"] or team

        def user_of(m):
            return m.inspector.user if m and m.inspector.user_id else fallback

        year = insp.start.year - 1
        theme = None
        if insp.kind == Inspection.Kind.SPECIAL and insp.theme and f1:
            key = (insp.round_id, insp.theme)
            if key not in themes:
                code = f"F1-{len([k for k in themes if k[0] == insp.round_id]) + 1:02d}"
                themes[key], _ = TaxonomyTheme.objects.get_or_create(
                    round_id=insp.round_id,
                    code=code,
                    defaults={"category": f1, "name": insp.theme[:100]},
                )
            theme = themes[key]

        # Preparation: letters and the document list.
        prep_day = insp.start - timedelta(days=10)
        letters = []
        for recipient, name, subject in LETTERS:
            replied = stage_i >= 1 or rng.random() < 0.4
            letters.append(
                PreInspectionLetter(
                    inspection=insp,
                    recipient=recipient,
                    recipient_name=name,
                    subject=subject,
                    sent_on=prep_day,
                    due_on=prep_day + timedelta(days=7),
                    state="replied" if replied else "sent",
                    reply_on=prep_day + timedelta(days=rng.randint(3, 7)) if replied else None,
                    reply_text=(
                        f"经查，近三年共收到反映该单位问题的信访举报{rng.randint(0, 9)}件，"
                        f"已办结{rng.randint(0, 5)}件，详见附件清单。"
                        if replied
                        else ""
                    ),
                    created_by=user_of(leader),
                    created_at=_at(prep_day),
                )
            )
        PreInspectionLetter.objects.bulk_create(letters)
        DocumentRequest.objects.bulk_create(
            DocumentRequest(
                inspection=insp,
                title=title,
                requested_on=insp.start,
                due_on=insp.start + timedelta(days=5),
                state=("returned" if stage_i >= 4 else "provided") if stage_i >= 2 else "requested",
                provided_on=insp.start + timedelta(days=3) if stage_i >= 2 else None,
                created_by=user_of(leader),
            )
            for title in rng.sample(DOCUMENTS, 4)
        )
        history = []
        for i in range(stage_i):
            day = insp.start + timedelta(days=[0, 2, 40, 55, 65, 80, 150, 300][i])
            history.append(
                StageChange(
                    inspection=insp,
                    from_stage=ORDER[i],
                    to_stage=ORDER[i + 1],
                    actor=user_of(leader) if i < 3 else fallback,
                    at=_at(min(day, today)),
                )
            )
        StageChange.objects.bulk_create(history)
        # 进驻准备: stationed inspections have every record; those in preparation are midway.
        if stage_i >= 1:
            prepare_for_stationing(insp, user_of(leader), on=insp.start - timedelta(days=3))
        else:
            _prep_midway(insp, team, user_of(leader), rng)
        if stage_i < 1:
            continue
        stay_demo.stay(
            ctx,
            insp,
            stage_i,
            team_names="、".join(m.inspector.name for m in team),
            leader_user=user_of(leader),
            today=today,
        )

        # Activities.
        unit_name = units[0].name
        acts = []
        n_interviews = ctx.n(rng.randint(4, 9))
        span = max(1, min((insp.end - insp.start).days, (today - insp.start).days) - 1)
        for _ in range(n_interviews):
            position, category = rng.choice(POSITIONS)
            a, b = rng.sample(team, 2) if len(team) > 1 else (team[0], team[0])
            person = _name(rng)
            acts.append(
                Activity(
                    inspection=insp,
                    kind="interview",
                    title=f"与{unit_name}{position}{person}个别谈话",
                    held_on=insp.start + timedelta(days=rng.randint(1, span)),
                    place="巡察组谈话室",
                    interviewee=person,
                    interviewee_position=position,
                    interviewee_category=category,
                    interviewer=a.inspector,
                    recorder=b.inspector,
                    outline=OUTLINE,
                    summary=rng.choice(INTERVIEW_NOTES).format(year=year),
                    created_by=user_of(b),
                )
            )
        others = [
            (
                "briefing",
                f"听取{unit_name}党组工作汇报",
                "听取了单位主要负责人关于履行全面从严治党主体责任情况的汇报。",
            ),
            (
                "document_review",
                "调阅近三年党组会议纪要",
                "调阅党组会议纪要36本，发现部分重大事项决策记录不完整。",
            ),
            (
                "document_review",
                "调阅财务凭证",
                "抽查记账凭证420份，重点关注津补贴发放、公务接待和工程款支付。",
            ),
            ("visit", rng.choice(VISITS), "实地了解基层站所运行及群众办事体验，收集意见建议8条。"),
            (
                "discussion",
                rng.choice(DISCUSSIONS),
                "座谈中干部反映考核激励机制不健全、基层负担重等问题。",
            ),
            ("meeting", rng.choice(MEETINGS), "列席会议，观察议事决策程序执行情况。"),
            (
                "declaration_check",
                "抽查领导干部个人有关事项报告",
                "随机抽查6名处级干部个人有关事项报告，1人存在漏报情况。",
            ),
            (
                "intake",
                "受理来信来电来访",
                "巡察期间受理来信来电来访，已在登记簿中登记并按规定分办。",
            ),
        ]
        for kind, title, summary in others:
            held = insp.start + timedelta(days=rng.randint(0, span))
            extra = {}
            if kind == "document_review":
                extra = {
                    "requested_on": held,
                    "received_on": held + timedelta(days=1),
                    "returned_on": held + timedelta(days=10) if stage_i >= 3 else None,
                }
            acts.append(
                Activity(
                    inspection=insp,
                    kind=kind,
                    title=title,
                    held_on=held,
                    summary=summary,
                    created_by=user_of(rng.choice(plain)),
                    **extra,
                )
            )
        acts.append(
            Activity(
                inspection=insp,
                kind="survey",
                title=f"{unit_name}领导班子和领导干部民主测评",
                held_on=insp.start + timedelta(days=3),
                summary="面向全体干部职工发放测评问卷。",
                created_by=user_of(leader),
            )
        )
        Activity.objects.bulk_create(acts)
        counts["activities"] += len(acts)
        survey_act = acts[-1]
        survey = Survey.objects.create(activity=survey_act, open=stage_i <= 2)
        questions = SurveyQuestion.objects.bulk_create(
            [
                SurveyQuestion(
                    survey=survey,
                    order=0,
                    kind="likert",
                    text="对领导班子落实全面从严治党主体责任的评价",
                ),
                SurveyQuestion(
                    survey=survey, order=1, kind="likert", text="对单位选人用人工作的评价"
                ),
                SurveyQuestion(survey=survey, order=2, kind="likert", text="对单位作风建设的评价"),
                SurveyQuestion(
                    survey=survey, order=3, kind="text", text="您对领导班子的意见和建议"
                ),
            ]
        )
        responses = SurveyResponse.objects.bulk_create(
            SurveyResponse(survey=survey, submitted_at=_at(survey_act.held_on))
            for _ in range(ctx.n(rng.randint(12, 30)))
        )
        answers = []
        for r in responses:
            for q in questions[:3]:
                answers.append(
                    SurveyAnswer(
                        response=r,
                        question=q,
                        score=rng.choices([1, 2, 3, 4, 5], [1, 2, 4, 8, 6])[0],
                    )
                )
            if rng.random() < 0.3:
                answers.append(
                    SurveyAnswer(
                        response=r,
                        question=questions[3],
                        text=rng.choice(
                            [
                                "希望加强干部交流轮岗",
                                "建议减少文山会海",
                                "财务公开还不够",
                                "希望领导多到基层",
                            ]
                        ),
                    )
                )
        SurveyAnswer.objects.bulk_create(answers)
        if stage_i < 2:
            continue

        # Problems and their papers.
        village = any(u.kind == "village" for u in units)
        pool = [p for p in PROBLEMS if village or not p[0].startswith("E")]
        n_problems = ctx.n(rng.randint(3, 8))
        problem_rows = []
        for i, (code, title, text, nature, discipline) in enumerate(
            rng.sample(pool, min(n_problems, len(pool)))
        ):
            text = text.format(
                year=year, amount=round(rng.uniform(3, 60), 1), count=rng.randint(2, 9)
            )
            problem_rows.append(
                Problem(
                    inspection=insp,
                    unit=rng.choice(units),
                    number=f"{i + 1:03d}",
                    title=title,
                    description=text,
                    category=categories[code],
                    theme=theme if theme and rng.random() < 0.5 else None,
                    discipline=discipline,
                    nature=nature,
                    severity=rng.choice(["minor", "minor", "serious", "major"]),
                    responsible_posts=rng.choice(
                        ["主要负责人", "分管财务的副局长", "办公室主任", "财务科科长", ""]
                    ),
                    state="approved" if stage_i >= 3 else "draft",
                    in_feedback=stage_i >= 5,
                    created_by=user_of(rng.choice(plain)),
                    created_at=_at(insp.start + timedelta(days=rng.randint(5, span))),
                )
            )
        Problem.objects.bulk_create(problem_rows)
        counts["problems"] += len(problem_rows)
        papers = []
        for p in problem_rows:
            if stage_i >= 8:
                state = "filed"
            elif stage_i >= 3:
                state = "signed"
            else:
                state = rng.choice(
                    [
                        "drafting",
                        "deputy_review" if deputy else "leader_review",
                        "leader_review",
                        "signed",
                        "returned",
                    ]
                )
            day = p.created_at + timedelta(days=2)
            signed_deputy = state in {"leader_review", "signed", "filed"} and deputy
            signed_leader = state in {"signed", "filed"}
            if state == "signed" and stage_i == 2 and rng.random() < 0.6:
                Problem.objects.filter(pk=p.pk).update(state="approved")
            papers.append(
                WorkingPaper(
                    problem=p,
                    inspection=insp,
                    number=p.number,
                    title=f"关于{p.title}的工作底稿",
                    facts=f"{p.description}经调阅相关资料、个别谈话核实，情况属实。",
                    evidence="1. 相关会议纪要复印件\n2. 记账凭证复印件\n3. 个别谈话笔录",
                    policy_basis=rng.choice(POLICY),
                    state=state,
                    drafter=p.created_by,
                    drafted_at=p.created_at,
                    deputy_signed_by=user_of(deputy) if signed_deputy else None,
                    deputy_signed_at=day if signed_deputy else None,
                    leader_signed_by=user_of(leader) if signed_leader else None,
                    leader_signed_at=day + timedelta(days=1) if signed_leader else None,
                    return_comment="请补充相关凭证编号和涉及金额的计算过程。"
                    if state == "returned"
                    else "",
                    filed_at=_at(today) if state == "filed" else None,
                )
            )
        WorkingPaper.objects.bulk_create(papers)
        steps = []
        interviews = [a for a in acts if a.kind == "interview"]
        for paper in papers:
            paper.sources.set(rng.sample(interviews, min(2, len(interviews))))
            if paper.state in {"deputy_review", "leader_review", "signed", "filed", "returned"}:
                steps.append(
                    PaperStep(
                        paper=paper,
                        action="submit",
                        actor=paper.drafter,
                        at=paper.drafted_at + timedelta(days=1),
                    )
                )
            if paper.deputy_signed_by_id:
                steps.append(
                    PaperStep(
                        paper=paper,
                        action="deputy_sign",
                        actor=paper.deputy_signed_by,
                        at=paper.deputy_signed_at,
                    )
                )
            if paper.leader_signed_by_id:
                steps.append(
                    PaperStep(
                        paper=paper,
                        action="leader_sign",
                        actor=paper.leader_signed_by,
                        at=paper.leader_signed_at,
                        comment="同意",
                    )
                )
            if paper.state == "returned":
                steps.append(
                    PaperStep(
                        paper=paper,
                        action="return",
                        actor=user_of(leader),
                        at=paper.drafted_at + timedelta(days=2),
                        comment=paper.return_comment,
                    )
                )
        PaperStep.objects.bulk_create(steps)

        # Immediate-fix notices.
        for p in rng.sample(problem_rows, min(len(problem_rows), rng.randint(0, 2))):
            closed = stage_i >= 5
            replied = closed or rng.random() < 0.5
            issued = p.created_at + timedelta(days=1)
            FixNotice.objects.create(
                inspection=insp,
                unit=p.unit,
                problem=p,
                title=f"立行立改：{p.title}",
                requirement="请立即整改，于期限内书面报告整改情况并附佐证材料。",
                deadline=(issued + timedelta(days=14)).date(),
                state="closed" if closed else ("replied" if replied else "issued"),
                issued_by=user_of(leader),
                issued_at=issued,
                reply="已召开专题会议研究整改，相关款项已全部清退，责任人已作检讨。"
                if replied
                else "",
                replied_by=fallback if replied else None,
                replied_at=issued + timedelta(days=7) if replied else None,
                closed_by=user_of(leader) if closed else None,
                closed_at=issued + timedelta(days=10) if closed else None,
            )
        if stage_i >= 5:  # both reviews, deciding the use of every problem
            stay_demo.reviews(insp, fallback, today)
    ctx.log(
        f"  巡察实施：{len(inspections)} 个巡察，了解情况记录 {counts['activities']} 条，问题与底稿 {counts['problems']} 个"
    )
