"""Browser: the living style page renders every component at desktop and phone widths, its
charts draw, axe-core finds nothing serious, and the console stays clean."""

import os
from pathlib import Path

import pytest

from tests.browser.test_accessibility import ARGS, AXE, AXE_RUN, PHONE_CHECK
from tests.cast import client_for

SHOTS = Path("test-results/screenshots/ui")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_style_page_at_desktop_and_phone(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

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
                page.goto(f"{live_server.url}/system/status/")
                page.click("text=界面规范（组件与颜色含义）")
                page.wait_for_selector("#chart-sample-pie[data-ready='1']")
                assert page.locator(".xc-page-header h1").inner_text() == "界面规范"
                assert page.locator("#ui-button-row .btn-primary").first.inner_text() == "受理"
                refuse = page.locator("#ui-button-row button", has_text="不予受理")
                assert "btn-outline-secondary" in refuse.get_attribute("class")
                # One colour per meaning: every 'danger' badge has the same computed colour.
                colours = page.eval_on_selector_all(
                    ".xc-status-danger",
                    "els => [...new Set(els.map(e => getComputedStyle(e).color))]",
                )
                assert colours == ["rgb(176, 42, 55)"]
                page.evaluate(AXE.read_text(encoding="utf-8"))
                assert page.evaluate(AXE_RUN) == []
                if name == "phone":
                    assert page.evaluate(PHONE_CHECK)["overflow"] <= 2
                page.screenshot(path=str(SHOTS / f"style-{name}.png"), full_page=True)
                assert not errors, errors
                ctx.close()
        finally:
            browser.close()
