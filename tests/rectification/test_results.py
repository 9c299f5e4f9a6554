"""Use of results (成果运用): every decision in the ledger, chased by the sweep until answered
on the right working day; the transitions table; bad input refused in Chinese with nothing
half-saved; talks, accountability, the organisation department's referral record and the
rectification democratic life meeting."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.api_schema import assert_matches_schema
from tests.cast import client_for
from tests.rectification.results_world import world  # noqa: F401  (fixture)
from xuncha.audit.models import AuditEntry
from xuncha.core import workdays
from xuncha.core.errors import DomainError
from xuncha.plans.models import WorkdayOverride
from xuncha.rectification import results, services
from xuncha.rectification.models import Reminder, ResultHistory, ResultItem, SupervisionLetter

RS = ResultItem.State


def _entries():
    return AuditEntry.objects.count()


# --------------------------------------------------------------------------- the ledger


def test_every_review_decision_appears_in_the_ledger_once(world):  # noqa: F811
    cast, inspection = world.cast, world.cast.inspections["a"]
    problem = world.rect.problems[0]
    made = {}
    for kind in results.DECISION_KINDS:
        made[kind] = results.result_from_decision(
            inspection=inspection,
            kind=kind,
            problem=problem,
            recipient="江州市纪委监委",
            actor=cast.leading_group,  # the review is recorded by the office or the LG
        )
        again = results.result_from_decision(
            inspection=inspection, kind=kind, problem=problem, actor=cast.office_staff
        )
        assert again.pk == made[kind].pk  # idempotent per (inspection, problem, kind)
    assert (
        results.result_from_decision(
            inspection=inspection, kind="feedback", problem=problem, actor=cast.office_staff
        )
        is None
    )
    # a unit-level decision without a problem is idempotent per unit
    unit_talk = results.result_from_decision(
        inspection=inspection, kind="talk", unit=cast.units["bureau"], actor=cast.office_staff
    )
    assert unit_talk.recipient == cast.units["bureau"]
    assert (
        results.result_from_decision(
            inspection=inspection, kind="talk", unit=cast.units["bureau"], actor=cast.office_staff
        ).pk
        == unit_talk.pk
    )
    for item in made.values():
        assert item.source == "review" and item.state == RS.DECIDED
        assert item.recipient == cast.units["discipline"]  # matched by name
        expected = workdays.add_working_days(
            item.decided_on, results.DEFAULT_DUE_WORKING_DAYS[item.kind]
        )
        assert item.due_date == expected
    # the letters of 建议书 and 抄告 exist, unsent
    letter = made["suggestion_letter"].letter
    assert letter.kind == "suggestion" and letter.sent_at is None
    assert made["copy_notice"].letter.kind == "copy_notice"
    # the ledger page and the API list every one of them
    office = client_for(cast.office_staff)
    body = office.get(f"/rectification/results/?inspection={inspection.pk}").content.decode()
    for item in made.values():
        assert item.subject[:20] in body
    response = office.get(f"/api/v1/rectification/results?inspection_id={inspection.pk}&limit=200")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/rectification/results", "get")
    ids = {row["id"] for row in response.json()["items"]}
    assert {i.pk for i in made.values()} | {unit_talk.pk} <= ids
    assert response.json()["count"] == ResultItem.objects.filter(inspection=inspection).count()


def test_decisions_entered_on_the_ledger_page_by_office_staff(world):  # noqa: F811
    cast, inspection = world.cast, world.cast.inspections["a"]
    office = client_for(cast.office_staff)
    assert office.get("/rectification/results/new/").status_code == 200
    response = office.post(
        "/rectification/results/new/",
        {
            "inspection": inspection.pk,
            "kind": "handover",
            "subject": "违规发放津补贴问题移交市纪委监委",
            "recipient_unit": cast.units["discipline"].pk,
            "decided_on": "2026-06-08",
        },
    )
    assert response.status_code == 302
    item = ResultItem.objects.get(subject="违规发放津补贴问题移交市纪委监委")
    assert item.source == "manual" and item.created_by == cast.office_staff
    assert AuditEntry.objects.filter(object_id=str(item.pk), action="create").exists()
    assert workdays.is_working_day(item.due_date)


# --------------------------------------------------------------------------- the sweep


def _reminders(item, alert):
    return Reminder.objects.filter(key__startswith=f"r{item.pk}-{alert}-")


def _remind_day(due, yellow_days=5):
    """The first day on which at most `yellow_days` working days remain (oracle: core.workdays)."""
    day = due
    while workdays.working_days_between(day - timedelta(days=1), due) <= yellow_days:
        day -= timedelta(days=1)
    return day


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    decided=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 6, 30)),
    kind=st.sampled_from(["suggestion_letter", "copy_notice", "handover", "org_referral"]),
)
@example(decided=date(2025, 9, 1), kind="suggestion_letter")  # across National Day + 调休
@example(decided=date(2026, 1, 5), kind="org_referral")  # across the Spring Festival
def test_sweep_chases_each_decision_on_the_right_working_day_until_answered(
    world,  # noqa: F811
    decided,
    kind,
):
    cast = world.cast
    with transaction.atomic():
        item = results.result_create(
            inspection=cast.inspections["a"],
            kind=kind,
            subject="需跟踪回复的事项",
            recipient=cast.units["discipline"],
            decided_on=decided,
            actor=cast.office_staff,
        )
        due = workdays.add_working_days(decided, results.DEFAULT_DUE_WORKING_DAYS[kind])
        assert item.due_date == due and workdays.is_working_day(due)
        item = results.result_transition(item=item, target="sent", actor=cast.office_staff)
        remind = _remind_day(due)
        services.sweep(remind - timedelta(days=1))
        assert not _reminders(item, "remind").exists()
        services.sweep(remind)
        assert _reminders(item, "remind").filter(office=cast.city).exists()
        assert _reminders(item, "remind").filter(unit=cast.units["discipline"]).exists()
        services.sweep(due)  # due today: not yet overdue
        assert not _reminders(item, "escalate").exists()
        services.sweep(due + timedelta(days=1))
        assert _reminders(item, "escalate").exists()
        assert not _reminders(item, "escalate_serious").exists()
        count = Reminder.objects.count()
        services.sweep(due + timedelta(days=1))  # a re-run sends nothing twice
        assert Reminder.objects.count() == count
        # answered: the sweep stops chasing it
        results.result_reply(item=item, text="已书面回复整改情况。", actor=cast.handover_recipient)
        services.sweep(due + timedelta(days=40))
        assert not _reminders(item, "escalate_serious").exists()
        transaction.set_rollback(True)


def test_sweep_follows_the_office_calendar(world):  # noqa: F811
    """A day the office records as off moves the due date; the sweep counts it too."""
    cast = world.cast
    decided = date(2026, 6, 8)  # Monday
    plain = workdays.add_working_days(decided, 30)
    WorkdayOverride.objects.create(office=cast.city, day=date(2026, 6, 10), is_working=False)
    item = results.result_create(
        inspection=cast.inspections["a"],
        kind="suggestion_letter",
        subject="建议书",
        recipient=cast.units["discipline"],
        decided_on=decided,
        actor=cast.office_staff,
    )
    assert item.due_date == workdays.add_working_days(decided, 30, {date(2026, 6, 10): False})
    assert item.due_date > plain
    counts = services.sweep(item.due_date + timedelta(days=1))
    assert counts["results"] >= 1
    assert _reminders(item, "escalate").exists()  # decided, not sent: the office is pressed
    assert not _reminders(item, "escalate").filter(unit__isnull=False).exists()


def test_reminders_reach_the_recipient_home(world):  # noqa: F811
    cast = world.cast
    services.sweep(world.sent.due_date + timedelta(days=1))
    texts = list(services.reminders_for(cast.handover_recipient).values_list("text", flat=True))
    assert any("成果运用" in t and "建议市纪委监委" in t for t in texts)


# --------------------------------------------------------------------------- transitions


def test_transitions_table_is_enforced(world):  # noqa: F811
    cast = world.cast
    allowed = {(t.source, t.target) for t in results.RESULT_TRANSITIONS}
    item = world.decided
    for source in RS.values:
        for target in RS.values:
            if source == target:
                continue
            ResultItem.objects.filter(pk=item.pk).update(state=source)
            item.refresh_from_db()
            with transaction.atomic():
                try:
                    if target == RS.REPLIED:
                        SupervisionLetter.objects.filter(pk=item.letter_id).update(
                            sent_at=timezone.now()
                        )
                    results.result_transition(
                        item=item, target=target, comment="意见", actor=cast.office_staff
                    )
                    ok = True
                except DomainError as exc:
                    ok = False
                    assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)
                transaction.set_rollback(True)
            assert ok == ((source, target) in allowed), (source, target)


def test_who_may_take_each_step(world):  # noqa: F811
    cast = world.cast
    with pytest.raises(DomainError):  # the recipient cannot hand over or conclude
        results.result_transition(item=world.decided, target="sent", actor=cast.handover_recipient)
    with pytest.raises(DomainError):  # the leading group reads, does not handle
        results.result_transition(item=world.decided, target="sent", actor=cast.leading_group)
    with pytest.raises(DomainError):  # another recipient cannot reply
        results.result_reply(item=world.sent, text="回复", actor=cast.org_recipient)
    item = results.result_reply(item=world.sent, text="已采纳建议。", actor=cast.handover_recipient)
    assert item.state == RS.REPLIED
    with pytest.raises(DomainError, match="请填写办理结果"):
        results.result_transition(item=item, target="concluded", actor=cast.office_staff)
    item = results.result_transition(
        item=item, target="concluded", comment="建议已落实", actor=cast.office_staff
    )
    assert item.outcome == "建议已落实" and item.concluded_at
    assert list(ResultHistory.objects.filter(item=item).values_list("to_state", flat=True)) == [
        "sent",
        "replied",
        "concluded",
    ]


def test_reply_is_recorded_against_its_letter(world):  # noqa: F811
    cast = world.cast
    results.result_reply(
        item=world.sent, text="已制定津补贴发放管理办法。", actor=cast.office_staff
    )
    letter = SupervisionLetter.objects.get(pk=world.sent.letter_id)
    assert letter.reply_text == "已制定津补贴发放管理办法。"
    assert letter.replied_on == timezone.localdate() and letter.replied_by == cast.office_staff
    assert AuditEntry.objects.filter(
        object_type__endswith="supervisionletter", object_id=str(letter.pk)
    ).exists()


# --------------------------------------------------------------------------- bad input


def test_reply_to_a_letter_never_sent_is_refused_and_nothing_saved(world):  # noqa: F811
    cast, item = world.cast, world.decided
    before = _entries()
    with pytest.raises(DomainError, match="尚未发出，不能登记回复"):
        results.result_reply(item=item, text="回复", actor=cast.office_staff)
    with pytest.raises(DomainError, match="尚未发出，不能登记回复"):
        results.letter_reply(letter=item.letter, text="回复", actor=cast.office_staff)
    item.refresh_from_db()
    assert item.state == RS.DECIDED and item.reply == ""
    assert SupervisionLetter.objects.get(pk=item.letter_id).reply_text == ""
    assert _entries() == before
    # the same through the API and the page
    office = client_for(cast.office_staff)
    before = _entries()  # (signing in is audited too)
    url = f"/api/v1/rectification/results/{item.pk}/reply"
    response = office.post(url, {"text": "回复"}, content_type="application/json")
    assert response.status_code == 400 and "尚未发出" in response.json()["detail"]
    assert_matches_schema(response, "/api/v1/rectification/results/{item_id}/reply", "post")
    response = office.post(
        f"/rectification/results/{item.pk}/reply/", {"text": "回复"}, follow=True
    )
    assert "尚未发出，不能登记回复" in response.content.decode()
    assert _entries() == before
    # a 督办单 issued from a plan is sent on issue: its reply is accepted
    letter = services.supervision_issue(
        plan=world.plan,
        measures=world.measures[:1],
        requirement="请加快整改",
        reply_by=timezone.localdate() + timedelta(days=10),
        actor=cast.office_staff,
    )
    assert results.letter_reply(letter=letter, text="已整改", actor=cast.office_staff).reply_text


def test_due_date_before_the_decision_is_refused_and_nothing_saved(world):  # noqa: F811
    cast = world.cast
    items, letters, entries = (
        ResultItem.objects.count(),
        SupervisionLetter.objects.count(),
        _entries(),
    )
    with pytest.raises(DomainError, match="早于决定日期"):
        results.result_create(
            inspection=cast.inspections["a"],
            kind="suggestion_letter",
            subject="建议书",
            recipient=cast.units["discipline"],
            decided_on=date(2026, 6, 10),
            due_date=date(2026, 6, 9),
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="不是工作日"):
        results.result_create(
            inspection=cast.inspections["a"],
            kind="copy_notice",
            subject="抄告",
            recipient=cast.units["discipline"],
            decided_on=date(2026, 9, 25),
            due_date=date(2026, 10, 1),  # National Day
            actor=cast.office_staff,
        )
    office = client_for(cast.office_staff)
    entries = _entries()
    response = office.post(
        "/rectification/results/new/",
        {
            "inspection": cast.inspections["a"].pk,
            "kind": "suggestion_letter",
            "subject": "页面登记的建议书",
            "recipient_name": "江州市财政局",
            "decided_on": "2026-06-10",
            "due_date": "2026-06-01",
        },
    )
    assert response.status_code == 200
    assert "办理期限 2026-06-01 早于决定日期 2026-06-10" in response.content.decode()
    response = office.post(
        "/api/v1/rectification/results",
        {
            "inspection_id": cast.inspections["a"].pk,
            "kind": "handover",
            "subject": "API 登记",
            "recipient_name": "江州市纪委监委",
            "decided_on": "2026-06-10",
            "due_date": "2026-06-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "早于决定日期" in response.json()["detail"]
    assert ResultItem.objects.count() == items
    assert SupervisionLetter.objects.count() == letters
    assert _entries() == entries


def test_other_bad_input_is_refused_in_chinese(world):  # noqa: F811
    cast = world.cast
    base = {
        "inspection": cast.inspections["a"],
        "kind": "handover",
        "subject": "移交",
        "recipient": "江州市纪委监委",
        "actor": cast.office_staff,
    }
    for over, message in [
        ({"kind": "nonsense"}, "请选择成果运用方式"),
        ({"subject": "  "}, "请填写事项内容"),
        ({"recipient": ""}, "请填写承办单位"),
        ({"decided_on": timezone.localdate() + timedelta(days=3)}, "不能晚于今天"),
        ({"problem": world.rect.other_problem}, "不属于本次巡察"),
        ({"actor": cast.leading_group}, "只有本巡察机构的工作人员"),
        ({"actor": cast.county_staff}, "只有本巡察机构的工作人员"),
    ]:
        with pytest.raises(DomainError, match=message):
            results.result_create(**{**base, **over})
    with pytest.raises(DomainError, match="请填写回复内容"):
        results.result_reply(item=world.sent, text=" ", actor=cast.office_staff)
    with pytest.raises(DomainError, match="回复日期不能早于交办日期"):
        results.result_reply(
            item=world.sent, text="回复", replied_on=date(2026, 1, 1), actor=cast.office_staff
        )


# --------------------------------------------------------------------------- talks, accountability


def test_talk_with_a_lagging_unit_is_on_its_rectification_page_and_in_the_statistics(world):  # noqa: F811
    cast, talk = world.cast, world.talk
    assert talk.lagging_measures == 2  # both measures were overdue at the talk
    assert talk.item.kind == "talk" and talk.item.state == RS.SENT
    assert talk.item.recipient == cast.units["bureau"]
    for user in (cast.office_staff, cast.unit_liaison, cast.leading_group):
        body = client_for(user).get(f"/rectification/plans/{world.plan.pk}/").content.decode()
        assert "张局长（局党组书记）" in body and "9月底前完成津补贴清退" in body, user
    office = client_for(cast.office_staff)
    stats = office.get("/api/v1/rectification/results/stats").json()
    assert stats["talks"] == 1 and stats["accountability"] == 0
    # the unit reports on its promises but lags still: referred for accountability
    item = results.talk_escalate(
        talk=talk,
        recipient=cast.units["discipline"],
        reason="约谈后仍未按期完成整改",
        actor=cast.office_staff,
    )
    assert item.kind == "accountability" and item.escalated_from == talk.item
    with pytest.raises(DomainError, match="不能重复移送"):
        results.talk_escalate(
            talk=talk, recipient=cast.units["discipline"], reason="再次", actor=cast.office_staff
        )
    with pytest.raises(DomainError, match="只有巡察机构"):
        results.talk_escalate(
            talk=talk, recipient=cast.units["discipline"], reason="x", actor=cast.unit_liaison
        )
    body = office.get(f"/rectification/plans/{world.plan.pk}/").content.decode()
    assert "问责移送" in body and "约谈后仍未按期完成整改" in body
    assert office.get("/api/v1/rectification/results/stats").json()["accountability"] == 1
    body = office.get("/rectification/").content.decode()
    assert "约谈 1 次，移送问责 1 件" in body
    # the liaison sees its talk, not the accountability referral
    body = (
        client_for(cast.unit_liaison).get(f"/rectification/plans/{world.plan.pk}/").content.decode()
    )
    assert "约谈后仍未按期完成整改" not in body
    # lagging units are listed for the office on the ledger page
    body = office.get("/rectification/results/").content.decode()
    assert "整改滞后单位" in body and "江州市交通运输局" in body


def test_talk_bad_input(world):  # noqa: F811
    cast = world.cast
    values = {
        "plan": world.plan,
        "held_on": date(2026, 9, 1),
        "talker": "王主任",
        "talked_to": "张局长",
        "reason": "整改滞后",
        "promises": "按期完成",
        "actor": cast.office_staff,
    }
    before = (ResultItem.objects.count(), _entries())
    for over, message in [
        ({"held_on": date(2026, 5, 1)}, "早于反馈日期"),
        ({"promises": ""}, "表态承诺"),
        ({"due_date": date(2026, 8, 1)}, "早于决定日期"),
        ({"actor": cast.unit_liaison}, "只有巡察机构"),
    ]:
        with pytest.raises(DomainError, match=message):
            results.talk_record(**{**values, **over})
    assert (ResultItem.objects.count(), _entries()) == before


def test_decided_talk_is_completed_by_its_record(world):  # noqa: F811
    cast = world.cast
    other = world.rect.other_plan
    decided = results.result_from_decision(
        inspection=other.inspection, kind="talk", unit=other.unit, actor=cast.office_staff
    )
    talk = results.talk_record(
        plan=other,
        held_on=date(2026, 9, 1),
        talker="王主任",
        talked_to="青石镇党委书记",
        reason="整改方案逾期未报",
        promises="一周内报送",
        actor=cast.office_staff,
    )
    assert talk.item_id == decided.pk
    decided.refresh_from_db()
    assert decided.state == RS.SENT


# --------------------------------------------------------------------------- org department


def test_org_referral_carries_leadership_problems_and_rating_only_and_is_audited(world):  # noqa: F811
    cast, item = world.cast, world.org
    org = client_for(cast.org_recipient)
    reads = AuditEntry.objects.filter(
        action="read", object_id=str(item.pk), actor=cast.org_recipient
    )
    body = org.get(f"/rectification/results/{item.pk}/").content.decode()
    assert "违规发放津补贴" in body and "政府采购程序不规范" in body
    assert "尚未评估" in body
    for problem in world.rect.problems:
        assert problem.description not in body  # the confidential description stays home
    assert "尚未核实的问题" not in body  # not on the feedback list
    assert reads.count() == 1
    response = org.get(f"/api/v1/rectification/results/{item.pk}")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/rectification/results/{item_id}", "get")
    referral = response.json()["org_referral"]
    assert [p["number"] for p in referral["problems"]] == ["A-001", "A-002"]
    assert set(referral["problems"][0]) == {"number", "title", "category"}
    assert reads.count() == 2
    # nothing else: other ledger items, the clue ledger, the plan are not theirs
    assert org.get(f"/rectification/results/{world.sent.pk}/").status_code == 404
    assert org.get(f"/rectification/plans/{world.plan.pk}/").status_code == 404
    assert (
        client_for(cast.handover_recipient).get(f"/rectification/results/{item.pk}/").status_code
        == 404
    )


def test_org_referral_not_readable_before_it_is_sent(world):  # noqa: F811
    cast = world.cast
    item = results.result_create(
        inspection=cast.inspections["a"],
        kind="org_referral",
        subject="待移送",
        recipient=world.org_unit,
        unit=cast.units["bureau"],
        actor=cast.office_staff,
    )
    assert (
        client_for(cast.org_recipient).get(f"/rectification/results/{item.pk}/").status_code == 404
    )


# --------------------------------------------------------------------------- life meeting


def test_life_meeting_with_observers_and_followup_measures(world):  # noqa: F811
    cast, meeting = world.cast, world.meeting
    assert list(meeting.measures.all()) == [world.measures[0]]
    body = (
        client_for(cast.office_staff).get(f"/rectification/plans/{world.plan.pk}/").content.decode()
    )
    assert "整改专题民主生活会" in body and "市委组织部干部一科 陈科长" in body
    body = (
        client_for(cast.office_staff)
        .get(f"/rectification/life-meetings/{meeting.pk}/")
        .content.decode()
    )
    assert "班子成员逐一对照反馈问题作检视剖析" in body and world.measures[0].content in body
    values = {
        "plan": world.plan,
        "actor": cast.unit_liaison,
        "held_on": date(2026, 7, 20),
        "host": "张局长",
        "attendees": "局党组全体成员",
        "discipline_observer": "刘组长",
        "organisation_observer": "陈科长",
        "self_criticism": "检视剖析",
        "measures": [world.measures[0]],
    }
    other_measure = services.measure_create(
        plan=world.rect.other_plan,
        problem=world.rect.other_problem,
        actor=_township_liaison(cast),
        content="公开村级财务",
        responsible_leader="书记",
        lead_department="党政办",
        responsible_person="主任",
        deadline=date(2026, 8, 31),
    )
    before = _entries()
    for over, message in [
        ({"organisation_observer": ""}, "组织部列席人员"),
        ({"discipline_observer": " "}, "纪委监委列席人员"),
        ({"held_on": date(2026, 5, 1)}, "早于反馈日期"),
        ({"measures": [other_measure]}, "须为本单位整改方案中的措施"),
        ({"measures": [], "followup": ""}, "关联整改方案中的措施或填写"),
        ({"actor": cast.team_member}, "只有被巡察单位或巡察机构"),
    ]:
        with pytest.raises(DomainError, match=message):
            results.life_meeting_record(**{**values, **over})
    assert _entries() == before
    response = client_for(cast.unit_liaison).post(
        f"/api/v1/rectification/plans/{world.plan.pk}/life-meetings",
        {
            "held_on": "2026-08-01",
            "host": "张局长",
            "attendees": "局党组成员",
            "discipline_observer": "刘组长",
            "organisation_observer": "陈科长",
            "self_criticism": "再次检视",
            "measure_ids": [world.measures[1].pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "/api/v1/rectification/plans/{plan_id}/life-meetings", "post")
    assert response.json()["measure_ids"] == [world.measures[1].pk]


def _township_liaison(cast):
    from tests.cast import make_user
    from xuncha.org.models import Role

    return make_user("township_liaison", unit=cast.units["township_a"], roles=[Role.UNIT_LIAISON])


# --------------------------------------------------------------------------- letters


def test_suggestion_letter_and_copy_notice_download_as_official_documents(world):  # noqa: F811
    """The 巡察建议书 and 抄告单 open as .docx with their number, recipient, requirement and
    reply deadline, carry the reader's watermark, and the export is audited."""
    import io

    from docx import Document

    from xuncha.reports.watermark import docx_watermark

    cast = world.cast
    office = client_for(cast.office_staff)
    for item, title in ((world.sent, "巡察建议书"), (world.decided, "巡察情况抄告单")):
        before = AuditEntry.objects.filter(action="export").count()
        response = office.get(f"/rectification/results/{item.pk}/letter.docx")
        assert response.status_code == 200
        data = b"".join(response) if response.streaming else response.content
        text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
        letter = SupervisionLetter.objects.get(pk=item.letter_id)
        assert title in text and letter.number in text
        assert "中共江州市纪委" in text or item.recipient_name in text
        assert letter.requirement in text
        due = letter.reply_by
        assert f"{due.year}年{due.month}月{due.day}日前" in text
        assert any(cast.office_staff.username in w for w in docx_watermark(data))
        assert AuditEntry.objects.filter(action="export").count() == before + 1
    # the API gives the same document
    response = office.get(f"/api/v1/rectification/results/{world.sent.pk}/letter.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    # an item without a letter has no letter to download
    response = office.get(f"/rectification/results/{world.org.pk}/letter.docx")
    assert response.status_code == 404
