"""Editable blocks → nested sections → .docx (pure, no database)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.inspections.documents import (
    ProblemItem,
    blocks_to_sections,
    group_by_taxonomy,
    official_document,
)
from xuncha.reports.officialdoc import Section, layout_of, render_document


def test_levels_nest():
    sections = blocks_to_sections(
        [
            {"heading": "", "level": 0, "text": "导语"},
            {"heading": "甲", "level": 1, "text": "甲文"},
            {"heading": "甲一", "level": 2, "text": "一行\n二行"},
            {"heading": "甲一1", "level": 3, "text": ""},
            {"heading": "乙", "level": 1, "text": ""},
            {"heading": "乙一", "level": 2, "text": ""},
        ]
    )
    assert sections[0] == "导语"
    a, b = sections[1], sections[2]
    assert isinstance(a, Section) and a.heading == "甲" and a.paragraphs == ["甲文"]
    assert a.children[0].heading == "甲一" and a.children[0].paragraphs == ["一行", "二行"]
    assert a.children[0].children[0].heading == "甲一1"
    assert b.heading == "乙" and b.children[0].heading == "乙一"


def item(code, number):
    return ProblemItem(
        number, f"问题{number}", "", "某局", code[0], f"L1{code[0]}", code, f"L2{code}", "一般"
    )


def test_grouping_orders_codes_numerically():
    groups = group_by_taxonomy(
        [item("B10", "1"), item("B2", "2"), item("A1", "3"), item("B2", "4")]
    )
    assert [g.code for g in groups] == ["A", "B"]
    assert [c for c, _n, _i in groups[1].children] == ["B2", "B10"]
    assert [p.number for p in groups[1].children[0][2]] == ["2", "4"]
    assert groups[1].count == 3


blocks = st.lists(
    st.fixed_dictionaries(
        {
            "heading": st.one_of(st.just(""), st.text(min_size=1, max_size=20)),
            "level": st.integers(min_value=-1, max_value=6),
            "text": st.text(max_size=60),
        }
    ),
    max_size=12,
)


@settings(max_examples=30, deadline=None)
@given(blocks)
def test_any_blocks_render_with_one_heading_per_titled_block(data):
    doc = official_document(title="报告", blocks=data, watermark="张三")
    layout = layout_of(render_document(doc))
    expected = [b for b in data if b["heading"].strip() and b["level"] > 0]
    assert len(layout["headings"]) == len(expected)
