"""Browser: the office records a 约谈 for a lagging unit from the ledger, sees it on the unit's
rectification page, then records the reply to a 巡察建议书 on the ledger."""

import os
from datetime import date
from pathlib import Path

import pytest

from tests.rectification.conftest import adopt
from tests.rectification.test_browser import ARGS, _as
from xuncha.rectification import results

SHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_talk_for_a_lagging_unit_and_a_reply_on_the_ledger(live_server, rect):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cast = rect.cast
    adopt(rect)  # measures due 2026-08-31: overdue, so the bureau lags
    letter_item = results.result_create(
        inspection=cast.inspections["a"],
        kind="suggestion_letter",
        subject="建议市财政局规范全市津补贴发放管理",
        recipient="江州市财政局",
        decided_on=date(2026, 6, 5),
        actor=cast.office_staff,
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            office = _as(browser, live_server, cast.office_staff)
            office.goto(f"{live_server.url}/")
            office.get_by_role("button", name="整改监督").click()
            office.get_by_role("link", name="成果运用").click()
            expect(office.locator("h1")).to_contain_text("成果运用台账")
            expect(office.locator("#lagging-units")).to_contain_text("江州市交通运输局")
            office.screenshot(path=str(SHOTS / "results-1-ledger.png"), full_page=True)

            # 约谈 the lagging unit; a talk date before feedback is refused in Chinese
            office.locator("#lagging-units tr", has_text="江州市交通运输局").get_by_role(
                "link", name="约谈"
            ).click()
            office.fill("input[name='held_on']", "2026-05-01")
            office.fill("input[name='talker']", "王主任（市委巡察办）")
            office.fill("input[name='talked_to']", "张局长（局党组书记）")
            office.fill("textarea[name='reason']", "两项整改措施超过完成时限仍未销号")
            office.fill("textarea[name='promises']", "9月30日前完成违规津补贴清退并报送佐证材料")
            office.get_by_role("button", name="登记").click()
            expect(office.locator("body")).to_contain_text("早于反馈日期")
            office.fill("input[name='held_on']", "2026-09-10")
            office.get_by_role("button", name="登记").click()
            expect(office.locator("#talks")).to_contain_text("张局长（局党组书记）")
            expect(office.locator("#talks")).to_contain_text("9月30日前完成违规津补贴清退")
            expect(office.locator("#lagging")).to_contain_text("2 项整改措施已超过完成时限")
            office.screenshot(path=str(SHOTS / "results-2-talk-on-plan.png"), full_page=True)

            # the liaison sees the talk on its own rectification page
            liaison = _as(browser, live_server, cast.unit_liaison)
            liaison.goto(f"{live_server.url}/rectification/plans/{rect.plan.pk}/")
            expect(liaison.locator("#talks")).to_contain_text("两项整改措施超过完成时限仍未销号")

            # hand over the 建议书, then record the reply on the ledger
            office.goto(f"{live_server.url}/rectification/results/")
            expect(office.locator("#stat-talks")).to_have_text("1")
            office.get_by_role("link", name="建议市财政局规范全市津补贴发放管理").click()
            expect(office.locator("#reply-form")).to_have_count(0)  # not sent: no reply
            with office.expect_download() as download:  # the 建议书 itself, as a .docx
                office.get_by_role("link", name="下载巡察建议书（.docx）").click()
            assert download.value.suggested_filename == "letter.docx"
            with open(download.value.path(), "rb") as fh:
                assert fh.read(2) == b"PK"
            office.get_by_role("button", name="交办（发出）").click()
            expect(office.locator("#result-state")).to_have_text("已交办")
            office.fill(
                "#reply-form textarea[name='text']", "已印发《津补贴发放管理办法》，全市开展自查。"
            )
            office.get_by_role("button", name="登记回复").click()
            expect(office.locator("#result-state")).to_have_text("已回复")
            expect(office.locator("#result-reply")).to_contain_text("津补贴发放管理办法")
            office.screenshot(path=str(SHOTS / "results-3-reply.png"), full_page=True)
        finally:
            browser.close()
    letter_item.refresh_from_db()
    assert letter_item.state == "replied" and letter_item.letter.reply_text
