"""The splitter over generated documents of each layout: nothing dropped, all reported."""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.library.split import chinese_number, split, to_chinese

SENTENCES = [
    "巡察组应当严格遵守工作纪律，不得干预被巡察单位的正常工作。",
    "被巡察党组织应当如实提供有关文件、资料。",
    "巡察工作人员应当保守秘密，不得泄露巡察工作情况。",
    "对发现的问题，应当分类处置，按照规定移交有关部门。",
    "整改情况应当在规定时间内报送巡察工作领导小组办公室。",
]
ITEMS = ["（一）听取工作汇报；", "（二）个别谈话；", "（三）受理来信来电来访；", "（四）调阅资料。"]


@st.composite
def article_text(draw):
    """Paragraphs of an article: 款, some followed by （一）项."""
    paras = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3))
    lines = []
    for para in paras:
        lines.append(para)
        if draw(st.booleans()):
            lines.extend(ITEMS[: draw(st.integers(1, 4))])
    return lines


@st.composite
def document(draw, layout):
    """A document of one layout: (text, expected article count, chapters, sections)."""
    arabic = draw(st.booleans())
    num = (lambda n: str(n)) if arabic else to_chinese
    sep = draw(st.sampled_from(["　", " ", "  "]))
    lines = ["江州市巡察工作办法", "（2025年3月1日印发）", ""]
    article_no, chapters, sections = 0, 0, 0

    def articles(k):
        nonlocal article_no
        for _ in range(k):
            article_no += 1
            body = draw(article_text())
            lines.append(f"第{num(article_no)}条{sep}{body[0]}")
            lines.extend(body[1:])

    if layout == "articles":
        articles(draw(st.integers(1, 12)))
    else:
        parts = draw(st.integers(1, 2)) if layout == "parts" else 0
        for p in range(max(parts, 1)):
            if parts:
                lines.append(f"第{num(p + 1)}编{sep}分则{p + 1}")
            for c in range(draw(st.integers(1, 4))):
                chapters += 1
                lines.append(
                    f"第{num(c + 1)}章{sep}{draw(st.sampled_from(['总则', '组织', '程序', '附则']))}"
                )
                if layout in ("sections", "parts"):
                    for s in range(draw(st.integers(1, 3))):
                        sections += 1
                        lines.append(f"第{num(s + 1)}节{sep}一般规定")
                        articles(draw(st.integers(1, 4)))
                else:
                    articles(draw(st.integers(1, 5)))
    appendices = draw(st.integers(0, 2))
    word = draw(st.sampled_from(["附件", "附录"]))
    for a in range(appendices):
        lines.append(f"{word}{a + 1}：巡察工作用表")
        lines.append("表格内容若干。")
    ending = draw(st.sampled_from(["", "\n", "\n\n"]))
    return "\n".join(lines) + ending, article_no, chapters, sections, appendices


LAYOUTS = ["articles", "chapters", "sections", "parts"]


@st.composite
def notice(draw):
    """A notice: 一、二、 headed paragraphs with （一） items, no 第X条 anywhere."""
    lines = ["关于开展巡察整改专项检查的通知", "各单位："]
    n = draw(st.integers(2, 9))
    for i in range(1, n + 1):
        lines.append(
            f"{to_chinese(i)}、{draw(st.sampled_from(['工作目标', '检查内容', '工作要求']))}"
        )
        lines.extend(draw(article_text()))
    return "\n".join(lines) + "\n", n


@settings(max_examples=30, deadline=None)
@given(notice())
def test_generated_notices_split_fully(doc):
    text, n = doc
    result = split(text)
    assert result.layout == "notice"
    assert "".join(b.text for b in result.blocks) == text
    assert [b.number for b in result.articles] == list(range(1, n + 1))
    assert [i.kind for i in result.issues] == ["preamble"]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(LAYOUTS).flatmap(document))
def test_generated_documents_split_fully(doc):
    text, n_articles, n_chapters, n_sections, n_appendices = doc
    result = split(text)
    assert "".join(b.text for b in result.blocks) == text  # nothing dropped
    assert result.count("article") == n_articles
    assert result.count("chapter") == n_chapters
    assert result.count("section") == n_sections
    assert result.count("appendix") == n_appendices
    numbers = [b.number for b in result.blocks if b.kind == "article"]
    assert numbers == list(range(1, n_articles + 1))
    # The title lines are the only thing not understood; no numbering problem.
    assert [i.kind for i in result.issues] == ["preamble"]
    for b in result.blocks:
        if b.kind == "article":
            assert b.clauses, b.text
            items = [it for c in b.clauses for it in c.items]
            assert all(it.startswith("（") for it in items)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(LAYOUTS).flatmap(document),
    st.lists(st.sampled_from(["drop", "repeat", "noise"]), min_size=1, max_size=3),
    st.randoms(use_true_random=False),
)
def test_broken_documents_lose_nothing_and_are_reported(doc, breaks, rng):
    text = doc[0]
    lines = text.split("\n")
    article_lines = [i for i, ln in enumerate(lines) if ln.startswith("第") and "条" in ln[:8]]
    for kind in breaks:
        if kind == "drop" and len(article_lines) > 2:
            del lines[article_lines[1]]
        elif kind == "repeat" and article_lines:
            i = article_lines[0]
            lines.insert(i + 1, lines[i])
        elif kind == "noise":
            lines.insert(rng.randrange(len(lines) + 1), "（此处为一段无编号的说明文字）")
        article_lines = [i for i, ln in enumerate(lines) if ln.startswith("第") and "条" in ln[:8]]
    broken = "\n".join(lines)
    result = split(broken)
    assert "".join(b.text for b in result.blocks) == broken
    assert result.summary()


@given(st.integers(1, 9999))
def test_chinese_numerals_round_trip(n):
    assert chinese_number(to_chinese(n)) == n


def test_known_numerals():
    assert chinese_number("十二") == 12
    assert chinese_number("一百零三") == 103
    assert chinese_number("二十") == 20
    assert chinese_number("12") == 12
    assert to_chinese(103) == "一百零三"


def test_gaps_repeats_and_unnumbered_paragraphs_are_reported():
    text = (
        "关于加强巡察工作的规定\n"
        "第一章 总则\n"
        "本章规定一般原则。\n"
        "第一条 为了规范工作，制定本规定。\n"
        "第二条 巡察工作坚持党的领导。\n"
        "第二条 重复的条号。\n"
        "第五条 跳过的条号。\n"
    )
    result = split(text)
    kinds = [i.kind for i in result.issues]
    assert kinds == ["preamble", "unnumbered", "repeat", "gap"]
    assert "".join(b.text for b in result.blocks) == text
    assert "编号问题 2 处" in result.summary()


def test_sentence_citing_an_article_is_not_an_article():
    text = "第一条 总的要求。\n第五条所称的情形，依照有关规定处理。\n第二条 其他。\n"
    result = split(text)
    assert [b.label for b in result.blocks if b.kind == "article"] == ["第一条", "第二条"]
    assert "第五条所称" in result.blocks[0].text


def test_notice_layout_and_no_structure():
    notice = "关于开展专项巡察的通知\n一、工作目标\n（一）发现问题；\n（二）推动整改。\n二、工作要求\n严守纪律。\n"
    result = split(notice)
    assert result.layout == "notice"
    assert [b.label for b in result.articles] == ["一、", "二、"]
    assert result.articles[0].clauses[0].items == ["（一）发现问题；", "（二）推动整改。"]
    plain = "这是一段没有任何编号的文字。\n第二段。\n"
    result = split(plain)
    assert [i.kind for i in result.issues] == ["preamble", "no_structure"]
    assert "".join(b.text for b in result.blocks) == plain
    assert "未识别出任何章节或条文" in result.summary()


def test_table_of_contents_is_kept_apart():
    text = "目  录\n第一章 总则\n第二章 附则\n第一章 总则\n第一条 甲。\n第二章 附则\n第二条 乙。\n"
    result = split(text)
    assert [b.kind for b in result.blocks] == ["toc", "chapter", "article", "chapter", "article"]
    assert result.issues == []


def test_two_hundred_pages_split_in_under_two_seconds():
    # ~700 characters a page: 200 pages ≈ 140,000 characters, ~1,000 articles.
    parts, n = [], 0
    for c in range(1, 41):
        parts.append(f"第{to_chinese(c)}章 第{c}部分")
        for _ in range(25):
            n += 1
            parts.append(f"第{to_chinese(n)}条 " + SENTENCES[n % 5] * 5)
            parts.extend(ITEMS[:2])
    text = "\n".join(parts)
    assert len(text) > 140_000
    t0 = time.perf_counter()
    result = split(text)
    elapsed = time.perf_counter() - t0
    assert result.count("article") == n
    assert elapsed < 2.0
