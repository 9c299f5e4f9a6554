"""The unit picker: a select of hundreds of units becomes a type-to-search box, and the
unit chosen by typing part of its name is what the form submits."""

import os

import pytest

from tests.cast import client_for
from xuncha.org.models import Unit

ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_assignment_units_are_chosen_by_typing(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    for i in range(300):
        Unit.objects.create(office=cast.city, name=f"江州市第{i:03d}号单位", kind="department")
    Unit.objects.create(office=cast.city, name="江州市水务集团有限公司", kind="enterprise")
    target = Unit.objects.get(name="江州市水务集团有限公司")
    cookie = client_for(cast.office_staff).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
            page = context.new_page()
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{live_server.url}/plans/rounds/{cast.round.pk}/assign/")
            assert not errors, errors
            search = page.get_by_role("combobox", name="被巡察单位", exact=True)
            expect(search).to_be_visible()
            search.fill("水务")
            options = page.locator(".ts-dropdown .option")
            expect(options).to_have_count(1)
            expect(options.first).to_contain_text("水务集团")
            options.first.click()
            selected = page.eval_on_selector(
                "select[name='units']", "el => Array.from(el.selectedOptions).map(o => o.value)"
            )
            assert selected == [str(target.pk)]
            search.fill("不存在的单位")
            expect(page.get_by_text("没有匹配的选项")).to_be_visible()
            page.screenshot(path="test-results/screenshots/picker.png")
        finally:
            browser.close()
