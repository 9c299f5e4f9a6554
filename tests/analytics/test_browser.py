"""Browser: an inspection's hot issues, drill into one, turn it into a problem; search.

g's duplicate groups are not on this branch: the journey's "confirm a duplicate group"
step is left out here (merging duplicates is covered by test_hot.py through the service).
"""

import os
from pathlib import Path

import pytest

from tests.analytics.helpers_hot import enter
from tests.analytics.test_hot import CANTEEN, NOISE
from tests.inspections.test_browser import ARGS, _as
from xuncha.analytics import topics
from xuncha.inspections.models import Problem
from xuncha.petitions.models import SubmissionLink

SHOTS = Path(os.environ.get("XUNCHA_SHOTS", "test-results/screenshots"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_hot_issue_to_problem(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    for i, text in enumerate(CANTEEN):
        enter(cast, text, unit="江州市交通运输局", category="eight_rules", days_ago=i)
    for i, text in enumerate(NOISE):
        enter(cast, text, days_ago=20 + i * 9, category="work")
    topics.recompute()
    inspection = cast.inspections["a"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.team_leader)
        page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
        page.wait_for_selector("#hot-panel")
        page.click("#hot-panel a:has-text('全部热点问题')")
        page.wait_for_selector("tr.hot-issue")
        page.wait_for_function("() => document.querySelector('#hot-trend canvas') !== null")
        page.screenshot(path=SHOTS / "hot-1-inspection.png", full_page=True)
        assert "异常增长" in page.inner_text("body")
        page.click("tr.hot-issue >> nth=0 >> a")
        page.wait_for_selector("tr.hot-member")
        assert page.locator("tr.hot-member").count() == len(CANTEEN)
        page.screenshot(path=SHOTS / "hot-2-issue.png", full_page=True)
        page.select_option("#p-category", "B4")
        page.click("button:has-text('登记为问题')")
        page.wait_for_selector("text=已登记问题")
        page.screenshot(path=SHOTS / "hot-3-problem.png", full_page=True)
        problem = Problem.objects.get(inspection=inspection)
        assert problem.unit == cast.units["bureau"]
        assert SubmissionLink.objects.filter(object_id=str(problem.pk)).count() == len(CANTEEN)
        # The new problem is found by the search box in the top bar.
        page.fill("input[aria-label='全文检索']", "食堂")
        page.press("input[aria-label='全文检索']", "Enter")
        page.wait_for_selector(".search-result")
        page.screenshot(path=SHOTS / "hot-4-search.png", full_page=True)
        assert page.locator(".search-result mark").count() >= 1
        browser.close()
