"""The study statistics as .xlsx: pure rendering of a StudyStats through core.sheets
(watermarked, formula-safe cells)."""

import io

from openpyxl.styles import Font

from xuncha.core.sheets import Sheets


def stats_xlsx(stats, *, watermark: str) -> bytes:
    book = Sheets(watermark=watermark)
    bold = Font(bold=True)
    ws = book.sheet("个人学习统计")
    ws.column_dimensions["A"].width = 16
    ws.append([ws.cell(f"{stats.office.name}{stats.year}年度学习统计（个人）", font=bold)])
    ws.append(
        [
            ws.cell(h, font=bold)
            for h in (
                "姓名",
                "参加学习（次）",
                "学时",
                "心得体会（篇）",
                "应到（次）",
                "出席（次）",
                "出勤率",
                "学时达标",
            )
        ]
    )
    for row in stats.people:
        meets = stats.meets_hours(row)
        ws.append(
            [
                row.name,
                row.sessions,
                float(row.hours),
                row.reflections,
                row.listed,
                row.present,
                None if row.rate is None else round(row.rate, 4),
                "—" if meets is None else ("是" if meets else "否"),
            ]
        )
    ws = book.sheet("支部学习统计")
    ws.column_dimensions["A"].width = 20
    ws.append([ws.cell(f"{stats.office.name}{stats.year}年度学习统计（支部）", font=bold)])
    ws.append(
        [
            ws.cell(h, font=bold)
            for h in (
                "支部",
                "成员（人）",
                "支部带学（次）",
                "参加学习（人次）",
                "学时",
                "心得体会（篇）",
                "出勤率",
            )
        ]
    )
    for row in stats.branches:
        ws.append(
            [
                row.name,
                row.members,
                row.held,
                row.sessions,
                float(row.hours),
                row.reflections,
                None if row.rate is None else round(row.rate, 4),
            ]
        )
    ws = book.sheet("计划完成情况")
    ws.column_dimensions["A"].width = 20
    ws.append([ws.cell(f"{stats.year}年度学习计划完成情况", font=bold)])
    ws.append([ws.cell(h, font=bold) for h in ("学习形式", "计划（次）", "完成（次）")])
    for label, planned, held in stats.plan_rows:
        ws.append([label, planned, held])
    if stats.plan is not None:
        ws.append(["人均学时（计划）", float(stats.plan.hours_per_person)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
