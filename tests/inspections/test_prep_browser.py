"""Browser: the 进驻准备 page — plan drafted and approved, declarations checked, pledges signed,
branch recorded — and 进驻 becomes possible."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.inspections.conftest import set_stage
from tests.inspections.test_browser import ARGS, SHOTS, _as
from tests.inspections.test_workflow import publish_announcement
from xuncha.inspections.prep_models import SecrecyPledge, TemporaryBranch, WorkPlan
from xuncha.plans.models import Declaration, Inspection, TeamMember


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_prep_page_records_everything_and_stationing_opens(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    inspection = cast.inspections["a"]
    set_stage(inspection, Inspection.Stage.PREPARATION)
    start = today + timedelta(days=2)
    Inspection.objects.filter(pk=inspection.pk).update(start=start, end=start + timedelta(days=60))
    publish_announcement(inspection)
    for m in TeamMember.objects.filter(team__inspection=inspection):
        Declaration.objects.create(member=m, submitted_at=timezone.now())
    prep_url = f"{live_server.url}/inspections/{inspection.pk}/prep/"
    day = today.isoformat()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # 1. The leader opens the page from the workspace: everything is missing.
        page = _as(browser, live_server, cast.team_leader)
        page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
        page.click("a:has-text('进驻准备')")
        page.wait_for_selector("#checklist")
        assert page.locator("[data-done='0']").count() == 4
        assert page.locator("#station-button").count() == 0
        page.screenshot(path=SHOTS / "prep-1-missing.png", full_page=True)
        # The leader drafts the work plan (pre-filled from the assignment) and submits it.
        page.click("a:has-text('起草工作方案')")
        assert "江州市交通运输局" in page.input_value("#id_targets")
        page.screenshot(path=SHOTS / "prep-2-work-plan-form.png", full_page=True)
        page.click("button[type=submit]")
        page.click("button:has-text('报领导小组审批')")
        page.wait_for_selector("#work-plan-state:has-text('已报领导小组审批')")
        # ... and records the temporary branch, the leader as its secretary.
        page.click("a:has-text('登记临时党支部')")
        page.fill("#id_established_on", day)
        page.click("button[type=submit]")
        page.wait_for_selector("text=书记：何组长")
        # 2. The leading group approves the plan.
        lg = _as(browser, live_server, cast.leading_group)
        lg.goto(prep_url)
        lg.fill("#approved_on", day)
        lg.click("button:has-text('批准工作方案')")
        lg.wait_for_selector("#work-plan-state:has-text('已批准')")
        # 3. The office checks both declarations and records the leader's paper pledge.
        office = _as(browser, live_server, cast.office_staff)
        office.goto(prep_url)
        for _ in range(2):
            office.click("button:has-text('审核通过') >> nth=0")
            office.wait_for_load_state()
        office.click("tr[data-member='何组长'] a:has-text('登记纸质承诺书')")
        office.fill("#id_signature", "何组长")
        office.click("button[type=submit]")
        office.wait_for_selector("tr[data-member='何组长'] >> text=已签署")
        # 4. The member signs online; a wrong name is refused first.
        member = _as(browser, live_server, cast.team_member)
        member.goto(prep_url)
        member.click("a:has-text('签署承诺书')")
        member.fill("#id_signature", "吕组")
        member.click("button[type=submit]")
        member.wait_for_selector("text=与成员姓名“吕组员”不一致")
        member.screenshot(path=SHOTS / "prep-3-pledge-refused.png", full_page=True)
        assert not SecrecyPledge.objects.filter(member__inspector__name="吕组员").exists()
        member.fill("#id_signature", "吕组员")
        member.click("button[type=submit]")
        member.wait_for_selector("tr[data-member='吕组员'] >> text=已签署")
        # 5. Back to the leader: every condition met, 进驻 is possible.
        page.goto(prep_url)
        assert page.locator("[data-done='0']").count() == 0
        page.wait_for_selector("#station-button")
        page.screenshot(path=SHOTS / "prep-4-ready.png", full_page=True)
        page.click("#station-button")
        page.wait_for_selector("text=巡察已转入“进驻”阶段")
        page.screenshot(path=SHOTS / "prep-5-stationed.png", full_page=True)
        browser.close()
    inspection.refresh_from_db()
    assert inspection.stage == Inspection.Stage.STATIONING
    assert WorkPlan.objects.get(inspection=inspection).state == WorkPlan.State.APPROVED
    assert TemporaryBranch.objects.get(inspection=inspection).secretary.inspector.name == "何组长"
    assert SecrecyPledge.objects.count() == 2
