"""Browser: every role's home renders each of its charts without console errors, a click on
a chart's bar and a link in a chart's table view open the records behind it; screenshots at
desktop and phone widths (test-results/screenshots/home-*.png)."""

import os
import random
from pathlib import Path

import pytest

from tests.browser.test_accessibility import AXE, AXE_RUN
from tests.cast import client_for
from tests.stats.world import build_world

SHOTS = Path("test-results/screenshots")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ROLES = [
    "office_staff",
    "leading_group",
    "county_staff",
    "team_member",
    "unit_liaison",
    "custodian",
    "auditor",
    "handover_recipient",
]
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def _watch(page) -> list:
    """Console errors, uncaught exceptions and failed responses of `page`, as they come."""
    errors = []

    def console(m):
        # The browser asks for /favicon.ico on its own (there is none): a failed resource
        # is checked by its address (below) instead of its console line.
        if m.type == "error" and not m.text.startswith("Failed to load resource"):
            errors.append(m.text)

    def response(r):
        if r.status >= 400 and not r.url.endswith("/favicon.ico"):
            errors.append(f"HTTP {r.status} {r.url}")

    page.on("console", console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", response)
    return errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_role_home_renders_its_charts_and_drills_down(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    build_world(cast, random.Random(11), n=8)
    cookies = {key: client_for(cast.users[key]).cookies["sessionid"].value for key in ROLES}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        for key in ROLES:
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height}, locale="zh-CN"
                )
                context.add_cookies(
                    [{"name": "sessionid", "value": cookies[key], "url": live_server.url}]
                )
                page = context.new_page()
                errors = _watch(page)
                page.goto(f"{live_server.url}/")
                charts = page.locator(".xc-chart")
                count = charts.count()
                assert count > 0, key
                page.wait_for_function(
                    "n => document.querySelectorAll('.xc-chart[data-ready=\"1\"] canvas').length >= n",
                    arg=count,
                )
                assert page.locator("details table").count() == count  # a table per chart
                assert errors == [], (key, width_name, errors)
                if width_name == "desktop":  # WCAG 2.1 A/AA as the page crawler checks it
                    page.evaluate(AXE.read_text(encoding="utf-8"))  # not subject to the CSP
                    violations = page.evaluate(AXE_RUN)
                    assert violations == [], (key, violations)
                page.screenshot(path=str(SHOTS / f"home-{key}-{width_name}.png"), full_page=True)
                context.close()

        # Drill-down, office staff: a bar of the stage chart opens the inspections at that
        # stage; a row of the lights table opens the measures of that light.
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.add_cookies(
            [{"name": "sessionid", "value": cookies["office_staff"], "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#chart-stage[data-ready='1'] canvas")
        point = page.evaluate(
            """() => {
              const el = document.getElementById('chart-stage');
              el.scrollIntoView({ block: 'center', behavior: 'instant' });  // a click below the fold hits nothing
              const chart = echarts.getInstanceByDom(el);
              const data = chart.getOption().series[0].data;
              let best = 0;
              data.forEach((d, i) => { if (d.value > data[best].value) best = i; });
              const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [best, data[best].value / 2]);
              const box = el.getBoundingClientRect();
              return { x: box.left + x, y: box.top + y, url: data[best].url };
            }"""
        )
        page.mouse.click(point["x"], point["y"])
        page.wait_for_url(f"**{point['url']}")
        assert "stage=" in page.url
        stage_rows = page.locator("table tbody tr").count()
        assert stage_rows > 0
        page.screenshot(path=str(SHOTS / "home-drilldown-stage.png"), full_page=True)

        page.goto(f"{live_server.url}/")
        page.locator("#chart-lights").locator("xpath=..").locator("summary").click()
        link = page.locator("#table-lights tbody a").first
        href = link.get_attribute("href")
        link.click()
        page.wait_for_url(f"**{href}")
        assert "/rectification/" in page.url and "light=" in page.url
        browser.close()
