"""The official statistical tables (季度/年度统计表) as .xlsx, through `core.sheets.Sheets`.

Layout (what higher offices ask for): a title row, 填报单位, 统计期间, then one row per
indicator (grouped by section) with one column per office (the root and each office below
it) and a 合计 column. Numbers stay numbers; text cells are formula-safe (Sheets).
"""

import io
from decimal import Decimal

from openpyxl.styles import Alignment, Font

from xuncha.core.sheets import Sheets
from xuncha.stats import indicators


def _value(v):
    if v is None:
        return "—"
    if isinstance(v, Decimal):
        return float(v)
    return v


def table_xlsx(table: indicators.Table, *, title: str, office_name: str, watermark: str) -> bytes:
    book = Sheets(watermark=watermark)
    ws = book.sheet("统计表")
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 9
    for i in range(len(table.columns) + 1):
        ws.column_dimensions[chr(ord("C") + min(i, 23))].width = 16
    ws.append([ws.cell(title, font=Font(bold=True, size=14))])
    ws.append([f"填报单位：{office_name}"])
    ws.append([f"统计期间：{table.filter.period_label}"])
    if len(table.filter.description) > 1:
        ws.append([f"统计范围：{'，'.join(table.filter.description[1:])}"])
    bold = Font(bold=True)
    center = Alignment(horizontal="center", wrap_text=True)
    ws.append(
        [
            ws.cell("指标", font=bold, alignment=center),
            ws.cell("计量单位", font=bold, alignment=center),
            *[ws.cell(c.label, font=bold, alignment=center) for c in table.columns],
            ws.cell("合计", font=bold, alignment=center),
        ]
    )
    for section, items in table.rows():
        ws.append([ws.cell(section, font=bold)])
        for _code, label, unit, values, total in items:
            ws.append([label, unit, *[_value(v) for v in values], _value(total)])
    sources = [c for c in table.columns if c.source != "本系统"]
    if sources:
        ws.append([])
        ws.append(["数据来源：" + "；".join(f"{c.label}：{c.source}" for c in sources)])
    ws.append([])
    ws.append(
        [
            "说明：各项数据按巡察进驻日期归属统计期间，来信来访按收到日期；"
            "比率、平均数由合计数计算；“—”表示不适用或未报送。"
        ]
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def official_title(period_label: str) -> str:
    return f"巡察工作统计表（{period_label}）"
