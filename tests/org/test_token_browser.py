"""In a real browser: the token page shows each token's expiry, last use and state."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.cast import PASSWORD
from tests.org.test_auth_browser import CHROMIUM_ARGS
from xuncha.org import services
from xuncha.org.models import ApiToken

SHOTS = Path(os.environ.get("XUNCHA_SHOTS", "test-results/screenshots"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_token_page_shows_expiry(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    user = cast.office_staff
    user.set_password(PASSWORD)
    user.save()
    services.token_create(name="整改数据同步脚本", actor=user)
    old, _ = services.token_create(name="去年的对接令牌", actor=user)
    ApiToken.objects.filter(pk=old.pk).update(
        expires_at=timezone.now() - timedelta(days=3),
        last_used_at=timezone.now() - timedelta(days=5),
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "office_staff")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.goto(f"{live_server.url}/tokens/")
        text = page.inner_text("table")
        assert "有效期至" in text and "已过期" in text and "有效" in text
        page.screenshot(path=str(SHOTS / "token-expiry.png"), full_page=True)
        browser.close()
