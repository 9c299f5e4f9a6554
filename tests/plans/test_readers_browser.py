"""Browser: the office names the discipline commission as a reader; its liaison finds the
approved plan and the final report through the menu and downloads the report."""

import os
from pathlib import Path

import pytest

from tests.rectification.test_browser import ARGS, _as
from xuncha.reports.models import ReportDraft

SHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_discipline_commission_reads_plan_and_report(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    ReportDraft.objects.create(
        inspection=cast.inspections["a"],
        kind=ReportDraft.Kind.REPORT,
        title="江州市委第一巡察组关于巡察江州市交通运输局党组的情况报告",
        state=ReportDraft.State.FINAL,
        sections=[{"heading": "一、总体情况", "level": 1, "text": "正文"}],
        created_by=cast.team_leader,
        updated_by=cast.team_leader,
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            admin = _as(browser, live_server, cast.office_admin)
            admin.goto(f"{live_server.url}/plans/settings/")
            admin.select_option("select[name='readers']", [str(cast.units["discipline"].pk)])
            admin.get_by_role("button", name="保存设置").click()
            expect(admin.locator(".alert")).to_contain_text("设置已保存")

            reader = _as(browser, live_server, cast.handover_recipient)
            reader.goto(f"{live_server.url}/")
            reader.get_by_role("link", name="计划管理").click()
            reader.get_by_role("link", name="2026").first.click()
            expect(reader.locator("body")).to_contain_text("第1轮")
            reader.screenshot(path=str(SHOTS / "readers-1-plan.png"), full_page=True)
            reader.get_by_role("button", name="巡察实施").click()  # with 移交办理
            reader.get_by_role("link", name="巡察文书").click()
            expect(reader.locator("table")).to_contain_text("交通运输局党组的情况报告")
            reader.screenshot(path=str(SHOTS / "readers-2-documents.png"), full_page=True)
            with reader.expect_download() as download:
                reader.get_by_role("link", name="下载").click()
            with open(download.value.path(), "rb") as fh:
                assert fh.read(2) == b"PK"
        finally:
            browser.close()
