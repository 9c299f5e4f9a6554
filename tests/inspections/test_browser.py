"""Browser: a member records an interview and drafts a paper, deputy and leader sign, the problem is ready."""

import os
from pathlib import Path

import pytest

from tests.cast import client_for
from tests.inspections.conftest import inspector_of
from xuncha.inspections.models import Activity, Problem, WorkingPaper

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


def _as(browser, live_server, user):
    """A browser context signed in as `user` (session cookie from the test client)."""
    cookie = client_for(user).cookies["sessionid"].value
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return context.new_page()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_interview_paper_signatures_problem_ready(live_server, field, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    inspection = field.inspections["a"]
    notes = tmp_path / "谈话笔录.txt"
    notes.write_text("谈话笔录：王某反映2025年春节前以加班费名义发放补贴。", encoding="utf-8")
    workspace = f"{live_server.url}/inspections/{inspection.pk}/"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # 1. The member records an interview.
        page = _as(browser, live_server, field.team_member)
        page.goto(workspace)
        page.click("button:has-text('新增记录')")
        page.click(".dropdown-menu a:has-text('个别谈话')")
        page.fill("#id_title", "与局财务科科长个别谈话")
        page.fill("#id_held_on", "2026-03-05")
        page.fill("#id_interviewee", "王某")
        page.fill("#id_interviewee_position", "财务科科长")
        page.select_option("#id_interviewee_category", "middle")
        page.select_option("#id_interviewer_id", str(inspector_of(field.team_leader).pk))
        page.select_option("#id_recorder_id", str(inspector_of(field.team_member).pk))
        page.fill(
            "#id_summary", "谈话对象反映2025年春节前以加班费名义向全局干部发放补贴，共计12.6万元。"
        )
        page.set_input_files("#id_files", str(notes))
        page.screenshot(path=SHOTS / "inspections-1-interview-form.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_selector("text=涉密记录")
        interview = Activity.objects.get(kind="interview")
        assert interview.attachments.count() == 1
        # 2. The member registers the problem and drafts its paper.
        page.goto(workspace)
        page.click("a:has-text('登记问题')")
        page.fill("#id_title", "违规发放津补贴")
        page.select_option("#id_category_code", "B4")
        page.select_option("#id_severity", "serious")
        page.select_option("#id_discipline", "integrity")
        page.select_option("#id_nature", "conduct")
        page.click("button[type=submit]")
        page.wait_for_selector("#paper-state")
        page.click("a:has-text('编辑底稿')")
        page.fill(
            "#id_facts", "经调阅2025年1月记账凭证并个别谈话核实，以加班费名义发放补贴12.6万元。"
        )
        page.fill("#id_evidence", "记账凭证 2025-01 第45号\n个别谈话笔录")
        page.fill("#id_policy_basis", "《中共中央政治局贯彻落实中央八项规定实施细则》")
        page.select_option("#id_source_ids", [str(interview.pk)])
        page.click("button[type=submit]")
        page.wait_for_selector("text=底稿已保存")
        page.click("button:has-text('提交审核')")
        page.wait_for_selector("#paper-state:has-text('待副组长审核')")
        page.screenshot(path=SHOTS / "inspections-2-paper-submitted.png", full_page=True)
        problem = Problem.objects.get()
        detail = f"{live_server.url}/inspections/problems/{problem.pk}/"
        # 3. The deputy signs; 4. the leader signs and confirms the problem.
        deputy = _as(browser, live_server, field.team_deputy)
        deputy.goto(detail)
        deputy.fill("#comment", "事实清楚，证据充分。")
        deputy.click("button:has-text('签署')")
        deputy.wait_for_selector("#paper-state:has-text('待组长审签')")
        leader = _as(browser, live_server, field.team_leader)
        leader.goto(detail)
        leader.click("button:has-text('签署')")
        leader.wait_for_selector("#paper-state:has-text('组长已签批')")
        leader.click("button:has-text('核定')")
        leader.wait_for_selector("#problem-state:has-text('已核定')")
        leader.screenshot(path=SHOTS / "inspections-3-paper-signed.png", full_page=True)
        # 5. The problem appears in the list, ready for the report.
        leader.goto(workspace + "?pstate=approved#problems")
        row = leader.inner_text("#problem-table tbody")
        assert "违规发放津补贴" in row and "组长已签批" in row and "已核定" in row
        leader.screenshot(path=SHOTS / "inspections-4-problem-list.png", full_page=True)
        browser.close()
    paper = WorkingPaper.objects.get()
    assert paper.state == "signed" and paper.deputy_signed_by == field.team_deputy
    assert list(Problem.objects.for_report()) == [problem]
