"""Official documents (.docx) in the GB/T 9704-2012 layout. Pure: data in, bytes out.

Every app that produces a 公文 (reports, feedback opinions, letters, notices, declaration
forms) builds an `OfficialDocument` and calls `render_document()`; nothing here imports
Django, so rendering is tested in milliseconds and can run in a task or a command.

    from datetime import date
    from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Section, Table, render_document

    doc = OfficialDocument(
        title="关于巡察江州市交通运输局党组的反馈意见",
        recipient="中共江州市交通运输局党组",
        sections=[
            "根据市委统一部署，……",                       # a plain str is a body paragraph
            Section("巡察发现的主要问题", children=[         # level 1: 黑体 “一、”
                Section("贯彻落实党的路线方针政策不够到位", paragraphs=[   # level 2: 楷体 “（一）”
                    "1. 落实……不到位。",
                    Paragraph("具体表现为……", lead="问题一："),
                ]),
            ]),
            Table(header=["序号", "问题", "整改时限"], rows=[["1", "……", "2026年12月31日"]]),
        ],
        issuer="中共江州市委第一巡察组",
        date=date(2026, 11, 26),
        doc_number="江巡办〔2026〕12号",   # optional, centred above the title
        secrecy="机密",                    # optional, top left in 黑体
        watermark="李干事 2026-11-26 15:30 导出",   # optional, header text + diagonal watermark
        cc="市委巡察办",                   # optional, 抄送 line at the end
    )
    data: bytes = render_document(doc)

Numbering of headings is automatic by depth (一、 / （一） / 1. / （1）); a heading that
already starts with its number is left as it is. Text with line breaks becomes one
paragraph per line. `layout_of(data)` reads a rendered document back (margins, fonts,
sizes, headings, watermark, page-number fields) for tests.

Layout (GB/T 9704-2012): A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm;
title 2号 (22 pt) 方正小标宋简体 centred; body 3号 (16 pt) 仿宋_GB2312, fixed line pitch
28.95 pt (22 lines × 28 characters: a lines-only grid and characters compressed by
0.25 pt, identical in Word, WPS and LibreOffice; docDefaults equal the Normal style),
first line indented two characters; headings 黑体,
楷体_GB2312, 仿宋 bold, 仿宋; page numbers 4号 (14 pt) 宋体 “— 1 —”, odd pages right and
even pages left, one character in from the edge; issuer and date right-aligned with four
characters to the right. East-Asian font names are set through `w:rFonts/@w:eastAsia` and
declared in the font table with an `altName` (仿宋, 楷体, 黑体, 宋体), so Word and WPS use
the installed 方正/GB2312 fonts or fall back to FangSong/KaiTi/SimHei/SimSun.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date as date_type

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

# Fonts: (east-asian name, fallback declared as altName in the font table, Latin font)
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEI = "黑体"
FONT_KAI = "楷体_GB2312"
FONT_SONG = "宋体"
LATIN_FONT = "Times New Roman"
FALLBACKS = {
    FONT_TITLE: "宋体",
    FONT_BODY: "仿宋",
    FONT_KAI: "楷体",
    FONT_HEI: "SimHei",
    FONT_SONG: "SimSun",
}

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_PAGE_NUMBER = Pt(14)  # 4号
SIZE_TABLE = Pt(14)  # 4号 inside tables keeps forms on one page
SIZE_CC = Pt(14)
SIZE_WATERMARK_LINE = Pt(9)  # 小五
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm type area

VML_NS = "urn:schemas-microsoft-com:vml"
OFFICE_NS = "urn:schemas-microsoft-com:office:office"
_VML_DECLS = f'xmlns:v="{VML_NS}" xmlns:o="{OFFICE_NS}"'
_TEXTPATH = f"{{{VML_NS}}}textpath"

MARGINS = {"top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
CHAR = Pt(16)  # one character of body text
CHAR_SPACING = -5  # twentieths of a point: 28 characters of 15.75 pt fill the 156 mm line

_INVALID_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_CN_DIGITS = "零一二三四五六七八九"


# --------------------------------------------------------------------------- data


@dataclass
class Paragraph:
    """One body paragraph; `lead` is a run-in lead sentence in bold (e.g. “一是”)."""

    text: str
    lead: str = ""
    align: str = "justify"  # justify | left | center | right
    indent: bool = True


@dataclass
class Table:
    """A ruled table (declaration forms, ledgers). `widths` in millimetres, optional."""

    header: list[str]
    rows: list[list[str]]
    title: str = ""
    widths: list[float] | None = None


@dataclass
class Section:
    """A numbered heading with its paragraphs and sub-sections. Level defaults to depth."""

    heading: str
    level: int = 0
    paragraphs: list = field(default_factory=list)  # str | Paragraph | Table
    children: list = field(default_factory=list)  # Section | str | Paragraph | Table


@dataclass
class OfficialDocument:
    """A complete 公文; `sections` mixes Section, Paragraph, Table and plain str."""

    title: str
    recipient: str = ""
    sections: list = field(default_factory=list)
    issuer: str = ""
    date: date_type | None = None
    doc_number: str = ""
    secrecy: str = ""
    watermark: str = ""
    cc: str = ""
    attachments: list[str] = field(default_factory=list)
    issuer_mark: str = ""  # red masthead, e.g. “中共江州市委巡察工作领导小组办公室文件”


# --------------------------------------------------------------------------- helpers


def clean(text) -> str:
    """Text safe for XML (control characters removed)."""
    return _INVALID_XML.sub("", "" if text is None else str(text))


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (up to 99 is enough for headings)."""
    if n <= 0:
        return str(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _CN_DIGITS[n // 10] + "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def chinese_date(d: date_type) -> str:
    """成文日期 in Arabic numerals (GB/T 9704-2012 §7.3.5): 2026年11月26日."""
    return f"{d.year}年{d.month}月{d.day}日"


_NUMBERED = [
    re.compile(r"^[一二三四五六七八九十]+、"),
    re.compile(r"^[（(][一二三四五六七八九十]+[）)]"),
    re.compile(r"^\d+[.．、]"),
    re.compile(r"^[（(]\d+[）)]"),
]


def heading_number(level: int, n: int) -> str:
    if level == 1:
        return f"{chinese_number(n)}、"
    if level == 2:
        return f"（{chinese_number(n)}）"
    if level == 3:
        return f"{n}."
    return f"（{n}）"


def _set_run_font(run, east_asian: str, size=None, bold=None, color=None):
    run.font.name = LATIN_FONT
    rpr = run._element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    if size is not None:
        run.font.size = size
    if bold is not None:
        run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _set_style_font(style, east_asian: str, size, bold=False):
    style.font.name = LATIN_FONT
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in list(rfonts.attrib):
        if attr.lower().endswith("theme"):  # theme fonts would override the names below
            del rfonts.attrib[attr]
    for tag in ("w:spacing", "w:kern"):  # character spacing/kerning of the stock styles
        for el in rpr.findall(qn(tag)):
            rpr.remove(el)
    spacing = OxmlElement("w:spacing")  # the compression of the document defaults, explicitly
    spacing.set(qn("w:val"), str(CHAR_SPACING))
    rpr.insert_element_before(
        spacing, *(f"w:{t}" for t in "w kern position sz szCs highlight u effect".split())
    )
    for el in rpr.findall(qn("w:szCs")):
        el.set(qn("w:val"), str(int(size.pt * 2)))
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)


def _fixed_lines(fmt, first_line_chars: int = 0):
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    if first_line_chars:
        fmt.first_line_indent = CHAR * first_line_chars


def _chars_indent(paragraph, *, first_line=0, left=0, right=0):
    """Indent in characters (w:firstLineChars etc.) so WPS/Word keep it with font changes."""
    ppr = paragraph._p.get_or_add_pPr()
    ind = ppr.get_or_add_ind()
    if first_line:
        ind.set(qn("w:firstLineChars"), str(first_line * 100))
        ind.set(qn("w:firstLine"), str(int(CHAR.pt * first_line * 20)))
    if left:
        ind.set(qn("w:leftChars"), str(left * 100))
        ind.set(qn("w:left"), str(int(CHAR.pt * left * 20)))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))
        ind.set(qn("w:right"), str(int(CHAR.pt * right * 20)))


# pPr children after w:pBdr, in schema order (Word rejects out-of-order elements)
_AFTER_PBDR = tuple(
    f"w:{t}"
    for t in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
        "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
        "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId "
        "cnfStyle rPr sectPr pPrChange"
    ).split()
)


def _border(paragraph, xml: str):
    ppr = paragraph._p.get_or_add_pPr()
    ppr.insert_element_before(parse_xml(xml), *_AFTER_PBDR)


_ALIGN = {
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


# --------------------------------------------------------------------------- renderer


class _Renderer:
    def __init__(self, doc: OfficialDocument):
        self.spec = doc
        self.doc = Document()
        self.body = self.doc.element.body

    # setup ------------------------------------------------------------------
    def setup(self):
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin = MARGINS["top"]
        section.bottom_margin = MARGINS["bottom"]
        section.left_margin = MARGINS["left"]
        section.right_margin = MARGINS["right"]
        section.header_distance = Mm(15)
        section.footer_distance = Mm(22)  # number sits about 7 mm below the type area
        section.start_type = WD_SECTION.NEW_PAGE
        self._doc_grid(section)
        self.doc.settings.odd_and_even_pages_header_footer = True

        styles = self.doc.styles
        normal = styles["Normal"]
        _set_style_font(normal, FONT_BODY, SIZE_BODY)
        _fixed_lines(normal.paragraph_format)
        normal.paragraph_format.widow_control = False
        self._doc_defaults()
        self._fonts_table()

        title = styles["Title"]
        _set_style_font(title, FONT_TITLE, SIZE_TITLE)
        _fixed_lines(title.paragraph_format)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.first_line_indent = Pt(0)
        tppr = title.element.get_or_add_pPr()
        for border in tppr.findall(qn("w:pBdr")):
            tppr.remove(border)
        heading_fonts = {
            1: (FONT_HEI, False),
            2: (FONT_KAI, False),
            3: (FONT_BODY, True),
            4: (FONT_BODY, False),
        }
        for level, (font, bold) in heading_fonts.items():
            st = styles[f"Heading {level}"]
            _set_style_font(st, font, SIZE_BODY, bold=bold)
            _fixed_lines(st.paragraph_format, first_line_chars=2)
            st.paragraph_format.keep_with_next = True
            st.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        self.doc.core_properties.title = clean(self.spec.title)[:250]
        self.doc.core_properties.author = clean(self.spec.issuer)[:250]
        self.doc.core_properties.language = "zh-CN"

    def _doc_grid(self, section):
        """A line grid only: 22 lines of 28.95 pt; the 28 characters come from CHAR_SPACING.

        A character grid (`linesAndChars` with a negative `charSpace`) squeezes 16 pt glyphs
        into 15.79 pt cells in Word, but LibreOffice puts a glyph wider than its cell across
        two cells (13 characters a line), and suites disagree on which font size the
        `charSpace` is relative to. Compressing every character by 0.25 pt instead gives
        28 × 15.75 pt = 441 pt in the 442 pt (156 mm) line in Word, WPS and LibreOffice alike.
        """
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.append(grid)
        for attr in list(grid.attrib):
            del grid.attrib[attr]
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))

    def _doc_defaults(self):
        """Document defaults equal to the Normal style (16 pt 仿宋, exact 28.95 pt lines).

        python-docx's template says 11 pt Calibri/theme fonts with 1.15 lines; a suite that
        reads the defaults instead of Normal (or text outside any style: footnotes, text
        boxes, new paragraphs the user types) must see the same body as Word does.
        """
        styles_el = self.doc.styles.element
        defaults = styles_el.find(qn("w:docDefaults"))
        if defaults is not None:
            styles_el.remove(defaults)
        size = str(int(SIZE_BODY.pt * 2))
        defaults = parse_xml(
            f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>"
            f'<w:rFonts w:ascii="{LATIN_FONT}" w:eastAsia="{FONT_BODY}" w:hAnsi="{LATIN_FONT}"'
            f' w:cs="{LATIN_FONT}"/>'
            f'<w:spacing w:val="{CHAR_SPACING}"/><w:kern w:val="0"/>'
            f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
            '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'
            "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
            f'<w:spacing w:before="0" w:after="0" w:line="{round(LINE_PITCH.pt * 20)}"'
            ' w:lineRule="exact"/>'
            "</w:pPr></w:pPrDefault></w:docDefaults>"
        )
        styles_el.insert(0, defaults)

    def _fonts_table(self):
        """Declare our fonts with a fallback (altName) and the GB2312 charset."""
        try:
            part = self.doc.part.part_related_by(
                "http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable"
            )
        except KeyError:
            return
        root = parse_xml(part.blob)
        existing = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name, alt in FALLBACKS.items():
            if name in existing:
                continue
            font = OxmlElement("w:font")
            font.set(qn("w:name"), name)
            family = "swiss" if name == FONT_HEI else "script" if name == FONT_KAI else "roman"
            # family guides the substitution where neither name is installed (LibreOffice
            # asks fontconfig for a serif for 宋/仿宋, a sans for 黑体)
            for tag, val in (("w:altName", alt), ("w:charset", "86"), ("w:family", family)):
                el = OxmlElement(tag)
                el.set(qn("w:val"), val)
                font.append(el)
            pitch = OxmlElement("w:pitch")
            pitch.set(qn("w:val"), "fixed")
            font.append(pitch)
            root.append(font)
        from lxml import etree

        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    # blocks -----------------------------------------------------------------
    def para(
        self,
        text="",
        *,
        font=FONT_BODY,
        size=SIZE_BODY,
        align="justify",
        indent=2,
        bold=False,
        style=None,
        color=None,
    ):
        p = self.doc.add_paragraph(style=style)
        p.alignment = _ALIGN.get(align, WD_ALIGN_PARAGRAPH.JUSTIFY)
        if indent:
            _chars_indent(p, first_line=indent)
        if text:
            run = p.add_run(clean(text))
            _set_run_font(run, font, size, bold or None, color)
        return p

    def masthead(self):
        s = self.spec
        if s.secrecy:
            self.para(s.secrecy, font=FONT_HEI, align="left", indent=0)
        if s.issuer_mark:
            self.para(
                s.issuer_mark,
                font=FONT_TITLE,
                size=Pt(26),
                align="center",
                indent=0,
                color=RGBColor(0xE6, 0x00, 0x12),
            )
            self.para("")
        if s.doc_number:
            p = self.para(s.doc_number, align="center", indent=0)
            if s.issuer_mark:  # red separator line below the number
                _border(
                    p,
                    f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" '
                    'w:space="4" w:color="E60012"/></w:pBdr>',
                )
        if s.secrecy or s.doc_number or s.issuer_mark:
            self.para("")
        for line in clean(s.title).splitlines() or [""]:
            p = self.doc.add_paragraph(style="Title")
            run = p.add_run(line)
            _set_run_font(run, FONT_TITLE, SIZE_TITLE)
        self.para("")  # one blank line between title and recipient/body
        if s.recipient:
            text = clean(s.recipient).rstrip("：:")
            self.para(text + "：", align="left", indent=0)

    def block(self, item, depth: int, counters: dict):
        if isinstance(item, Section):
            level = item.level or depth
            counters[level] = counters.get(level, 0) + 1
            for deeper in [k for k in counters if k > level]:
                counters[deeper] = 0
            heading = clean(item.heading).strip()
            numbered = any(r.match(heading) for r in _NUMBERED)
            text = heading if numbered else heading_number(level, counters[level]) + heading
            style = f"Heading {min(level, 4)}"
            p = self.doc.add_paragraph(style=style)
            _chars_indent(p, first_line=2)
            font, bold = {1: (FONT_HEI, False), 2: (FONT_KAI, False), 3: (FONT_BODY, True)}.get(
                min(level, 4), (FONT_BODY, False)
            )
            _set_run_font(p.add_run(text), font, SIZE_BODY, bold)
            child_counters: dict = {}
            for sub in list(item.paragraphs) + list(item.children):
                self.block(sub, level + 1, child_counters)
        elif isinstance(item, Table):
            self.table(item)
        elif isinstance(item, Paragraph):
            lines = clean(item.text).splitlines() or [""]
            for i, line in enumerate(lines):
                p = self.doc.add_paragraph()
                p.alignment = _ALIGN.get(item.align, WD_ALIGN_PARAGRAPH.JUSTIFY)
                if item.indent:
                    _chars_indent(p, first_line=2)
                if i == 0 and item.lead:
                    _set_run_font(p.add_run(clean(item.lead)), FONT_BODY, SIZE_BODY, True)
                if line:
                    _set_run_font(p.add_run(line), FONT_BODY, SIZE_BODY)
        elif item is None:
            return
        else:
            for line in clean(item).splitlines():
                if line.strip():
                    self.para(line.strip())

    def table(self, t: Table):
        if t.title:
            self.para(t.title, font=FONT_HEI, align="center", indent=0)
        ncols = max([len(t.header)] + [len(r) for r in t.rows]) or 1
        table = self.doc.add_table(rows=0, cols=ncols)
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        rows = ([t.header] if t.header else []) + list(t.rows)
        for r_index, values in enumerate(rows):
            cells = table.add_row().cells
            is_header = bool(t.header) and r_index == 0
            for c_index in range(ncols):
                value = values[c_index] if c_index < len(values) else ""
                cell = cells[c_index]
                cell_lines = clean(value).splitlines() or [""]
                first = cell.paragraphs[0]
                for i, line in enumerate(cell_lines):
                    p = first if i == 0 else cell.add_paragraph()
                    fmt = p.paragraph_format
                    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
                    fmt.first_line_indent = Pt(0)
                    p.alignment = (
                        WD_ALIGN_PARAGRAPH.CENTER if is_header else WD_ALIGN_PARAGRAPH.LEFT
                    )
                    if line:
                        _set_run_font(
                            p.add_run(line), FONT_HEI if is_header else FONT_BODY, SIZE_TABLE
                        )
            if is_header:  # repeat the header row on every page
                tr_pr = table.rows[r_index]._tr.get_or_add_trPr()
                tr_pr.append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        if t.widths:
            table.autofit = False
            for column, width in zip(table.columns, t.widths, strict=False):
                column.width = Mm(width)  # w:gridCol, which LibreOffice and WPS lay out by
            for row in table.rows:
                for cell, width in zip(row.cells, t.widths, strict=False):
                    cell.width = Mm(width)
        self.para("")

    def closing(self):
        s = self.spec
        if s.attachments:
            self.para("")
            for i, name in enumerate(s.attachments, 1):
                label = "附件：" if i == 1 else ""
                prefix = f"{i}. " if len(s.attachments) > 1 else ""
                p = self.para(f"{label}{prefix}{name}", indent=2 if i == 1 else 0)
                if i > 1:
                    _chars_indent(p, left=5)
        if s.issuer or s.date:
            self.para("")
            self.para("")
        if s.issuer:
            p = self.para(s.issuer, align="right", indent=0)
            _chars_indent(p, right=2)
        if s.date:
            p = self.para(chinese_date(s.date), align="right", indent=0)
            _chars_indent(p, right=4)
        if s.cc:
            self.para("")
            text = clean(s.cc).rstrip("。")
            p = self.para(f"抄送：{text}。", size=SIZE_CC, align="left", indent=0)
            _chars_indent(p, left=1, right=1)
            _border(
                p,
                f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="4" w:space="1" '
                'w:color="000000"/><w:bottom w:val="single" w:sz="4" w:space="1" '
                'w:color="000000"/></w:pBdr>',
            )

    # header/footer ----------------------------------------------------------
    def page_numbers(self):
        section = self.doc.sections[0]
        for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = _ALIGN[align]
            fmt = p.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.first_line_indent = Pt(0)
            if align == "right":
                fmt.right_indent = SIZE_PAGE_NUMBER
            else:
                fmt.left_indent = SIZE_PAGE_NUMBER
            _set_run_font(p.add_run("— "), FONT_SONG, SIZE_PAGE_NUMBER)
            self._page_field(p)
            _set_run_font(p.add_run(" —"), FONT_SONG, SIZE_PAGE_NUMBER)

    def _page_field(self, p):
        for kind, text in (
            ("begin", None),
            ("instr", " PAGE "),
            ("separate", None),
            ("text", "1"),
            ("end", None),
        ):
            run = p.add_run()
            _set_run_font(run, FONT_SONG, SIZE_PAGE_NUMBER)
            if kind == "instr":
                instr = OxmlElement("w:instrText")
                instr.set(qn("xml:space"), "preserve")
                instr.text = text
                run._r.append(instr)
            elif kind == "text":
                run.add_text(text)
            else:
                fld = OxmlElement("w:fldChar")
                fld.set(qn("w:fldCharType"), kind)
                run._r.append(fld)

    def watermark(self):
        text = clean(self.spec.watermark).strip()
        if not text:
            return
        section = self.doc.sections[0]
        for index, header in enumerate((section.header, section.even_page_header)):
            header.is_linked_to_previous = False
            p = header.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            fmt = p.paragraph_format
            fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
            fmt.first_line_indent = Pt(0)
            # a visible grey line naming the reader, plus the diagonal watermark behind the text
            run = p.add_run(text)
            _set_run_font(run, FONT_SONG, SIZE_WATERMARK_LINE, color=RGBColor(0xA6, 0xA6, 0xA6))
            shape_run = p.add_run()
            shape_run._r.append(_vml_watermark(text, index))


def _vml_watermark(text: str, index: int):
    """A WordArt watermark (the same markup Word writes for 'custom watermark')."""
    pict = parse_xml(
        f"<w:pict {nsdecls('w')} {_VML_DECLS}>"
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e">'
        '<v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/>'
        '<o:lock v:ext="edit" text="t" shapetype="t"/>'
        "</v:shapetype>"
        f'<v:shape id="XunchaWatermark{index}" o:spid="_x0000_s20{index + 1}" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:420pt;height:60pt;'
        "rotation:315;z-index:-251657216;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#d8d8d8" '
        'stroked="f">'
        '<v:fill opacity=".5"/>'
        '<v:textpath style="font-family:&quot;宋体&quot;;font-size:1pt" string=""/>'
        "</v:shape></w:pict>"
    )
    textpath = pict.find(f"{{{VML_NS}}}shape/{_TEXTPATH}")
    textpath.set("string", text)  # set as attribute so lxml escapes it
    return pict


def render_document(doc: OfficialDocument) -> bytes:
    """The document as .docx bytes."""
    r = _Renderer(doc)
    r.setup()
    # python-docx starts with no paragraphs; the sectPr stays last in the body
    r.masthead()
    counters: dict = {}
    for item in doc.sections:
        r.block(item, 1, counters)
    r.closing()
    r.page_numbers()
    r.watermark()
    out = io.BytesIO()
    r.doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- reading back


def _east_asian(run, paragraph=None) -> str:
    rpr = run._element.rPr
    if rpr is not None and rpr.rFonts is not None:
        name = rpr.rFonts.get(qn("w:eastAsia"))
        if name:
            return name
    style = paragraph.style if paragraph is not None else None
    while style is not None:
        rpr = style.element.rPr
        if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
            return rpr.rFonts.get(qn("w:eastAsia"))
        style = style.base_style
    return ""


def _size(run, paragraph) -> float | None:
    if run.font.size is not None:
        return run.font.size.pt
    style = paragraph.style
    while style is not None:
        if style.font.size is not None:
            return style.font.size.pt
        style = style.base_style
    return None


def layout_of(data: bytes) -> dict:
    """What a rendered document looks like, for tests: page, fonts, headings, marks."""
    d = Document(io.BytesIO(data))
    section = d.sections[0]

    def mm(length):
        return round(length.mm, 1) if length is not None else None

    paragraphs = []
    for p in d.paragraphs:
        runs = [r for r in p.runs if r.text]
        paragraphs.append(
            {
                "text": p.text,
                "style": p.style.name if p.style is not None else "",
                "font": _east_asian(runs[0], p) if runs else "",
                "size": _size(runs[0], p) if runs else None,
                "bold": bool(runs and runs[0].font.bold),
                "align": p.alignment,
            }
        )
    title = next((p for p in paragraphs if p["style"] == "Title"), None)
    headings = [
        {"level": int(p["style"].split()[-1]), "text": p["text"], "font": p["font"]}
        for p in paragraphs
        if p["style"].startswith("Heading ")
    ]
    normal = d.styles["Normal"]
    fmt = normal.paragraph_format
    footers = {"odd": section.footer, "even": section.even_page_footer}
    footer_info = {}
    for key, footer in footers.items():
        xml = footer._element.xml
        footer_info[key] = {
            "text": "".join(p.text for p in footer.paragraphs),
            "page_field": "PAGE"
            in "".join(t.text or "" for t in footer._element.iter(qn("w:instrText")))
            or "fldSimple" in xml,
            "align": footer.paragraphs[0].alignment if footer.paragraphs else None,
        }
    watermark_text = []
    for header in (section.header, section.even_page_header):
        for tp in header._element.iter(_TEXTPATH):
            if tp.get("string") and tp.get("string") not in watermark_text:
                watermark_text.append(tp.get("string"))
        line = "".join(p.text for p in header.paragraphs).strip()
        if line and line not in watermark_text:
            watermark_text.append(line)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return {
        "page_mm": (mm(section.page_width), mm(section.page_height)),
        "margins_mm": {
            "top": mm(section.top_margin),
            "bottom": mm(section.bottom_margin),
            "left": mm(section.left_margin),
            "right": mm(section.right_margin),
        },
        "body_font": _east_asian_style(normal),
        "body_size": normal.font.size.pt if normal.font.size else None,
        "line_spacing": fmt.line_spacing.pt if fmt.line_spacing is not None else None,
        "line_rule": fmt.line_spacing_rule,
        "title": title,
        "headings": headings,
        "paragraphs": paragraphs,
        "tables": tables,
        "footers": footer_info,
        "odd_even": d.settings.odd_and_even_pages_header_footer,
        "watermark": watermark_text,
        "text": "\n".join(
            [p["text"] for p in paragraphs] + ["\t".join(r) for t in tables for r in t]
        ),
    }


def _east_asian_style(style) -> str:
    rpr = style.element.rPr
    if rpr is not None and rpr.rFonts is not None:
        return rpr.rFonts.get(qn("w:eastAsia")) or ""
    return ""


__all__ = [
    "OfficialDocument",
    "Paragraph",
    "Section",
    "Table",
    "chinese_date",
    "chinese_number",
    "layout_of",
    "render_document",
]
