"""The study demo: every form across the year, attendance, self-study, reflections with
copied passages, an advert line and doubled words flagged; a county with its own study."""

from datetime import date

import pytest

from xuncha.core.demo import DemoContext
from xuncha.org import demo as org_demo
from xuncha.study import demo as study_demo
from xuncha.study.models import Attendance, Reflection, SelfStudy, StudySession


@pytest.mark.django_db
def test_demo_builds_study_of_every_form_with_flagged_reflections():
    ctx = DemoContext(today=date(2026, 11, 26), log=lambda *a: None)
    org_demo.build(ctx)
    study_demo.build(ctx)
    city = StudySession.objects.filter(office__level="city")
    assert set(city.values_list("form", flat=True)) == {"centre", "branch", "exchange"}
    months = {d.month for d in city.values_list("date", flat=True)}
    assert len(months) >= 10
    statuses = set(Attendance.objects.values_list("status", flat=True))
    assert statuses == {"present", "excused", "absent"}
    assert all(Attendance.objects.filter(status="excused").values_list("reason", flat=True))
    assert SelfStudy.objects.count() > 20
    kinds = [
        f["kind"] for flags in Reflection.objects.values_list("flags", flat=True) for f in flags
    ]
    assert kinds.count("duplicate") >= 2 and "advert" in kinds and "doubled" in kinds
    assert Reflection.objects.filter(flags=[]).exists()
    assert StudySession.objects.filter(office__level="county").exists()
