"""The official-document renderer: GB/T 9704 layout, read back with python-docx."""

import io
from datetime import date

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.reports.officialdoc import (
    OfficialDocument,
    Paragraph,
    Section,
    Table,
    chinese_date,
    chinese_number,
    layout_of,
    render_document,
)


def sample(**kw):
    fields = dict(
        title="关于巡察江州市交通运输局党组的反馈意见",
        recipient="中共江州市交通运输局党组",
        sections=[
            "根据市委统一部署，2026年3月2日至5月29日，市委第一巡察组对你局党组开展了常规巡察。",
            Section(
                "巡察发现的主要问题",
                children=[
                    Section(
                        "贯彻落实党的路线方针政策不够到位",
                        paragraphs=[
                            Section("落实意识形态工作责任制不到位", paragraphs=["具体表现为……"]),
                            Paragraph("对上级部署传达不及时。", lead="一是"),
                        ],
                    ),
                    Section("（二）全面从严治党“两个责任”落实不力", paragraphs=["……"]),
                ],
            ),
            Section("整改要求", paragraphs=["请于收到反馈意见后2个月内报送整改报告。\n第二段。"]),
            Table(header=["序号", "问题", "整改时限"], rows=[["1", "问题甲", "2026年12月31日"]]),
        ],
        issuer="中共江州市委第一巡察组",
        date=date(2026, 11, 26),
        doc_number="江巡办〔2026〕12号",
        secrecy="机密",
        watermark="李干事 2026-11-26 15:30 导出",
        cc="市委巡察办",
    )
    fields.update(kw)
    return OfficialDocument(**fields)


def test_page_and_margins():
    layout = layout_of(render_document(sample()))
    assert layout["page_mm"] == (210.0, 297.0)
    assert layout["margins_mm"] == {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}


def test_fonts_sizes_and_line_pitch():
    layout = layout_of(render_document(sample()))
    assert layout["body_font"] == "仿宋_GB2312"
    assert layout["body_size"] == 16
    assert layout["line_rule"] == WD_LINE_SPACING.EXACTLY
    assert layout["line_spacing"] == 28.95
    title = layout["title"]
    assert title["text"] == "关于巡察江州市交通运输局党组的反馈意见"
    assert title["font"] == "方正小标宋简体" and title["size"] == 22
    d = docx.Document(io.BytesIO(render_document(sample())))
    assert d.styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = next(p for p in d.paragraphs if p.text.startswith("根据市委"))
    ind = body._p.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    grid = d.sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:linePitch")) == "579"
    assert grid.get(qn("w:charSpace")) is None  # no character grid: see _doc_grid


def test_document_defaults_agree_with_the_normal_style():
    """Suites that read docDefaults (LibreOffice) and those that read Normal (Word) see one body."""
    d = docx.Document(io.BytesIO(render_document(sample())))
    defaults = d.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "Times New Roman"
    assert not [a for a in fonts.attrib if a.lower().endswith("theme")]
    assert rpr.find(qn("w:sz")).get(qn("w:val")) == "32"
    assert rpr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    line = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    assert line.get(qn("w:line")) == "579" and line.get(qn("w:lineRule")) == "exact"
    normal = d.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"
    assert d.styles["Title"].font.size.pt == 22
    # every declared Chinese font names its fallback
    table = d.part.part_related_by(
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
    )
    names = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
        for f in docx.oxml.parse_xml(table.blob).findall(qn("w:font"))
        if f.find(qn("w:altName")) is not None
    }
    assert names["仿宋_GB2312"] == "仿宋" and names["楷体_GB2312"] == "楷体"


def test_headings_numbered_by_depth_with_their_fonts():
    headings = layout_of(render_document(sample()))["headings"]
    assert [(h["level"], h["text"], h["font"]) for h in headings] == [
        (1, "一、巡察发现的主要问题", "黑体"),
        (2, "（一）贯彻落实党的路线方针政策不够到位", "楷体_GB2312"),
        (3, "1.落实意识形态工作责任制不到位", "仿宋_GB2312"),
        (2, "（二）全面从严治党“两个责任”落实不力", "楷体_GB2312"),
        (1, "二、整改要求", "黑体"),
    ]


def test_marks_recipient_closing_and_table():
    layout = layout_of(render_document(sample()))
    texts = [p["text"] for p in layout["paragraphs"]]
    assert texts[0] == "机密" and layout["paragraphs"][0]["font"] == "黑体"
    assert "江巡办〔2026〕12号" in texts
    assert "中共江州市交通运输局党组：" in texts
    assert "一是对上级部署传达不及时。" in texts
    assert "第二段。" in texts  # a line break makes a new paragraph
    issuer = next(p for p in layout["paragraphs"] if p["text"] == "中共江州市委第一巡察组")
    dated = next(p for p in layout["paragraphs"] if p["text"] == "2026年11月26日")
    assert issuer["align"] == dated["align"] == WD_ALIGN_PARAGRAPH.RIGHT
    assert texts.index("中共江州市委第一巡察组") < texts.index("2026年11月26日")
    assert "抄送：市委巡察办。" in texts
    assert layout["tables"] == [[["序号", "问题", "整改时限"], ["1", "问题甲", "2026年12月31日"]]]


def test_page_numbers_alternate_sides():
    layout = layout_of(render_document(sample()))
    assert layout["odd_even"] is True
    odd, even = layout["footers"]["odd"], layout["footers"]["even"]
    assert odd["page_field"] and even["page_field"]
    assert odd["text"] == even["text"] == "— 1 —"
    assert odd["align"] == WD_ALIGN_PARAGRAPH.RIGHT and even["align"] == WD_ALIGN_PARAGRAPH.LEFT


def test_watermark_in_both_headers_and_escaped():
    mark = '李干事 <测试&"> 2026-11-26'
    data = render_document(sample(watermark=mark))
    assert layout_of(data)["watermark"] == [mark]
    d = docx.Document(io.BytesIO(data))
    for header in (d.sections[0].header, d.sections[0].even_page_header):
        assert "XunchaWatermark" in header._element.xml
        assert mark in header.paragraphs[0].text


def test_no_watermark_no_marks():
    layout = layout_of(render_document(OfficialDocument(title="通知", sections=["正文。"])))
    assert layout["watermark"] == []
    assert [p["text"] for p in layout["paragraphs"] if p["text"]] == ["通知", "正文。"]


def test_fonts_declared_with_fallbacks():
    import zipfile

    with zipfile.ZipFile(io.BytesIO(render_document(sample()))) as z:
        fonts = z.read("word/fontTable.xml").decode()
    assert 'w:name="仿宋_GB2312"' in fonts and 'w:altName w:val="仿宋"' in fonts
    assert 'w:name="方正小标宋简体"' in fonts


def test_chinese_numbers_and_dates():
    assert [chinese_number(n) for n in (1, 9, 10, 11, 20, 23)] == [
        "一",
        "九",
        "十",
        "十一",
        "二十",
        "二十三",
    ]
    assert chinese_date(date(2026, 1, 5)) == "2026年1月5日"


@settings(max_examples=25, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=40), max_size=4))
def test_any_text_renders(title, paragraphs):
    data = render_document(
        OfficialDocument(
            title=title,
            sections=[Section(title or "标题", paragraphs=paragraphs), *paragraphs],
            watermark=title,
        )
    )
    assert docx.Document(io.BytesIO(data)).paragraphs


def test_masthead_and_attachments():
    data = render_document(
        sample(
            issuer_mark="中共江州市委巡察工作领导小组办公室文件",
            attachments=["巡察反馈问题清单", "整改台账模板"],
        )
    )
    texts = [p["text"] for p in layout_of(data)["paragraphs"]]
    assert texts[1] == "中共江州市委巡察工作领导小组办公室文件"
    assert "附件：1. 巡察反馈问题清单" in texts and "2. 整改台账模板" in texts
    d = docx.Document(io.BytesIO(data))
    number = next(p for p in d.paragraphs if p.text == "江巡办〔2026〕12号")
    assert number._p.pPr.find(qn("w:pBdr")) is not None  # red rule under the number


def test_xlsx_watermark():
    from openpyxl import Workbook

    from xuncha.reports.watermark import watermark_xlsx, xlsx_watermark

    wb = Workbook()
    wb.active.append(["问题", "整改时限"])
    wb.create_sheet("台账")
    mark = "李干事 2026-11-26 15:30 导出"
    watermark_xlsx(wb, mark)
    out = io.BytesIO()
    wb.save(out)
    assert xlsx_watermark(out.getvalue()) == [mark]


def test_table_widths_are_the_grid_columns():
    """Word, WPS and LibreOffice lay a table out by w:tblGrid: the given widths are there."""
    table = Table(header=["项目", "内容"], rows=[["姓名", "张三"]], widths=[45, 111])
    d = docx.Document(io.BytesIO(render_document(sample(sections=[table]))))
    cols = d.tables[0]._tbl.tblGrid.findall(qn("w:gridCol"))
    assert [round(int(c.get(qn("w:w"))) / 56.7) for c in cols] == [45, 111]
