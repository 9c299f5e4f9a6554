"""The whole anonymous path in a real browser, at phone and desktop widths."""

import os
from pathlib import Path

import pytest

from tests.petitions.conftest import make_announcement
from xuncha.petitions import services
from xuncha.petitions.models import Attachment, Message, Submission

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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("label", "viewport"),
    [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})],
)
def test_anonymous_path(live_server, cast, tmp_path, label, viewport):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    a = make_announcement(cast)
    evidence = tmp_path / "现场照片说明.txt"
    evidence.write_text("工程验收单据照片说明：签字人为王某某。", encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        page.goto(f"{live_server.url}/public/")
        page.click(f"text={a.title}")
        page.wait_for_selector("text=受理截止日期")
        page.screenshot(path=SHOTS / f"petitions-{label}-1-announcement.png", full_page=True)
        page.click("a.btn:has-text('我要反映')")
        page.select_option("select[name=category]", "integrity")
        page.fill("input[name=unit]", "江州市交通运输局")
        page.fill(
            "textarea[name=text]", "工程科科长王某某在公路养护工程招标中收受承包商红包两万元。"
        )
        page.set_input_files("input[name=files]", str(evidence))
        page.wait_for_function(
            "() => { const f = new FormData(document.getElementById('submit-form')); return (f.get('altcha') || '').length > 20; }",
            timeout=60000,
        )
        page.screenshot(path=SHOTS / f"petitions-{label}-2-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_selector("#receipt-code")
        code = page.inner_text("#receipt-code").strip()
        page.screenshot(path=SHOTS / f"petitions-{label}-3-receipt.png", full_page=True)
        assert len(code.replace("-", "")) == 24
        sub = Submission.objects.get()
        assert Attachment.objects.filter(submission=sub).count() == 1
        # The office replies; a second person reviews; the reporter reads it.
        m = services.message_draft(
            submission=sub,
            kind="question",
            body="请问红包是在什么时间、什么地点送的？",
            actor=cast.team_member,
        )
        services.message_review(message=m, approve=True, actor=cast.team_leader)
        page.goto(f"{live_server.url}/public/followup/")
        page.fill("input[name=code]", code)
        page.click("button:has-text('查询')")
        page.wait_for_selector("text=请问红包是在什么时间")
        page.fill(
            "form[action$='followup/add/'] textarea[name=text]",
            "今年三月十二日晚上，在县城某酒店。",
        )
        page.click("button:has-text('提交补充')")
        page.wait_for_selector("text=补充材料已提交")
        page.screenshot(path=SHOTS / f"petitions-{label}-4-followup.png", full_page=True)
        assert Message.objects.filter(submission=sub, kind="reporter").count() == 1
        cookies = page.context.cookies()
        assert cookies == []
        browser.close()
