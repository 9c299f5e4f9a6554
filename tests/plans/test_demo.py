from datetime import date

import pytest

from xuncha.core.demo import DemoContext
from xuncha.org import demo as org_demo
from xuncha.org.models import User
from xuncha.plans import coverage
from xuncha.plans import demo as plans_demo
from xuncha.plans.models import AnnualPlan, Declaration, Inspection, Term


@pytest.mark.django_db
def test_demo_builds_partial_coverage_and_accounts():
    ctx = DemoContext(today=date(2026, 11, 26), log=lambda *a: None)
    org_demo.build(ctx)
    plans_demo.build(ctx)
    city_term = Term.objects.get(office__level="city", name="第十三届")
    result = coverage.compute(city_term, ctx.today)
    assert 20 < result.total.rate < 80
    assert result.revisit_due
    assert {"team_leader", "team_member"} <= set(ctx.accounts)
    member = User.objects.get(username="team_member")
    assert not member.must_change_password
    assert Declaration.objects.filter(member__inspector__user=member, submitted_at=None).exists()
    assert AnnualPlan.objects.filter(state="submitted").exists()
    stages = set(Inspection.objects.values_list("stage", flat=True))
    assert {"preparation", "investigation", "rectification", "archived"} <= stages
    kinds = set(Inspection.objects.values_list("kind", flat=True))
    assert {"regular", "village", "revisit", "escalated", "cross"} <= kinds
    # graded villages, some regraded (history), and the county coverage shows them by grade
    from django.db.models import Count

    from xuncha.plans.models import VillageGrade

    assert VillageGrade.objects.values("unit").annotate(n=Count("pk")).filter(n=2).exists()
    county_term = Term.objects.filter(office__level="county", name="第十三届").first()
    towns = coverage.compute(county_term, ctx.today).villages
    assert any(g["due"] for t in towns for g in t["grades"] if g["grade"] == "key")
    # the city's cross inspection: a team from one county, credited to the other's term
    cross = Inspection.objects.get(kind="cross")
    target = cross.units.get().office
    assert cross.team_office and cross.team_office != target
    assert cross.direction() == f"交叉巡察：{cross.team_office.region}巡察组 → {target.region}"
    assert set(cross.team.members.values_list("inspector__office", flat=True)) == {
        cross.team_office.pk
    }
    target_term = Term.objects.get(office=target, name="第十三届")
    credited = coverage.compute(target_term, ctx.today).credited
    assert any(r["inspection_id"] == cross.pk and r["counted"] for r in credited)
