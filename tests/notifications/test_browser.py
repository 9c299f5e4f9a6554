"""Browser: the office returns a rectification plan; the unit's liaison sees the badge in
the header, opens the notification centre, clicks through to the plan and turns off the
e-mail for returned items. Screenshots in test-results/screenshots/notifications-*.png."""

import os

import pytest

from tests.inspections.test_stay_browser import _context
from tests.rectification.conftest import measure_values
from tests.reports.test_browser import ARGS, SHOTS
from xuncha.notifications.models import Notification, Preference
from xuncha.rectification import services


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_notification_centre_click_through_and_preference(live_server, rect):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    cast, plan = rect.cast, rect.plan
    for problem in rect.problems:
        services.measure_create(
            plan=plan, problem=problem, actor=cast.unit_liaison, **measure_values()
        )
    services.plan_transition(plan=plan, target="submitted", actor=cast.unit_liaison)
    services.plan_transition(
        plan=plan, target="returned", actor=cast.office_staff, comment="措施不够具体"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _context(browser, live_server, cast.unit_liaison)
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/")
        page.wait_for_selector("#nav-unread")
        assert page.inner_text("#nav-unread") == "1"
        page.click("#nav-notifications")
        page.wait_for_selector("#notifications")
        assert "整改方案被退回修改" in page.inner_text("#notifications")
        page.screenshot(path=str(SHOTS / "notifications-centre.png"), full_page=True)
        page.click("#notifications a:has-text('整改方案被退回修改')")
        page.wait_for_url(f"**/rectification/plans/{plan.pk}/")
        page.wait_for_selector("#nav-unread-none", state="attached")  # read once opened
        page.screenshot(path=str(SHOTS / "notifications-item.png"), full_page=True)
        page.goto(f"{base}/notifications/preferences/")
        page.uncheck("#returned-email")
        page.check("#returned-digest")
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=通知偏好已保存")
        page.screenshot(path=str(SHOTS / "notifications-preferences.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SHOTS / "notifications-preferences-phone.png"), full_page=True)
        browser.close()
    pref = Preference.objects.get(user=cast.unit_liaison, kind="returned")
    assert (pref.in_app, pref.email, pref.digest) == (True, False, True)
    assert Notification.objects.get(user=cast.unit_liaison).read_at is not None
    assert not [e for e in errors if "404" not in e], errors  # favicon.ico is not served
