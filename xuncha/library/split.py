"""Split a rule document's text into 编/章/节/条/款/项 and 附件/附录 (pure: no Django).

The text is cut into consecutive *blocks*, each a run of whole lines, so that joining
the blocks' `text` gives back the input exactly: nothing is dropped. A block is a
heading (编, 章, 节), an article (条, with its 款 and 项), an appendix (附件, 附录), a
table of contents (目录), or text the splitter did not understand (the title and
preamble before the first article, unnumbered paragraphs between a heading and the
next article). What was not understood, and numbering gaps or repeats, are reported as
`Issue`s, in Chinese, for the upload page.

Layouts handled: 条 only; 章-条; 章-节-条; 编-章-节-条 (numbers in Chinese numerals —
第十二条, 第一百零三条 — or Arabic, 第12条); notice-style documents numbered 一、二、 with
（一）items when there is no 第X条 at all; appendices after the body.
"""

import re
from dataclasses import dataclass, field

_NUM = r"[零〇一二三四五六七八九十百千两]+|\d+"
_HEADING = re.compile(rf"^[ \t\u3000]*第({_NUM})(编|章|节)(?:[ \t\u3000]*(.*?))?[ \t\u3000]*$")
_ARTICLE = re.compile(
    rf"^[ \t\u3000]*第({_NUM})条(?:之([一二三四五六七八九十]+))?([ \t\u3000]*)(.*)$"
)
_NOTICE = re.compile(r"^[ \t\u3000]*([一二三四五六七八九十]+)、[ \t\u3000]*(.*)$")
_ITEM = re.compile(r"^[ \t\u3000]*[（(]([一二三四五六七八九十]+|\d+)[)）]")
_APPENDIX = re.compile(
    r"^[ \t\u3000]*(附件|附录)[ \t\u3000]*([0-9一二三四五六七八九十A-Za-z]*)[ \t\u3000]*[：:]?[ \t\u3000]*(.*?)[ \t\u3000]*$"
)
_TOC = re.compile(r"^[ \t\u3000]*目[ \t\u3000]*录[ \t\u3000]*$")
_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_UNITS = {"十": 10, "百": 100, "千": 1000}
LEVELS = {"编": 0, "章": 1, "节": 2}
KIND_OF = {"编": "part", "章": "chapter", "节": "section"}
NAMES = {
    "part": "编",
    "chapter": "章",
    "section": "节",
    "article": "条",
    "appendix": "附件",
    "toc": "目录",
    "preamble": "标题及前言",
    "unnumbered": "无编号段落",
}
HEADING_MAX = 40  # a longer 第X章 line is a sentence, not a heading


def chinese_number(value: str) -> int:
    """第一百零三 → 103; Arabic digits pass through. Raises ValueError on nonsense."""
    if value.isdigit():
        return int(value)
    total, current = 0, 0
    for ch in value:
        if ch in _DIGITS:
            current = _DIGITS[ch]
        elif ch in _UNITS:
            total += (current or 1) * _UNITS[ch]
            current = 0
        else:
            raise ValueError(value)
    return total + current


def to_chinese(n: int) -> str:
    """103 → 一百零三 (for labels and generated tests); 1 ≤ n < 10000."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    out, zero = "", False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // unit % 10
        if d:
            if zero and out:
                out += "零"
            out += ("" if (d == 1 and unit == 10 and not out) else digits[d]) + name
            zero = False
        elif out:
            zero = True
    return out


@dataclass
class Clause:
    """款: one paragraph of an article; its 项 are the item lines in it."""

    text: str
    items: list[str] = field(default_factory=list)


@dataclass
class Block:
    kind: str  # part, chapter, section, article, appendix, toc, preamble, unnumbered
    text: str  # the input lines of the block, exactly
    line: int  # 1-based line of the block's first line
    number: int | None = None
    label: str = ""  # 第十二条, 第二章, 附件1
    heading: str = ""  # the heading's title (总则) or the appendix's title
    path: tuple[str, ...] = ()  # enclosing 编/章/节 headings, e.g. ("第二章 监督检查",)
    clauses: list[Clause] = field(default_factory=list)

    @property
    def body(self) -> str:
        return self.text.strip()


@dataclass
class Issue:
    kind: str  # preamble, unnumbered, gap, repeat, no_structure
    line: int
    message: str


@dataclass
class Result:
    blocks: list[Block]
    issues: list[Issue]
    layout: str  # articles, notice, none

    def count(self, kind: str) -> int:
        return sum(1 for b in self.blocks if b.kind == kind)

    @property
    def articles(self) -> list[Block]:
        return [b for b in self.blocks if b.kind in ("article", "appendix")]

    def summary(self) -> str:
        """What was and was not understood, in one Chinese sentence for the user."""
        parts = [
            f"{self.count(k)} {NAMES[k]}"
            for k in ("part", "chapter", "section", "article", "appendix")
            if self.count(k)
        ]
        found = "识别出" + "、".join(parts) if parts else "未识别出任何章节或条文"
        unknown = [i for i in self.issues if i.kind in ("preamble", "unnumbered")]
        numbering = [i for i in self.issues if i.kind in ("gap", "repeat")]
        tail = []
        if unknown:
            tail.append(f"{len(unknown)} 段文字未能归入条文（已原样保留）")
        if numbering:
            tail.append(f"编号问题 {len(numbering)} 处")
        return found + ("；" + "；".join(tail) if tail else "") + "。"


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _clauses(body_lines: list[str]) -> list[Clause]:
    """款 are the paragraphs (non-blank lines) of an article; 项 the （一） lines, which
    belong to the 款 before them."""
    out: list[Clause] = []
    for raw in body_lines:
        line = raw.strip()
        if not line:
            continue
        if _ITEM.match(line) and out:
            out[-1].items.append(line)
        else:
            out.append(Clause(line))
    return out


def split(text: str) -> Result:
    """Blocks and issues of one document's text (see the module docstring)."""
    lines = _lines(text)
    has_articles = any(_ARTICLE.match(ln) for ln in lines)
    has_notice = not has_articles and sum(1 for ln in lines if _NOTICE.match(ln)) >= 2
    layout = "articles" if has_articles else ("notice" if has_notice else "none")
    blocks: list[Block] = []
    issues: list[Issue] = []
    path: list[tuple[int, str]] = []  # (level, heading) of the open 编/章/节
    last_number: dict[str, int] = {}
    in_toc, toc_seen, in_appendix = False, set(), False
    current: Block | None = None
    body: list[str] = []

    def close():
        nonlocal current, body
        if current is not None:
            current.text = "".join(body)
            if current.kind == "article":
                first = body[0] if body else ""
                m = _ARTICLE.match(first) or _NOTICE.match(first)
                rest = (m.group(m.lastindex) if m else first) + "\n" + "".join(body[1:])
                current.clauses = _clauses(_lines(rest))
            blocks.append(current)
        current, body = None, []

    def check_number(counter: str, number: int, label: str, line_no: int):
        prev = last_number.get(counter)
        if prev is not None and number <= prev:
            issues.append(Issue("repeat", line_no, f"第 {line_no} 行：{label}编号重复或倒序"))
        elif prev is not None and number > prev + 1:
            issues.append(
                Issue("gap", line_no, f"第 {line_no} 行：{label}之前缺少编号（上一个为 {prev}）")
            )
        elif prev is None and number != 1 and counter == "article":
            issues.append(Issue("gap", line_no, f"第 {line_no} 行：条文未从第一条开始"))
        last_number[counter] = number

    def start(block: Block, raw: str):
        close()
        nonlocal current
        current = block
        body.append(raw)

    for index, raw in enumerate(lines):
        line_no = index + 1
        stripped = raw.strip()
        if in_appendix:
            m = _APPENDIX.match(raw)
            if m and len(stripped) <= HEADING_MAX:
                label = m.group(1) + m.group(2)
                start(
                    Block("appendix", "", line_no, label=label, heading=m.group(3)),
                    raw,
                )
            else:
                body.append(raw)
            continue
        if _TOC.match(raw):
            in_toc = True
            start(Block("toc", "", line_no, label="目录"), raw)
            continue
        heading = _HEADING.match(raw)
        if heading and len(stripped) <= HEADING_MAX and "。" not in stripped:
            key = heading.group(0).strip()
            if in_toc and key not in toc_seen:
                toc_seen.add(key)
                body.append(raw)
                continue
            in_toc = False
            word = heading.group(2)
            level = LEVELS[word]
            number = chinese_number(heading.group(1))
            label = f"第{heading.group(1)}{word}"
            title = (heading.group(3) or "").strip()
            while path and path[-1][0] >= level:
                path.pop()
            counter = word + "/" + "/".join(h for _, h in path)
            check_number(counter, number, label, line_no)
            start(
                Block(
                    KIND_OF[word],
                    "",
                    line_no,
                    number=number,
                    label=label,
                    heading=title,
                    path=tuple(h for _, h in path),
                ),
                raw,
            )
            path.append((level, f"{label} {title}".strip()))
            continue
        if in_toc and stripped:
            # A toc line that is no heading (a page number, a title): stays in the toc
            # until the body starts with its first article.
            if not _ARTICLE.match(raw):
                body.append(raw)
                continue
            in_toc = False
        appendix = _APPENDIX.match(raw)
        if (
            appendix
            and len(stripped) <= HEADING_MAX
            and not re.search("[。，；]", stripped)
            and (blocks or current)
        ):
            in_appendix = True
            label = appendix.group(1) + appendix.group(2)
            start(Block("appendix", "", line_no, label=label, heading=appendix.group(3)), raw)
            continue
        article = _ARTICLE.match(raw) if layout == "articles" else None
        if article:
            number = chinese_number(article.group(1))
            spaced = bool(article.group(3)) or not article.group(4)
            # "第五条所称…" at a line start without a space is a sentence citing an
            # article unless it carries the next number.
            if spaced or number == last_number.get("article", 0) + 1:
                label = f"第{article.group(1)}条" + (
                    f"之{article.group(2)}" if article.group(2) else ""
                )
                if not article.group(2):
                    check_number("article", number, label, line_no)
                start(
                    Block(
                        "article",
                        "",
                        line_no,
                        number=number,
                        label=label,
                        path=tuple(h for _, h in path),
                    ),
                    raw,
                )
                continue
        notice = _NOTICE.match(raw) if layout == "notice" else None
        if notice and len(notice.group(1)) <= 3:
            number = chinese_number(notice.group(1))
            label = f"{notice.group(1)}、"
            check_number("article", number, label, line_no)
            start(
                Block("article", "", line_no, number=number, label=label, path=()),
                raw,
            )
            continue
        if current is None:
            kind = "preamble" if not blocks else "unnumbered"
            start(Block(kind, "", line_no), raw)
            continue
        if current.kind in ("part", "chapter", "section") and stripped:
            # Text after a heading before its first article: kept, reported.
            start(Block("unnumbered", "", line_no, path=tuple(h for _, h in path)), raw)
            continue
        body.append(raw)
    close()
    for b in blocks:
        if b.kind in ("preamble", "unnumbered") and b.text.strip():
            name = NAMES[b.kind]
            excerpt = b.text.strip().splitlines()[0][:30]
            issues.append(Issue(b.kind, b.line, f"第 {b.line} 行起：{name}“{excerpt}”"))
    if not any(b.kind in ("article", "appendix") for b in blocks) and text.strip():
        issues.append(Issue("no_structure", 1, "未识别出“第X条”或“一、”式编号，全文作为一段保存。"))
    issues.sort(key=lambda i: i.line)
    return Result(blocks, issues, layout)
