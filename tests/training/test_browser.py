"""Browser: the office records a training with a certificate, the team leader appraises a
member, the office finalises the rating, and the inspector page shows hours and history.
Screenshots in test-results/screenshots/training-*.png."""

import io
import os

import pytest
from PIL import Image

from tests.plans.test_browser import ARGS, SHOTS, _as, _menu
from tests.training.helpers import member_of
from xuncha.training.models import Appraisal, TrainingRecord


def _fill_scores(page, values):
    # count() does not wait: right after the click the form may not have loaded yet (under
    # load it had not, no score was typed and the submit was refused).
    page.wait_for_selector("#appraisal-form input[type=number]")
    inputs = page.locator("#appraisal-form input[type=number]")
    for n in range(inputs.count()):
        inputs.nth(n).fill(str(values[n % len(values)]))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_train_appraise_finalise_history(live_server, cast, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    cert = tmp_path / "结业证书.png"
    buf = io.BytesIO()
    Image.new("RGB", (120, 80), "white").save(buf, format="PNG")
    cert.write_bytes(buf.getvalue())
    member = member_of(cast, "team_member")
    inspection = cast.inspections["a"]
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # 1. The office records a training, from the menu.
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/")
        _menu(page, "巡察计划", "培训与考核")
        page.click("text=登记培训")
        page.select_option("#id_inspector", str(member.inspector_id))
        page.fill("#id_course", "巡察谈话技巧专题培训")
        page.fill("#id_organiser", "市委巡察办")
        page.fill("#id_start", "2026-04-01")
        page.fill("#id_end", "2026-04-02")
        page.fill("#id_hours", "30")  # more than two days can hold: refused, nothing lost
        page.set_input_files("#id_certificate", str(cert))
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=合理上限")
        assert page.input_value("#id_course") == "巡察谈话技巧专题培训"
        page.screenshot(path=str(SHOTS / "training-bad-hours.png"), full_page=True)
        page.fill("#id_hours", "16")
        page.set_input_files("#id_certificate", str(cert))
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=已登记吕组员的培训记录")
        assert page.inner_text("#training-hours") == "16.0"
        page.screenshot(path=str(SHOTS / "training-recorded.png"), full_page=True)
        assert TrainingRecord.objects.get().certificate_name == "结业证书.png"

        # 2. The team leader appraises the member of their own team.
        page = _as(browser, live_server, cast.team_leader)
        page.goto(f"{base}/")
        # The leader's 巡察计划 group holds this one entry: the menu shows it as a link.
        page.locator("nav").get_by_role("link", name="培训与考核").first.click()
        page.click("#led-teams >> text=评价组员")
        row = page.locator(f"#appraisal-table tr[data-member='{member.pk}']")
        row.locator("text=组长评价").click()
        _fill_scores(page, [19, 18, 19, 20, 17])
        page.check("input[name=rating][value=excellent]")
        page.fill("#id_comments", "主动担当，谈话记录规范，发现问题线索2条。")
        page.click("button:has-text('提交')")
        page.wait_for_selector("text=吕组员的组长评价已提交")
        cell = page.locator(
            f"#appraisal-table tr[data-member='{member.pk}'] td[data-source=leader]"
        )
        assert "优秀 93分" in cell.inner_text() and "已提交" in cell.inner_text()
        page.screenshot(path=str(SHOTS / "training-leader.png"), full_page=True)

        # 3. The office sees the leader's appraisal and gives the final rating.
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/training/inspections/{inspection.pk}/")
        page.locator(f"#appraisal-table tr[data-member='{member.pk}'] >> text=巡察办考核").click()
        assert "主动担当" in page.inner_text("#leader-appraisal")
        _fill_scores(page, [18, 18, 19, 20, 18])
        page.check("input[name=rating][value=excellent]")
        page.fill("#id_comments", "经巡察办考核，评定为优秀。")
        page.screenshot(path=str(SHOTS / "training-office-form.png"), full_page=True)
        page.click("button:has-text('定档')")
        page.wait_for_selector("text=吕组员的巡察办考核已定档")
        cell = page.locator(
            f"#appraisal-table tr[data-member='{member.pk}'] td[data-source=office]"
        )
        assert "优秀 93分" in cell.inner_text() and "已定档" in cell.inner_text()
        row = page.locator(f"#appraisal-table tr[data-member='{member.pk}']")
        assert row.locator("text=更正").count() == 1  # final: only a correction is offered
        page.screenshot(path=str(SHOTS / "training-office-final.png"), full_page=True)

        # 4. The inspector page (from the pool) shows the hours and the history.
        _menu(page, "巡察计划", "巡察干部库")
        page.click(f"text={member.inspector.name}")
        history = page.locator("#appraisal-history")
        history.scroll_into_view_if_needed()
        text = history.inner_text()
        assert "2026年第1轮" in text and "第一巡察组" in text and "优秀" in text
        assert page.inner_text("#training-hours") == "16.0"
        page.screenshot(path=str(SHOTS / "training-inspector.png"), full_page=True)
        browser.close()
    assert Appraisal.objects.filter(state="final").count() == 2


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_export_training_records_to_xlsx(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    from tests.training.helpers import training
    from xuncha.core.sheets import xlsx_watermark

    SHOTS.mkdir(parents=True, exist_ok=True)
    training(cast, course="巡察业务培训班", hours=16)
    training(cast, username="other_member", course="财务审计专题培训", hours=8)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{live_server.url}/training/")
        search = page.locator("#records-search")
        search.locator("input[name=q]").fill("巡察")
        search.get_by_role("button", name="查询").click()
        page.wait_for_url("**/training/?q=*")
        table = page.locator("#training-records").inner_text()
        assert "巡察业务培训班" in table and "财务审计专题培训" not in table
        page.screenshot(path=SHOTS / "training-export-1-records.png", full_page=True)
        with page.expect_download() as info:
            page.click("#records-xlsx")
        data = open(info.value.path(), "rb").read()
        assert info.value.suggested_filename == "培训记录.xlsx"
        browser.close()
    assert any("李干事" in m for m in xlsx_watermark(data))
    rows = list(load_workbook(io.BytesIO(data))["培训记录"].iter_rows(values_only=True))
    # The export holds exactly what the search shows: the other course is filtered out.
    assert [r[2] for r in rows[2:-1]] == ["巡察业务培训班"]
    assert not any("财务审计专题培训" in str(cell) for row in rows for cell in row)
