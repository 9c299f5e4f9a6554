"""Notifications from real events, preferences, the header count, and e-mail through a
real SMTP sink: title and link only, queued and retried while the server is down."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.cast import client_for
from tests.clues.test_handovers import _clue
from tests.rectification.conftest import adopt, make_submission, measure_values
from tests.rectification.test_workflow import _submit_for_verification
from xuncha.clues import services as clue_services
from xuncha.core.errors import DomainError
from xuncha.notifications import services
from xuncha.notifications.models import Kind, Notification, Outbox
from xuncha.rectification import services as rect_services
from xuncha.rectification.models import Reminder

pytestmark = pytest.mark.django_db


def _of(user):
    return list(Notification.objects.filter(user=user).values_list("kind", "url"))


def test_reminder_fans_out_to_user_unit_and_office(rect):
    cast = rect.cast
    url = f"/rectification/plans/{rect.plan.pk}/"
    rect_services._remind(
        Reminder.Kind.REMIND, key="k-u", text="临近期限", url=url, user=cast.team_leader
    )
    rect_services._remind(
        Reminder.Kind.REPORT, key="k-unit", text="报告", url=url, unit=cast.units["bureau"]
    )
    rect_services._remind(Reminder.Kind.ESCALATE, key="k-o", text="逾期", url=url, office=cast.city)
    # a re-run of the sweep creates no reminder, so nothing is notified twice
    rect_services._remind(Reminder.Kind.ESCALATE, key="k-o", text="逾期", url=url, office=cast.city)
    assert _of(cast.team_leader) == [(Kind.DEADLINE_UPCOMING, url)]
    assert _of(cast.unit_liaison) == [(Kind.DEADLINE_UPCOMING, url)]
    assert _of(cast.office_staff) == [(Kind.DEADLINE_PASSED, url)]
    assert _of(cast.office_admin) == [(Kind.DEADLINE_PASSED, url)]
    assert _of(cast.county_staff) == [] and _of(cast.outsider) == []


def test_sweep_overdue_measure_notifies_unit_and_office(rect):
    cast = rect.cast
    measure = adopt(rect)[0]
    rect_services.sweep(measure.deadline + timedelta(days=3))
    link = f"/rectification/measures/{measure.pk}/"
    assert (Kind.DEADLINE_PASSED, link) in _of(cast.unit_liaison)
    assert (Kind.DEADLINE_PASSED, link) in _of(cast.office_staff)
    before = Notification.objects.count()
    rect_services.sweep(measure.deadline + timedelta(days=3))
    assert Notification.objects.count() == before


def test_plan_approval_and_return_notify_the_unit(rect):
    cast = rect.cast
    plan_url = f"/rectification/plans/{rect.plan.pk}/"
    for problem in rect.problems:
        rect_services.measure_create(
            plan=rect.plan,
            problem=problem,
            actor=cast.unit_liaison,
            **measure_values(),
        )
    rect_services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    rect_services.plan_transition(
        plan=rect.plan, target="returned", actor=cast.office_staff, comment="措施不具体"
    )
    assert _of(cast.unit_liaison) == [(Kind.RETURNED, plan_url)]
    rect_services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    rect_services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    assert (Kind.APPROVAL, plan_url) in _of(cast.unit_liaison)
    assert _of(cast.handover_recipient) == []


def test_rejected_verification_notifies_the_responsible_account(rect):
    cast = rect.cast
    measure = adopt(rect)[0]
    _submit_for_verification(rect, measure)
    rect_services.measure_verify(
        measure=measure, decision="reject", reason="缺少银行回单", actor=cast.office_staff
    )
    assert (Kind.RETURNED, f"/rectification/measures/{measure.pk}/") in _of(cast.unit_liaison)


def _handover_from_submission(rect):
    cast = rect.cast
    submission = make_submission(
        cast, text="反映财务科长收受礼金八万元的具体经过。", name="举报人王秀英"
    )
    clue = _clue(
        rect,
        source="submission",
        working_paper=None,
        submission=submission,
        facts="收受礼金八万元的具体经过",
    )
    h = clue_services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="财务科长收受礼金问题线索",
        clues=[clue],
        actor=cast.office_staff,
    )
    return clue_services.handover_transition(handover=h, target="sent", actor=cast.office_staff)


def test_handover_sent_is_an_assignment_and_mail_has_no_confidential_content(
    rect, with_emails, smtp
):
    cast = rect.cast
    h = _handover_from_submission(rect)
    url = f"/clues/handovers/{h.pk}/"
    assert _of(cast.handover_recipient) == [(Kind.ASSIGNMENT, url)]
    assert services.deliver_outbox() == {"sent": 1, "failed": 0}
    [mail] = smtp.inbox
    assert mail["to"] == ["handover_recipient@example.gov.cn"]
    assert "https://xuncha.example.gov.cn" + url in mail["body"]
    text = smtp.text()
    for secret in ("收受礼金", "八万元", "王秀英", "举报人", "财务科长", "13900001111", h.number):
        assert secret not in text


def test_preferences_decide_centre_mail_and_digest(rect, with_emails, smtp):
    cast = rect.cast
    user = cast.unit_liaison
    with pytest.raises(DomainError, match="未知的通知类别"):
        services.preferences_save(user=user, choices={"nope": {"email": True}})
    services.preferences_save(
        user=user,
        choices={Kind.DEADLINE_UPCOMING: {"in_app": False, "email": False, "digest": True}},
    )
    rect_services._remind(Reminder.Kind.REMIND, key="p1", text="临近", url="/x/", user=user)
    assert services.unread_count(user) == 0  # not shown in the centre
    assert not Outbox.objects.filter(user=user).exists()  # no immediate mail
    assert services.daily_digest() == 1
    services.deliver_outbox()
    [mail] = smtp.inbox
    assert "每日通知汇总" in mail["subject"] and "https://xuncha.example.gov.cn/x/" in mail["body"]
    assert "临近" not in mail["body"].replace("临近期限", "")  # the kind's label, not the title
    assert services.daily_digest() == 0  # each notification is digested once
    services.preferences_save(
        user=user,
        choices={Kind.DEADLINE_UPCOMING: {"in_app": False, "email": False, "digest": False}},
    )
    rect_services._remind(Reminder.Kind.REMIND, key="p2", text="临近", url="/x/", user=user)
    assert Notification.objects.filter(user=user).count() == 1  # nothing wanted: nothing kept


def test_smtp_down_queues_and_retries_nothing_lost(rect, with_emails, smtp):
    cast = rect.cast
    smtp.stop()
    for i in range(3):
        rect_services._remind(
            Reminder.Kind.ESCALATE,
            key=f"down{i}",
            text="逾期",
            url=f"/y/{i}/",
            user=cast.office_staff,
        )
    now = timezone.now()
    assert services.deliver_outbox(now) == {"sent": 0, "failed": 3}
    rows = list(Outbox.objects.all())
    assert all(r.attempts == 1 and r.sent_at is None and r.last_error for r in rows)
    assert all(r.next_attempt_at > now for r in rows)
    assert services.deliver_outbox(now) == {"sent": 0, "failed": 0}  # backing off
    assert services.deliver_outbox(now + timedelta(minutes=3)) == {"sent": 0, "failed": 3}
    assert Outbox.objects.filter(attempts=2).count() == 3
    smtp.start()
    assert services.deliver_outbox(now + timedelta(hours=2)) == {"sent": 3, "failed": 0}
    assert sorted(m["body"].splitlines()[1] for m in smtp.inbox) == [
        f"https://xuncha.example.gov.cn/y/{i}/" for i in range(3)
    ]
    assert not Outbox.objects.filter(sent_at__isnull=True).exists()
    assert services.deliver_outbox(now + timedelta(hours=3)) == {"sent": 0, "failed": 0}


def test_header_badge_costs_pages_nothing_and_itself_one_count(rect):
    cast = rect.cast
    rect_services._remind(
        Reminder.Kind.REMIND, key="h1", text="临近", url="/", user=cast.office_staff
    )
    client = client_for(cast.office_staff)
    client.get("/notifications/preferences/")
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get("/notifications/preferences/")
    assert 'hx-get="/notifications/badge/"' in page.content.decode()
    assert not [
        q for q in page_queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    with CaptureQueriesContext(connection) as badge_queries:
        badge = client.get("/notifications/badge/")
    assert 'id="nav-unread"' in badge.content.decode() and ">1<" in badge.content.decode()
    counts = [
        q["sql"] for q in badge_queries.captured_queries if "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1 and "COUNT" in counts[0].upper()
    services.mark_read(user=cast.office_staff)
    assert 'id="nav-unread"' not in client.get("/notifications/badge/").content.decode()


def test_centre_open_marks_read_and_redirects(rect):
    cast = rect.cast
    rect_services._remind(
        Reminder.Kind.REMIND,
        key="o1",
        text="临近期限：测试",
        url="/rectification/",
        user=cast.office_staff,
    )
    n = Notification.objects.get(user=cast.office_staff)
    client = client_for(cast.office_staff)
    assert "临近期限：测试" in client.get("/notifications/").content.decode()
    response = client.get(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/rectification/"
    n.refresh_from_db()
    assert n.read_at is not None and services.unread_count(cast.office_staff) == 0
    assert client_for(cast.office_admin).get(f"/notifications/{n.pk}/open/").status_code == 404


def test_external_link_is_never_followed(rect):
    cast = rect.cast
    n = Notification.objects.create(
        user=cast.office_staff, kind=Kind.APPROVAL, title="t", url="//evil.example/", key="e"
    )
    response = client_for(cast.office_staff).get(f"/notifications/{n.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_api_lists_own_and_saves_preferences(rect):
    cast = rect.cast
    rect_services._remind(
        Reminder.Kind.REMIND, key="a1", text="临近", url="/", user=cast.office_staff
    )
    client = client_for(cast.office_staff)
    body = client.get("/api/v1/notifications").json()
    assert body["count"] == 1 and body["items"][0]["kind_label"] == "临近期限"
    assert client.get("/api/v1/notifications/unread").json() == {"unread": 1}
    bad = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": {"nope": {"in_app": True, "email": True, "digest": True}}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "未知的通知类别" in bad.json()["detail"]
    ok = client.put(
        "/api/v1/notifications/preferences",
        {"preferences": {"approval": {"in_app": True, "email": False, "digest": True}}},
        content_type="application/json",
    )
    assert ok.json()["approval"] == {"in_app": True, "email": False, "digest": True}


def test_one_delivery_task_per_transaction(rect, with_emails, django_capture_on_commit_callbacks):
    cast = rect.cast
    with django_capture_on_commit_callbacks() as callbacks:
        rect_services._remind(
            Reminder.Kind.ESCALATE, key="t1", text="逾期", url="/", office=cast.city
        )
        rect_services._remind(
            Reminder.Kind.ESCALATE, key="t2", text="逾期", url="/", office=cast.city
        )
    assert Outbox.objects.count() == 4  # office_admin and office_staff, twice
    assert len(callbacks) == 1
