"""In a real browser: an office administrator logs in with password, then TOTP code."""

import os
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cast import PASSWORD

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path("test-results/screenshots")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_login_with_second_factor(live_server, cast, settings):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = TOTPDevice.objects.create(user=cast.office_admin, name="手机", confirmed=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    # Set the password here, with the hasher this test runs under: when this test follows
    # tests that switch to a fast hasher, the cast can carry their hashes.
    cast.office_admin.set_password(PASSWORD)
    cast.office_admin.save()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", "office_admin")
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert page.url.endswith("/otp/verify/"), page.content()
        assert "6 位动态验证码" in page.content()
        page.screenshot(path=str(SHOTS / "login-otp-verify.png"), full_page=True)
        # The code of this moment: computed before a slow login it can expire on a loaded machine.
        for _attempt in range(4):  # a loaded machine can let a code expire: type a fresh one
            code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=6):06d}"
            page.fill("#id_token", code)
            # Enter submits the code's own form: the page has three submit buttons, and a
            # click on the first waited for it to be "stable" until the code expired (CI).
            with page.expect_navigation():
                page.press("#id_token", "Enter")
            if not page.url.endswith("/otp/verify/"):
                break
        assert page.url == f"{live_server.url}/", page.inner_text("main")
        assert "工作台" in page.content()
        assert "王主任" in page.content()
        page.screenshot(path=str(SHOTS / "login-otp-home.png"), full_page=True)
        browser.close()
