"""Spam and noise, passage by passage: adverts, contact handles, links, pasted boilerplate,
repeated characters. Pure functions over normalised text (no Django imports).

A submission is never "spam" as a whole because one line is: a genuine complaint with an
advert line pasted in stays a complaint, with that line marked. Official problem wording
("党费收缴不规范", "代理局长违规审批发放贷款") is protected: words of the work lower a
passage's score, and ambiguous words (代理, 贷款, 优惠) count only in advert context.
"""

import re
from dataclasses import dataclass, field

import numpy as np

from xuncha.analytics.text import SENTENCE_RE, sentences

REASONS = {
    "wechat": "含微信号等联系方式",
    "qq": "含 QQ 号",
    "link": "含网址链接",
    "phone_advert": "广告电话",
    "advert": "广告推销用语",
    "boilerplate": "模板或转发套话",
    "repeated": "重复字符",
    "noise": "无意义字符",
}

_WECHAT = re.compile(
    r"(?:微信|薇信|威信|徽信|wei信|v信|vx|wx|weixin|wechat|加v|\+v|加微|➕v|扣v)"
    r"\s*(?:号|id)?\s*[:：=]?\s*[a-z][-_a-z0-9]{4,19}",
    re.I,
)
_WECHAT_BARE = re.compile(r"(?:加|\+|➕)\s*(?:微信|薇信|威信|v信|vx|wx|v)(?![a-z])", re.I)
_QQ = re.compile(r"(?:qq|扣扣|企鹅)\s*(?:号|群)?\s*[:：=]?\s*[1-9]\d{4,11}", re.I)
_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]{2,}\.(?:com|cn|net|top|xyz|vip|cc|me|io|shop)\b",
    re.I,
)
_PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|400[- ]?\d{3}[- ]?\d{4})(?!\d)")
# Words that are adverts in any context.
_ADVERT_STRONG = re.compile(
    r"代开发票|代开各类发票|刷单|兼职日结|日结工资|博彩|百家乐|时时彩|六合彩|网赌|彩票平台"
    r"|棋牌|办证|刻章|无抵押|秒批|秒到账|当天放款|低息|免息|快速放款|信用卡套现|套现"
    r"|提额|代还|招代理|诚招|招商加盟|加盟代理|免费领取|点击领取|扫码领取|扫码添加|长按识别"
    r"|咨询热线|详情咨询|欢迎来电|欢迎咨询|优惠活动|限时优惠|特价|包邮|正品|厂家直销|一手货源"
    r"|代写论文|代考|跑分|裸聊|约炮|私人侦探|追债|讨债公司|减肥药|壮阳|祛斑|代孕"
)
# Words that are adverts only next to another cue (a handle, a phone, a strong word).
_ADVERT_WEAK = re.compile(
    r"贷款|优惠|代理|加盟|咨询|招聘|兼职|赚钱|月入|日赚|返利|红包群|理财|投资|收益"
    r"|联系|热线|微商|客服|下载|注册|活动|福利|免费"
)
_BOILERPLATE = re.compile(
    r"转发(?:此|这条|本)?(?:消息|信息|文章)?到?\d*个?(?:群|朋友圈)|不转不是|复制这段话|复制本条"
    r"|本邮件(?:及其附件)?(?:含有|包含)|免责声明|退订回[tT复]|回复td退订|本条消息来自|来自我的iPhone"
    r"|发自我的(?:iPhone|华为|小米|手机)|以上内容转自|点击上方蓝字|关注公众号|分享自"
    r"|lorem ipsum|测试测试|test\s*test",
    re.I,
)
# Words of the work: the passage is about a problem, not an advert.
_WORK = re.compile(
    r"局长|书记|主任|科长|镇长|村长|支书|干部|党员|党费|党组|党委|支部|纪委|巡察|违规|违纪|违法"
    r"|收受|贪污|挪用|侵占|虚报|冒领|截留|克扣|审批|发放|拨付|工程|项目|补贴|补助|低保|扶贫"
    r"|套取|骗取|挥霍|吃喝|公车|滥用|职权|不作为|乱作为|举报|反映|群众|村民|单位|公款|资金"
)
_OWN_CONTACT = re.compile(r"(?:我的|本人|举报人|反映人|我)(?:的)?(?:电话|手机|联系方式|微信)")
_REPEAT = re.compile(r"(\D)\1{5,}|(\d)\2{9,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_EMOJI = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2764]")


@dataclass(frozen=True)
class Passage:
    """One flagged passage: offsets into the normalised text, its reasons and score."""

    start: int
    end: int
    reasons: tuple[str, ...]
    score: int


@dataclass
class SpamResult:
    passages: list[Passage] = field(default_factory=list)
    sentences: int = 0

    @property
    def flagged(self) -> bool:
        return bool(self.passages)

    @property
    def whole(self) -> bool:
        """Every passage is advert or noise: nothing of a complaint is left."""
        return bool(self.passages) and len(self.passages) >= self.sentences

    @property
    def reasons(self) -> list[str]:
        seen = []
        for p in self.passages:
            seen.extend(r for r in p.reasons if r not in seen)
        return seen

    def spans(self) -> list[tuple[int, int]]:
        return [(p.start, p.end) for p in self.passages]


def score_passage(passage: str) -> tuple[int, tuple[str, ...]]:
    """(score, reasons) of one passage; 3 or more means advert or noise."""
    reasons = []
    score = 0
    handles = 0
    own_contact = bool(_OWN_CONTACT.search(passage))
    if _WECHAT.search(passage) or _WECHAT_BARE.search(passage):
        reasons.append("wechat")
        handles += 1
    if _QQ.search(passage):
        reasons.append("qq")
        handles += 1
    if _LINK.search(passage):
        reasons.append("link")
        handles += 1
    strong = len(_ADVERT_STRONG.findall(passage))
    weak = len(_ADVERT_WEAK.findall(passage))
    phone = bool(_PHONE.search(passage))
    work = len(_WORK.findall(passage))
    score += 2 * handles + 3 * strong
    if phone and (strong or weak or handles):
        reasons.append("phone_advert")
        score += 2
    if weak and (strong or handles or phone):
        score += min(weak, 3)
    if strong or (weak and (handles or phone)):
        reasons.append("advert")
    if _BOILERPLATE.search(passage):
        reasons.append("boilerplate")
        score += 3
    if _REPEAT.search(passage):
        reasons.append("repeated")
        score += 3
    elif _is_noise(passage):
        reasons.append("noise")
        score += 3
    if own_contact and not strong:
        score -= 2 * handles + 2  # the reporter leaving a way to be reached
    score -= 2 * work
    return score, tuple(reasons)


_NOISE_STRIP = " 。！？!?；;，,."


def _is_noise(passage: str) -> bool:
    core = passage.strip(_NOISE_STRIP)
    if len(core) < 6:
        return False
    if len(_EMOJI.findall(core)) >= 3 and len(_CJK.findall(core)) < 4:
        return True
    most = max(core.count(c) for c in set(core))
    return len(core) >= 10 and most / len(core) > 0.6


# Any cue that can give a passage a reason: a passage in which none of them matches (and
# without a dominant character) scores nothing, so most sentences of a complaint skip the
# full scoring. Each cue has a whole-text scan that finds a match wherever the cue
# matches in one of the text's passages (sentences end at punctuation or line breaks, so
# the cues' lookarounds see the same characters there); only the cues found in the text
# are then searched for passage by passage.
_CUE_PATTERNS = (
    _WECHAT,
    _WECHAT_BARE,
    _QQ,
    _LINK,
    _PHONE,
    _ADVERT_STRONG,
    _BOILERPLATE,
    _REPEAT,
    _EMOJI,
)
# The case-insensitive cues compiled case-sensitively, for a scan of the lower-cased text
# (several times faster: Python's re finds no first-character shortcut under IGNORECASE).
# Their cased letters are ASCII; besides A-Z, IGNORECASE lets ı, ſ and İ stand for
# ASCII letters, and lower() turns İ into two characters: texts holding one of them are
# scanned with the patterns as they are.
_FOLDED = {p: re.compile(p.pattern) for p in _CUE_PATTERNS if p.flags & re.I}
_FOLD_UNSAFE = "ıſİ"


def _has_run(text: str, length: int = 6) -> bool:
    """Whether one character repeats `length` times in a row (what `_REPEAT` needs):
    one vectorised comparison instead of a backreference tried at every position."""
    if len(text) < length:
        return False
    same = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    same = same[1:] == same[:-1]  # same[i]: runs of k+1 equal characters ⇔ k in a row here
    k = 1
    while k < length - 1 and len(same):
        step = min(k, length - 1 - k)
        same = same[step:] & same[:-step]
        k += step
    return bool(same.any())


# Cheap tests without which a cue cannot match: its whole-text scan is skipped.
_NEEDS = {
    _LINK: lambda t: "." in t or "://" in t,
    _PHONE: lambda t: "1" in t or "4" in t,
    _REPEAT: _has_run,
}


def _cues(text: str) -> list[re.Pattern]:
    """The cue patterns that match somewhere in `text` (a superset of those matching in
    any one of its passages)."""
    folded = text.lower()
    if len(folded) != len(text) or any(c in text for c in _FOLD_UNSAFE):
        folded = None
    found = []
    for pattern in _CUE_PATTERNS:
        needs = _NEEDS.get(pattern)
        if needs is not None and not needs(text):
            continue
        fast = _FOLDED.get(pattern)
        if fast is not None and folded is not None:
            hit = fast.search(folded)
        else:
            hit = pattern.search(text)
        if hit:
            found.append(pattern)
    return found


def _may_score(passage: str, cued: bool) -> bool:
    if cued:
        return True
    # Without a cue only `_is_noise`'s dominant character can give a reason: one character
    # in more than 60 % of 10 or more leaves fewer than 1 + 0.4 × length distinct ones.
    if len(passage) < 10:
        return False
    core = passage.strip(_NOISE_STRIP)
    return len(core) >= 10 and len(set(core)) < 1 + 0.4 * len(core)


def detect(text: str, threshold: int = 3) -> SpamResult:
    """Flag the passages of normalised `text` that are adverts or noise.

    A passage is scored in full only when a cue matches in it (or one character
    dominates it): every reason `score_passage` can give needs one of those, so the
    result is the same as scoring every passage."""
    cues = _cues(text)
    n = 0
    out = SpamResult()
    for m in SENTENCE_RE.finditer(text):
        n += 1
        passage = m.group()
        cued = any(p.search(passage) for p in cues) if cues else False
        if not _may_score(passage, cued):
            continue
        score, reasons = score_passage(passage)
        if score >= threshold and reasons:
            out.passages.append(Passage(m.start(), m.end(), reasons, score))
    out.sentences = n
    return out


def reason_labels(codes) -> list[str]:
    return [REASONS.get(c, c) for c in codes]


def strip_passages(text: str, spans) -> str:
    """The text without the flagged passages (what duplicates and categories look at)."""
    if not spans:
        return text
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(text[last:start])
        last = max(last, end)
    out.append(text[last:])
    return "".join(out)


def original_passages(raw: str, normal: str, result: SpamResult) -> list[str]:
    """The flagged passages as the reporter wrote them (full-width, traditional, …):
    the raw sentence whose normalised form is the flagged one, else the normalised text."""
    from xuncha.analytics.text import normalize

    by_normal = {}
    for s in sentences(raw or ""):
        by_normal.setdefault(normalize(s.text), s.text.strip())
    return [
        by_normal.get(normal[p.start : p.end].strip(), normal[p.start : p.end])
        for p in result.passages
    ]
