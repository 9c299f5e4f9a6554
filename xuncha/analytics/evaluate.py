"""A generated, labelled evaluation set and the figures computed on it (pure: no Django).

- duplicates: base complaints (sentences drawn from a pool, with their own units,
  people, sums and dates) and their variants (reworded, typos, traditional characters,
  inserted advert lines, reordered sentences), mixed with unrelated complaints built
  from the same pool (hard negatives: same topics, other facts);
- spam: passages of complaints (with the tricky official wording) and advert or noise
  lines, labelled per passage;
- categories: short problem statements (5–70 characters) written for this evaluation,
  not taken from the keyword lists, labelled with their level-1 class A–D.
"""

import importlib
import random
from dataclasses import dataclass

from xuncha.analytics import categories, dedup, spam
from xuncha.analytics.text import normalize, sentences


def taxonomy_2024() -> list[tuple[str, str, str | None]]:
    """(code, name, parent) of the 2024 taxonomy, from its data migration."""
    mod = importlib.import_module("xuncha.inspections.migrations.0002_load_taxonomy_2024")
    out = []
    for code, name, children in mod.TAXONOMY:
        out.append((code, name, None))
        out.extend((c, n, code) for c, n in children)
    return out


# --- Category statements (held out) ---------------------------------------------------

STATEMENTS = {
    "A": """党组理论学习中心组学习次数不足
理论学习中心组学习走过场，研讨发言照本宣科
“第一议题”制度落实不严格
学习贯彻党的二十大精神不深入不系统
落实上级关于耕地保护的部署打折扣
对河长制工作要求执行不到位
上级交办的重点任务推进迟缓，未按期完成
贯彻新发展理念有差距，产业转型升级缓慢
招商引资项目落地率低
营商环境优化措施落实不到位，企业反映办事难
政府隐性债务化解不力，违规举债上项目
安全生产隐患排查整治不彻底
非法采砂问题整治不力
环保督察反馈问题整改进度滞后，污水直排
巩固拓展脱贫攻坚成果不扎实，防返贫监测不精准
乡村振兴衔接资金使用效益不高
民生实事项目推进缓慢，群众获得感不强
意识形态工作责任制落实不到位
对网络舆情研判处置不及时
宣传阵地管理存在漏洞
重大事项未按规定向上级请示报告
履行行业监管职责不到位，存在监管盲区
主责主业聚焦不够，职能作用发挥不充分
落实国家粮食安全战略有偏差
执行上级减税降费政策搞变通
防范化解金融风险工作不力
生态保护红线管控不严，违规占用林地
对中央环保督察交办件办理敷衍
推动高质量发展办法不多、措施不实
就业帮扶政策落实不到位""",
    "B": """党风廉政建设主体责任落实不到位
一把手履行第一责任人职责不力
班子成员落实“一岗双责”不到位
管党治党宽松软，压力传导层层递减
纪检组织日常监督乏力，监督执纪问责偏软
违规发放津补贴
违规发放节日福利和购物卡
公车私用问题突出
超标准公务接待，违规饮酒
违规收受管理服务对象礼品礼金
领导干部办公用房超面积
以会议费名义列支餐费
违规报销差旅费
文山会海问题依然存在，会议多文件多
督查检查考核过多过频，基层负担重
工作作风漂浮，调研走过场
弄虚作假，统计数据造假
工程项目招投标存在围标串标现象
政府采购程序不规范，化整为零规避招标
工程变更签证不规范，虚增工程量
利用职权为亲属承揽工程谋取利益
国有企业违规开展融资性贸易
低保审核把关不严，存在优亲厚友
截留克扣惠民补贴资金
征地补偿款发放不及时不足额
“三重一大”事项未经集体研究决定
民主集中制执行不到位，个人说了算
大额资金使用未经班子集体研究
私设“小金库”
白条入账，财务报销审核不严
专项资金被挪作他用
违规出借资金给企业
内部控制制度不健全，资金管理混乱
对抗组织审查，串供
政治站位不高，对政治生态建设重视不够""",
    "C": """领导班子不团结，内耗严重
民主生活会批评与自我批评辣味不足
班子成员分工不合理
选人用人程序不规范
超职数配备干部
干部档案信息造假，出生年月前后不一
带病提拔问题
个人有关事项报告不如实
干部选拔任用动议环节不规范
破格提拔干部不符合条件
干部教育培训针对性不强
在编不在岗，吃空饷
干部违规兼职取酬
年轻干部培养选拔力度不够
干部交流轮岗制度执行不到位
干部考核评价不精准
基层党组织软弱涣散
“三会一课”制度落实不到位
组织生活会流于形式
主题党日活动开展不经常
党费收缴不规范
党费收缴使用管理不规范
未按标准足额缴纳党费
发展党员程序不规范
入党材料造假，违规发展党员
流动党员管理缺失
党支部未按期换届
民主评议党员走过场
党员教育管理不严
人才引进政策落实不到位，人才流失严重
专业技术人才队伍建设滞后
党建与业务工作“两张皮”
抓党建促发展成效不明显
党组织书记抓党建述职评议考核不实
支部标准化规范化建设推进缓慢""",
    "D": """上轮巡察反馈问题整改不到位
对巡察反馈问题虚假整改
巡视整改敷衍应付，整改台账与实际不符
上轮巡察指出的问题仍然存在
整改任务未按期销号
部分问题屡查屡犯
审计发现问题整改不彻底
经济责任审计指出的问题未整改
审计查出的违规资金未追回
整改长效机制不健全
举一反三不够，建章立制不到位
对主题教育检视问题整改不力
纪检监察建议落实不到位
整改工作领导小组作用发挥不够
整改责任未压实到人
整改报告内容与实际不符
对上轮巡察移交的问题线索处置不及时
巡察整改进展情况未按要求公开
专项检查发现问题整改滞后
对审计报告指出的问题避重就轻
整改成效不明显，群众满意度不高
制度执行不严，问题反弹回潮
整改措施针对性不强
财政监督检查发现问题整改不到位
巡察整改日常监督不到位""",
}


def statement_set() -> list[tuple[str, str]]:
    """(statement, level-1 class) of the held-out set."""
    return [
        (line.strip(), l1)
        for l1, block in STATEMENTS.items()
        for line in block.splitlines()
        if line.strip()
    ]


def evaluate_categories(seed: int = 7) -> dict:
    """Macro-F1 on A–D: zero-shot baseline, the curated model, and the curated model
    after learning half of the statements as staff-confirmed (scored on the other half,
    with the level-2 label of a training statement taken from its own prediction)."""
    tax = taxonomy_2024()
    items = statement_set()
    labels = ["A", "B", "C", "D"]
    out = {"size": len(items)}
    for name, model in (
        ("baseline", categories.zero_shot_baseline(tax)),
        ("model", categories.CategoryModel(tax)),
    ):
        pred = [_l1(model, t) for t, _ in items]
        out[name] = categories.macro_f1([g for _, g in items], pred, labels)
    rng = random.Random(seed)
    shuffled = items[:]
    rng.shuffle(shuffled)
    train, test = shuffled[::2], shuffled[1::2]
    base = categories.CategoryModel(tax)
    examples = []
    for t, l1 in train:
        s = base.suggest(t)
        code = s.code if s and s.l1 == l1 else _first_child(tax, l1)
        examples.append((t, code))
    learned = categories.CategoryModel(tax, examples=examples)
    out["learned"] = categories.macro_f1(
        [g for _, g in test], [_l1(learned, t) for t, _ in test], labels
    )
    out["learned"]["train"] = len(train)
    return out


def _l1(model, text: str) -> str:
    s = model.suggest(text)
    return s.l1 if s else "?"


def _first_child(tax, l1: str) -> str:
    return next(c for c, _, p in tax if p == l1)


# --- Complaints, adverts and noise ------------------------------------------------------

UNITS = [
    "交通运输局",
    "卫健委",
    "自然资源局",
    "城关镇",
    "东岭村",
    "住建局",
    "农业农村局",
    "人社局",
    "教育局",
    "水利局",
    "市场监管局",
    "城投公司",
    "第一中学",
    "人民医院",
    "民政局",
    "财政局",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
POSTS = [
    "局长",
    "副局长",
    "党委书记",
    "主任",
    "科长",
    "镇长",
    "村支书",
    "村主任",
    "院长",
    "校长",
    "总经理",
    "会计",
    "站长",
    "所长",
]
SENTENCES = [
    "{unit}{post}{name}在{project}招标中收受承包商{money}好处费",
    "{name}{post}利用职务便利，把{project}交给其亲属承包",
    "{unit}去年{month}月以“加班补助”名义违规发放津补贴{money}",
    "{unit}{post}{name}长期公车私用，周末开公车接送孩子",
    "{name}{post}多次在{place}大吃大喝，费用由{unit}报销",
    "{unit}的{project}存在偷工减料，验收时弄虚作假",
    "村里的低保名额被{post}{name}优亲厚友，给了他的亲戚",
    "{unit}挪用{project}专项资金{money}用于发放奖金",
    "{post}{name}在{month}月的换届中拉票贿选，每户送{money}",
    "我们的征地补偿款{money}至今没有足额发放，{post}{name}说还在走程序",
    "{unit}党费收缴不规范，{post}{name}代缴党费",
    "{unit}“三会一课”基本不开，会议记录都是补写的",
    "{post}{name}的儿子在{unit}吃空饷，从来不上班",
    "{unit}超标准接待上级检查，一桌花了{money}",
    "{place}的危房改造补助被{post}{name}截留了{money}",
    "{unit}采购办公用品价格明显高于市场价，{post}{name}从中拿回扣",
    "{unit}的{post}{name}对群众来办事态度恶劣，门难进脸难看",
    "上轮巡察指出{unit}的问题至今没有整改，{post}{name}只是写了个报告",
    "{unit}违规提拔{post}{name}的亲属担任副职",
    "{project}完工三年了，工程款{money}还拖欠着农民工",
    "{post}{name}把村集体的{place}低价承包给自己的亲戚",
    "{unit}以会议费名义列支旅游费用{money}",
    "{unit}{post}{name}收受下属送的购物卡{money}",
    "{place}的扶贫产业项目是空壳，{money}资金去向不明",
]
PROJECTS = [
    "公路养护工程",
    "农村饮水工程",
    "校舍改造项目",
    "高标准农田项目",
    "污水管网工程",
    "路灯安装项目",
    "河道整治工程",
    "老旧小区改造",
    "文化广场建设",
    "产业园区道路",
]
PLACES = [
    "镇上的饭店",
    "县城酒楼",
    "农家乐",
    "东岭村",
    "西山组",
    "河边那片林地",
    "鱼塘",
    "集体厂房",
]
REWORD = [
    ("收受", "收了"),
    ("好处费", "好处"),
    ("违规发放", "乱发"),
    ("长期", "一直"),
    ("多次", "好几次"),
    ("存在", "有"),
    ("至今", "到现在"),
    ("挪用", "挪走"),
    ("亲属", "亲戚"),
    ("利用职务便利", "利用手中权力"),
    ("基本不开", "几乎不开"),
    ("明显高于", "远高于"),
    ("态度恶劣", "态度很差"),
    ("费用由", "钱都是"),
    ("从来不上班", "根本不上班"),
    ("去向不明", "不知道去哪了"),
    ("没有足额发放", "没发够"),
]
ADVERTS = [
    "加微信{wx}，低息贷款当天放款",
    "代开各类发票，联系电话{phone}",
    "兼职日结，刷单返利，加V：{wx}",
    "优惠活动详情咨询{phone}，欢迎来电",
    "点击www.{site}.com免费领取福利",
    "QQ{qq}，专业办证刻章",
    "网赌平台，加微{wx}，日赚千元",
    "诚招代理，扫码添加客服微信{wx}",
    "转发到10个群，好运连连",
    "厂家直销，正品包邮，热线{phone}",
]
NOISE = [
    "哈哈哈哈哈哈哈哈",
    "啊啊啊啊啊啊啊啊啊啊",
    "😀😀😀😀😀",
    "。。。。。。。。。。",
    "1111111111111111",
    "asdfasdfasdfasdf",
]
# Complaint passages with words an advert filter must not trip over.
TRICKY = [
    "代理局长{name}违规审批发放贷款给其亲戚的公司",
    "{unit}党费收缴不规范",
    "信用社主任{name}违规发放贷款{money}",
    "我的电话是{phone}，请与我联系核实",
    "{post}{name}在优惠政策审批中收受好处",
    "{unit}违规发放津补贴，还搞所谓的“福利活动”",
    "{name}打着招商加盟的幌子骗取扶持资金{money}",
    "{unit}的{post}{name}兼职取酬，在外面的公司当顾问",
    "本人联系方式：微信号{wx}，电话{phone}",
]


def _fill(template: str, rng: random.Random, facts: dict | None = None) -> str:
    f = dict(facts or {})
    f.setdefault("unit", rng.choice(UNITS))
    f.setdefault("post", rng.choice(POSTS))
    f.setdefault("name", rng.choice(SURNAMES) + rng.choice(["某", "某某", "某某"]))
    f.setdefault("money", f"{rng.choice([0.5, 1, 2, 3, 5, 8, 12, 20, 35, 50])}万元")
    f.setdefault("month", str(rng.randint(1, 12)))
    f.setdefault("project", rng.choice(PROJECTS))
    f.setdefault("place", rng.choice(PLACES))
    f.setdefault(
        "wx",
        "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(5))
        + str(rng.randint(10, 9999)),
    )
    f.setdefault("phone", f"1{rng.choice('3456789')}{rng.randint(100000000, 999999999)}")
    f.setdefault("qq", str(rng.randint(10000, 999999999)))
    f.setdefault("site", "".join(rng.choice("abcdefghijklmnop") for _ in range(6)))
    return template.format(**f)


def complaint(rng: random.Random, n_sentences: int | None = None) -> list[str]:
    """A complaint as a list of sentences: one subject (unit, person) and 3–6 facts."""
    facts = {
        "unit": rng.choice(UNITS),
        "post": rng.choice(POSTS),
        "name": rng.choice(SURNAMES) + rng.choice(["某", "某某"]),
    }
    n = n_sentences or rng.randint(3, 6)
    return [_fill(t, rng, facts) + "。" for t in rng.sample(SENTENCES, n)]


def reword(sents: list[str], rng: random.Random) -> list[str]:
    out = []
    for s in sents:
        for a, b in REWORD:
            if a in s and rng.random() < 0.7:
                s = s.replace(a, b)
        out.append(s)
    return out


def typos(text: str, rng: random.Random, rate: float = 0.03) -> str:
    chars = list(text)
    for i in range(len(chars)):
        if "\u4e00" <= chars[i] <= "\u9fff" and rng.random() < rate:
            chars[i] = chr(rng.randint(0x4E00, 0x9FA5))
    return "".join(chars)


def traditional(text: str) -> str:
    from opencc_purepy import OpenCC

    return OpenCC("s2t").convert(text)


VARIANTS = ["reworded", "typos", "traditional", "advert", "reordered", "combined"]


def variant(sents: list[str], kind: str, rng: random.Random) -> str:
    s = sents[:]
    if kind in ("reworded", "combined"):
        s = reword(s, rng)
    if kind in ("reordered", "combined"):
        rng.shuffle(s)
    if kind in ("advert", "combined"):
        s.insert(rng.randint(0, len(s)), "\n" + _fill(rng.choice(ADVERTS), rng) + "\n")
    text = "".join(s)
    if kind in ("typos", "combined"):
        text = typos(text, rng)
    if kind in ("traditional", "combined"):
        text = traditional(text)
    return text


@dataclass
class DupSet:
    texts: list[str]
    group: list[int]  # index of the original each text repeats (itself for an original)


def duplicate_set(n_bases: int = 150, n_unrelated: int = 300, seed: int = 11) -> DupSet:
    rng = random.Random(seed)
    texts, group = [], []
    for _ in range(n_bases):
        sents = complaint(rng)
        base = len(texts)
        texts.append("".join(sents))
        group.append(base)
        for kind in rng.sample(VARIANTS, rng.randint(1, 3)):
            texts.append(variant(sents, kind, rng))
            group.append(base)
    for _ in range(n_unrelated):
        texts.append("".join(complaint(rng)))
        group.append(len(texts) - 1)
    return DupSet(texts, group)


def evaluate_duplicates(data: DupSet | None = None, key: bytes = b"evaluation-key" * 3) -> dict:
    """Pair precision and recall of the proposals (LSH candidates verified on signatures)."""
    data = data or duplicate_set()
    hasher = dedup.Hasher.from_key(key)
    index = dedup.BandIndex()
    predicted = set()
    for i, raw in enumerate(data.texts):
        text = normalize(raw)
        flagged = spam.detect(text)
        sig = hasher.signature_of(spam.strip_passages(text, flagged.spans()))
        for j, _sim in index.query(sig):
            predicted.add((min(i, j), max(i, j)))
        index.add(i, sig)
    truth = set()
    by_group: dict[int, list[int]] = {}
    for i, g in enumerate(data.group):
        by_group.setdefault(g, []).append(i)
    for members in by_group.values():
        truth.update((a, b) for x, a in enumerate(members) for b in members[x + 1 :])
    tp = len(predicted & truth)
    return {
        "texts": len(data.texts),
        "true_pairs": len(truth),
        "proposed_pairs": len(predicted),
        "precision": round(tp / len(predicted), 3) if predicted else 1.0,
        "recall": round(tp / len(truth), 3) if truth else 1.0,
    }


def spam_set(n: int = 400, seed: int = 13) -> list[list[tuple[str, bool]]]:
    """Generated submissions as passages (text, True = advert/noise)."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        passages = [(s, False) for s in complaint(rng, rng.randint(2, 5))]
        if rng.random() < 0.5:
            tricky = _fill(rng.choice(TRICKY), rng) + "。"
            passages.insert(rng.randint(0, len(passages)), (tricky, False))
        if k % 3 == 0:
            bad = _fill(rng.choice(ADVERTS), rng) if rng.random() < 0.8 else rng.choice(NOISE)
            passages.insert(rng.randint(0, len(passages)), ("\n" + bad + "\n", True))
        if k % 10 == 0:  # an advert with nothing else
            passages = [(_fill(rng.choice(ADVERTS), rng) + "\n", True)]
        out.append(passages)
    return out


def evaluate_spam(data=None) -> dict:
    """Passage-level precision and recall over the sentences of each submission."""
    data = data or spam_set()
    tp = fp = fn = 0
    for passages in data:
        text = normalize("".join(p for p, _ in passages))
        bad = [normalize(p).strip("。") for p, b in passages if b]
        flagged = {(p.start, p.end) for p in spam.detect(text).passages}
        for s in sentences(text):
            core = s.text.strip("。")
            is_bad = any(core and (core in b or b in core) for b in bad if b)
            hit = (s.start, s.end) in flagged
            tp += hit and is_bad
            fp += hit and not is_bad
            fn += (not hit) and is_bad
    return {
        "passages_flagged": tp + fp,
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
    }


def evaluate_all() -> dict:
    return {
        "duplicates": evaluate_duplicates(),
        "spam": evaluate_spam(),
        "categories": evaluate_categories(),
    }
