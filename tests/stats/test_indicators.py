"""Every indicator computed two ways — the service's SQL aggregates and a plain Python count
over the same rows — on random worlds and random filters (hypothesis), under both bases
(by the inspection's stationing date, by each figure's own date), SQLite and PostgreSQL."""

import random
from datetime import date, datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.stats.world import build_world, reference
from xuncha.core.errors import DomainError
from xuncha.plans.models import Inspection
from xuncha.stats import indicators

FILTERS = st.fixed_dictionaries(
    {
        "root": st.sampled_from(["city", "county_a", "county_b"]),
        "year": st.sampled_from([None, 2025, 2026]),
        "quarter": st.sampled_from([None, 1, 2, 3, 4]),
        "kind": st.sampled_from(["", "regular", "special", "revisit", "escalated"]),
        "district": st.sampled_from(["", "临川县", "安平区"]),
        "unit_kind": st.sampled_from(["", "township", "village"]),
        "category": st.sampled_from(["", "B", "C", "A"]),
        "round": st.booleans(),
        "basis": st.sampled_from([indicators.INSPECTION, indicators.EVENT]),
        "date_from": st.sampled_from([None, date(2025, 11, 3), date(2026, 2, 2)]),
        "weeks": st.sampled_from([1, 4, 30]),
    }
)


def _filter(cast, f):
    root = getattr(cast, f["root"])
    year, quarter = f["year"], f["quarter"] if f["year"] else None
    rnd = None
    if f["round"]:
        rnd = (
            Inspection.objects.filter(office=root, **({"start__year": year} if year else {}))
            .values_list("round_id", flat=True)
            .first()
        )
    start = f["date_from"]
    period = indicators.Period(year, quarter or 0) if year else None
    if start and period and not period.start <= start <= period.end:
        start = None  # a week outside the year would be refused (tested elsewhere)
    return indicators.make_filter(
        cast.sysadmin,
        office=root.pk,
        year=year,
        quarter=quarter,
        round=rnd,
        kind=f["kind"],
        district=f["district"],
        unit_kind=f["unit_kind"],
        category=f["category"],
        date_from=start,
        date_to=start + timedelta(days=7 * f["weeks"] - 1) if start else None,
        basis=f["basis"],
    )


@pytest.mark.django_db
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(0, 2**32 - 1), filters=st.lists(FILTERS, min_size=3, max_size=3))
def test_sql_aggregates_equal_python_reference(cast, seed, filters, django_assert_max_num_queries):
    with transaction.atomic():
        build_world(cast, random.Random(seed), n=8)
        everything = indicators.make_filter(cast.sysadmin, office=cast.city.pk)
        expected = reference(everything)
        assert any(v for col in expected.values() for v in col.values()), "an empty world"
        # over all time each basis counts every row once: the same base figures
        all_events = indicators.make_filter(cast.sysadmin, office=cast.city.pk, basis="event")
        assert reference(all_events) == expected
        for flt in [everything, all_events, *(_filter(cast, f) for f in filters)]:
            with django_assert_max_num_queries(12):
                table = indicators.compute(flt)
            expected = reference(flt)
            for column in table.columns:
                got = table.bases[column.key]
                assert got == expected[column.key], (flt.description, column.label)
                # derived figures follow from the bases
                assert table.figures[column.key] == indicators.derive(
                    expected[column.key], flt.basis
                )
            total = indicators.zero(flt)
            for key in expected:
                total = indicators.add(total, expected[key])
            assert table.total == indicators.derive(total, flt.basis)
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("basis", [indicators.INSPECTION, indicators.EVENT])
def test_query_count_does_not_grow_with_volume(cast, basis, django_assert_max_num_queries):
    build_world(cast, random.Random(1), n=30)
    flt = indicators.make_filter(cast.office_staff, year=2026, basis=basis)
    with django_assert_max_num_queries(12):
        table = indicators.compute(flt)
    assert [c.label for c in table.columns] == [
        "江州市委巡察办（本级）",
        "临川县委巡察办",
        "安平区委巡察办",
    ]


@pytest.mark.django_db
def test_event_basis_counts_what_happened_in_the_period(cast):
    """A problem recorded in March of an inspection stationed in January: the event basis
    puts it in March, the inspection basis in January; rates that mix the two dates are
    "—" under the event basis; an unknown basis is refused in Chinese."""
    from tests.rectification.conftest import make_feedback_problem
    from xuncha.inspections.models import Problem

    inspection = cast.inspections["a"]
    Inspection.objects.filter(pk=inspection.pk).update(start=date(2026, 1, 12))
    problem = make_feedback_problem(cast, inspection, cast.units["bureau"], "001", "问题")
    Problem.objects.filter(pk=problem.pk).update(
        created_at=timezone.make_aware(datetime(2026, 3, 10, 0, 30))  # 00:30 Beijing time
    )

    def found(basis, **period):
        flt = indicators.make_filter(cast.office_staff, basis=basis, **period)
        table = indicators.compute(flt)
        return table.total["problems_found"], table.total, flt

    assert found("inspection", date_from=date(2026, 1, 12), date_to=date(2026, 1, 18))[0] == 1
    assert found("inspection", date_from=date(2026, 3, 9), date_to=date(2026, 3, 15))[0] == 0
    assert found("event", date_from=date(2026, 1, 12), date_to=date(2026, 1, 18))[0] == 0
    got, total, flt = found("event", date_from=date(2026, 3, 10), date_to=date(2026, 3, 10))
    assert got == 1
    assert total["problems_per_unit"] is None and total["rectification_rate"] is None
    assert flt.basis_label == "按事项发生时间归属"
    assert found("event", date_from=date(2026, 3, 9), date_to=date(2026, 3, 9))[0] == 0
    with pytest.raises(DomainError, match="统计口径“received”不存在"):
        indicators.make_filter(cast.office_staff, basis="received")


def test_periods():
    p = indicators.Period.parse("2026q1")
    assert (str(p), p.start.isoformat(), p.end.isoformat()) == (
        "2026Q1",
        "2026-01-01",
        "2026-03-31",
    )
    assert indicators.Period.parse("2026Q4").end.isoformat() == "2026-12-31"
    assert str(indicators.Period.parse("2026Q1").previous()) == "2025Q4"
    assert str(indicators.Period.parse("2026Q4").next()) == "2027Q1"
    assert str(indicators.Period.parse("2026").next()) == "2027"
    for bad in ("2026Q5", "26Q1", "2026-1", "", "1999"):
        with pytest.raises(Exception) as info:
            indicators.Period.parse(bad)
        assert "统计期间" in str(info.value)
