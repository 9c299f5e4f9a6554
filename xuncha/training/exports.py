"""Training records as .xlsx: pure rendering through core.sheets (the reader's watermark,
formula-safe cells), like the study statistics."""

import io

from openpyxl.styles import Font

from xuncha.core.sheets import Sheets

HEADERS = (
    "巡察干部",
    "所属巡察机构",
    "培训课程",
    "主办单位",
    "开始日期",
    "结束日期",
    "学时",
    "结业证书",
)


def records_xlsx(rows, *, title: str, watermark: str) -> bytes:
    """One sheet of training records (TrainingRecord rows with their inspector)."""
    book = Sheets(watermark=watermark)
    bold = Font(bold=True)
    ws = book.sheet("培训记录")
    for column, width in zip("ABCDEFGH", (12, 20, 30, 20, 12, 12, 8, 10), strict=True):
        ws.column_dimensions[column].width = width
    ws.append([ws.cell(title, font=bold)])
    ws.append([ws.cell(h, font=bold) for h in HEADERS])
    total = 0.0
    for r in rows:
        ws.append(
            [
                r.inspector.name,
                r.inspector.office.name,
                r.course,
                r.organiser,
                r.start,
                r.end,
                float(r.hours),
                "有" if r.certificate_path else "无",
            ]
        )
        total += float(r.hours)
    ws.append([ws.cell("合计", font=bold), None, None, None, None, None, total])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
