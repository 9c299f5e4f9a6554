"""Browser: the leader generates the report, edits a section, downloads the watermarked .docx."""

import os
from pathlib import Path

import pytest

from tests.cast import client_for
from tests.reports.fieldwork import make_problem
from xuncha.reports.models import ReportDraft
from xuncha.reports.officialdoc import layout_of

SHOTS = Path("test-results/screenshots")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_generate_edit_download_report(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    inspection = cast.inspections["a"]
    make_problem(inspection, "B4", "001", user=cast.team_leader, title="违规发放津补贴")
    make_problem(inspection, "A7", "002", user=cast.team_leader, title="意识形态责任制落实不到位")
    cookie = client_for(cast.team_leader).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/reports/inspection/{inspection.pk}/")
        page.select_option("#id_kind", "report")
        page.screenshot(path=str(SHOTS / "reports-inspection-documents.png"), full_page=True)
        page.click("button:has-text('生成 / 重新生成')")
        page.wait_for_selector("text=已生成")
        page.screenshot(path=str(SHOTS / "reports-draft-edit.png"), full_page=True)
        overall = page.locator("textarea[name=text]").nth(1)
        overall.fill("总体评价经巡察组集体研究后修改。")
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=已保存")
        with page.expect_download() as info:
            page.click("a:has-text('下载 .docx')")
        data = Path(info.value.path()).read_bytes()
        browser.close()
    layout = layout_of(data)
    assert "总体评价经巡察组集体研究后修改。" in layout["text"]
    assert "违规发放津补贴" in layout["text"]
    assert "何组长" in layout["watermark"][0]
    assert ReportDraft.objects.get(inspection=inspection, kind="report").version == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_liaison_of_one_unit_sees_only_its_own_feedback(live_server, cast):
    """一托二: the bureau's liaison lists and downloads its own feedback, never the centre's."""
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from datetime import date

    from playwright.sync_api import sync_playwright

    from tests.feedback import deliver_feedback
    from xuncha.plans.models import Inspection

    shots = SHOTS
    shots.mkdir(parents=True, exist_ok=True)
    inspection = cast.inspections["a"]
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    inspection.units.add(centre)
    leader = cast.team_leader
    make_problem(inspection, "B4", "001", user=leader, title="违规发放津补贴", unit=bureau)
    make_problem(inspection, "B6", "002", user=leader, title="公路养护资金管理不规范", unit=centre)
    Inspection.objects.filter(pk=inspection.pk).update(stage=Inspection.Stage.FEEDBACK)
    inspection.refresh_from_db()
    own = deliver_feedback(cast, inspection, bureau, date(2026, 6, 3))
    other = deliver_feedback(cast, inspection, centre, date(2026, 6, 3))
    staff_cookie = client_for(cast.office_staff).cookies["sessionid"].value
    cookie = client_for(cast.unit_liaison).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        staff = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        staff.add_cookies([{"name": "sessionid", "value": staff_cookie, "url": live_server.url}])
        page = staff.new_page()
        page.goto(f"{live_server.url}/reports/inspection/{inspection.pk}/")
        page.screenshot(path=str(shots / "feedback-per-unit-office.png"), full_page=True)
        assert page.get_by_role("cell", name="江州市公路事业发展中心", exact=True).count() == 1
        page.goto(f"{live_server.url}/reports/draft/{own.pk}/")
        page.wait_for_selector("text=已于 2026-06-03 由何组长送达")
        page.screenshot(path=str(shots / "feedback-delivered.png"), full_page=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/reports/")
        page.screenshot(path=str(shots / "feedback-liaison-list.png"), full_page=True)
        rows = page.locator("tbody tr")
        assert rows.count() == 1
        assert own.title in rows.first.inner_text()
        assert "公路事业发展中心" not in page.content()
        with page.expect_download() as info:
            page.click("a:has-text('下载')")
        data = Path(info.value.path()).read_bytes()
        response = page.goto(f"{live_server.url}/reports/draft/{other.pk}/download/")
        assert response.status == 404
        browser.close()
    layout = layout_of(data)
    assert "违规发放津补贴" in layout["text"] and "公路养护资金" not in layout["text"]
    assert "郑联络" in layout["watermark"][0]
