"""Browser: the leader records a 组务会; the office records the 领导小组会议 and the 书记专题会
with a decision per problem, moves to 反馈, gives the feedback (document, delivery, the
feedback meeting); the unit's liaison uploads the signed receipt. Screenshots in
test-results/screenshots/stay-*.png."""

import os
from datetime import date
from pathlib import Path

import pytest

from tests.cast import client_for
from tests.reports.test_browser import ARGS, SHOTS
from tests.stay import set_stage, with_problems
from xuncha.inspections.models import LeadingGroupReview, Problem
from xuncha.inspections.stay_models import ResultDecision, TeamMeeting
from xuncha.plans.models import Inspection
from xuncha.reports.models import FeedbackMeeting, FeedbackReceipt, ReportDraft

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _context(browser, live_server, user):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    cookie = client_for(user).cookies["sessionid"].value
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_team_meeting_reviews_feedback_meeting_and_receipt(live_server, cast, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    a = cast.inspections["a"]
    p1, p2 = with_problems(cast)
    receipt_file = tmp_path / "签收回执.pdf"
    receipt_file.write_bytes(PDF)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # 1. the team leader records a 组务会 from the workspace
        page = _context(browser, live_server, cast.team_leader)
        page.goto(f"{base}/inspections/{a.pk}/")
        page.click("#stay a:has-text('登记组务会')")
        page.fill("#id_held_on", "2026-03-09")
        page.fill("#id_topic", "研究个别谈话安排")
        page.fill("#id_attendees", "何组长、吕组员")
        page.fill("#id_resolutions", "1.谈话名单分组推进；2.调阅工程项目合同。")
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=组务会纪要已登记")
        page.screenshot(path=str(SHOTS / "stay-records.png"), full_page=True)
        assert TeamMeeting.objects.get(inspection=a).recorded_by == cast.team_leader
        # 2. at 审议 the office records both reviews, deciding each problem
        set_stage(a, Inspection.Stage.REVIEW)
        page = _context(browser, live_server, cast.office_staff)
        page.goto(f"{base}/inspections/{a.pk}/")
        page.wait_for_selector("text=书记专题会尚未听取")
        page.click("#stay a:has-text('登记审议及成果运用决定')")
        page.select_option("#id_body", "leading_group")
        page.fill("#id_held_on", "2026-06-02")
        page.fill("#id_decision", "原则同意巡察报告。")
        page.uncheck(f"input[name=dec_{p1.pk}][value=feedback]")
        page.click("button:has-text('登记')")
        page.wait_for_selector("text=尚未决定：001、002")  # refused: each problem needs a use
        page.screenshot(path=str(SHOTS / "stay-review-refused.png"), full_page=True)
        page.check(f"input[name=dec_{p1.pk}][value=feedback]")
        page.check(f"input[name=dec_{p2.pk}][value=handover]")
        page.click("button:has-text('登记')")
        page.wait_for_selector("text=审议及成果运用决定已登记")
        page.goto(f"{base}/inspections/{a.pk}/reviews/decide/")
        assert page.input_value("#id_body") == "secretary"
        page.fill("#id_held_on", "2026-06-04")
        page.fill("#id_decision", "同意反馈、移交。")
        page.check(f"input[name=dec_{p1.pk}][value=talk]")
        page.screenshot(path=str(SHOTS / "stay-review-form.png"), full_page=True)
        page.click("button:has-text('登记')")
        page.wait_for_selector("text=审议程序已完成，可以反馈")
        page.screenshot(path=str(SHOTS / "stay-reviews-done.png"), full_page=True)
        # 3. 反馈: move the stage, generate, finalise and deliver the feedback
        page.goto(f"{base}/inspections/{a.pk}/")
        page.fill("[data-step=feedback] input[name=feedback_date]", "2026-06-08")
        page.click("[data-step=feedback] button")
        page.wait_for_selector("text=巡察已转入“反馈”阶段")
        page.goto(f"{base}/reports/inspection/{a.pk}/")
        page.select_option("#id_kind", "feedback")
        page.click("button:has-text('生成 / 重新生成')")
        page.wait_for_selector("text=已按被巡察单位分别生成反馈意见 1 份")
        draft = ReportDraft.objects.get(inspection=a, kind="feedback")
        assert list(draft.problems.values_list("number", flat=True)) == ["001"]
        page.goto(f"{base}/reports/draft/{draft.pk}/")
        page.click("button:has-text('定稿')")
        page.wait_for_selector("text=已定稿")
        page.fill("#id_delivered_on", "2026-06-10")
        page.click("button:has-text('登记送达')")
        page.wait_for_selector("text=已登记送达")
        page.click("a:has-text('反馈会、向主要负责人反馈与签收回执')")
        page.fill("#feedback-meeting #id_held_on", "2026-06-09")
        page.fill("#feedback-meeting #id_attendees", "交通运输局领导班子成员；巡察办有关同志")
        page.fill("#feedback-meeting #id_delivered_by", "何组长")
        page.click("button:has-text('登记反馈会')")
        page.wait_for_selector("text=反馈会已登记")
        page.screenshot(path=str(SHOTS / "stay-feedback-office.png"), full_page=True)
        # 4. the bureau's liaison uploads the signed receipt
        page = _context(browser, live_server, cast.unit_liaison)
        page.goto(f"{base}/reports/")
        page.click("a:has-text('反馈送达与签收')")
        page.fill("#id_signed_on", "2026-06-10")
        page.fill("#id_signed_by", "张局长")
        page.set_input_files("#id_file", str(receipt_file))
        page.click("button:has-text('上传签收回执')")
        page.wait_for_selector("text=签收回执已上传")
        page.screenshot(path=str(SHOTS / "stay-receipt-liaison.png"), full_page=True)
        # 5. the workspace timeline shows every record in order
        page = _context(browser, live_server, cast.office_staff)
        page.goto(f"{base}/inspections/{a.pk}/")
        kinds = page.locator("#timeline li").evaluate_all(
            "items => items.map(li => li.dataset.kind)"
        )
        page.locator("#stay").screenshot(path=str(SHOTS / "stay-timeline.png"))
        browser.close()
    assert kinds == ["组务会", "审议", "审议", "反馈会", "反馈意见送达", "签收回执"]
    assert [r.body for r in LeadingGroupReview.objects.order_by("held_on")] == [
        "leading_group",
        "secretary",
    ]
    assert ResultDecision.objects.filter(review__body="secretary").count() == 3
    assert FeedbackMeeting.objects.get().delivered_by == "何组长"
    receipt = FeedbackReceipt.objects.get()
    assert receipt.uploaded_by == cast.unit_liaison and receipt.signed_on == date(2026, 6, 10)
    assert Problem.objects.get(pk=p2.pk).in_feedback is False
    assert Path(SHOTS / "stay-timeline.png").exists()
