"""每周工作汇总: each office's week figures are the indicators of that week (checked
against the plain-Python reference of tests/stats/world.py), what is overdue and waiting
is counted over the recipient's rows, a second run sends nothing, and the e-mail through a
real SMTP sink holds aggregate figures only."""

import random
import re
from datetime import date

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.cast import client_for
from tests.notifications import conftest as mail
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
    # weeks with something in them: an inspection stationed, a submission received
    approved = Problem.objects.filter(state="approved", inspection__office=cast.city)
    days = [p.inspection.start for p in approved.select_related("inspection").order_by("pk")[:2]]
    days += [s.received_on for s in Submission.objects.filter(office=cast.city).order_by("pk")[:1]]
    weeks = sorted({weekly.Week.of(d) for d in days}, key=lambda w: w.start)
    seen_nonzero = set()
    for week in weeks:
        result = weekly.weekly_summary(week)
        assert result["offices"] == 3 and result["skipped"] == 0
        for office in (cast.city, cast.county_a, cast.county_b):
            flt = indicators.StatsFilter(root=office, start=week.start, end=week.end)
            expected = reference(flt)[office.path]
            got = WeeklySummary.objects.get(owner=office, week_start=week.start).figures
            assert got == {code: expected[code] for code, _l, _u in weekly.WEEK_FIGURES}
            seen_nonzero |= {code for code, value in got.items() if value}
    assert {"problems_found", "submissions_received"} <= seen_nonzero  # not all zeros

    # the notification links to the statistics page filtered to that week, which shows them
    week = weeks[0]
    note = Notification.objects.get(
        user=cast.office_staff, key__startswith=f"weekly-{cast.city.pk}-{week.start:%Y%m%d}"
    )
    assert note.kind == Kind.WEEKLY_SUMMARY
    assert note.url == f"/stats/?office={cast.city.pk}&date_from={week.start}&date_to={week.end}"
    page = client_for(cast.office_staff).get(note.url)
    assert page.status_code == 200
    assert f"{week.start:%Y年%m月%d日}至{week.end:%Y年%m月%d日}" in page.content.decode()

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
