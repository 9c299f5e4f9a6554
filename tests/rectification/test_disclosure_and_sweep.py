"""Public disclosure (exempt items omitted) and the daily sweep (reminders, escalation)."""

from datetime import date

import pytest
from django.core.management import call_command
from django.test import Client

from tests.cast import client_for
from tests.rectification.conftest import adopt, pdf
from xuncha.core.errors import DomainError
from xuncha.rectification import selectors, services
from xuncha.rectification.disclosure import approve_all
from xuncha.rectification.models import Measure, Reminder


def _publish(rect, exempt_second=True):
    cast = rect.cast
    items = {
        rect.problems[0].pk: ("单位违规发放津补贴问题", ""),
        rect.problems[1].pk: ("采购问题（不应公开）", "open_case" if exempt_second else ""),
    }
    d = services.disclosure_draft(
        plan=rect.plan, intro="现将巡察整改进展情况予以公开。", items=items, actor=cast.unit_liaison
    )
    with pytest.raises(DomainError):
        services.disclosure_transition(disclosure=d, target="published", actor=cast.office_staff)
    services.disclosure_transition(disclosure=d, target="submitted", actor=cast.unit_liaison)
    with pytest.raises(DomainError):
        services.disclosure_transition(disclosure=d, target="published", actor=cast.unit_liaison)
    approve_all(d, cast.office_staff)
    return services.disclosure_transition(disclosure=d, target="published", actor=cast.office_staff)


def test_disclosure_omits_exempt_items_and_shows_status(rect):
    cast = rect.cast
    measures = adopt(rect)
    services.progress_add(
        measure=measures[0],
        text="完成",
        files=[pdf()],
        request_verification=True,
        actor=cast.unit_liaison,
    )
    services.measure_verify(
        measure=measures[0], decision="approve", reason="佐证充分", actor=cast.office_staff
    )
    d = _publish(rect)
    public = Client()
    body = public.get("/public/disclosures/").content.decode()
    assert "江州市交通运输局" in body
    body = public.get(f"/public/disclosures/{d.pk}/").content.decode()
    assert "单位违规发放津补贴问题" in body and "【已整改】" in body
    assert "采购问题" not in body and "政府采购程序不规范" not in body
    assert "完成率 <strong>100%</strong>" in body  # the exempt problem's measure is not counted
    assert "第1项问题整改完成并经核验销号" in body and "2026年6月1日" in body
    api = public.get("/api/v1/rectification/public/disclosures").json()
    assert api[0]["percent"] == 100 and len(api[0]["items"]) == 1


def test_reporter_follow_up_status(rect):
    cast = rect.cast
    measures = adopt(rect)
    _publish(rect)
    p1, p2 = rect.problems
    status = selectors.disclosure_status_for_problems([p1.pk, p2.pk, rect.hidden.pk])
    assert set(status) == {p1.pk}  # exempt and unpublished problems reveal nothing
    assert status[p1.pk]["addressed"] is False and status[p1.pk]["label"] == "正在整改"
    services.progress_add(
        measure=measures[0],
        text="完成",
        files=[pdf()],
        request_verification=True,
        actor=cast.unit_liaison,
    )
    services.measure_verify(
        measure=measures[0], decision="approve", reason="佐证充分", actor=cast.office_staff
    )
    status = selectors.disclosure_status_for_problems([p1.pk])
    assert status[p1.pk]["addressed"] is True and status[p1.pk]["label"] == "已整改并经核验销号"


def test_unpublished_disclosure_is_not_public(rect):
    adopt(rect)
    d = services.disclosure_draft(
        plan=rect.plan,
        intro="",
        items={p.pk: (p.title, "") for p in rect.problems},
        actor=rect.cast.unit_liaison,
    )
    assert Client().get(f"/public/disclosures/{d.pk}/").status_code == 404
    with pytest.raises(DomainError, match="公开表述"):
        services.disclosure_draft(
            plan=rect.plan,
            intro="",
            items={rect.problems[0].pk: ("", "")},
            actor=rect.cast.unit_liaison,
        )
    with pytest.raises(DomainError):
        services.disclosure_draft(plan=rect.plan, intro="", items={}, actor=rect.cast.office_staff)
    # the office returns the draft with a comment
    services.disclosure_draft(
        plan=rect.plan,
        intro="",
        items={p.pk: (p.title, "") for p in rect.problems},
        actor=rect.cast.unit_liaison,
    )
    services.disclosure_transition(disclosure=d, target="submitted", actor=rect.cast.unit_liaison)
    d = services.disclosure_transition(
        disclosure=d, target="returned", actor=rect.cast.office_staff, comment="第二项涉及在查案件"
    )
    assert (
        "第二项涉及在查案件"
        in client_for(rect.cast.unit_liaison)
        .get(f"/rectification/plans/{rect.plan.pk}/disclosure/")
        .content.decode()
    )


def test_sweep_reminds_then_escalates_once(rect, settings):
    cast = rect.cast
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    measures = adopt(rect)
    m = measures[0]
    Measure.objects.filter(plan=rect.plan).update(
        deadline=date(2026, 9, 30)
    )  # a Wednesday before National Day
    Measure.objects.filter(pk=measures[1].pk).update(long_term=True)  # long-term: never escalated
    rect.plan.main_leader_user = cast.unit_liaison
    rect.plan.save()
    services.sweep(date(2026, 9, 1))
    assert not Reminder.objects.filter(kind="remind").exists()
    services.sweep(date(2026, 9, 24))  # 4 working days before: yellow
    assert Reminder.objects.filter(kind="remind").count() == 1
    services.sweep(date(2026, 9, 25))
    assert Reminder.objects.filter(kind="remind").count() == 1  # once only
    # National Day holiday (1–7 October 2026, with 10 October a make-up working day):
    # overdue on 8 October by 1 working day → orange: unit, main leader and office told.
    services.sweep(date(2026, 10, 8))
    escalations = Reminder.objects.filter(kind="escalate", key__startswith=f"m{m.pk}-")
    assert escalations.count() == 3
    assert {(r.unit_id, r.user_id, r.office_id) for r in escalations} == {
        (rect.plan.unit_id, None, None),
        (None, cast.unit_liaison.pk, None),
        (None, None, rect.plan.office_id),
    }
    services.sweep(date(2026, 10, 20))  # 10 working days late → red
    assert Reminder.objects.filter(kind="escalate_serious").count() == 3
    m.refresh_from_db()
    assert m.alert_level == 3
    # the reminders reach the home pages of the people concerned
    # (the reminder's own text: the dashboards show 严重逾期 as a traffic-light label too)
    text = Reminder.objects.filter(kind="escalate_serious").first().text
    assert "严重逾期" in text
    assert text in client_for(cast.unit_liaison).get("/").content.decode()
    assert text in client_for(cast.office_staff).get("/").content.decode()
    assert text not in client_for(cast.county_staff).get("/").content.decode()
    # the management command and the task run the same sweep
    call_command("rectification_sweep", "--date", "2026-10-21")
    from xuncha.rectification.tasks import daily_sweep

    daily_sweep.enqueue()


def test_report_and_handover_deadlines(rect):
    from xuncha.clues import services as clue_services

    cast = rect.cast
    adopt(rect)
    services.sweep(date(2026, 7, 27))  # report due 1 August: reminder to the unit
    assert Reminder.objects.filter(kind="report", unit=rect.plan.unit).exists()
    services.sweep(date(2026, 8, 3))
    assert Reminder.objects.filter(key=f"p{rect.plan.pk}-report-overdue").exists()
    h = clue_services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="问题",
        problems=[rect.problems[0]],
        actor=cast.office_staff,
    )
    h = clue_services.handover_transition(handover=h, target="sent", actor=cast.office_staff)
    services.sweep(h.due_date)
    assert not Reminder.objects.filter(kind="handover").exists()
    services.sweep(date(h.due_date.year + 1, 1, 5))
    assert Reminder.objects.filter(kind="handover").count() == 2
    h.refresh_from_db()
    assert h.escalated_on is not None
    assert "逾期" in client_for(cast.handover_recipient).get("/").content.decode()


def test_disclosed_items_past_their_deadline_are_marked_overdue(rect):
    from datetime import timedelta

    from django.utils import timezone

    measures = adopt(rect)
    d = _publish(rect, exempt_second=False)
    past = timezone.localdate() - timedelta(days=3)
    Measure.objects.filter(pk=measures[0].pk).update(deadline=past, long_term=False)
    Measure.objects.filter(problem=rect.problems[1]).update(
        deadline=timezone.localdate() + timedelta(days=30), long_term=False
    )
    body = Client().get(f"/public/disclosures/{d.pk}/").content.decode()
    first, second = body.split("单位违规发放津补贴问题", 1)[1].split("采购问题（不应公开）", 1)
    assert "【逾期】" in first and "逾期</span>" in first
    assert "逾期" not in second and "【正在整改】" in second
