"""Two roles log in through the real login form in Chromium and see their Chinese home page."""

import os
from pathlib import Path

import pytest

from tests.cast import PASSWORD

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_roles_log_in_and_see_their_home(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    cases = [
        # (user, text on the home page, menu entry it must show, menu entry it must not show)
        (cast.office_staff, "巡察办工作人员的工作", ("系统", "单位管理"), "审计日志"),
        (cast.unit_liaison, "被巡察单位联络员的工作", None, "单位管理"),
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            for user, panel, shown, hidden in cases:
                context = browser.new_context(
                    locale="zh-CN", viewport={"width": 1280, "height": 800}
                )
                page = context.new_page()
                page.goto(f"{live_server.url}/")
                expect(page).to_have_url(f"{live_server.url}/login/?next=/")
                expect(page.get_by_role("heading", name="用户登录")).to_be_visible()

                # A wrong password first: a clear Chinese message, still on the login page.
                page.get_by_label("用户名").fill(user.username)
                page.get_by_label("密码").fill("wrong-Password1")
                page.get_by_role("button", name="登录").click()
                expect(page.get_by_text("用户名或密码错误")).to_be_visible()

                page.get_by_label("用户名").fill(user.username)
                page.get_by_label("密码").fill(PASSWORD)
                page.get_by_role("button", name="登录").click()
                expect(page).to_have_url(f"{live_server.url}/")
                expect(page.get_by_role("heading", name="工作台")).to_be_visible()
                expect(page.get_by_text(panel)).to_be_visible()
                expect(page.locator("nav")).to_contain_text(user.full_name)
                if shown:
                    group, entry = shown
                    nav = page.locator("nav")
                    expect(nav.get_by_role("link", name=entry)).to_be_hidden()
                    nav.get_by_role("button", name=group).click()  # the menu's dropdown
                    expect(nav.get_by_role("link", name=entry)).to_be_visible()
                expect(page.locator("nav").get_by_role("link", name=hidden)).to_have_count(0)
                assert page.locator("html").get_attribute("lang") == "zh-CN"
                page.screenshot(path=str(SCREENSHOTS / f"home-{user.username}.png"), full_page=True)

                page.get_by_role("button", name="退出").click()
                expect(page.get_by_text("您已安全退出")).to_be_visible()
                context.close()
        finally:
            browser.close()
