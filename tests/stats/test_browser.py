"""Browser: filter the statistics page, export the table, import a county package on the
roll-up page and see the county's figures and the 'not reported' list."""

import io
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cast import client_for
from tests.rectification.conftest import make_feedback_problem
from tests.stats.conftest import COUNTY_A_KEY, COUNTY_B_KEY, figures, package, raw
from xuncha.stats import services

SHOTS = Path("test-results/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_filter_export_and_roll_up(live_server, cast, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for n in range(2):
        make_feedback_problem(cast, cast.inspections["a"], cast.units["bureau"], f"00{n}", "问题")
    for name, key, office in [
        ("临川县委巡察办（独立部署）", COUNTY_A_KEY, cast.county_a),
        ("安平区委巡察办（独立部署）", COUNTY_B_KEY, cast.county_b),
    ]:
        services.counterpart_register(
            owner=cast.city,
            direction="lower",
            name=name,
            public_key=key.public,
            office=office,
            actor=cast.office_admin,
        )
    pkg = tmp_path / "临川县-2026Q1.json"
    pkg.write_bytes(raw(package(COUNTY_A_KEY, figs=figures(problems_found=17, units_covered=4))))
    cookie = client_for(cast.office_staff).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        missing = []
        page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
        page.goto(f"{live_server.url}/stats/")
        page.fill("#id_year", "2026")
        page.select_option("#id_quarter", "1")
        page.click("#stats-filter button")
        page.wait_for_selector("#stats-table")
        page.wait_for_selector("#c-volume canvas")
        assert "2026年第1季度" in page.inner_text("body")
        found = page.locator("#stats-table tr[data-code=problems_found] [data-total]")
        assert found.inner_text() == "2"
        page.screenshot(path=str(SHOTS / "stats-index.png"), full_page=True)
        with page.expect_download() as info:
            page.click("#export-xlsx")
        data = Path(info.value.path()).read_bytes()
        ws = load_workbook(io.BytesIO(data))["统计表"]
        rows = [r for r in ws.iter_rows(values_only=True)]
        assert rows[0][0] == "巡察工作统计表（2026年第1季度）"
        assert next(r for r in rows if r[0] == "发现问题数")[5] == 2

        page.goto(f"{live_server.url}/stats/rollup/?period=2026Q1")
        assert "安平区委巡察办（独立部署）" in page.inner_text("#not-reported")
        page.set_input_files("#id_file", str(pkg))
        page.click("#import-form button")
        page.wait_for_selector("text=已导入")
        body = page.inner_text("body")
        assert "报送数据 第1版" in body
        not_reported = page.inner_text("#not-reported")
        assert "安平区委巡察办（独立部署）" in not_reported
        assert "临川县委巡察办（独立部署）" not in not_reported
        total = page.locator("#stats-table tr[data-code=problems_found] [data-total]")
        assert total.inner_text() == "19"  # 2 of the city's own + 17 reported by 临川县
        page.screenshot(path=str(SHOTS / "stats-rollup.png"), full_page=True)
        # the same file again: refused, in Chinese
        page.set_input_files("#id_file", str(pkg))
        page.click("#import-form button")
        page.wait_for_selector("text=重复导入")
        page.screenshot(path=str(SHOTS / "stats-rollup-replay.png"), full_page=False)
        browser.close()
    assert not [u for u in missing if "/static/" in u], missing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_choosing_the_event_basis_changes_the_figures(live_server, cast):
    """Two problems of inspection a (stationed 2026-03-02, Q1) recorded in April: on the
    second quarter the default basis shows none, 按事项发生时间归属 shows both, and the page
    says the downloadable table stays on the inspection basis."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from django.utils import timezone
    from playwright.sync_api import sync_playwright

    from xuncha.inspections.models import Problem

    SHOTS.mkdir(parents=True, exist_ok=True)
    for n in range(2):
        make_feedback_problem(cast, cast.inspections["a"], cast.units["bureau"], f"00{n}", "问题")
    Problem.objects.update(created_at=timezone.make_aware(timezone.datetime(2026, 4, 15, 9)))
    cookie = client_for(cast.office_staff).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/stats/")
        page.fill("#id_year", "2026")
        page.select_option("#id_quarter", "2")
        page.click("#stats-filter button")
        page.wait_for_selector("#stats-table")
        found = page.locator("#stats-table tr[data-code=problems_found] [data-total]")
        assert found.inner_text() == "0"
        assert page.inner_text("#stats-basis") == "按巡察进驻时间归属"
        assert page.locator("#export-basis").count() == 0

        page.select_option("#id_basis", label="按事项发生时间归属")
        page.click("#stats-filter button")
        page.wait_for_url("**basis=event**")
        page.wait_for_selector("#c-volume canvas")
        assert found.inner_text() == "2"
        assert page.inner_text("#stats-basis") == "按事项发生时间归属"
        assert "按巡察进驻时间归属" in page.inner_text("#export-basis")
        rate = page.locator("#stats-table tr[data-code=rectification_rate] [data-total]")
        assert rate.inner_text() == "—"
        assert "导出的统计表仍按巡察进驻时间归属" in page.inner_text("#stats-basis-note")
        page.screenshot(path=str(SHOTS / "stats-event-basis.png"), full_page=True)
        browser.close()
