"""Browser: the city office assigns a cross inspection (team from 临川县, units of 安平区),
composes the team from 临川县's pool, and 安平区's office finds it credited on its coverage
page. Screenshots in test-results/screenshots/cross-*.png."""

import os
from datetime import date

import pytest

from tests.plans.test_browser import ARGS, SHOTS, _as
from xuncha.plans import services
from xuncha.plans.models import Inspection, Inspector, Term


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_assign_cross_inspection_compose_team_and_credit(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    plan = services.plan_create(term=cast.term, year=2025, actor=cast.office_admin)
    rnd = services.round_create(
        plan=plan, start=date(2025, 3, 3), end=date(2025, 4, 30), actor=cast.office_admin
    )
    b_term = Term.objects.create(
        office=cast.county_b, name="第十五届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    Inspector.objects.create(office=cast.county_a, name="林组长", expertise=["纪检监察", "财务"])
    Inspector.objects.create(office=cast.county_a, name="陶干部", expertise=["组织"])
    Inspector.objects.create(office=cast.county_b, name="安平本地干部", expertise=["纪检监察"])
    township = cast.units["township_b"]
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/plans/rounds/{rnd.pk}/assign/")
        page.select_option("#id_kind", "cross")
        page.select_option("#id_units", str(township.pk))
        page.select_option("#id_team_office", str(cast.county_a.pk))
        page.screenshot(path=str(SHOTS / "cross-assign.png"), full_page=True)
        page.click("button:has-text('保存并组建巡察组')")
        page.wait_for_selector("#direction")
        assert "交叉巡察：临川县巡察组 → 安平区" in page.inner_text("#direction")
        table = page.inner_text("#compose-table")
        assert "林组长" in table and "安平本地干部" not in page.content()
        page.select_option("tr[data-inspector='林组长'] select", "leader")
        page.select_option("tr[data-inspector='陶干部'] select", "member")
        page.click("#save-team")
        page.wait_for_selector("text=巡察组已组建")
        page.screenshot(path=str(SHOTS / "cross-team.png"), full_page=True)
        insp = Inspection.objects.get(kind="cross")
        assert insp.team_office == cast.county_a
        assert set(insp.team.members.values_list("inspector__name", flat=True)) == {
            "林组长",
            "陶干部",
        }
        # Stationed: 安平区's office sees it credited to its own term.
        Inspection.objects.filter(pk=insp.pk).update(stage=Inspection.Stage.STATIONING)
        page = _as(browser, live_server, cast.county_b_staff)
        page.goto(f"{base}/plans/coverage/?term={b_term.pk}")
        row = page.locator(f"#credited tr[data-credited='{insp.pk}']")
        row.wait_for()
        text = row.inner_text()
        assert "交叉巡察：临川县巡察组 → 安平区" in text and "已计入本届覆盖" in text
        row.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "cross-coverage.png"), full_page=True)
        browser.close()
