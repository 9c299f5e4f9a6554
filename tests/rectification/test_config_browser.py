"""Browser: the office administrator opens 整改工作设置 from the menu, a contradictory pair of
thresholds is refused with the typed values kept, then the disclosure deadline and a
co-reviewer are saved."""

import os
from pathlib import Path

import pytest

from tests.rectification.test_browser import ARGS, _as
from xuncha.rectification.services import config_for

SHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_office_admin_sets_rectification_settings(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            page = _as(browser, live_server, cast.office_admin)
            page.goto(f"{live_server.url}/")
            page.get_by_role("button", name="系统").click()
            page.get_by_role("link", name="整改工作设置").click()
            expect(page.locator("h1")).to_contain_text("整改工作设置（江州市委巡察办）")
            page.fill("input[name='yellow_days']", "12")
            page.fill("input[name='red_days']", "8")
            page.get_by_role("button", name="保存设置").click()
            expect(page.locator("body")).to_contain_text("须少于")
            expect(page.locator("input[name='yellow_days']")).to_have_value("12")
            page.screenshot(path=str(SHOTS / "rect-config-1-refused.png"), full_page=True)
            page.fill("input[name='yellow_days']", "5")
            page.fill("input[name='red_days']", "10")
            page.fill("input[name='disclosure_due_working_days']", "15")
            page.select_option("select[name='public_approver']", "leading_group")
            page.select_option("select[name='co_reviewers']", [str(cast.units["discipline"].pk)])
            page.get_by_role("button", name="保存设置").click()
            expect(page.locator(".alert")).to_contain_text("整改工作设置已保存")
            expect(page.locator("input[name='disclosure_due_working_days']")).to_have_value("15")
            page.screenshot(path=str(SHOTS / "rect-config-2-saved.png"), full_page=True)
        finally:
            browser.close()
    saved = config_for(cast.city)
    assert saved.disclosure_due_working_days == 15 and saved.public_approver == "leading_group"
    assert list(saved.co_reviewers.all()) == [cast.units["discipline"]]
