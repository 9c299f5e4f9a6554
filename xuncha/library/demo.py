"""Demo rules library: rules written for the demo (not copies of real regulations) in the
usual layouts, two versions of one, a superseded rule that is cited, citations from demo
problems and typical cases."""

from datetime import date

from xuncha.inspections.models import Problem
from xuncha.library import search, services
from xuncha.library.models import Provision, Rule
from xuncha.org.models import Office, User

DETAILED = """中共江州市委巡察工作实施细则
第一章　总则
第一条　为了深入推进全市巡察工作规范化、精细化，结合本市实际，制定本细则。
第二条　巡察工作坚持党中央集中统一领导，坚持围绕中心、服务大局，坚持实事求是、依规依纪。
第三条　本细则适用于市委巡察组对市直单位、县（市、区）和市属国有企业党组织开展的巡察。
第二章　组织领导
第一节　领导小组
第四条　市委巡察工作领导小组向市委负责并报告工作，主要职责是：
（一）研究提出巡察工作规划、年度计划和每轮巡察安排；
（二）听取巡察工作汇报，研究巡察成果运用；
（三）对巡察组进行管理和监督。
第五条　领导小组一般每轮巡察召开会议不少于两次。
第二节　巡察办和巡察组
第六条　巡察办承担统筹协调、指导督导、服务保障等职能。
第七条　巡察组实行组长负责制，组长根据每次巡察任务确定，实行一次一授权。
第三章　工作程序
第八条　巡察组进驻前，应当向纪检监察机关、组织部门、审计机关等了解被巡察党组织的有关情况。
第九条　巡察组可以采取下列方式开展工作：
（一）听取被巡察党组织的工作汇报和有关部门的专题汇报；
（二）与被巡察党组织领导班子成员和其他干部群众进行个别谈话；
（三）受理反映被巡察党组织领导班子及其成员和下一级党组织领导班子主要负责人问题的来信、来电、来访等；
（四）调阅、复制有关文件、档案、会议记录等资料；
（五）召开座谈会，开展问卷调查和民主测评。
第十条　巡察组发现的问题，应当形成工作底稿，做到事实清楚、证据确凿、定性准确。
第十一条　巡察结束后，巡察组应当形成巡察报告，如实报告发现的主要问题，提出处理建议。
第四章　纪律与责任
第十二条　巡察工作人员应当严格遵守中央八项规定及其实施细则精神，不得接受被巡察单位的宴请和礼品礼金。
第十三条　被巡察党组织及其工作人员拒不配合巡察工作、隐瞒事实、提供虚假材料的，依规依纪追究责任。
第十四条　本细则自印发之日起施行。
附件：巡察工作底稿格式
一、问题名称
二、事实摘要
三、证据清单
四、定性依据
"""
# The second version adds an article on the feedback and renumbers the end.
DETAILED_V2 = DETAILED.replace(
    "第十四条　本细则自印发之日起施行。",
    "第十四条　巡察反馈后，被巡察党组织应当在两个月内报送整改进展情况。\n第十五条　本细则自印发之日起施行。",
)

RECEPTION_OLD = """江州市公务接待管理暂行办法
第一条　为了规范公务接待，厉行勤俭节约，制定本办法。
第二条　公务接待应当坚持有利公务、务实节俭、严格标准、简化礼仪的原则。
第三条　接待单位不得超标准安排接待住房，不得额外配发洗漱用品。
第四条　接待对象应当按照规定标准自行用餐。确因工作需要，接待单位可以安排工作餐一次，并严格控制陪餐人数。
第五条　工作餐应当供应家常菜，不得提供鱼翅、燕窝等高档菜肴，不得提供香烟和高档酒水。
第六条　公务接待费用应当全部纳入预算管理，单独列示。
第七条　本办法自印发之日起施行。
"""
RECEPTION_NEW = """江州市公务接待管理办法
第一章　总则
第一条　为了进一步规范党政机关国内公务接待管理，制定本办法。
第二条　公务接待实行清单制度，无公函的公务活动一律不予接待。
第二章　接待标准
第三条　接待住宿应当严格执行差旅、会议管理的有关规定，在定点饭店或者机关内部接待场所安排。
第四条　工作餐应当严格控制陪餐人数。接待对象在10人以内的，陪餐人数不得超过3人；超过10人的，不得超过接待对象人数的三分之一。
第五条　工作餐应当供应家常菜，不得提供高档菜肴和用野生保护动物制作的菜肴，不得提供香烟和高档酒水。
第三章　经费管理
第六条　公务接待费用应当全部纳入预算管理，单独列示。接待费报销凭证应当包括财务票据、派出单位公函和接待清单。
第七条　禁止在接待费中列支应当由接待对象承担的差旅、会议、培训等费用，禁止以举办会议、培训为名列支、转移、隐匿接待费开支。
第四章　附则
第八条　本办法自印发之日起施行，《江州市公务接待管理暂行办法》同时废止。
"""
ALLOWANCE = """关于进一步规范津贴补贴发放工作的通知
各县（市、区）委，市直各单位：
为了严肃财经纪律，现就规范津贴补贴发放有关事项通知如下。
一、严格执行发放政策
（一）不得自行设立津贴补贴项目或者提高发放标准；
（二）不得以加班费、值班费、劳务费等名义变相发放津贴补贴；
（三）不得违规发放年终一次性奖金以外的奖金。
二、加强资金管理
各单位应当将津贴补贴发放纳入预算管理，严禁使用“小金库”资金发放。
三、强化监督检查
纪检监察机关和巡察机构应当把津贴补贴发放情况作为监督检查的重点，发现问题依规依纪处理。
"""
VILLAGE = """临川县村级财务管理办法
第一章　总则
第一条　为了加强村级财务管理，保障村集体经济组织和农民的合法权益，制定本办法。
第二条　村级财务实行村务监督委员会监督、乡镇审核的管理制度。
第二章　资金管理
第三条　村集体资金应当存入村集体银行账户，不得公款私存、坐收坐支。
第四条　村级非生产性开支实行限额管理，招待费用应当逐笔公开。
第五条　村集体资产的承包、租赁、出让应当公开招标，并经村民代表会议讨论决定。
第三章　附则
第六条　本办法自印发之日起施行。
"""
CASES = [
    (
        "某局以加班费名义变相发放津贴补贴问题",
        "某局2024年以加班费名义向全体干部发放补贴共计十余万元，巡察发现后移交纪检监察机关，"
        "相关责任人受到党纪处分，违规资金全部清退。",
        "变相发放津贴补贴是巡察监督的重点，各单位应当严格执行发放政策。",
        [("关于进一步规范津贴补贴发放工作的通知", "一、")],
    ),
    (
        "某单位超标准安排公务接待问题",
        "某单位在接待上级检查组时超标准安排工作餐并提供高档酒水，费用以会议费名义报销。",
        "公务接待必须严格标准，禁止以会议名义列支接待费。",
        [("江州市公务接待管理办法", "第五条"), ("江州市公务接待管理办法", "第七条")],
    ),
    (
        "某巡察组成员接受被巡察单位宴请问题",
        "某巡察组成员在巡察期间接受被巡察单位宴请，被调离巡察岗位并受到诫勉处理。",
        "巡察干部必须以更高标准、更严要求约束自己。",
        [("中共江州市委巡察工作实施细则", "第十二条")],
    ),
]


def _rule(ctx, office, actor, text, *, issuer, doc_number, issued_on, status=Rule.Status.IN_FORCE):
    title = text.splitlines()[0]
    rule = Rule.objects.create(
        office=office,
        title=title,
        issuer=issuer,
        doc_number=doc_number,
        issued_on=issued_on,
        status=status,
    )
    services.version_add(
        rule=rule,
        text=text,
        file_name=f"{title}.txt",
        file_type="txt",
        size=len(text.encode()),
        actor=actor,
    )
    return rule


def build(ctx):
    city = Office.objects.filter(level=Office.Level.CITY).order_by("pk").first()
    staff = User.objects.filter(username="office_staff").first()
    if city is None or staff is None:
        ctx.log("  跳过：没有市级巡察机构或演示账号")
        return
    year = ctx.today.year
    # (text, issuer, 文号 pattern with the year, years ago, month, day)
    city_rules = [
        (DETAILED, "中共江州市委", "江发〔{}〕12号", 3, 4, 8),
        (RECEPTION_OLD, "江州市人民政府办公室", "江政办发〔{}〕21号", 8, 6, 1),
        (RECEPTION_NEW, "江州市人民政府办公室", "江政办发〔{}〕5号", 2, 3, 15),
        (ALLOWANCE, "中共江州市纪委办公室", "江纪办发〔{}〕9号", 1, 9, 20),
    ]
    county = Office.objects.filter(parent=city, name__startswith="临川县").first()
    county_staff = User.objects.filter(roles__office=county, roles__role="office_staff").first()
    made_rules = []
    for office, actor, rows in [
        (city, staff, city_rules),
        (county, county_staff, [(VILLAGE, "临川县农业农村局", "临农发〔{}〕3号", 1, 2, 1)]),
    ]:
        if office is None or actor is None:
            continue
        for text, issuer, number, ago, month, day in rows:
            made_rules.append(
                _rule(
                    ctx,
                    office,
                    actor,
                    text,
                    issuer=issuer,
                    doc_number=number.format(year - ago),
                    issued_on=date(year - ago, month, day),
                )
            )
    detailed, old, new = made_rules[:3]
    services.version_add(
        rule=detailed,
        text=DETAILED_V2,
        file_name="实施细则（修订）.txt",
        file_type="txt",
        size=len(DETAILED_V2.encode()),
        actor=staff,
    )
    # Citations: problems of the city's inspections cite the articles their text
    # suggests; the first ones cite the old reception rule before it is superseded.
    problems = list(
        Problem.objects.filter(inspection__office=city, paper__isnull=False).order_by("pk")[
            : ctx.n(14)
        ]
    )
    reception = [p for p in problems if "接待" in p.title][:2] or problems[:1]
    made = 0
    for problem in problems:
        if problem in reception:
            wanted = list(
                Provision.objects.filter(version=old.current, label__in=["第四条", "第五条"])
            )
        else:
            text = f"{problem.title} {problem.description}"
            wanted = search.suggest(staff, text, limit=2)
        for provision in wanted:
            services.citation_create(
                problem=problem, provision=provision, actor=staff, note="定性依据"
            )
            made += 1
    services.rule_set_status(
        rule=old, status=Rule.Status.SUPERSEDED, superseded_by=new, actor=staff
    )
    for title, summary, lesson, refs in CASES:
        provisions = [
            p
            for rule_title, label in refs
            for p in Provision.objects.filter(
                version__rule__title=rule_title, live=True, label=label
            )[:1]
        ]
        services.case_create(
            office=city,
            title=title,
            summary=summary,
            lesson=lesson,
            provisions=provisions,
            actor=staff,
        )
    ctx.log(
        f"  法规制度：{Rule.objects.count()} 部（1 部已被替代且被引用）；"
        f"条文引用：{made} 条；典型案例：{len(CASES)} 个"
    )
