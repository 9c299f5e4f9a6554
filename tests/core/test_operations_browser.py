"""Browser: the system administrator reads the operations overview on the status page —
warnings first, then backup, audit chain, keys, disk and certificate — at desktop and phone
width, axe-core clean, console clean."""

import os
from pathlib import Path

import pytest

from tests.browser.test_accessibility import ARGS, AXE, AXE_RUN, PHONE_CHECK
from tests.cast import client_for
from xuncha.core import backup

SHOTS = Path("test-results/screenshots/operations")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_operations_overview_in_the_browser(live_server, cast, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    manifest = backup.backup(tmp_path / "b")
    backup.verify_recorded(tmp_path / "b" / manifest["id"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    cookie = client_for(cast.sysadmin).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            for name, viewport in (("desktop", (1366, 900)), ("phone", (390, 844))):
                ctx = browser.new_context(
                    viewport={"width": viewport[0], "height": viewport[1]},
                    locale="zh-CN",
                    is_mobile=name == "phone",
                )
                ctx.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
                page = ctx.new_page()
                errors = []
                page.on("console", lambda m, out=errors: m.type == "error" and out.append(m.text))
                page.on("pageerror", lambda e, out=errors: out.append(str(e)))
                page.goto(f"{live_server.url}/")
                if name == "desktop":  # through the menu: 系统 → 运行状态与运维
                    nav = page.locator("nav")
                    nav.get_by_role("button", name="系统").or_(
                        nav.get_by_role("link", name="系统")
                    ).first.click()
                    nav.get_by_role("link", name="运行状态与运维").click()
                else:
                    page.goto(f"{live_server.url}/system/status/")
                page.wait_for_selector("#ops-warnings")
                assert page.locator("h1").first.inner_text() == "系统运行状态与运维"
                backup_card = page.locator("#ops-backup")
                assert "最近一次备份已完成并校验通过" in backup_card.inner_text()
                assert manifest["id"] in backup_card.inner_text()
                warnings = page.locator("#ops-warnings-box").inner_text()
                assert "审计链：尚无签名检查点" in warnings
                assert "备份：" not in warnings
                assert "数据目录" in page.locator("#ops-disk").inner_text()
                page.evaluate(AXE.read_text(encoding="utf-8"))
                assert page.evaluate(AXE_RUN) == []
                if name == "phone":
                    assert page.evaluate(PHONE_CHECK)["overflow"] <= 2
                page.screenshot(path=str(SHOTS / f"operations-{name}.png"), full_page=True)
                assert not errors, errors
                ctx.close()
        finally:
            browser.close()
