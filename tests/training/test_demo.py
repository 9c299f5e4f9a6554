from datetime import date

import pytest

from xuncha.core.demo import DemoContext
from xuncha.inspections import demo as inspections_demo
from xuncha.org import demo as org_demo
from xuncha.plans import demo as plans_demo
from xuncha.training import demo
from xuncha.training.models import Appraisal, AppraisalSettings, TrainingRecord


@pytest.mark.django_db
def test_demo_trains_and_appraises_past_rounds():
    ctx = DemoContext(today=date(2026, 11, 26), log=lambda *a: None)
    for module in (org_demo, plans_demo, inspections_demo, demo):
        module.build(ctx)
    assert TrainingRecord.objects.count() > 20
    finals = Appraisal.objects.filter(state="final")
    assert finals.filter(source="office").exists() and finals.filter(source="leader").exists()
    assert {"excellent", "competent"} <= set(finals.values_list("rating", flat=True))
    # appraisals only for rounds whose fieldwork ended; every one scored on each indicator
    assert not finals.filter(member__team__inspection__end__gte=date(2026, 9, 27)).exists()
    sample = finals.first()
    assert sample.scores.count() == 5 and sample.total == sum(s.score for s in sample.scores.all())
    fixed = Appraisal.objects.get(corrects__isnull=False)
    assert fixed.correction_reason and fixed.scores.count() == 5
    assert AppraisalSettings.objects.filter(show_own=True).count() == 1
