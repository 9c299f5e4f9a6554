"""Browser: staff upload a rule and see its contents; a member cites an article from the
working paper's problem page and sees the citation; the rule is repealed and marked there."""

import os

import pytest

from tests.inspections.test_browser import ARGS, SHOTS, _as
from tests.library.conftest import RULE_V1
from xuncha.library.models import Citation, Rule


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upload_contents_cite_and_repeal(live_server, cast, tmp_path):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    from tests.inspections.conftest import make_problem

    SHOTS.mkdir(parents=True, exist_ok=True)
    problem = make_problem(cast)
    document = tmp_path / "江州市巡察工作廉洁纪律规定.txt"
    document.write_text(RULE_V1, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        # 1. Office staff upload the rule.
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{live_server.url}/library/")
        page.click("a:has-text('上传法规制度')")
        page.set_input_files("#id_file", str(document))
        page.fill("#id_issuer", "中共江州市委巡察工作领导小组")
        page.fill("#id_doc_number", "江巡组发〔2025〕3号")
        page.fill("#id_issued_on", "2025-03-01")
        page.screenshot(path=SHOTS / "library-1-upload.png", full_page=True)
        page.click("button[type=submit]")
        page.wait_for_selector("#toc")
        assert "第二章 纪律要求" in page.inner_text("#toc")
        assert "第四条" in page.inner_text("#toc")
        assert "识别出2 章、5 条、1 附件" in page.inner_text("#split-report")
        page.screenshot(path=SHOTS / "library-2-contents.png", full_page=True)
        rule = Rule.objects.get()
        # 2. A team member cites an article from the problem's working paper.
        member = _as(browser, live_server, cast.team_member)
        member.goto(f"{live_server.url}/inspections/problems/{problem.pk}/")
        member.click("#citations a:has-text('引用条文')")
        member.wait_for_selector(".cite-candidate")
        assert "第四条" in member.inner_text(".cite-candidate >> nth=0")  # suggested first
        member.screenshot(path=SHOTS / "library-3-suggestions.png", full_page=True)
        member.fill(".cite-candidate >> nth=0 >> input[name=note]", "变相发放补贴的定性依据")
        member.click(".cite-candidate >> nth=0 >> button:has-text('引用此条')")
        member.wait_for_selector("#citations .citation")
        text = member.inner_text("#citations")
        assert "《江州市巡察工作廉洁纪律规定》第四条" in text and "第1版" in text
        member.screenshot(path=SHOTS / "library-4-cited.png", full_page=True)
        assert Citation.objects.get().provision.label == "第四条"
        # 3. The office repeals the rule; the citation is marked on the problem page.
        page.goto(f"{live_server.url}/library/{rule.pk}/")
        page.select_option("#id_status", "repealed")
        page.click("button:has-text('更新效力状态')")
        page.wait_for_selector("text=效力状态已更新")
        member.reload()
        assert "已废止" in member.inner_text("#citations .citation")
        member.locator("#citations").screenshot(path=SHOTS / "library-5-repealed-cited.png")
        # 4. The library's pages pass axe-core and fit a phone (as tests/browser does).
        _accessible(
            browser,
            live_server,
            cast,
            [
                "/library/",
                "/library/?q=宴请",
                f"/library/{rule.pk}/",
                f"/library/articles/{Citation.objects.get().provision_id}/",
                "/library/cases/",
                "/library/upload/",
                f"/library/cite/{problem.pk}/",
            ],
        )
        browser.close()


def _accessible(browser, live_server, cast, paths):
    from tests.browser.test_accessibility import AXE, AXE_RUN, PHONE_CHECK

    axe_source = AXE.read_text(encoding="utf-8")
    cookie = _as(browser, live_server, cast.office_staff).context.cookies()[0]
    problems = []
    for width in (1366, 390):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="zh-CN", bypass_csp=True
        )
        context.add_cookies([cookie])
        page = context.new_page()
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200 and "/login/" not in page.url, path
            page.add_script_tag(content=axe_source)
            for v in page.evaluate(AXE_RUN):
                problems.append(f"{path} ({width}px): {v['impact']} {v['id']} {v['nodes']}")
            fit = page.evaluate(PHONE_CHECK)
            if width == 390 and (fit["narrow"] or fit["overflow"] > 0):
                problems.append(f"{path} (phone): {fit}")
        context.close()
    assert not problems, "\n".join(problems)
