"""每周工作汇总: each office's week figures are the indicators of that week under the event
basis (checked against the plain-Python reference of tests/stats/world.py): a problem found
this week in an inspection stationed weeks ago counts this week; what is overdue and waiting
is counted over the recipient's rows, a second run sends nothing, and the e-mail through a
real SMTP sink holds aggregate figures only."""

import random
import re
from datetime import date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.cast import client_for
from tests.notifications import conftest as mail
from tests.rectification.conftest import make_feedback_problem
from tests.stats.world import build_world, reference
from xuncha.clues.models import Clue, Handover
from xuncha.inspections.models import Problem
from xuncha.notifications import services as notifications
from xuncha.notifications.models import Kind, Notification, Outbox
from xuncha.petitions.models import Submission
from xuncha.plans.models import Inspection
from xuncha.rectification.models import Measure, RectificationPlan
from xuncha.stats import indicators, weekly
from xuncha.stats.models import WeeklySummary

pytestmark = pytest.mark.django_db
SECRET = "绝密标记七号"
smtp, with_emails = mail.smtp, mail.with_emails  # the real SMTP sink and e-mail addresses


def _figure(body, name):
    return int(re.search(rf"· {name}：(\d+) ", body).group(1))


def test_week_figures_are_the_indicators_of_the_week(cast, with_emails, smtp):
    build_world(cast, random.Random(13), n=14)
    # weeks with something in them: a problem found, a handover sent, a submission received
    approved = Problem.objects.filter(state="approved", inspection__office=cast.city)
    days = [timezone.localtime(p.created_at).date() for p in approved.order_by("pk")[:2]]
    sent = Handover.objects.filter(office=cast.city, sent_at__isnull=False).order_by("pk")
    days += [timezone.localtime(h.sent_at).date() for h in sent[:1]]
    days += [s.received_on for s in Submission.objects.filter(office=cast.city).order_by("pk")[:1]]
    weeks = sorted({weekly.Week.of(d) for d in days}, key=lambda w: w.start)
    seen_nonzero = set()
    for week in weeks:
        result = weekly.weekly_summary(week)
        assert result["offices"] == 3 and result["skipped"] == 0
        for office in (cast.city, cast.county_a, cast.county_b):
            flt = indicators.StatsFilter(
                root=office, start=week.start, end=week.end, basis=indicators.EVENT
            )
            expected = reference(flt)[office.path]
            got = WeeklySummary.objects.get(owner=office, week_start=week.start).figures
            assert got == {code: expected[code] for code, _l, _u in weekly.WEEK_FIGURES}
            seen_nonzero |= {code for code, value in got.items() if value}
    assert {"problems_found", "handovers_sent", "submissions_received"} <= seen_nonzero

    # the notification links to the statistics page filtered to that week, which shows them
    week = weeks[0]
    note = Notification.objects.get(
        user=cast.office_staff, key__startswith=f"weekly-{cast.city.pk}-{week.start:%Y%m%d}"
    )
    assert note.kind == Kind.WEEKLY_SUMMARY
    assert note.url == (
        f"/stats/?office={cast.city.pk}&date_from={week.start}&date_to={week.end}&basis=event"
    )
    page = client_for(cast.office_staff).get(note.url)
    assert page.status_code == 200
    assert f"{week.start:%Y年%m月%d日}至{week.end:%Y年%m月%d日}" in page.content.decode()
    own = page.context["table"].figures[cast.city.path]
    got = WeeklySummary.objects.get(owner=cast.city, week_start=week.start).figures
    assert {code: own[code] for code in got} == got  # the page shows the summary's figures

    # overdue and waiting: counted by hand over the city's rows (office_staff is on no team)
    today = timezone.localdate()
    measures = list(Measure.objects.select_related("plan"))
    city_measures = [m for m in measures if m.plan.office_id == cast.city.pk]
    expected_now = {
        "逾期整改措施": sum(
            1
            for m in city_measures
            if m.state != "closed" and not m.long_term and m.deadline < today
        ),
        "待受理来信来访": sum(
            1
            for s in Submission.objects.all()
            if s.office_id == cast.city.pk and s.state == "received"
        ),
        "待审核整改方案": sum(
            1
            for p in RectificationPlan.objects.all()
            if p.office_id == cast.city.pk and p.state == "submitted"
        ),
        "待核验销号整改措施": sum(1 for m in city_measures if m.state == "pending"),
    }
    notifications.deliver_outbox()
    [mail] = [
        m
        for m in smtp.inbox
        if m["to"] == ["office_staff@example.gov.cn"] and f"{week.start:%m月%d日}" in m["subject"]
    ]
    for name, value in expected_now.items():
        assert _figure(mail["body"], name) == value, name
    got = WeeklySummary.objects.get(owner=cast.city, week_start=week.start).figures
    for code, label, _unit in weekly.WEEK_FIGURES:
        assert _figure(mail["body"], label) == got[code], label


def test_a_problem_found_this_week_counts_whenever_its_inspection_was_stationed(
    cast, with_emails, smtp
):
    """Inspection a was stationed five weeks before the week; its problem is recorded on the
    week's Monday just after midnight, Beijing time (Sunday in UTC); its handover is sent
    and a measure closed in the week. The summary counts them, and its link shows them."""
    week = weekly.Week(date(2026, 4, 6), date(2026, 4, 12))
    inspection = cast.inspections["a"]
    Inspection.objects.filter(pk=inspection.pk).update(start=date(2026, 3, 2))
    found = timezone.make_aware(datetime(2026, 4, 6, 0, 20))  # 2026-04-05 16:20 UTC
    problem = make_feedback_problem(cast, inspection, cast.units["bureau"], "001", "问题")
    Problem.objects.filter(pk=problem.pk).update(created_at=found)
    make_feedback_problem(cast, inspection, cast.units["bureau"], "002", "上周的问题")
    Problem.objects.filter(number="002").update(created_at=found - timedelta(hours=1))
    Handover.objects.create(
        office=cast.city,
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="discipline",
        number="YJ-1",
        subject="移交",
        state=Handover.State.SENT,
        sent_at=timezone.make_aware(datetime(2026, 4, 12, 23, 50)),
        created_by=cast.office_staff,
    )
    plan = RectificationPlan.objects.create(
        office=cast.city,
        inspection=inspection,
        unit=cast.units["bureau"],
        feedback_date=date(2026, 3, 20),
        due_date=date(2026, 4, 20),
        report_due_date=date(2026, 6, 20),
    )
    Measure.objects.create(
        plan=plan,
        problem=problem,
        content="措施",
        responsible_leader="甲",
        lead_department="乙",
        responsible_person="丙",
        deadline=date(2026, 4, 30),
        state=Measure.State.CLOSED,
        closed_at=timezone.make_aware(datetime(2026, 4, 8, 10, 0)),
        created_at=timezone.make_aware(datetime(2026, 3, 25, 10, 0)),
    )

    weekly.weekly_summary(week)
    got = WeeklySummary.objects.get(owner=cast.city, week_start=week.start).figures
    assert (got["problems_found"], got["measures_closed"], got["handovers_sent"]) == (1, 1, 1)
    note = Notification.objects.get(user=cast.office_staff, kind=Kind.WEEKLY_SUMMARY)
    assert "发现问题1个" in note.title and "移交件数1件" in note.title
    notifications.deliver_outbox()
    [mail] = [m for m in smtp.inbox if m["to"] == ["office_staff@example.gov.cn"]]
    assert _figure(mail["body"], "发现问题") == 1
    assert "按事项发生时间归属" in mail["body"]
    # the statistics page at the summary's link shows the same figures
    page = client_for(cast.office_staff).get(note.url)
    own = page.context["table"].figures[cast.city.path]
    assert (own["problems_found"], own["measures_closed"], own["handovers_sent"]) == (1, 1, 1)
    assert "按事项发生时间归属" in page.content.decode()
    # the week before holds the other problem; the stationing week none of them
    assert weekly.week_figures(cast.city, weekly.Week.of(date(2026, 3, 30)))["problems_found"] == 1
    assert weekly.week_figures(cast.city, weekly.Week.of(date(2026, 3, 2)))["problems_found"] == 0


def test_runs_once_per_office_and_week_and_mail_holds_no_confidential_text(
    cast,
    with_emails,
    smtp,
):
    build_world(cast, random.Random(7), n=8)
    Problem.objects.update(title=f"{SECRET}问题", description=SECRET)
    Clue.objects.update(facts=SECRET, people_concerned=SECRET)
    Handover.objects.update(subject=f"{SECRET}移交")
    # the administrator wants the weekly summary in the centre only
    notifications.preferences_save(
        user=cast.office_admin,
        choices={Kind.WEEKLY_SUMMARY: {"in_app": True, "email": False, "digest": False}},
    )
    week = weekly.Week.of(Inspection.objects.order_by("pk").first().start)
    call_command("weekly_summary", "--week", week.iso, stdout=open("/dev/null", "w"))
    recipients = {"office_admin", "office_staff", "county_staff", "county_b_staff"}
    noted = set(
        Notification.objects.filter(kind=Kind.WEEKLY_SUMMARY).values_list(
            "user__username", flat=True
        )
    )
    assert noted == recipients
    mailed = sorted(a for m in smtp.inbox for a in m["to"])
    assert mailed == sorted(f"{n}@example.gov.cn" for n in recipients - {"office_admin"})
    counts = (Notification.objects.count(), Outbox.objects.count(), WeeklySummary.objects.count())

    # a second run (and a run of the task) for the same week sends nothing
    call_command("weekly_summary", "--week", str(week.start), stdout=open("/dev/null", "w"))
    assert weekly.weekly_summary(week) == {
        "week": week.iso,
        "offices": 0,
        "skipped": 3,
        "notified": 0,
    }
    assert (
        Notification.objects.count(),
        Outbox.objects.count(),
        WeeklySummary.objects.count(),
    ) == counts
    assert len(smtp.inbox) == 3

    text = smtp.text()
    assert "每周工作汇总" in text and "https://xuncha.example.gov.cn/stats/?office=" in text
    names = [u.name for u in cast.units.values()]
    for secret in [SECRET, *names, *Handover.objects.values_list("number", flat=True)]:
        assert secret not in text
    # and the in-app title is figures only, too
    assert not Notification.objects.filter(title__contains=SECRET).exists()


def test_week_parsing_and_the_stats_date_filter():
    assert weekly.Week.parse("2026-W49") == weekly.Week(date(2026, 11, 30), date(2026, 12, 6))
    assert weekly.Week.parse("2026-12-03") == weekly.Week(date(2026, 11, 30), date(2026, 12, 6))
    assert weekly.Week.last(date(2026, 12, 7)).start == date(2026, 11, 30)
    with pytest.raises(Exception, match="周次格式错误"):
        weekly.Week.parse("上周")


def test_stats_page_refuses_a_reversed_date_range(cast):
    client = client_for(cast.office_staff)
    response = client.get("/stats/?date_from=2026-03-02&date_to=2026-03-01")
    assert response.status_code == 400
    assert "开始日期不能晚于结束日期。" in response.content.decode()
    response = client.get("/stats/?year=2025&date_from=2026-03-01")
    assert "所选日期不在所选届期（年度、季度）内。" in response.content.decode()
