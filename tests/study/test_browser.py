"""Browser: the office records a study session with attendance (an excused person without a
reason is refused in Chinese, nothing saved), a participant submits a reflection with a
copied passage and an advert line (accepted, both flagged next to the passages), the host
comments. Screenshots in test-results/screenshots/study-*.png."""

import os

import pytest

from tests.plans.test_browser import ARGS, SHOTS, _as, _menu
from tests.study.conftest import ADVERT, COPIED, first_day
from xuncha.study import services
from xuncha.study.models import Reflection, StudySession


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_record_session_with_attendance_and_reflection_then_see_flags(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    day = first_day()
    earlier = services.session_create(
        office=cast.city,
        form="centre",
        date=day,
        host=cast.office_admin,
        topic="学习党章",
        attendance=[(cast.team_leader, "present", "")],
        actor=cast.office_staff,
    )
    services.reflection_submit(
        author=cast.team_leader,
        session=earlier,
        title="学习党章的体会",
        text="党章是立党治党管党的总章程。" + COPIED,
        actor=cast.team_leader,
    )
    from tests.library.conftest import upload

    rule = upload(cast).version.rule  # a city rule in the library, studied at the session
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/")
        _menu(page, "学习教育", "学习活动")
        page.click("text=登记学习活动")
        page.select_option("#id_form", "exchange")
        page.fill("#id_date", day.isoformat())
        page.fill("#id_topic", "巡察发现问题定性交流研讨")
        page.select_option("#id_host", str(cast.office_staff.pk))
        page.fill("#id_hours", "3")
        page.fill("#id_materials", "《中国共产党巡视工作条例》第四章")
        page.select_option("#id_rules", [str(rule.pk)])
        page.fill("#id_minutes", "李干事领学，参学人员结合底稿交流发言。")
        for user in cast.users.values():
            if page.locator(f"#att-{user.pk}").count():
                page.select_option(f"#att-{user.pk}", "")
        page.select_option(f"#att-{cast.team_member.pk}", "present")
        page.select_option(f"#att-{cast.other_member.pk}", "excused")
        page.select_option(f"#att-{cast.team_leader.pk}", "absent")
        page.click("button:has-text('登记')")
        page.wait_for_selector("#form-error")
        assert "施组员”请假，请填写请假事由" in page.inner_text("#form-error")
        assert StudySession.objects.filter(topic="巡察发现问题定性交流研讨").count() == 0
        # what was typed is still there
        assert page.input_value("#id_topic") == "巡察发现问题定性交流研讨"
        page.fill(f"#reason-{cast.other_member.pk}", "参加巡察组进驻工作")
        page.click("button:has-text('登记')")
        page.wait_for_selector("text=学习活动已登记")
        assert "出席 2 / 应到 4，含主持人" in page.inner_text("body")
        assert "参加巡察组进驻工作" in page.inner_text("#attendance")
        assert "《江州市巡察工作廉洁纪律规定》" in page.inner_text("#session-materials")
        page.screenshot(path=str(SHOTS / "study-session.png"), full_page=True)
        session = StudySession.objects.get(topic="巡察发现问题定性交流研讨")

        member = _as(browser, live_server, cast.team_member)
        member.goto(f"{base}/study/sessions/{session.pk}/")
        member.click("text=提交心得体会")
        member.fill("#id_title", "交流研讨心得")
        member.fill(
            "#id_text",
            "这次交流让我明白，问题定性要有事实和依据支撑，不能凭印象下结论。\n"
            + COPIED
            + "\n"
            + ADVERT,
        )
        member.click("button:has-text('提交')")
        member.wait_for_selector("#hygiene-summary")
        assert "心得体会已提交" in member.inner_text("body")
        summary = member.inner_text("#hygiene-summary")
        assert "与其他材料重复 1 处" in summary and "广告或联系方式 1 处" in summary
        flagged = member.locator("#reflection-text [data-kinds]:not([data-kinds=''])")
        assert flagged.count() == 2
        assert "何组长《学习党章的体会》" in flagged.nth(0).inner_text()
        assert "微信" in flagged.nth(1).inner_text()
        member.screenshot(path=str(SHOTS / "study-reflection.png"), full_page=True)
        reflection = Reflection.objects.get(title="交流研讨心得")
        assert len(reflection.flags) == 2

        page.goto(f"{base}/study/reflections/{reflection.pk}/")
        page.fill("#id_comment", "联系实际较好；请删去广告内容，用自己的话写体会。")
        page.click("button:has-text('保存点评')")
        page.wait_for_selector("#comment")
        page.screenshot(path=str(SHOTS / "study-comment.png"), full_page=True)
        _menu(page, "学习教育", "学习统计")
        row = page.locator("#people tr", has_text="吕组员")
        assert "1 / 1" in row.inner_text() and "100.0%" in row.inner_text()
        page.screenshot(path=str(SHOTS / "study-stats.png"), full_page=True)
        member.locator("nav").get_by_role("link", name="我的学习").click()  # a lone entry
        assert "交流研讨心得" in member.inner_text("#reflections")
        assert "学习党章的体会" not in member.inner_text("#reflections")
        member.screenshot(path=str(SHOTS / "study-mine.png"), full_page=True)
        browser.close()


def test_menu_shows_study_to_office_roles_and_my_study_to_members(cast):
    from xuncha.org.navigation import menu_for

    def labels(user):
        out = []
        for e in menu_for(user):
            out += [c["label"] for c in e.get("children", [e])]
        return out

    assert {"学习活动", "学习统计"} <= set(labels(cast.office_staff))
    assert "我的学习" not in labels(cast.office_staff)
    assert "我的学习" in labels(cast.team_member) and "学习活动" not in labels(cast.team_member)
    assert not {"学习活动", "我的学习"} & set(labels(cast.unit_liaison))
    assert not {"学习活动", "我的学习"} & set(labels(cast.outsider))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_correct_a_session_then_delete_one_recorded_by_mistake(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    day = first_day()
    kept, mistake = (
        services.session_create(
            office=cast.city,
            form="centre",
            date=day,
            host=cast.office_admin,
            topic=topic,
            attendance=[(cast.team_leader, "present", "")],
            actor=cast.office_staff,
        )
        for topic in ("学习党章", "重复登记的学习")
    )
    services.reflection_submit(
        author=cast.team_leader,
        session=kept,
        title="体会",
        text="党章是立党治党管党的总章程。",
        actor=cast.team_leader,
    )
    base = live_server.url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = _as(browser, live_server, cast.office_staff)
        page.goto(f"{base}/study/sessions/{kept.pk}/")
        page.click("#session-edit")
        page.fill("#id_topic", "学习党章（第一次集中学习）")
        page.fill("#id_hours", "2.5")
        page.screenshot(path=SHOTS / "study-edit-1-form.png", full_page=True)
        page.click("text=保存修改")
        page.wait_for_selector("text=学习活动已修改。")
        assert "学习党章（第一次集中学习）" in page.inner_text("h1")
        # It has a reflection: deleting is refused in Chinese and nothing is lost.
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#session-delete")
        page.wait_for_selector("text=不能删除")
        page.screenshot(path=SHOTS / "study-edit-2-delete-refused.png", full_page=True)
        page.goto(f"{base}/study/sessions/{mistake.pk}/")
        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#session-delete")
        page.wait_for_selector("text=学习活动已删除。")
        assert "重复登记的学习" not in page.content()
        page.screenshot(path=SHOTS / "study-edit-3-deleted.png", full_page=True)
        browser.close()
    kept.refresh_from_db()
    assert kept.hours == 2.5 and kept.reflections.count() == 1
    assert not StudySession.objects.filter(pk=mistake.pk).exists()
