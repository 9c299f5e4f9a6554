"""In Chromium: a flagged advert passage on the register and a staff member clearing it;
a duplicate group proposed and confirmed. Screenshots go to test-results/screenshots/ (or $XUNCHA_SHOTS)."""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.analytics.conftest import ADVERT, COMPLAINT, REWORDED, enter
from tests.cast import client_for
from xuncha.analytics.models import DuplicateMember, SpamFlag
from xuncha.petitions.models import Submission

SHOTS = Path(os.environ.get("XUNCHA_SHOTS", "test-results/screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flag_cleared_and_duplicate_confirmed(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    flagged = enter(cast, COMPLAINT + "\n" + ADVERT)
    repeat = enter(cast, REWORDED, channel="call")
    session = client_for(cast.office_staff).cookies[settings.SESSION_COOKIE_NAME].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/petitions/?tab=spam")
        expect(page.locator("#register-tabs .active")).to_have_text("疑似垃圾")
        expect(page.get_by_role("link", name=flagged.number)).to_be_visible()
        page.screenshot(path=SHOTS / "1-register-spam-tab.png", full_page=True)
        page.get_by_role("link", name=flagged.number).click()
        passage = page.locator(".flagged-passage")
        expect(passage).to_contain_text("abc12345")
        expect(passage).to_contain_text("含微信号等联系方式")
        page.screenshot(path=SHOTS / "2-detail-flagged-passage.png", full_page=True)
        page.get_by_placeholder("说明（可选）").fill("举报人误贴")
        page.get_by_role("button", name="不是垃圾信息，清除标记").click()
        expect(page.locator("#spam-flag")).to_contain_text("已排除")
        page.screenshot(path=SHOTS / "3-flag-cleared.png", full_page=True)
        assert SpamFlag.objects.get(submission=flagged).state == "cleared"

        expect(page.locator("#duplicate-groups")).to_be_visible()
        page.locator("#duplicate-groups a").first.click()
        expect(page.locator(".member")).to_contain_text(repeat.number)
        expect(page.locator("#reporters")).to_contain_text("不同反映人")
        page.screenshot(path=SHOTS / "4-duplicate-group.png", full_page=True)
        page.get_by_role("button", name="确认重复并合并").click()
        expect(page.locator(".member .xc-status")).to_have_text("已确认重复")
        page.screenshot(path=SHOTS / "5-duplicate-confirmed.png", full_page=True)
        assert DuplicateMember.objects.get().state == "confirmed"
        assert Submission.objects.get(pk=repeat.pk).merged_into_id == flagged.pk

        page.goto(f"{live_server.url}/analytics/")
        expect(page.get_by_role("heading", name="群众反映分析")).to_be_visible()
        page.screenshot(path=SHOTS / "6-analytics-overview.png", full_page=True)
        browser.close()
