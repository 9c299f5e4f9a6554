"""Browser: the county office grades a village through the menu (a repeat is refused in
Chinese), sees it in the village coverage by township and grade; the city office sees the
duration warning on its plan. Screenshots in test-results/screenshots/villages-*.png."""

import os
from datetime import date

import pytest

from tests.plans.test_browser import ARGS, SHOTS, _as, _menu
from xuncha.plans.models import Inspection, Term, VillageGrade


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_grade_village_then_coverage_and_duration_warning(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    village = cast.units["village_a"]
    Term.objects.create(
        office=cast.county_a, name="第十五届", start=date(2022, 1, 1), end=date(2030, 12, 31)
    )
    # 巡镇带村: inspection b covers the township and its village, stationed for 60 days.
    insp = cast.inspections["b"]
    Inspection.objects.filter(pk=insp.pk).update(
        kind="village", start=date(2026, 3, 2), end=date(2026, 4, 30)
    )
    insp.units.add(village)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.county_staff)
        page.goto(f"{base}/")
        _menu(page, "巡察计划", "村(社区)分级")
        page.click(f"text={village.name}")
        page.check("input[name=grade][value=key]")
        page.fill("#id_reason", "村集体“三资”管理问题线索集中，群众信访较多")
        page.click("button:has-text('评定等级')")
        page.wait_for_selector("text=已评定临川县青石镇柳溪村为重点")
        assert page.inner_text("#current-grade") == "重点"
        # the same grade again: refused, nothing recorded
        page.check("input[name=grade][value=key]")
        page.fill("#id_reason", "再次评定")
        page.click("button:has-text('重新评定')")
        page.wait_for_selector("#grade-error")
        assert "等级未变化" in page.inner_text("#grade-error")
        page.screenshot(path=str(SHOTS / "villages-grade.png"), full_page=True)
        assert VillageGrade.objects.filter(unit=village).count() == 1
        _menu(page, "巡察计划", "覆盖情况")
        row = page.locator("#village-coverage tr[data-township='临川县青石镇']")
        row.wait_for()
        assert "1 / 1" in row.inner_text()
        assert row.locator("td[data-grade=key]").inner_text() == "1 / 1"
        page.locator("#village-coverage").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "villages-coverage.png"), full_page=True)
        # the city office's plan shows the 60-day village round as a warning, not a block
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/plans/{cast.plan.pk}/")
        warning = page.locator(f"[data-duration-warning='{insp.pk}']")
        assert "长于本办村(社区)巡察一般时长（20—35天）" in warning.inner_text()
        page.screenshot(path=str(SHOTS / "villages-duration.png"), full_page=True)
        browser.close()
