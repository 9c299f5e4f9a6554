"""Coverage arithmetic: property-based over random plans, and a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xuncha.org.models import Office, Unit
from xuncha.plans import coverage
from xuncha.plans.models import AnnualPlan, Inspection, PlanSettings, Round, Term

pytestmark = pytest.mark.django_db

KINDS = [k for k in Inspection.Kind.values]
TERM_START, TERM_END, AS_OF = date(2024, 1, 1), date(2028, 12, 31), date(2026, 6, 30)

unit_spec = st.tuples(st.booleans(), st.integers(0, 20))  # (village?, successor pick)
insp_spec = st.tuples(
    st.sampled_from(KINDS),
    st.integers(-400, 2000),  # start offset from term start, in days
    st.lists(st.integers(0, 20), min_size=1, max_size=3),
    st.sampled_from(Inspection.Stage.values),
)


def _build(units_spec, inspections_spec, counting):
    office = Office.objects.create(name="测试巡察办", level="county")
    if counting is not None:
        PlanSettings.objects.create(office=office, coverage_kinds=counting)
    units = []
    for i, (village, _pick) in enumerate(units_spec):
        units.append(
            Unit.objects.create(
                name=f"单位{i}",
                kind="village" if village else "department",
                office=office,
                district="东区" if i % 2 else "西区",
            )
        )
    links = {}
    for i, (_village, pick) in enumerate(units_spec):
        # A unit may be merged into a later one (no cycles), sometimes several levels deep.
        if i < len(units) - 1 and pick % 3 == 0:
            target = units[i + 1 + pick % (len(units) - i - 1)]
            units[i].successor, units[i].status = target, "merged"
            units[i].save()
            links[units[i].pk] = target.pk
    term = Term.objects.create(office=office, name="届", start=TERM_START, end=TERM_END)
    plan = AnnualPlan.objects.create(term=term, year=2024)
    rnd = Round.objects.create(plan=plan, number=1, start=TERM_START, end=TERM_END)
    rows = []
    for kind, offset, picks, stage in inspections_spec:
        start = TERM_START + timedelta(days=offset)
        insp = Inspection.objects.create(
            office=office,
            round=rnd,
            kind=kind,
            start=start,
            end=start + timedelta(days=30),
            stage=stage,
        )
        chosen = {units[p % len(units)] for p in picks}
        insp.units.set(chosen)
        rows.append((kind, start, [u.pk for u in chosen], stage))
    return term, units, links, rows


def _oracle(units, links, rows, counting):
    kinds = set(counting or PlanSettings.DEFAULT_COVERAGE_KINDS) - {"revisit"}

    def final(pk):
        while pk in links:
            pk = links[pk]
        return pk

    due = {u.pk for u in units if u.pk not in links}
    covered = set()
    for kind, start, ids, stage in rows:
        stationed = stage != Inspection.Stage.PREPARATION
        if kind in kinds and stationed and TERM_START <= start <= AS_OF:
            covered |= {final(pk) for pk in ids}
    return due, covered & due


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    units_spec=st.lists(unit_spec, min_size=1, max_size=8),
    inspections_spec=st.lists(insp_spec, max_size=8),
    counting=st.one_of(
        st.none(), st.lists(st.sampled_from(KINDS), unique=True, max_size=len(KINDS))
    ),
)
def test_coverage_matches_oracle(units_spec, inspections_spec, counting):
    with transaction.atomic():
        term, units, links, rows = _build(units_spec, inspections_spec, counting)
        result = coverage.compute(term, AS_OF)
        due, covered = _oracle(units, links, rows, counting)
        assert result.total.due == len(due)
        assert result.total.covered == len(covered)  # never counts a unit twice
        assert result.total.covered <= result.total.due
        assert {u["id"] for u in result.uncovered} == due - covered
        assert result.uncovered_count == len(due - covered)
        assert "revisit" not in result.counting_kinds
        for group in (result.by_level, result.by_kind, result.by_district):
            assert sum(s.due for s in group) == result.total.due
            assert sum(s.covered for s in group) == result.total.covered
        transaction.set_rollback(True)


def _city(n_units):
    office = Office.objects.create(name="测试市委巡察办", level="city")
    Unit.objects.bulk_create(
        [
            Unit(
                name=f"单位{i}",
                kind="village" if i % 3 else "department",
                office=office,
                district=f"{i % 7}区",
            )
            for i in range(n_units)
        ]
    )
    units = list(Unit.objects.filter(office=office))
    for u in units[: n_units // 10]:
        u.successor, u.status = units[-1], "merged"
    Unit.objects.bulk_update(units[: n_units // 10], ["successor", "status"])
    term = Term.objects.create(office=office, name="届", start=TERM_START, end=TERM_END)
    plan = AnnualPlan.objects.create(term=term, year=2024)
    rnd = Round.objects.create(plan=plan, number=1, start=TERM_START, end=TERM_END)
    for i in range(0, n_units, 4):
        insp = Inspection.objects.create(
            office=office,
            round=rnd,
            start=date(2024, 3, 1) + timedelta(days=i % 700),
            end=date(2024, 5, 1) + timedelta(days=i % 700),
            feedback_date=date(2024, 7, 1),
            stage=Inspection.Stage.ARCHIVED if i % 8 else Inspection.Stage.PREPARATION,
        )
        insp.units.set(units[i : i + 2])
    return term


@pytest.mark.parametrize("n_units", [20, 400])
def test_constant_number_of_queries(n_units, django_assert_max_num_queries):
    term = _city(n_units)
    # + the credited / organised cross and escalated inspections (one query when none).
    with django_assert_max_num_queries(9):
        result = coverage.compute(term, AS_OF)
    assert result.total.due == n_units - n_units // 10
    assert result.total.covered > 0


def test_counts_once_the_team_is_stationed_not_once_the_start_date_passed():
    term = _city(8)
    office = term.office
    unit = Unit.objects.create(name="迟迟未进驻的局", kind="department", office=office)
    insp = Inspection.objects.create(
        office=office,
        round=Round.objects.get(plan__term=term),
        start=date(2026, 3, 2),
        end=date(2026, 5, 29),
    )
    insp.units.set([unit])
    before = coverage.compute(term, AS_OF)  # the start date is long past, still 准备
    row = next(u for u in before.uncovered if u["id"] == unit.pk)
    assert row["planned"] is True
    insp.stage = Inspection.Stage.STATIONING
    insp.save(update_fields=["stage"])
    after = coverage.compute(term, AS_OF)
    assert after.total.covered == before.total.covered + 1
    assert unit.pk not in {u["id"] for u in after.uncovered}
