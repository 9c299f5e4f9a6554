"""Category suggestion in the supervision taxonomy (L1 and L2) for submissions and problems.

A pure model (no Django imports): character 1–3-gram TF-IDF prototypes per level-2 code,
built from the taxonomy's own names plus the curated keyword list below, plus a keyword
score (a curated keyword found in the text votes for its code, longer keywords more), plus
examples staff confirmed (problems classified by staff, accepted suggestions), which are
added as prototypes of their code. numpy only; retrained by a background task.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field

import ahocorasick
import numpy as np

from xuncha.analytics.text import compact

# Curated keywords per level-2 code (巡察话语: the words problem statements use).
KEYWORDS: dict[str, list[str]] = {
    "A1": "理论学习 中心组学习 学习不深入 学习流于形式 第一议题 学习制度 学习计划 专题学习 读原著 学原文 学习笔记 理论武装 学思践悟 学用脱节 学习走过场 学习强国 学习贯彻",
    "A2": "决策部署 打折扣 搞变通 做选择 上级部署 贯彻不到位 落实不力 政策执行 执行偏差 部署落实 中央精神 传达学习 贯彻落实 上有政策下有对策 落实走样 推进缓慢 重点任务 目标任务未完成",
    "A3": "主责主业 职能职责 履职不到位 职责定位 监管缺位 监管不力 审批监管 行业监管 职能作用 服务发展 本职工作 职责范围 监管职责 履行职责",
    "A4": "新发展理念 高质量发展 经济发展 营商环境 招商引资 产业发展 创新驱动 项目建设 发展质效 改革任务 重点项目 发展规划 数字化",
    "A5": "防范化解 重大风险 政府债务 隐性债务 债务风险 安全生产 安全隐患 生态环保 环境保护 污染防治 环保督察 生态环境 风险防控 应急管理 非法采砂 违规举债 金融风险 矿山安全 消防安全",
    "A6": "民生政策 乡村振兴 巩固脱贫 脱贫攻坚 防返贫 民生实事 惠民政策 就业 教育 医疗 养老 住房保障 群众利益 民生工程 农村人居环境 衔接资金 产业帮扶",
    "A7": "意识形态 意识形态工作责任制 舆情 网络意识形态 阵地管理 宣传思想 意识形态风险 研判 意识形态领域",
    "A8": "请示报告 重大事项 未请示 未报告 报告制度 擅自决定 事前请示 个人有关事项",
    "B1": "主体责任 第一责任人 一岗双责 管党治党 全面从严治党 责任清单 压力传导 层层递减 上热中温下冷 党风廉政建设责任 责任落实 宽松软 管党治党责任",
    "B2": "监督责任 日常监督 派驻监督 纪检监察 执纪问责 监督检查 问责 谈话提醒 纪律审查 监督缺位 监督乏力 抓早抓小 四种形态 监督执纪",
    "B3": "政治纪律 政治规矩 政治站位 两个维护 政治意识 政治判断力 政治建设 对党不忠诚 对抗组织审查 妄议中央 搞团团伙伙 政治生态",
    "B4": "八项规定 公款吃喝 违规吃喝 大吃大喝 违规收礼 收受礼品 收受礼金 公车私用 公务用车 超标接待 公务接待 违规发放津补贴 津补贴 奖金 福利 办公用房 超标准 差旅费 培训费 会议费 违规报销 节日 烟酒 高档 私车公养 旅游 超标配备 超面积",
    "B5": "形式主义 官僚主义 文山会海 督查检查考核 过多过频 留痕 作风漂浮 脱离群众 敷衍塞责 层层加码 不作为 慢作为 乱作为 门难进 脸难看 事难办 庸懒散 弄虚作假 数字造假 报表 材料 走过场 搞形式",
    "B6": "廉洁风险 腐败 工程建设 工程项目 招标 投标 招投标 围标 串标 采购 政府采购 资金资产资源 审批 利益输送 权钱交易 收受贿赂 受贿 回扣 虚增工程量 国企经营 关联交易 利用职权 谋取利益 设租寻租 违规插手 靠企吃企 亲属经商",
    "B7": "群众身边 不正之风 惠民资金 低保 特困 残疾补贴 征地补偿 拆迁补偿 吃拿卡要 优亲厚友 雁过拔毛 截留 克扣 冒领 套取补贴 侵占群众利益 虚报冒领 危房改造 厚此薄彼 群众利益受损",
    "B8": "三重一大 民主集中制 集体决策 一言堂 个人说了算 议事规则 重大决策 大额资金 重要干部任免 重大项目安排 集体研究 会议纪要 决策程序 末位表态",
    "B9": "财经纪律 内控 内部控制 财务管理 预算管理 白条入账 公款 账外账 小金库 资金管理 票据 会计核算 固定资产 国有资产 资金挪用 挪用公款 违规借款 往来款 专项资金 资金使用 超预算 虚列支出 报账 账目",
    "C1": "领导班子 班子建设 班子成员 团结协作 班子不团结 班子合力 民主生活会 批评与自我批评 一把手 班子结构 分工",
    "C2": "选人用人 干部选拔 带病提拔 超职数 超职数配备 干部档案 档案造假 个人有关事项报告 提拔任用 程序不规范 任人唯亲 跑官要官 买官卖官 干部任免 动议 考察 酝酿 公示 职级晋升 超配干部 破格提拔",
    "C3": "干部队伍 干部管理 干部监督 干部培训 担当作为 年轻干部 干部交流 轮岗 考核评价 干部考核 在编不在岗 吃空饷 兼职取酬 因私出国 干部作风 干部教育",
    "C4": "基层党组织 软弱涣散 三会一课 组织生活 主题党日 党员发展 发展党员 党员管理 党费 党费收缴 党费缴纳 党支部 支部建设 组织生活会 民主评议党员 党员教育 流动党员 换届 党组织书记 党建工作 支部标准化 发展程序 入党",
    "C5": "人才工作 人才引进 人才队伍 人才政策 人才流失 专业人才 人才培养 引才 留才 高层次人才 技术人才",
    "C6": "党建与业务 两张皮 融合 党建引领 党建业务 业务工作 党建工作与中心工作 抓党建促发展",
    "D1": "上轮巡察 上轮巡视 巡察整改 巡视整改 整改不到位 虚假整改 敷衍整改 整改走过场 反馈问题 整改任务 未整改 整改台账 整改销号 屡查屡犯 反复出现 整改落实 问题整改",
    "D2": "审计整改 审计发现 审计问题 审计报告 审计意见 审计查出 经济责任审计",
    "D3": "其他监督 督查发现 环保督察反馈 专项检查 主题教育检视 纪检监察建议 监督发现问题",
    "D4": "长效机制 建章立制 制度建设 举一反三 标本兼治 制度漏洞 制度执行 长效 机制不健全",
    "E1": "村级组织 两委 村两委 村委会 村党支部 履职 村干部 村务管理 村级运转 四议两公开 村民代表大会",
    "E2": "村务公开 财务公开 村务财务 公开栏 账目公开 公开不及时",
    "E3": "集体三资 集体资产 集体资金 集体资源 集体土地 村集体 集体经济 发包 承包合同 土地流转 集体收入",
    "E4": "涉农资金 涉农项目 农业补贴 粮食补贴 农机补贴 高标准农田 水利项目 农村道路 项目验收",
    "E5": "换届选举 贿选 拉票 选举纪律 换届纪律 操纵选举 宗族势力",
    "E6": "急难愁盼 群众诉求 信访 矛盾纠纷 上访 群众反映强烈 看病难 上学难 出行难 饮水 路灯",
    "F1": "专项主题 安全生产专项 营商环境专项 专项整治",
}

_CODE_RE = re.compile(r"^[A-Z]\d+$")


@dataclass
class Suggestion:
    code: str  # level-2 code
    l1: str
    confidence: float
    words: list[str] = field(default_factory=list)  # keywords and n-grams that drove it
    alternatives: list[tuple[str, float]] = field(default_factory=list)


def _gram_code(gram: str) -> int:
    """An n-gram (1–3 characters) as one integer, 21 bits a character: codes of different
    lengths never collide (a character is never 0)."""
    code = 0
    for ch in gram:
        code = (code << 21) | ord(ch)
    return code


def _gram_codes(core: str, n_max: int = 3) -> np.ndarray:
    """The 1..n_max-gram codes of `core` (compacted, lower case), one per occurrence."""
    cps = np.frombuffer(core.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts, acc = [], cps
    for n in range(1, n_max + 1):
        if n > 1:
            acc = (acc[:-1] << np.uint64(21)) | cps[n - 1 :]
        if not len(acc):
            break
        parts.append(acc)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)


def _ngrams(text: str, n_max: int = 3) -> Counter:
    core = compact(text).lower()
    grams = Counter()
    for n in range(1, n_max + 1):
        grams.update(core[i : i + n] for i in range(len(core) - n + 1))
    return grams


class CategoryModel:
    """Nearest prototypes over char n-gram TF-IDF plus keyword votes."""

    def __init__(self, taxonomy, examples=(), keyword_weight: float = 0.6, curated=True):
        """taxonomy: iterable of (code, name, parent_code or None);
        examples: iterable of (text, level-2 code) confirmed by staff."""
        self.names = {}
        self.parent = {}
        for code, name, parent in taxonomy:
            self.names[code] = name
            if parent:
                self.parent[code] = parent
        self.codes = sorted(c for c in self.parent if c in self.names)
        self.keyword_weight = keyword_weight
        self.keywords = {}
        for code in self.codes:
            name = self.names[code]
            words = set(KEYWORDS.get(code, "").split()) if curated else set()
            words.update(w for w in re.split(r"[、，,()（）“”\s]+", name) if len(w) >= 2)
            self.keywords[code] = sorted(words, key=len, reverse=True)
        docs: list[tuple[str, str]] = []
        for code in self.codes:
            l1 = self.parent[code]
            docs.append((code, self.names[code] + " " + self.names.get(l1, "")))
            docs.extend((code, w) for w in self.keywords[code])
        examples = [(t, c) for t, c in examples if c in self.parent]
        docs.extend((c, t) for t, c in examples)
        self.n_examples = len(examples)
        grams = [_ngrams(t) for _, t in docs]
        df = Counter()
        for g in grams:
            df.update(g.keys())
        n = len(docs)
        self.idf = {g: math.log((1 + n) / (1 + d)) + 1 for g, d in df.items()}
        self.vocab = {g: i for i, g in enumerate(sorted(self.idf))}
        centroid = {c: np.zeros(len(self.vocab)) for c in self.codes}
        for (code, _), g in zip(docs, grams, strict=True):
            centroid[code] += self._vector(g)
        self.matrix = np.array([_unit(centroid[c]) for c in self.codes])
        # The same vocabulary as sorted integer codes, for the vectorised lookup.
        codes = np.array([_gram_code(g) for g in self.vocab], dtype=np.uint64)
        order = np.argsort(codes, kind="stable")
        self.gram_codes = codes[order]
        self.gram_idf = np.array([self.idf[g] for g in self.vocab])[order]
        self.gram_matrix = np.ascontiguousarray(self.matrix[:, order].T)  # (vocab, codes)
        self.gram_table = _CodeTable(self.gram_codes)
        self.l1_masks = {
            l1: np.array([self.parent[c] == l1 for c in self.codes])
            for l1 in set(self.parent.values())
        }
        # One Aho–Corasick automaton over every keyword: a single pass over the text.
        self.automaton = ahocorasick.Automaton()
        by_word: dict[str, list[int]] = {}
        for i, code in enumerate(self.codes):
            for w in self.keywords[code]:
                by_word.setdefault(w.lower(), []).append(i)
        for w, rows in by_word.items():
            self.automaton.add_word(w, (w, rows))
        if by_word:
            self.automaton.make_automaton()

    def _vector(self, grams: Counter) -> np.ndarray:
        v = np.zeros(len(self.vocab))
        for g, tf in grams.items():
            i = self.vocab.get(g)
            if i is not None:
                v[i] = (1 + math.log(tf)) * self.idf[g]
        return _unit(v)

    def similarities(self, cores: list[str]) -> np.ndarray:
        """(texts, codes) cosines of the sparse TF-IDF vectors of compacted lower-case
        texts with every prototype, for a whole batch at once: n-gram codes looked up in
        the sorted vocabulary codes, counted per text, weighted, normalised and summed
        per text (a batch of one gives bit for bit the same row as in any batch)."""
        n, size = len(cores), len(self.gram_codes)
        out = np.zeros((n, len(self.codes)))
        if not n or not size:
            return out
        parts = [_gram_codes(c) for c in cores]
        codes = np.concatenate(parts)
        doc = np.repeat(np.arange(n, dtype=np.int64), [len(p) for p in parts])
        pos = self.gram_table.positions(codes)
        hit = pos >= 0
        if not hit.any():
            return out
        keys, tf = np.unique(doc[hit] * size + pos[hit], return_counts=True)
        d, idx = keys // size, keys % size
        w = (1 + np.log(tf)) * self.gram_idf[idx]
        w /= np.sqrt(np.bincount(d, w * w, minlength=n))[d]
        starts = np.flatnonzero(np.r_[True, d[1:] != d[:-1]])
        out[d[starts]] = np.add.reduceat(self.gram_matrix[idx] * w[:, None], starts, axis=0)
        return out

    def _similarities(self, core: str) -> np.ndarray:
        return self.similarities([core])[0]

    def _keywords(self, core: str) -> tuple[np.ndarray, dict[str, list[str]]]:
        """Keyword votes (one Aho–Corasick pass) and the keywords found per code."""
        found: dict[int, set[str]] = {}
        if len(self.automaton):
            for _end, (w, rows) in self.automaton.iter(core):
                for i in rows:
                    found.setdefault(i, set()).add(w)
        matched: dict[str, list[str]] = {}
        kw = np.zeros(len(self.codes))
        for i, words in found.items():
            hits = []
            for w in sorted(words, key=len, reverse=True):
                if not any(w in h for h in hits):
                    hits.append(w)
            matched[self.codes[i]] = hits
            kw[i] = sum(min(len(h), 6) for h in hits) / 6
        return kw, matched

    def scores(self, text: str) -> tuple[np.ndarray, dict[str, list[str]]]:
        core = compact(text).lower()
        if not core:
            return np.zeros(len(self.codes)), {}
        kw, matched = self._keywords(core)
        return self._similarities(core) + self.keyword_weight * kw, matched

    def suggest(self, text: str, top: int = 3, explain: bool = True) -> Suggestion | None:
        """The best level-2 code with its confidence; with `explain`, the words that drove
        it and the alternatives (the pipeline stores only code and confidence)."""
        if not compact(text) or not self.codes:
            return None
        total, matched = self.scores(text)
        return self._decide(total, matched, text, top, explain)

    def suggest_many(self, texts: list[str], block: int = 16) -> list[Suggestion | None]:
        """`suggest(text, explain=False)` of every text, the similarities in one batch."""
        cores = [compact(t).lower() for t in texts]
        out: list[Suggestion | None] = [None] * len(texts)
        todo = [i for i, c in enumerate(cores) if c] if self.codes else []
        for first in range(0, len(todo), block):  # small blocks stay in the CPU cache
            rows = todo[first : first + block]
            sims = self.similarities([cores[i] for i in rows])
            for row, i in enumerate(rows):
                kw, matched = self._keywords(cores[i])
                total = sims[row] + self.keyword_weight * kw
                out[i] = self._decide(total, matched, texts[i], 3, False)
        return out

    def _decide(self, total, matched, text, top, explain) -> Suggestion | None:
        if not total.any():
            return None
        order = np.argsort(-total, kind="stable")
        # Softmax over the scores (temperature chosen so a clear keyword hit gives ~0.8+).
        z = np.exp((total - total.max()) * 8)
        p = z / z.sum()
        # Confidence of the level-1 class: the probability mass of its codes.
        best = self.codes[order[0]]
        l1 = self.parent[best]
        l1_mass = float(p[self.l1_masks[l1]].sum())
        confidence = round(float(min(p[order[0]] + 0.5 * (l1_mass - p[order[0]]), 1.0)), 3)
        if not explain:
            return Suggestion(code=best, l1=l1, confidence=confidence)
        words = matched.get(best) or self._top_grams(text, order[0])
        return Suggestion(
            code=best,
            l1=l1,
            confidence=confidence,
            words=words[:6],
            alternatives=[(self.codes[i], round(float(p[i]), 3)) for i in order[1:top]],
        )

    def _top_grams(self, text: str, row: int) -> list[str]:
        grams = _ngrams(text)
        weights = []
        for g in grams:
            i = self.vocab.get(g)
            if i is not None and len(g) >= 2:
                weights.append((self.matrix[row, i] * self.idf[g], g))
        return [g for _, g in sorted(weights, reverse=True)[:4]]


class _CodeTable:
    """Positions of integer codes in a sorted array of distinct codes, -1 for absent
    ones: the answer of `searchsorted` plus an equality check, from an open-addressing
    hash table (Fibonacci hashing, linear probing, at most 1/8 full), so a text's several
    hundred n-grams, most of them outside the vocabulary, cost one or two vectorised
    probes instead of a binary search each."""

    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(self, codes: np.ndarray):
        self.codes = codes
        bits = max(4, int(8 * max(len(codes), 1) - 1).bit_length())
        self.mask = (1 << bits) - 1
        self.shift = np.uint64(64 - bits)
        self.slots = np.full(1 << bits, -1, dtype=np.int64)
        for position, slot in enumerate(self._slots(codes).tolist()):
            while self.slots[slot] >= 0:
                slot = (slot + 1) & self.mask
            self.slots[slot] = position

    def _slots(self, codes: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return ((codes * self._MULT) >> self.shift).astype(np.int64)

    def positions(self, codes: np.ndarray) -> np.ndarray:
        out = np.full(len(codes), -1, dtype=np.int64)
        if not len(self.codes):
            return out
        todo = np.arange(len(codes))
        slot = self._slots(codes)
        while len(todo):
            found = self.slots[slot]
            filled = found >= 0
            match = filled & (self.codes[found] == codes[todo])  # found -1: masked by filled
            out[todo[match]] = found[match]
            more = filled & ~match  # an occupied slot of another code: probe the next
            todo, slot = todo[more], (slot[more] + 1) & self.mask
        return out


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n else v


def zero_shot_baseline(taxonomy) -> CategoryModel:
    """The baseline: TF-IDF over the taxonomy's own names only (no keywords, no examples)."""
    return CategoryModel(taxonomy, keyword_weight=0.0, curated=False)


def macro_f1(gold: list[str], predicted: list[str], labels: list[str]) -> dict:
    """Per-class precision/recall/F1, macro-F1 and the confusion matrix (rows = gold)."""
    per = {}
    confusion = {g: {p: 0 for p in [*labels, "其他"]} for g in labels}
    for g, p in zip(gold, predicted, strict=True):
        if g in confusion:
            confusion[g][p if p in labels else "其他"] += 1
    for label in labels:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per[label] = {
            "precision": round(prec, 3),
            "recall": round(rec, 3),
            "f1": round(f1, 3),
            "support": tp + fn,
        }
    return {
        "macro_f1": round(sum(v["f1"] for v in per.values()) / len(labels), 3),
        "per_class": per,
        "confusion": confusion,
        "labels": labels,
    }
