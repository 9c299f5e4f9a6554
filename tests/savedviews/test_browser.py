"""Browser: filter the statistics page, save it as a view, reopen it from 我的视图."""

import os
from pathlib import Path

import pytest

from tests.cast import client_for

SHOTS = Path("test-results/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_save_a_statistics_filter_and_reopen_it(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cookie = client_for(cast.office_staff).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "response",
            lambda r: (
                errors.append(r.url)
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )
        page.goto(f"{live_server.url}/stats/")
        page.fill("#id_year", "2026")
        page.select_option("#id_quarter", "1")
        page.click("#stats-filter button")
        page.wait_for_selector("#stats-table")
        page.fill("#saved-view-name", "一季度统计")
        page.click("#saved-view-save button")
        page.wait_for_selector("text=已保存视图“一季度统计”。")

        page.goto(f"{live_server.url}/stats/")  # the bare page, no filter
        assert "2026年第1季度" not in page.inner_text("body")
        page.click("#saved-views-menu")
        page.wait_for_selector("#saved-views .dropdown-menu.show")
        page.screenshot(path=str(SHOTS / "saved-views-menu.png"), full_page=False)
        page.click("#saved-views .dropdown-menu >> text=一季度统计")
        page.wait_for_selector("#stats-table")
        assert page.url.endswith("/stats/?quarter=1&year=2026")
        assert "2026年第1季度" in page.inner_text("body")
        assert page.input_value("#id_year") == "2026"
        page.screenshot(path=str(SHOTS / "saved-views-reopened.png"), full_page=False)
        assert not errors, errors
        browser.close()
