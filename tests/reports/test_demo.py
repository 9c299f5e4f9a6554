"""The reports demo generator builds drafts from the fieldwork it finds."""

import pytest

from tests.reports.fieldwork import make_problem
from xuncha.core.demo import DemoContext
from xuncha.plans.models import Inspection
from xuncha.reports import demo
from xuncha.reports.models import ReportDraft


@pytest.mark.django_db
def test_demo_builds_report_and_feedback(cast):
    a = cast.inspections["a"]
    make_problem(a, "B4", "001", user=cast.team_leader)
    Inspection.objects.filter(pk=a.pk).update(stage=Inspection.Stage.RECTIFICATION)
    ctx = DemoContext(log=lambda *_: None)
    demo.build(ctx)
    drafts = ReportDraft.objects.filter(inspection=a)
    assert {d.kind for d in drafts} >= {"report", "feedback"}
    assert all(d.state == "final" for d in drafts if d.kind in {"report", "feedback"})
    assert drafts.get(kind="feedback").problem_count == 1
    demo.build(ctx)  # idempotent
    assert ReportDraft.objects.filter(inspection=a).count() == drafts.count()
