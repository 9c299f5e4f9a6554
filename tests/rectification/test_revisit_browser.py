"""Browser: the revisit team opens the 回头看 from the inspection workspace, starts it,
records findings (one 未到位 with an evidence file on a problem closed as rectified) and
sees the list of original problems still open; the plan shows the reopening.
Screenshots in test-results/screenshots/revisit-*.png."""

import os

import pytest

from tests.cast import client_for
from tests.rectification.revisit_world import build_revisit_world
from tests.reports.test_browser import ARGS, SHOTS
from xuncha.rectification.models import Measure
from xuncha.rectification.revisit_models import RevisitItem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _page(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    cookie = client_for(user).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_start_revisit_record_findings_see_open_list(live_server, rect, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cast = rect.cast
    rw = build_revisit_world(rect)
    evidence = tmp_path / "抽查记录.pdf"
    evidence.write_bytes(PDF)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _page(browser, live_server, cast.other_member)
        page.goto(f"{base}/inspections/{rw.inspection.pk}/")
        page.click("#revisit-link")
        page.click("#revisit-start")
        page.wait_for_selector("text=核查清单 2 项")
        page.screenshot(path=str(SHOTS / "revisit-checklist.png"), full_page=True)
        first, second = RevisitItem.objects.order_by("problem__number")
        # a finding without text is refused with a Chinese message
        page.select_option(f"#finding-{first.pk}", "not_done")
        page.click(f"#item-{first.pk} button:has-text('记录核查结论')")
        page.wait_for_selector("text=请填写核查情况及佐证")
        page.select_option(f"#finding-{first.pk}", "not_done")
        page.fill(f"#text-{first.pk}", "抽查发现仍有3笔津补贴未追回。")
        page.set_input_files(f"#file-{first.pk}", str(evidence))
        page.click(f"#item-{first.pk} button:has-text('记录核查结论')")
        page.wait_for_selector("text=已销号的整改措施已重新打开整改")
        page.select_option(f"#finding-{second.pk}", "done")
        page.fill(f"#text-{second.pk}", "采购制度已修订并执行。")
        page.click(f"#item-{second.pk} button:has-text('记录核查结论')")
        page.wait_for_selector("text=仍未整改到位的原问题（1 项）")
        assert "违规发放津补贴" in page.inner_text("#revisit-open")
        assert "政府采购程序不规范" not in page.inner_text("#revisit-open")
        page.click("#revisit-report")
        page.wait_for_selector("#revisit-state:has-text('已形成报告')")
        page.screenshot(path=str(SHOTS / "revisit-findings.png"), full_page=True)
        assert Measure.objects.get(pk=rw.measures[0].pk).state == Measure.State.OPEN
        # the office sees the reopening on the plan
        page = _page(browser, live_server, cast.office_staff)
        page.goto(f"{base}/rectification/plans/{rect.plan.pk}/")
        page.wait_for_selector("text=回头看：问题 A-001 重新整改")
        page.screenshot(path=str(SHOTS / "revisit-plan.png"), full_page=True)
        browser.close()
