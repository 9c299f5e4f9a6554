"""Reader watermarks for exported files: who exported it and when.

    text = watermark_text(request.user)                 # “李干事（office_staff） 2026-11-26 15:30 导出 · 仅限本人阅看”
    OfficialDocument(..., watermark=text)               # .docx: header line + diagonal watermark
    watermark_xlsx(workbook, text)                      # .xlsx: page header/footer + file properties
    found = xlsx_watermark(xlsx_bytes)                  # for tests

Exports are also audited by the caller (`audit.services.record(action=Action.EXPORT, ...)`).
"""

import io

from django.utils import timezone


def watermark_text(user, when=None) -> str:
    when = timezone.localtime(when or timezone.now())
    name = getattr(user, "full_name", "") or user.get_username()
    return f"{name}（{user.get_username()}） {when:%Y-%m-%d %H:%M} 导出 · 仅限本人阅看"


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
    """The watermark texts found in an .xlsx (sheet headers and file properties)."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    found = {wb.properties.keywords or ""}
    for ws in wb.worksheets:
        found.add(ws.oddHeader.right.text or "")
    return sorted(t for t in found if t)
