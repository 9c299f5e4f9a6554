"""The three lists and the ledger as .xlsx (pure: rows in, bytes out; bytes in, rows out).

Layout (the one offices use: one row per measure), sheet “整改台账”:
row 1 the title, row 2 the header below, data from row 3. The other sheets (问题清单,
任务清单, 责任清单) are written for reading only; import reads “整改台账” alone.
Writing uses openpyxl's write-only mode into a temporary file (through `core.sheets`:
every cell escaped against formula injection, the reader's watermark on every sheet), so
memory stays bounded however many rows there are; the caller streams the file.
"""

import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font

from xuncha.core.sheets import Sheets, unescape_cell

LEDGER_SHEET = "整改台账"
COLUMNS = [
    # (key, header, width, editable)
    ("unit", "被巡察单位", 22, False),
    ("problem_number", "问题编号", 10, False),
    ("problem_title", "问题概述", 40, False),
    ("category", "问题类别", 16, False),
    ("measure_id", "措施编号", 10, False),
    ("content", "整改措施", 50, True),
    ("responsible_leader", "责任领导", 12, True),
    ("lead_department", "牵头部门", 16, True),
    ("responsible_person", "责任人", 12, True),
    ("deadline", "完成时限", 12, True),
    ("expected_outcome", "预期成效", 30, True),
    ("long_term", "长期坚持", 9, True),
    ("state", "整改状态", 10, False),
    ("evidence_count", "佐证材料数", 10, False),
    ("verification", "核验销号情况", 30, False),
]
HEADERS = [c[1] for c in COLUMNS]
KEYS = [c[0] for c in COLUMNS]
EDITABLE = {c[0] for c in COLUMNS if c[3]}
LABEL = {c[0]: c[1] for c in COLUMNS}
# Read-only columns whose change we refuse (the others are context only).
GUARDED = {"problem_number", "state", "evidence_count"}


def _bool_text(v) -> str:
    return "是" if v else "否"


def write_workbook(title: str, rows, problems=(), *, watermark: str) -> str:
    """Write the workbook to a temporary file and return its path.

    `rows`: an iterable of dicts with KEYS (streamed; may be a generator).
    `problems`: (number, title, description, category, measure_count) tuples.
    `watermark`: the reader's line (reports.watermark.watermark_text)."""
    wb = Sheets(watermark=watermark)
    bold = Font(bold=True)
    ledger = wb.sheet(LEDGER_SHEET)
    tasks = wb.sheet("任务清单")
    owners = wb.sheet("责任清单")
    problem_sheet = wb.sheet("问题清单")
    for i, (_k, _h, width, _e) in enumerate(COLUMNS):
        ledger.column_dimensions[chr(65 + i)].width = width
    ledger.append([ledger.cell(title, font=Font(bold=True, size=14))])
    header = [ledger.cell(h, font=bold, alignment=Alignment(horizontal="center")) for h in HEADERS]
    ledger.append(header)
    tasks.append(["问题编号", "措施编号", "整改措施", "完成时限", "预期成效", "长期坚持"])
    owners.append(["措施编号", "责任领导", "牵头部门", "责任人"])
    for row in rows:
        values = []
        for key in KEYS:
            v = row.get(key)
            if key == "long_term":
                v = _bool_text(v)
            values.append(v)
        ledger.append(values)
        tasks.append(
            [
                row["problem_number"],
                row["measure_id"],
                row["content"],
                row["deadline"],
                row["expected_outcome"],
                _bool_text(row["long_term"]),
            ]
        )
        owners.append(
            [
                row["measure_id"],
                row["responsible_leader"],
                row["lead_department"],
                row["responsible_person"],
            ]
        )
    problem_sheet.append(["问题编号", "问题概述", "具体表现", "问题类别", "措施数"])
    for p in problems:
        problem_sheet.append(list(p))
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    handle.close()
    wb.save(handle.name)
    return handle.name


@dataclass
class ParsedRow:
    line: int
    values: dict


@dataclass
class Parsed:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)


def _as_date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _merged_ranges(handle, wb, sheet_name) -> list[str]:
    """The merged ranges of one sheet, read from its XML part (read-only mode skips them)."""
    import re
    import zipfile
    from xml.sax.saxutils import escape

    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            book = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            sheet = re.search(
                rf'<(?:\w+:)?sheet [^>]*name="{re.escape(escape(sheet_name))}"[^>]*>', book
            )
            rid = re.search(r'r:id="([^"]+)"', sheet.group(0)) if sheet else None
            target = (
                re.search(rf'<Relationship [^>]*Id="{rid.group(1)}"[^>]*>', rels) if rid else None
            )
            path = re.search(r'Target="([^"]+)"', target.group(0)).group(1) if target else ""
            path = path.lstrip("/") if path.startswith("/") else f"xl/{path}"
            # Streamed in 1 MB pieces (with an overlap for a tag cut at the edge): the
            # sheet part may be large, its merged ranges are a few bytes at its end.
            found, tail = [], b""
            pattern = re.compile(rb'<mergeCell ref="([A-Z0-9:]+)"')
            with archive.open(path) as part:
                while chunk := part.read(1048576):
                    window = tail + chunk
                    edge = len(window) - 100  # a match starting later is read next time
                    found += [
                        m.group(1).decode() for m in pattern.finditer(window) if m.start() < edge
                    ]
                    tail = window[max(edge, 0) :]
                found += [m.group(1).decode() for m in pattern.finditer(tail)]
    except (zipfile.BadZipFile, OSError, KeyError, AttributeError):
        return []
    return found


def parse_workbook(handle) -> Parsed:
    """Read the ledger sheet; every structural problem is an error (Chinese, with the place).

    Refused: not an xlsx, missing sheet, header not exactly the layout, merged cells,
    formulas, bad dates, bad 是/否, bad measure numbers."""
    out = Parsed()
    try:
        # Read-only mode streams the rows (fast, small); it does not parse merged cells,
        # so those are read from the sheet's XML below.
        wb = load_workbook(handle, read_only=True, data_only=False)
    except Exception:
        out.errors.append("文件不是有效的 .xlsx 工作簿，请使用本系统导出的台账模板。")
        return out
    if LEDGER_SHEET not in wb.sheetnames:
        out.errors.append(f"工作簿中没有名为“{LEDGER_SHEET}”的工作表。")
        return out
    ws = wb[LEDGER_SHEET]
    merged = _merged_ranges(handle, wb, LEDGER_SHEET)
    if merged:
        out.errors.append(f"工作表含有合并单元格（{'、'.join(merged[:5])}），请取消合并后再导入。")
    header = [
        _text(c.value)
        for c in next(ws.iter_rows(min_row=2, max_row=2, max_col=len(HEADERS) + 20), ())
    ]
    while header and header[-1] == "":
        header.pop()
    if header != HEADERS:
        missing = [h for h in HEADERS if h not in header]
        extra = [h for h in header if h and h not in HEADERS]
        detail = []
        if missing:
            detail.append(f"缺少列：{'、'.join(missing)}")
        if extra:
            detail.append(f"多出列：{'、'.join(extra)}")
        if not detail:
            detail.append("列的顺序与模板不一致")
        out.errors.append(
            f"第2行表头与台账模板不一致（{'；'.join(detail)}）。请使用本系统导出的台账。"
        )
        return out
    limit = settings.LEDGER_IMPORT_MAX_ROWS
    # Columns beyond the layout are never read; rows stop at the limit (streamed, so a
    # sheet of a million rows costs no more memory than one of ten).
    for counter, row in enumerate(ws.iter_rows(min_row=3, max_col=len(KEYS)), start=3):
        if counter - 2 > limit:
            out.errors.append(f"台账超过 {limit} 行，请分批导入。")
            out.rows.clear()
            break
        line = next((c.row for c in row if getattr(c, "row", None)), counter)
        cells = [
            c if getattr(c, "value", None) is not None else None for c in list(row)[: len(KEYS)]
        ]
        cells += [None] * (len(KEYS) - len(cells))
        if all(c is None or c.value in (None, "") for c in cells):
            continue
        values = {}
        for key, cell in zip(KEYS, cells, strict=True):
            value = cell.value if cell is not None else None
            if cell is not None and (
                cell.data_type == "f" or (isinstance(value, str) and value.startswith("="))
            ):
                out.errors.append(
                    f"第{line}行“{LABEL[key]}”是公式，台账只接受数值，请粘贴为数值后再导入。"
                )
                continue
            value = unescape_cell(value)  # text our export escaped (reports.sheets)
            if key == "deadline":
                if value in (None, ""):
                    out.errors.append(f"第{line}行“完成时限”为空。")
                    continue
                try:
                    value = _as_date(value)
                except ValueError:
                    out.errors.append(
                        f"第{line}行“完成时限”“{_text(value)}”不是有效日期（格式如 2026-06-30）。"
                    )
                    continue
            elif key == "long_term":
                text = _text(value)
                if text not in ("是", "否", ""):
                    out.errors.append(f"第{line}行“长期坚持”只能填“是”或“否”。")
                    continue
                value = text == "是"
            elif key == "measure_id":
                text = _text(value)
                if text and not text.isdigit():
                    out.errors.append(f"第{line}行“措施编号”“{text}”无效；新增措施请留空。")
                    continue
                value = int(text) if text else None
            elif key == "evidence_count":
                text = _text(value)
                value = int(text) if text.isdigit() else text
            else:
                value = _text(value)
            values[key] = value
        out.rows.append(ParsedRow(line=line, values=values))
    return out
