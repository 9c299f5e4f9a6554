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


def test_the_table_keeps_the_inspection_basis_whatever_the_page_shows(cast):
    """Problems of inspection a (stationed in Q1) recorded in Q2: the page and the API on
    the event basis put them in Q2; the table downloaded from that page stays official,
    on the inspection basis (Q2: none), and the page says so next to the button."""
    from django.utils import timezone

    from xuncha.inspections.models import Problem

    a = cast.inspections["a"]
    for n in range(2):
        make_feedback_problem(cast, a, cast.units["bureau"], f"00{n}", f"问题{n}")
    Problem.objects.update(created_at=timezone.make_aware(timezone.datetime(2026, 4, 15, 9)))
    client = client_for(cast.office_staff)
    page = client.get("/stats/?year=2026&quarter=2&basis=event")
    assert page.status_code == 200
    assert page.context["table"].total["problems_found"] == 2
    html = page.content.decode()
    assert '统计口径：<span id="stats-basis">按事项发生时间归属</span>' in html
    assert "统计表为官方口径，按巡察进驻时间归属" in html
    assert 'href="/stats/table.xlsx?year=2026&amp;quarter=2&amp;basis=event"' in html
    rows, _ws = _rows(client.get("/stats/table.xlsx?year=2026&quarter=2&basis=event").content)
    assert _row(rows, "发现问题数")[5] == 0
    assert not any("按事项发生时间归属" in str(r[0]) for r in rows if r)
    assert any("按巡察进驻日期归属" in str(r[0]) for r in rows if r)
    rows, _ws = _rows(client.get("/stats/table.xlsx?year=2026&quarter=1&basis=event").content)
    assert _row(rows, "发现问题数")[5] == 2
    # the default page: the inspection basis, no note about the table
    page = client.get("/stats/?year=2026&quarter=2")
    assert page.context["table"].total["problems_found"] == 0
    assert "统计表为官方口径" not in page.content.decode()
    spelt_out = client.get("/stats/?year=2026&quarter=2&basis=inspection")
    assert spelt_out.status_code == 200 and spelt_out.context["table"].filter.basis == "inspection"
    # the API: the same choice, named in the answer
    api = client.get("/api/v1/stats/indicators?year=2026&quarter=2&basis=event").json()
    assert (api["basis"], api["basis_label"]) == ("event", "按事项发生时间归属")
    found = next(r for r in api["rows"] if r["code"] == "problems_found")
    assert found["total"] == 2
    rate = next(r for r in api["rows"] if r["code"] == "rectification_rate")
    assert rate["total"] is None  # not meaningful when the two counts have different dates
    assert client.get("/api/v1/stats/indicators?year=2026&quarter=2").json()["basis"] == (
        "inspection"
    )
