"""Browser: compose a team (a conflict is blocked), submit and approve the plan, open coverage."""

import os
from datetime import date
from pathlib import Path

import pytest

from tests.cast import client_for
from xuncha.plans import services
from xuncha.plans.models import AnnualPlan, Inspector

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
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


def _menu(page, group, item):
    """Follow a menu entry: the menu groups entries under dropdowns, so open it first."""
    nav = page.locator("nav")
    nav.get_by_role("link", name=group).or_(nav.get_by_role("button", name=group)).first.click()
    nav.get_by_role("link", name=item).first.click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_compose_team_conflict_approve_coverage(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    plan = services.plan_create(term=cast.term, year=2025, actor=cast.office_admin)
    rnd = services.round_create(
        plan=plan, start=date(2025, 3, 3), end=date(2025, 4, 30), actor=cast.office_admin
    )
    insp = services.inspection_create(
        round=rnd, kind="regular", units=[cast.units["discipline"]], actor=cast.office_admin
    )
    leader = Inspector.objects.create(
        office=cast.city, name="韩组长", rank="二级调研员", expertise=["纪检监察", "财务"]
    )
    member = Inspector.objects.create(office=cast.city, name="秦干部", expertise=["组织"])
    conflicted = Inspector.objects.create(
        office=cast.city, name="曹回避", home_unit=cast.units["discipline"], expertise=["纪检监察"]
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            page = _as(browser, live_server, cast.office_staff)
            page.goto(f"{live_server.url}/plans/inspections/{insp.pk}/team/?add={conflicted.pk}")
            row = page.locator(f"tr[data-inspector='{conflicted.name}']")
            expect(row).to_contain_text("须回避")
            page.select_option(f"select[name='role_{conflicted.pk}']", "leader")
            page.select_option(f"select[name='role_{member.pk}']", "member")
            page.click("#save-team")
            expect(page.locator("#compose-error")).to_contain_text("曹回避")
            expect(page.locator("#compose-error")).to_contain_text("须回避")
            page.screenshot(path=str(SHOTS / "plans-conflict-blocked.png"), full_page=True)
            page.select_option(f"select[name='role_{conflicted.pk}']", "")
            page.select_option(f"select[name='role_{leader.pk}']", "leader")
            page.click("#save-team")
            expect(page.get_by_text("巡察组已组建")).to_be_visible()
            page.screenshot(path=str(SHOTS / "plans-team-composed.png"), full_page=True)
            assert {m.inspector_id for m in insp.team.members.all()} == {leader.pk, member.pk}

            page.goto(f"{live_server.url}/plans/{plan.pk}/")
            page.click("button[data-transition='submitted']")
            expect(page.locator("#plan-state")).to_have_text("已报审")

            lead = _as(browser, live_server, cast.leading_group)
            lead.goto(f"{live_server.url}/")
            _menu(lead, "巡察计划", "计划管理")
            lead.goto(f"{live_server.url}/plans/{plan.pk}/")
            lead.click("button[data-transition='approved']")
            expect(lead.locator("#plan-state")).to_have_text("已批准")
            lead.screenshot(path=str(SHOTS / "plans-approved.png"), full_page=True)
            assert AnnualPlan.objects.get(pk=plan.pk).state == "approved"

            _menu(lead, "巡察计划", "覆盖情况")
            expect(lead.get_by_role("heading", name="巡察全覆盖情况")).to_be_visible()
            expect(lead.locator("#coverage-rate")).to_be_visible()
            expect(lead.locator("#progress-chart canvas")).to_have_count(1)
            expect(lead.locator("#subordinates")).to_contain_text("临川县委巡察办")
            lead.screenshot(path=str(SHOTS / "plans-coverage.png"), full_page=True)

            # After approval a round is adjusted only with a reason, which the history shows.
            page.goto(f"{live_server.url}/plans/{plan.pk}/")
            page.click(f"a[data-edit-round='{rnd.pk}']")
            page.fill("input[name='start']", "2025-03-10")
            page.fill("input[name='end']", "2025-05-09")
            page.get_by_role("button", name="保存调整").click()
            expect(page.locator("main form")).to_contain_text("调整须填写调整理由")
            page.fill("input[name='start']", "2025-03-10")
            page.fill("input[name='end']", "2025-05-09")
            page.fill("input[name='reason']", "避开全市重点工作")
            page.get_by_role("button", name="保存调整").click()
            expect(page.get_by_text("理由：避开全市重点工作")).to_be_visible()
            page.screenshot(path=str(SHOTS / "plans-round-adjusted.png"), full_page=True)
        finally:
            browser.close()
