"""The one way to write a spreadsheet (.xlsx) or a spreadsheet-openable file (.csv).

    book = Sheets(watermark=watermark_text(request.user))   # reports.watermark; required
    ws = book.sheet("整改台账")
    ws.append([unit_name, measure_text, 3, -1.5])            # every cell goes through safe_cell()
    ws.append([ws.cell("标题", font=Font(bold=True))])
    book.save(path)

    writer.writerow([safe_cell(v) for v in row])            # .csv

Formula injection: a text cell beginning with = + - @ tab or carriage return would be run
as a formula by Excel/WPS (=HYPERLINK(...) sends data away). Such text gets a leading
apostrophe, the usual rule (OWASP "CSV injection"); it then shows as text. Numbers, dates
and booleans are never escaped, so -5 stays a number. `unescape_cell` undoes it when a
file we wrote is imported again (rectification/ledger.py).
"""

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


_ESCAPED = (*FORMULA_STARTS, ESCAPE)  # a leading apostrophe too, so that unescaping is exact


def safe_cell(value):
    """The value as a spreadsheet must store it: text that would start a formula is escaped."""
    if isinstance(value, str) and value.startswith(_ESCAPED):
        return ESCAPE + value
    return value


def unescape_cell(value):
    """The text as it was before `safe_cell` (for imports of our own exports)."""
    if isinstance(value, str) and value.startswith(ESCAPE) and value[1:].startswith(_ESCAPED):
        return value[1:]
    return value


class Sheet:
    """A write-only worksheet whose cells are always escaped."""

    def __init__(self, ws):
        self._ws = ws
        self.column_dimensions = ws.column_dimensions

    def cell(self, value, **style) -> Cell:
        cell = WriteOnlyCell(self._ws, value=safe_cell(value))
        for name, val in style.items():
            setattr(cell, name, val)
        return cell

    def append(self, values) -> None:
        self._ws.append([v if isinstance(v, Cell) else safe_cell(v) for v in values])


class Sheets:
    """A write-only workbook (memory stays bounded) stamped with the reader's watermark."""

    def __init__(self, *, watermark: str):
        if not watermark:
            raise ValueError("a confidential spreadsheet needs its reader's watermark")
        self.workbook = Workbook(write_only=True)
        self.watermark = watermark

    def sheet(self, title: str) -> Sheet:
        return Sheet(self.workbook.create_sheet(title))

    def save(self, path) -> None:
        watermark_xlsx(self.workbook, self.watermark)
        self.workbook.save(path)


def watermark_xlsx(workbook, text: str) -> None:
    """Print the reader's name and time on every page of every sheet; store it in the file."""
    for ws in workbook.worksheets:
        for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
            header.right.text = text
            header.right.size = 8
            header.right.color = "A6A6A6"
        for footer in (ws.oddFooter, ws.evenFooter, ws.firstFooter):
            footer.left.text = text
            footer.left.size = 8
            footer.left.color = "A6A6A6"
    workbook.properties.keywords = text
    workbook.properties.description = f"水印：{text}"


def xlsx_watermark(data: bytes) -> list[str]:
    """The watermark texts found in an .xlsx (sheet headers and file properties), for tests."""
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    found = {wb.properties.keywords or ""}
    for ws in wb.worksheets:
        found.add(ws.oddHeader.right.text or "")
    return sorted(t for t in found if t)
