"""The official quarterly and annual tables (.xlsx): layout, the numbers, watermark, no formula."""

import io

import pytest
from openpyxl import load_workbook

from tests.cast import client_for
from tests.rectification.conftest import make_feedback_problem
from xuncha.core.sheets import xlsx_watermark
from xuncha.org.models import Office
from xuncha.stats import indicators

pytestmark = pytest.mark.django_db


def _rows(data):
    wb = load_workbook(io.BytesIO(data))
    ws = wb["统计表"]
    return [list(r) for r in ws.iter_rows(values_only=True)], ws


def _row(rows, label):
    return next(r for r in rows if r and r[0] == label)


def test_quarterly_table_layout_and_numbers(cast):
    a = cast.inspections["a"]  # stationed 2026-03-02: first quarter
    for n in range(3):
        make_feedback_problem(cast, a, cast.units["bureau"], f"00{n}", f"问题{n}")
    response = client_for(cast.office_staff).get("/stats/table.xlsx?year=2026&quarter=1")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows, _ws = _rows(response.content)
    assert rows[0][0] == "巡察工作统计表（2026年第1季度）"
    assert rows[1][0] == "填报单位：江州市委巡察办"
    assert rows[2][0] == "统计期间：2026年01月01日至2026年03月31日"
    header = next(r for r in rows if r and r[0] == "指标")
    assert header[:6] == [
        "指标",
        "计量单位",
        "江州市委巡察办（本级）",
        "临川县委巡察办",
        "安平区委巡察办",
        "合计",
    ]
    found = _row(rows, "发现问题数")
    assert found[1:6] == ["个", 3, 0, 0, 3]
    assert isinstance(found[2], int)
    flt = indicators.make_filter(cast.office_staff, year=2026, quarter=1)
    table = indicators.compute(flt)
    for section, items in table.rows():
        assert _row(rows, section)
        for _code, label, _unit, values, total in items:
            row = _row(rows, label)
            expected = [("—" if v is None else float(v)) for v in [*values, total]]
            got = [v if v == "—" else float(v) for v in row[2:6]]
            assert got == expected, label
    marks = xlsx_watermark(response.content)
    assert any("钱" not in m and cast.office_staff.username in m for m in marks)
    # another quarter: the problems are not in it
    q2, _ws = _rows(
        client_for(cast.office_staff).get("/stats/table.xlsx?year=2026&quarter=2").content
    )
    assert _row(q2, "发现问题数")[5] == 0


def test_annual_table_and_hostile_names_stay_text(cast):
    Office.objects.filter(pk=cast.county_a.pk).update(name='=HYPERLINK("http://x/","点")')
    response = client_for(cast.office_staff).get("/stats/table.xlsx?year=2026&kind=regular")
    rows, _ws = _rows(response.content)
    assert rows[0][0] == "巡察工作统计表（2026年度）"
    assert rows[3][0].startswith("统计范围：") and "常规巡察" in rows[3][0]
    header = next(r for r in rows if r and r[0] == "指标")
    assert header[3] == '\'=HYPERLINK("http://x/","点")'
    wb = load_workbook(io.BytesIO(response.content))
    for row in wb["统计表"].iter_rows():
        for cell in row:
            assert cell.data_type != "f"
