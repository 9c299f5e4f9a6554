"""Entities in a submission: units (against the catalogue and its aliases, Aho–Corasick),
people with posts ("某局局长张某", "张某某局长"), sums of money (万元, 元, Chinese numerals)
and dates. Pure functions (no Django imports): the catalogue is passed in.
"""

import re
from dataclasses import dataclass

import ahocorasick

# Posts of party and government work, longest first so that 党委书记 wins over 书记.
POSTS = sorted(
    """党委书记 党组书记 党工委书记 党总支书记 党支部书记 支部书记 纪委书记 纪工委书记 副书记 书记
    局长 副局长 代理局长 处长 副处长 科长 副科长 股长 主任 副主任 办公室主任 主任科员 科员
    镇长 副镇长 乡长 副乡长 县长 副县长 区长 副区长 市长 副市长 街道主任 村支书 村主任 村委会主任
    村长 社区书记 社区主任 会计 出纳 村会计 站长 所长 副所长 院长 副院长 校长 副校长 董事长
    总经理 副总经理 经理 总监 主席 副主席 部长 副部长 委员 组长 队长 网格员 驻村第一书记 第一书记
    厅长 副厅长 党委委员 纪检监察员 财务科长 工程科科长""".split(),
    key=len,
    reverse=True,
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
_POST_ALT = "|".join(map(re.escape, POSTS))
_NAME = rf"[{SURNAMES}](?:某某|某|[\u4e00-\u9fff]{{1,2}}?)"
_STOP = r"(?=[^\u4e00-\u9fff]|[在于和与等的利将把对从违收挪为是长期多去今年还]|$)"
# "局长张某某", "村支书李某"  /  "张某某局长", "王某副镇长"
_POST_NAME = re.compile(
    rf"({_POST_ALT})([{SURNAMES}](?:某某|某)|[{SURNAMES}][\u4e00-\u9fff]{{1,2}}?{_STOP})"
)
_NAME_POST_ANY = re.compile(rf"({_NAME})({_POST_ALT})")

_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM = rf"[{_DIGITS}十百千万亿点]+"
_MONEY = re.compile(
    rf"(\d+(?:[.,]\d+)*|{_CN_NUM})\s*(亿元|万元|千元|元|万|块钱|块)(?![\u4e00-\u9fff]{{0,1}}[次人个户])"
)
_DATE = re.compile(
    r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月\s*(?:(\d{1,2})\s*[日号])?)?"
    r"|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})"
    r"|(今年|去年|前年|上个月|本月|近期|春节|国庆|中秋)(?:(\d{1,2})月)?"
)


@dataclass(frozen=True)
class Entity:
    kind: str  # unit / person / money / date
    start: int
    end: int
    text: str
    value: object = None  # unit id, amount in yuan, (y, m, d), {"name", "post"}


def cn_number(text: str) -> float | None:
    """Chinese numerals → number: 两万三千 → 23000, 一百二十五 → 125, 三点五 → 3.5."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    units = {"十": 10, "百": 100, "千": 1000}
    big = {"万": 10_000, "亿": 100_000_000}
    if not text or any(
        c not in digits and c not in units and c not in big and c != "点" for c in text
    ):
        return None
    if "点" in text:
        whole, _, frac = text.partition("点")
        w = cn_number(whole) if whole else 0
        f = "".join(str(digits[c]) for c in frac if c in digits)
        return None if w is None else float(f"{int(w)}.{f or 0}")
    total, section, number = 0, 0, 0
    for c in text:
        if c in digits:
            number = digits[c]
        elif c in units:
            section += (number or 1) * units[c]
            number = 0
        else:
            section += number
            total = (total + section) * big[c] if big[c] > total else total + section * big[c]
            section, number = 0, 0
    return float(total + section + number)


def money(text: str) -> list[Entity]:
    out = []
    for m in _MONEY.finditer(text):
        raw, unit = m.group(1), m.group(2)
        value = _to_number(raw)
        if value is None:
            continue
        factor = {"亿元": 1e8, "万元": 1e4, "万": 1e4, "千元": 1e3}.get(unit, 1)
        out.append(Entity("money", m.start(), m.end(), m.group(), value * factor))
    return out


def _to_number(raw: str) -> float | None:
    if raw[0].isdigit():
        try:
            return float(raw.replace(",", ""))
        except ValueError:
            return None
    return cn_number(raw)


def dates(text: str) -> list[Entity]:
    out = []
    for m in _DATE.finditer(text):
        g = m.groups()
        if g[0]:
            value = (int(g[0]), int(g[1]) if g[1] else None, int(g[2]) if g[2] else None)
        elif g[3]:
            value = (int(g[3]), int(g[4]), int(g[5]))
        else:
            value = (g[6], int(g[7]) if g[7] else None, None)
        out.append(Entity("date", m.start(), m.end(), m.group(), value))
    return out


def people(text: str) -> list[Entity]:
    """People named with a post, either order; names stay as written (often 张某某)."""
    out, taken = [], set()
    for m in _POST_NAME.finditer(text):
        out.append(Entity("person", m.start(), m.end(), m.group(), {"post": m[1], "name": m[2]}))
        taken.update(range(m.start(), m.end()))
    for m in _NAME_POST_ANY.finditer(text):
        if m.start() in taken or m.end() - 1 in taken:
            continue
        out.append(Entity("person", m.start(), m.end(), m.group(), {"post": m[2], "name": m[1]}))
    return sorted(out, key=lambda e: e.start)


_REGION_SUFFIX = re.compile(r"^(.{2,4}?[省市县区])")
_UNIT_ABBREV = [
    ("交通运输局", "交通局"),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康局", "卫健局"),
    ("发展和改革委员会", "发改委"),
    ("发展改革委", "发改委"),
    ("自然资源和规划局", "自然资源局"),
    ("人力资源和社会保障局", "人社局"),
    ("住房和城乡建设局", "住建局"),
    ("农业农村局", "农业局"),
    ("市场监督管理局", "市场监管局"),
    ("生态环境局", "环保局"),
    ("教育体育局", "教体局"),
    ("文化广电旅游局", "文旅局"),
    ("应急管理局", "应急局"),
    ("公安局", "公安局"),
    ("财政局", "财政局"),
    ("委员会", "委"),
]
_PARTY_WRAP = re.compile(
    r"^中共|^中国共产党|(?:党委|党组|党工委|党总支|党支部|总支部|支部委员会|委员会)$"
)


def unit_aliases(name: str) -> set[str]:
    """Names people use for a unit: without the region prefix, with 市/县 for it,
    common abbreviations, without 中共/党委/党支部 around a village or township."""
    out = {name}
    bare = _PARTY_WRAP.sub("", name) or name
    out.add(bare)
    m = _REGION_SUFFIX.match(bare)
    if m and len(bare) - len(m[1]) >= 2:
        rest = bare[len(m[1]) :]
        out.update({rest, m[1][-1] + rest})
    for long, short in _UNIT_ABBREV:
        for n in list(out):
            if long in n and long != short:
                out.add(n.replace(long, short))
    return {a for a in out if len(a) >= 3}


class UnitMatcher:
    """Aho–Corasick over every unit name and alias; `find` returns unit mentions."""

    def __init__(self, units):
        """units: iterable of (id, name)."""
        self.automaton = ahocorasick.Automaton()
        self.names: dict[int, str] = {}
        index: dict[str, set[int]] = {}
        for ident, name in units:
            self.names[ident] = name
            for alias in unit_aliases(name):
                index.setdefault(alias, set()).add(ident)
        for alias, ids in index.items():
            self.automaton.add_word(alias, (alias, tuple(sorted(ids))))
        self.empty = not index
        if not self.empty:
            self.automaton.make_automaton()

    def find(self, text: str) -> list[Entity]:
        if self.empty or not text:
            return []
        hits = []
        for end, (alias, ids) in self.automaton.iter(text):
            hits.append((end - len(alias) + 1, end + 1, alias, ids))
        # Longest match wins where mentions overlap.
        hits.sort(key=lambda h: (h[0], -(h[1] - h[0])))
        out, last_end = [], -1
        for start, end, alias, ids in hits:
            if start < last_end:
                continue
            out.append(Entity("unit", start, end, alias, ids))
            last_end = end
        return out

    def suggest(self, text: str, hint: str = "") -> tuple[int, float] | None:
        """(unit id, confidence) the text most likely concerns: mentions in the
        reporter's own 被反映单位 field count double; an alias shared by several units
        splits its weight; longer (more specific) names weigh more."""
        weights: dict[int, float] = {}
        for source, factor in ((hint, 2.0), (text, 1.0)):
            for e in self.find(source):
                ids = e.value
                for ident in ids:
                    weights[ident] = weights.get(ident, 0) + factor * len(e.text) / len(ids)
        if not weights:
            return None
        best = max(weights, key=lambda i: (weights[i], -i))
        confidence = weights[best] / sum(weights.values())
        return best, round(min(1.0, confidence), 3)


def extract(text: str, matcher: UnitMatcher | None = None) -> list[Entity]:
    found = people(text) + money(text) + dates(text)
    if matcher is not None:
        found += matcher.find(text)
    return sorted(found, key=lambda e: (e.start, e.kind))


def vocabulary(unit_names=()) -> list[str]:
    """Words for the segmenter's user dictionary: posts and unit names with aliases."""
    words = list(POSTS)
    for name in unit_names:
        words.extend(unit_aliases(name))
    return words
