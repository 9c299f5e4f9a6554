"""Browser: the liaison builds a plan, the office returns it, the liaison fixes it and uploads
evidence, the office verifies and closes, the public disclosure page shows it."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.cast import client_for
from tests.rectification.conftest import PDF

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


def _add_measure(page, content, deadline="2026-08-31"):
    page.locator("a.add-measure").first.click()
    page.fill("textarea[name='content']", content)
    page.fill("input[name='responsible_leader']", "张局长")
    page.fill("input[name='lead_department']", "财务科")
    page.fill("input[name='responsible_person']", "李科长")
    page.fill("input[name='deadline']", deadline)
    page.fill("textarea[name='expected_outcome']", "违规资金全部追回")
    page.get_by_role("button", name="保存").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_plan_to_verified_closure_and_public_disclosure(live_server, rect, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cast, plan = rect.cast, rect.plan
    url = f"{live_server.url}/rectification/plans/{plan.pk}/"
    evidence = tmp_path / "整改佐证.pdf"
    evidence.write_bytes(PDF)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            liaison = _as(browser, live_server, cast.unit_liaison)
            liaison.goto(url)
            # a deadline before feedback is refused with a clear message
            liaison.locator("a.add-measure").first.click()
            liaison.fill("textarea[name='content']", "清退违规发放的津补贴")
            liaison.fill("input[name='responsible_leader']", "张局长")
            liaison.fill("input[name='lead_department']", "财务科")
            liaison.fill("input[name='responsible_person']", "李科长")
            liaison.fill("input[name='deadline']", "2026-05-06")
            liaison.get_by_role("button", name="保存").click()
            expect(liaison.locator("body")).to_contain_text("早于反馈日期")
            liaison.goto(url)
            _add_measure(liaison, "清退违规发放的津补贴")
            _add_measure(liaison, "规范政府采购程序")
            expect(liaison.locator("#measures")).to_contain_text("规范政府采购程序")
            liaison.screenshot(path=str(SHOTS / "rectification-1-plan-built.png"), full_page=True)
            liaison.get_by_role("button", name="报送审核").click()
            expect(liaison.locator("#plan-state")).to_have_text("待审核")

            office = _as(browser, live_server, cast.office_staff)
            office.goto(url)
            office.fill("textarea[name='comment']", "第二项措施过于笼统，请细化时间节点。")
            office.get_by_role("button", name="退回修改").click()
            expect(office.locator("#plan-state")).to_have_text("已退回")

            liaison.goto(url)
            expect(liaison.locator("#return-comment")).to_contain_text("第二项措施过于笼统")
            liaison.screenshot(path=str(SHOTS / "rectification-2-returned.png"), full_page=True)
            liaison.get_by_role("link", name="修改").nth(1).click()
            liaison.fill(
                "textarea[name='content']",
                "规范政府采购程序：7月底前修订采购内控制度，8月底前完成全面自查",
            )
            liaison.get_by_role("button", name="保存").click()
            liaison.get_by_role("button", name="修改后重新报送").click()
            expect(liaison.locator("#plan-state")).to_have_text("待审核")

            office.goto(url)
            office.get_by_role("button", name="审核通过").click()
            expect(office.locator("#plan-state")).to_have_text("已通过")

            liaison.goto(url)
            liaison.get_by_role("link", name="清退违规发放的津补贴").click()
            liaison.fill("textarea[name='text']", "已追回违规资金12.6万元，相关人员已作检讨。")
            liaison.set_input_files("input[name='files']", str(evidence))
            liaison.check("input[name='request_verification']")
            liaison.get_by_role("button", name="报送进展").click()
            expect(liaison.locator("#measure-state")).to_have_text("待核验")
            expect(liaison.locator("#verify-form")).to_have_count(0)  # the unit cannot close
            measure_url = liaison.url

            office.goto(measure_url)
            expect(office.locator("body")).to_contain_text("整改佐证.pdf")
            office.select_option("select[name='decision']", "approve")
            office.fill("textarea[name='reason']", "佐证材料齐全，资金已追回，同意销号。")
            office.get_by_role("button", name="提交核验意见").click()
            expect(office.locator("#measure-state")).to_have_text("已销号")
            office.screenshot(path=str(SHOTS / "rectification-3-closed.png"), full_page=True)

            liaison.goto(f"{url}disclosure/")
            liaison.get_by_role("button", name="保存公开文本").click()
            liaison.get_by_role("button", name="报送审批").click()
            office.goto(f"{url}disclosure/")
            office.get_by_role("button", name="审批并公开").click()  # refused: no approvals yet
            expect(office.locator("body")).to_contain_text("不能公开：党内通报尚未经巡察机构审批")
            office.get_by_role("link", name="党内通报、社会公开及不予公开事项审批").click()
            office.get_by_role("button", name="批准党内通报").click()
            expect(office.locator("#version-internal")).to_contain_text("已批准")
            office.get_by_role("button", name="批准社会公开").click()
            expect(office.locator("#version-public")).to_contain_text("已批准")
            office.screenshot(path=str(SHOTS / "rectification-4a-approvals.png"), full_page=True)
            office.get_by_role("button", name="发布").click()
            expect(office.locator("#disclosure-state")).to_have_text("已公开")
            expect(office.locator("body")).to_contain_text("发布日期：")

            public = browser.new_context(locale="zh-CN").new_page()
            public.goto(f"{live_server.url}/public/disclosures/")
            public.get_by_role("link", name="江州市交通运输局关于巡察整改进展情况的通报").click()
            expect(public.locator("#completion")).to_contain_text("完成率 50%")
            expect(public.locator("body")).to_contain_text("【已整改】")
            expect(public.locator("#timeline")).to_contain_text("整改方案审核通过")
            expect(public.locator("#published-date")).to_contain_text(
                f"发布日期：{timezone.localdate():%Y年%-m月%-d日}"
            )
            public.screenshot(
                path=str(SHOTS / "rectification-4-public-disclosure.png"), full_page=True
            )
        finally:
            browser.close()
