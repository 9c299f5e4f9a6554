"""Under the strict Content-Security-Policy the main pages raise no violation, the
confirmations still ask, Swagger UI renders from local files, and the public submit
form (altcha proof of work in a web worker) still works."""

import logging
import os
from pathlib import Path

import pytest

from tests.cast import PASSWORD
from tests.petitions.conftest import make_announcement
from xuncha.org import services as org_services
from xuncha.petitions.models import Submission

SHOTS = Path(os.environ.get("XUNCHA_SHOTS", "test-results/screenshots"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
# Records violations in the page itself, besides the reports the browser posts.
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
"""


def _violations(page):
    return page.evaluate("window.__csp")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_main_pages_raise_no_csp_violation_and_the_public_form_works(live_server, cast, caplog):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    caplog.set_level(logging.WARNING, logger="xuncha.csp")
    announcement = make_announcement(cast)
    org_services.token_create(name="脚本", actor=cast.office_staff)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.add_init_script(WATCH)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("用户名").fill(cast.office_staff.username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page.get_by_role("heading", name="工作台")).to_be_visible()
        assert _violations(page) == []
        for path, ready in [
            ("/", "h1"),
            ("/plans/coverage/", "canvas"),
            ("/plans/calendar/", "main"),
            ("/petitions/stats/", "#c-channel canvas"),
            ("/api/v1/docs", "#swagger-ui .info"),
        ]:
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector(ready, timeout=20000)
            page.wait_for_timeout(300)
            name = path.strip("/").replace("/", "-") or "home"
            page.screenshot(path=SHOTS / f"csp-{name}.png", full_page=True)
            assert _violations(page) == [], path

        # The confirmation moved from onsubmit= to data-confirm: dismissing it keeps the token.
        page.goto(f"{live_server.url}/tokens/")
        page.once("dialog", lambda dialog: dialog.dismiss())
        page.get_by_role("button", name="吊销").click()
        page.wait_for_timeout(300)
        assert page.get_by_role("button", name="吊销").count() == 1
        page.once("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="吊销").click()
        expect(page.get_by_role("button", name="吊销")).to_have_count(0)
        assert _violations(page) == []
        context.close()

        public = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        public.add_init_script(WATCH)
        page = public.new_page()
        page.goto(f"{live_server.url}/public/a/{announcement.pk}/submit/")
        page.select_option("select[name=category]", "integrity")
        page.fill("input[name=unit]", "江州市交通运输局")
        page.fill(
            "textarea[name=text]", "工程科科长王某某在公路养护工程招标中收受承包商红包两万元。"
        )
        page.wait_for_function(
            "() => (new FormData(document.getElementById('submit-form')).get('altcha') || '').length > 20",
            timeout=60000,
        )
        page.screenshot(path=SHOTS / "csp-public-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_selector("#receipt-code")
        assert Submission.objects.count() == 1
        assert _violations(page) == []
        browser.close()
    assert not [r for r in caplog.records if r.name == "xuncha.csp"], caplog.text
