"""Demo data for the people's channel: published announcements and a few thousand submissions.

Every inspection past preparation gets a published announcement (approved by the office
admin). Submissions spread over each inspection's stay: online reports with receipt
codes, letters, calls and visits; a share are duplicates (merged), off-scope personal
demands (rejected with the competent body named), transferred items and spam with
WeChat or phone numbers. Content is sealed exactly as live submissions are.
"""

from datetime import timedelta

from django.utils import timezone

from xuncha.org.models import User
from xuncha.petitions import crypto, services
from xuncha.petitions.models import (
    Announcement,
    AnnouncementEvent,
    Message,
    Submission,
    SubmissionEvent,
)
from xuncha.plans.models import Inspection

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
POSTS = [
    "局长",
    "副局长",
    "党组书记",
    "科长",
    "副科长",
    "主任",
    "副主任",
    "站长",
    "所长",
    "村党支部书记",
    "村委会主任",
    "村会计",
    "镇党委书记",
    "副镇长",
    "校长",
    "院长",
    "总经理",
    "财务负责人",
]
PLACES = [
    "县城某酒店",
    "单位食堂包间",
    "农家乐",
    "私人会所",
    "老家",
    "办公室",
    "茶楼",
    "高速路口服务区",
]
TEMPLATES = {
    "integrity": [
        "{p}{post}在{y}年春节前后多次收受辖区企业老板所送购物卡和烟酒，价值数万元，并为其在项目审批中提供便利。",
        "{p}{post}利用职务便利，让其亲属承揽本单位的绿化和维修工程，工程款明显偏高，群众议论很大。",
        "{p}{post}借儿子结婚之机大操大办，收受下属和服务对象礼金，在{place}摆了三十多桌。",
    ],
    "eight_rules": [
        "{p}{post}经常在工作日中午到{place}吃喝，费用由下属单位或企业买单，有时还饮酒。",
        "反映{p}{post}长期公车私用，周末开单位车辆接送孩子上下学，车辆停在小区里。",
        "单位以开会名义组织到外地旅游，费用在培训费中列支，{p}{post}带队。",
    ],
    "formalism": [
        "{u}要求村里每周报送各种表格和台账，很多内容重复，干部疲于填表，没时间为群众办事。",
        "{u}搞形象工程，花大价钱修建的文化广场平时没人用，路灯也不亮，群众反映强烈。",
        "群众到{u}办事多次被推诿，窗口工作人员态度生硬，说“不归我们管”。",
    ],
    "personnel": [
        "{u}今年提拔的中层干部中有{p}{post}的亲属，考察走过场，民主推荐票数并不高。",
        "{u}招聘编外人员不公开，录用的都是领导打招呼的人，{p}{post}的外甥也在其中。",
    ],
    "masses": [
        "村里低保评定不公开，{p}{post}优亲厚友，真正困难的家庭评不上，有车有房的却吃低保。",
        "征地补偿款迟迟不到位，{p}{post}说被镇里挪用了，群众多次反映没有结果。",
        "村集体鱼塘承包给{p}{post}的亲戚，承包费多年没有公开，村民不知道钱去了哪里。",
    ],
    "finance": [
        "{u}的扶贫项目资金使用不透明，{p}{post}虚报冒领，部分道路硬化工程偷工减料。",
        "{u}有小金库，账外收取的场地租金由{p}{post}个人保管，用于发放补贴和吃喝。",
        "{u}在工程招投标中存在围标串标，中标企业与{p}{post}关系密切。",
    ],
    "work": [
        "{p}{post}上班时间经常不在岗，办事群众找不到人，电话也不接。",
        "{u}对群众反映的环境污染问题不作为，企业夜间偷排，举报多次没有处理。",
    ],
    "party": [
        "{u}党支部“三会一课”流于形式，会议记录都是事后补写的，很多党员一年没参加过组织生活。",
        "村党支部换届时存在拉票现象，{p}{post}请党员吃饭。",
    ],
    "political": [
        "{p}{post}在会上对上级决策部署说三道四，对中央八项规定精神执行打折扣。",
    ],
    "life": ["{p}{post}生活作风有问题，与他人有不正当关系，在群众中造成不良影响。"],
}
OPINIONS = [
    "建议巡察组多到村里走走，听听老百姓的真实想法，不要只听汇报。",
    "希望巡察结束后把整改情况公开，让群众看到实实在在的变化。",
    "建议{u}简化办事流程，推行一次办好，减少群众来回跑。",
    "建议加强对村级财务的监督，每季度公开一次收支明细。",
]
HELP = [
    "本人是{u}退休职工，医药费报销已经半年没有办下来，恳请帮助协调。",
    "家里房屋在拆迁范围内，补偿标准一直谈不拢，请求帮助。",
]
PERSONAL = [
    "本人与邻居因宅基地边界发生纠纷，村里调解不公，请求巡察组主持公道。",
    "我在{u}工作的工资被拖欠了三个月，请巡察组帮忙讨要。",
    "本人的离婚案件法院判决不公，要求巡察组督促法院重审。",
]
SPAM = [
    "专业代开各类发票，正规可查，加微信 fp{n} 详谈，电话 1{m}。",
    "兼职日结，手机刷单，日赚三百，加V：job{n}，QQ {m}。",
    "低息贷款，无抵押当天放款，咨询热线 1{m}，微信 dk{n}。",
    "澳门博彩官方平台，注册送彩金，加微信 bc{n}。",
]
COMPETENT = {
    "personal": [
        ("属于民事纠纷，不属于巡察受理范围", "所在乡镇人民调解委员会"),
        ("属于劳动争议", "县劳动人事争议仲裁委员会"),
        ("属于涉法涉诉问题", "县人民法院"),
    ],
    "help": [("属于具体业务诉求", "县医疗保障局"), ("属于征收补偿诉求", "县住房和城乡建设局")],
}


def _person(rng):
    return rng.choice(SURNAMES) + "某某"


def _repeat(text, rng):
    """The same matter told again: reworded, sentences reordered, now and then a typo."""
    from xuncha.analytics import evaluate

    parts = [p + "。" for p in text.split("。") if p.strip()]
    parts = evaluate.reword(parts, rng)
    if len(parts) > 1 and rng.random() < 0.5:
        rng.shuffle(parts)
    out = "".join(parts)
    return evaluate.typos(out, rng, 0.02) if rng.random() < 0.3 else out


def _with_advert(text, rng):
    from xuncha.analytics import evaluate

    return text + "\n" + evaluate._fill(rng.choice(evaluate.ADVERTS), rng)


def _content(rng, inspection_units, kind_pick):
    unit = rng.choice(inspection_units) if inspection_units else "某单位"
    fill = {
        "u": unit,
        "p": _person(rng),
        "post": rng.choice(POSTS),
        "place": rng.choice(PLACES),
        "y": rng.choice([2023, 2024, 2025]),
        "n": rng.randint(1000, 9999),
        "m": rng.randint(3000000000, 9999999999),
    }
    if kind_pick == "spam":
        return "report", "other", "", "", rng.choice(SPAM).format(**fill)
    if kind_pick == "opinion":
        return "opinion", "other", unit, "", rng.choice(OPINIONS).format(**fill)
    if kind_pick == "help":
        return "help", "personal", unit, "", rng.choice(HELP).format(**fill)
    if kind_pick == "personal":
        return "report", "personal", unit, "", rng.choice(PERSONAL).format(**fill)
    category = rng.choice(list(TEMPLATES))
    text = rng.choice(TEMPLATES[category]).format(**fill)
    if rng.random() < 0.4:
        text += rng.choice(
            [
                "以上情况请巡察组核实。",
                "知情人很多，可以找村民了解。",
                "我有照片和转账记录可以提供。",
                "希望巡察组认真查处，还群众一个公道。",
            ]
        )
    return "report", category, unit, f"{fill['p']}，{fill['post']}", text


def _announcements(ctx, inspections, approver):
    made = 0
    for inspection in inspections:
        if inspection.announcements.filter(state="published").exists():
            continue
        data = services.announcement_defaults(inspection)  # cut-off: the office's rule
        a = Announcement.objects.create(
            inspection=inspection,
            state=Announcement.State.PUBLISHED,
            phone=f"0791-8{ctx.rng.randint(1000000, 9999999)}",
            postal_box=f"{inspection.office.region or '江州市'}邮政 {ctx.rng.randint(100, 999)} 号信箱",
            email=f"xc{inspection.pk}@example.gov.cn",
            drafted_by=approver,
            approved_by=approver,
            approved_at=timezone.make_aware(
                timezone.datetime.combine(
                    inspection.start - timedelta(days=3), timezone.datetime.min.time()
                )
            ),
            published_at=timezone.make_aware(
                timezone.datetime.combine(inspection.start, timezone.datetime.min.time())
            ),
            **data,
        )
        for src, dst in [
            ("draft", "submitted"),
            ("submitted", "approved"),
            ("approved", "published"),
        ]:
            AnnouncementEvent.objects.create(
                announcement=a, from_state=src, to_state=dst, actor=approver
            )
        made += 1
    return made


def build(ctx):
    rng = ctx.rng
    staff = (
        User.objects.filter(username="office_staff").first()
        or User.objects.filter(is_superuser=True).first()
    )
    approver = User.objects.filter(username="office_admin").first() or staff
    if staff is None:
        ctx.log("  群众参与：没有工作人员账号，跳过")
        return
    inspections = list(
        Inspection.objects.exclude(stage=Inspection.Stage.PREPARATION)
        .select_related("office", "team")
        .prefetch_related("units")
        .order_by("pk")
    )
    if not inspections:
        ctx.log("  群众参与：没有巡察，跳过")
        return
    n_ann = _announcements(ctx, inspections, approver)
    announcements = {a.inspection_id: a for a in Announcement.objects.filter(state="published")}

    total = ctx.n(2500)
    today = ctx.today
    weights = [(i, 3 if i.stage in ("stationing", "investigation") else 1) for i in inspections]
    pool = [i for i, w in weights for _ in range(w)]
    created = []
    events = []
    reports: dict[int, list] = {}
    key_id = crypto.key_id()
    for _ in range(total):
        inspection = rng.choice(pool)
        units = [u.name for u in inspection.units.all()]
        roll = rng.random()
        pick = (
            "spam"
            if roll < 0.06
            else "personal"
            if roll < 0.16
            else "opinion"
            if roll < 0.24
            else "help"
            if roll < 0.28
            else "report"
        )
        kind, category, unit, people, text = _content(rng, units, pick)
        # Repeats and pasted adverts for the analytics pipeline to find (never pre-labelled):
        # a reworded repeat of an earlier report by another reporter, or an advert line.
        earlier = reports.get(inspection.pk)
        if pick == "report" and earlier and rng.random() < 0.15:
            kind, category, unit, people, text = rng.choice(earlier)
            text = _repeat(text, rng)
        elif pick == "report":
            reports.setdefault(inspection.pk, []).append((kind, category, unit, people, text))
            if rng.random() < 0.04:
                text = _with_advert(text, rng)
        span = max(
            1, min((inspection.end - inspection.start).days, (today - inspection.start).days)
        )
        if (today - inspection.start).days < 0:
            continue
        received = inspection.start + timedelta(days=rng.randint(0, span))
        channel = rng.choices(
            ["online", "letter", "call", "visit", "mailbox", "email"], [50, 18, 15, 10, 4, 3]
        )[0]
        real = pick not in ("spam",) and rng.random() < 0.3
        _kid, wrapped, dk = crypto.new_data_key()
        identity = (
            {
                "name": rng.choice(SURNAMES) + rng.choice("建国志强秀英桂兰海燕明华德胜玉梅"),
                "contact": f"1{rng.randint(3000000000, 9999999999)}",
            }
            if real
            else None
        )
        s = Submission(
            office=inspection.office,
            inspection=inspection,
            announcement=announcements.get(inspection.pk) if channel == "online" else None,
            kind=kind,
            channel=channel,
            category=category,
            receipt_digest=crypto.receipt_digest(crypto.normalise_code(crypto.new_receipt_code()))
            if channel == "online"
            else None,
            key_id=key_id,
            wrapped_key=wrapped,
            content_sealed=crypto.seal_json(
                dk, {"unit": unit, "people": people, "text": text}, "content"
            ),
            identity_sealed=crypto.seal_json(dk, identity, "identity") if identity else None,
            real_name=real,
            received_on=received,
            entered_by=None if channel == "online" else staff,
        )
        if real and kind == "report":
            s.accept_due = services._deadline(inspection.office, received, 15)
        age = (today - received).days
        # Move it along the register according to its age.
        if pick == "spam" and age > 2:
            s.state, s.reason, s.competent_body, s.closed_on = (
                "rejected",
                "广告等无效信息",
                "无",
                received + timedelta(days=2),
            )
        elif pick in ("personal", "help") and age > 5:
            reason, body = rng.choice(COMPETENT[pick if pick in COMPETENT else "personal"])
            if rng.random() < 0.5:
                s.state, s.reason, s.competent_body = "rejected", reason, body
            else:
                s.state, s.competent_body = "transferred", body
            s.closed_on = received + timedelta(days=rng.randint(3, 10))
        elif age > 4 and rng.random() < 0.85:
            s.state, s.accepted_on = "accepted", received + timedelta(days=rng.randint(1, 12))
            if age > 30 and rng.random() < 0.6:
                s.state, s.closed_on, s.reason = (
                    "closed",
                    received + timedelta(days=rng.randint(20, 60)),
                    "经核实，已纳入巡察发现问题",
                )
        if s.closed_on and s.closed_on > today:
            s.closed_on = today
        if s.accepted_on and s.accepted_on > today:
            s.accepted_on = today
        if s.closed_on and real and kind == "report":
            s.result_due = services._deadline(inspection.office, s.closed_on, 15)
            if rng.random() < 0.8:
                s.result_notified_on = min(today, s.closed_on + timedelta(days=rng.randint(2, 12)))
        created.append((s, dk))
    Submission.objects.bulk_create([s for s, _dk in created], batch_size=500)
    for s, _dk in created:
        if s.state != "received":
            first = "accepted" if s.accepted_on else s.state
            events.append(
                SubmissionEvent(
                    submission=s,
                    from_state="received",
                    to_state=first,
                    actor=staff,
                    note=s.reason[:300],
                )
            )
            if first != s.state:
                events.append(
                    SubmissionEvent(
                        submission=s,
                        from_state=first,
                        to_state=s.state,
                        actor=staff,
                        note=s.reason[:300],
                    )
                )
    SubmissionEvent.objects.bulk_create(events, batch_size=1000)

    # Duplicates: the same matter again, merged into the first with history.
    merged = 0
    subs = [s for s, _ in created if s.state in ("received", "accepted") and s.kind == "report"]
    for original, dk in [(s, dk) for s, dk in created if s in subs[: ctx.n(120)]]:
        content = crypto.open_json(dk, original.content_sealed, "content")
        _kid, wrapped, dk2 = crypto.new_data_key()
        dup = Submission.objects.create(
            office=original.office,
            inspection=original.inspection,
            kind=original.kind,
            channel=rng.choice(["letter", "call", "online"]),
            category=original.category,
            key_id=key_id,
            wrapped_key=wrapped,
            content_sealed=crypto.seal_json(
                dk2, {**content, "text": "再次反映：" + content["text"]}, "content"
            ),
            received_on=min(today, original.received_on + timedelta(days=rng.randint(1, 10))),
            state="merged",
            merged_into=original,
            entered_by=staff,
        )
        SubmissionEvent.objects.create(
            submission=dup,
            from_state="received",
            to_state="merged",
            actor=staff,
            note=f"与 {original.number} 反映同一问题",
        )
        SubmissionEvent.objects.create(
            submission=original,
            from_state=original.state,
            to_state=original.state,
            actor=staff,
            note=f"合并重复件 {dup.number}",
        )
        merged += 1

    # Some replies (sent after review) and reporter additions.
    msgs = []
    for s, dk in created[:: max(1, len(created) // 150)]:
        if s.channel != "online" or s.state == "received":
            continue
        msgs.append(
            Message(
                submission=s,
                kind="reply",
                state="sent",
                author=staff,
                reviewer=approver,
                created_on=s.accepted_on or s.received_on,
                sent_on=s.accepted_on or s.received_on,
                body_sealed=crypto.seal(
                    dk,
                    "您反映的问题已收悉，巡察组已按规定受理，感谢您对巡察工作的支持。".encode(),
                    "message",
                ),
            )
        )
        if rng.random() < 0.3:
            msgs.append(
                Message(
                    submission=s,
                    kind="reporter",
                    state="sent",
                    created_on=s.received_on,
                    sent_on=s.received_on,
                    body_sealed=crypto.seal(
                        dk, "补充一点：相关票据在单位财务室可以查到。".encode(), "message"
                    ),
                )
            )
    Message.objects.bulk_create(msgs)
    old = _past_retention(ctx, inspections[0].office, staff, key_id)
    ctx.log(
        f"  群众参与：公告 {n_ann} 份，来信来访 {len(created) + merged} 件（重复件 {merged}），答复与补充 {len(msgs)} 条，"
        f"保管期满待处置 {old} 件"
    )


def _past_retention(ctx, office, staff, key_id) -> int:
    """A few letters closed years ago, past the default retention (5 years from 1 January
    after closing): what /archive/submissions/ lists for a disposal decision."""
    rng = ctx.rng
    rows = []
    for i in range(6):
        year = ctx.today.year - 7 - i % 3
        received = ctx.today.replace(year=year, month=3 + i, day=10)
        kind, category, unit, people, text = _content(rng, ["江州市某局"], "report")
        _kid, wrapped, dk = crypto.new_data_key()
        rows.append(
            Submission(
                office=office,
                kind=kind,
                channel=rng.choice(["letter", "call", "visit"]),
                category=category,
                key_id=key_id,
                wrapped_key=wrapped,
                content_sealed=crypto.seal_json(
                    dk, {"unit": unit, "people": people, "text": text}, "content"
                ),
                received_on=received,
                accepted_on=received + timedelta(days=3),
                closed_on=received + timedelta(days=40 + i),
                state="closed" if i % 3 else "rejected",
                reason="已核实办结，结果已告知" if i % 3 else "属个人诉求，不属巡察受理范围",
                entered_by=staff,
            )
        )
    Submission.objects.bulk_create(rows)
    return len(rows)
