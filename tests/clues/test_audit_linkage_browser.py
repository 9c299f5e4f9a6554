"""Browser: 巡审联动 — the office hands problems over to the audit bureau, the bureau's liaison
records its finding (a bad amount is refused with what was typed kept), and the office reads
the finding on the handover and on the problem."""

import os
from pathlib import Path

import pytest

from tests.cast import make_user
from tests.rectification.test_browser import ARGS, _as
from xuncha.org.models import Role, Unit

SHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_audit_handover_and_finding_through_the_pages(live_server, rect):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cast = rect.cast
    audit_unit = Unit.objects.create(
        name="江州市审计局", kind=Unit.Kind.CITY_DEPARTMENT, office=cast.city
    )
    auditor = make_user(
        "audit_recipient", unit=audit_unit, roles=[Role.HANDOVER_RECIPIENT], full_name="何审计"
    )
    problem = rect.problems[0]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            office = _as(browser, live_server, cast.office_staff)
            office.goto(f"{live_server.url}/clues/handovers/new/")
            office.select_option("select[name='inspection']", str(problem.inspection_id))
            office.select_option("select[name='recipient']", str(audit_unit.pk))
            office.select_option("select[name='kind']", "audit")
            office.fill("input[name='subject']", "专项资金管理使用问题（巡审联动）")
            office.select_option("select[name='problems']", [str(problem.pk)])
            office.get_by_role("button", name="保存").click()
            expect(office.locator("#handover-state")).to_have_text("拟移交")
            expect(office.locator("#audit-findings")).to_contain_text("审计机关尚未登记审计发现")
            office.get_by_role("button", name="发出移交函").click()
            expect(office.locator("#handover-state")).to_have_text("已移交")
            handover_url = office.url

            bureau = _as(browser, live_server, auditor)
            bureau.goto(handover_url)
            form = bureau.locator("#finding-form")
            form.locator("input[name='title']").fill("专项资金未按规定用途使用")
            form.locator("textarea[name='facts']").fill("2025年度挪用专项资金用于办公楼维修。")
            form.locator("input[name='amount']").fill("-5")
            form.locator("input[name='problems']").first.check()
            # the browser's own min=0 check would stop the form: submit past it, as a
            # script or an old browser would, to see the server's Chinese refusal
            bureau.evaluate("document.querySelector('#finding-form').noValidate = true")
            form.get_by_role("button", name="登记审计发现").click()
            expect(bureau.locator("#finding-form")).to_contain_text("大于或等于0")
            expect(bureau.locator("input[name='title']")).to_have_value("专项资金未按规定用途使用")
            bureau.screenshot(path=str(SHOTS / "audit-1-refused.png"), full_page=True)
            bureau.locator("input[name='amount']").fill("86.5")
            bureau.get_by_role("button", name="登记审计发现").click()
            expect(bureau.locator(".alert")).to_contain_text("审计发现已登记")
            expect(bureau.locator("#audit-findings")).to_contain_text("涉及金额 86.50 万元")
            expect(bureau.locator("#audit-findings")).to_contain_text(problem.title)
            bureau.screenshot(path=str(SHOTS / "audit-2-finding.png"), full_page=True)

            office.reload()
            expect(office.locator("#audit-findings")).to_contain_text("专项资金未按规定用途使用")
            expect(office.locator("#finding-form")).to_have_count(0)
            office.goto(f"{live_server.url}/inspections/problems/{problem.pk}/")
            expect(office.locator("#problem-audit-findings")).to_contain_text("涉及金额 86.50 万元")
            office.screenshot(path=str(SHOTS / "audit-3-problem.png"), full_page=True)
        finally:
            browser.close()
