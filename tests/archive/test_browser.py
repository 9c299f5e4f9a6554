"""Browser: the office logs a borrowed material, is refused archiving while it is out,
records its return, archives, sees the index and downloads the signed package."""

import os
from pathlib import Path

import pytest

from tests.cast import client_for
from xuncha.archive import package

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


def _as(browser, live_server, user):
    cookie = client_for(user).cookies["sessionid"].value
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_log_return_archive_and_see_the_index(live_server, arch, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cast = arch.cast
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            page = _as(browser, live_server, cast.office_admin)
            page.goto(f"{live_server.url}/archive/")
            page.get_by_role("link", name="第一巡察组").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("立卷归档")

            form = page.locator("#material-form")
            form.get_by_label("材料名称").fill("2025年度会计凭证（第1—12册）")
            form.get_by_label("提供单位").select_option(label="江州市交通运输局")
            form.get_by_label("份数").fill("12")
            form.get_by_label("调阅日期").fill("2026-03-12")
            form.get_by_label("经手人").fill("吕组员")
            form.get_by_role("button", name="登记调阅材料").click()
            expect(page.locator("#materials")).to_contain_text("2025年度会计凭证")
            expect(page.locator("#materials .material-state")).to_have_text("未清退")
            expect(page.locator("#outstanding-warning")).to_be_visible()
            page.screenshot(path=str(SHOTS / "archive-1-material-logged.png"), full_page=True)

            page.get_by_role("button", name="立卷归档").click()
            expect(page.locator(".alert-danger, .alert-error, [role=alert]").first).to_contain_text(
                "尚有调阅材料未清退"
            )
            page.screenshot(path=str(SHOTS / "archive-2-refused.png"), full_page=True)

            row = page.locator("#materials tbody tr").first
            row.get_by_label("清退方式").select_option("returned")
            row.get_by_label("接收人/监销人").fill("交通运输局办公室王某签收")
            row.get_by_role("button", name="登记清退").click()
            expect(page.locator("#materials .material-state")).to_have_text("已退还")

            page.get_by_role("button", name="立卷归档").click()
            expect(page.locator("#archive-number")).to_contain_text("XC")
            expect(page.locator("#inspection-stage")).to_have_text("归档")
            index = page.locator("#archive-index")
            expect(index).to_contain_text("巡察任务与分工")
            expect(index).to_contain_text("附件：谈话记录.pdf")
            expect(index).to_contain_text("调阅材料清退登记")
            expect(index).to_contain_text("审计日志摘录")
            page.screenshot(path=str(SHOTS / "archive-3-index.png"), full_page=True)

            with page.expect_download() as info:
                page.locator("#download").click()
            target = tmp_path / "package.zip"
            info.value.save_as(target)
            assert package.verify(target).files > 5

            page.goto(f"{live_server.url}/archive/")
            expect(page.locator("#inspections")).to_contain_text("XC")
            page.screenshot(path=str(SHOTS / "archive-4-retention.png"), full_page=True)
        finally:
            browser.close()
