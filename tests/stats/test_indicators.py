"""Every indicator computed two ways — the service's SQL aggregates and a plain Python count
over the same rows — on random worlds and random filters (hypothesis), SQLite and PostgreSQL."""

import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.stats.world import build_world, reference
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
        for flt in [everything, *(_filter(cast, f) for f in filters)]:
            with django_assert_max_num_queries(12):
                table = indicators.compute(flt)
            expected = reference(flt)
            for column in table.columns:
                got = table.bases[column.key]
                assert got == expected[column.key], (flt.description, column.label)
                # derived figures follow from the bases
                assert table.figures[column.key] == indicators.derive(expected[column.key])
            total = indicators.zero(flt)
            for key in expected:
                total = indicators.add(total, expected[key])
            assert table.total == indicators.derive(total)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_volume(cast, django_assert_max_num_queries):
    build_world(cast, random.Random(1), n=30)
    flt = indicators.make_filter(cast.office_staff, year=2026)
    with django_assert_max_num_queries(12):
        table = indicators.compute(flt)
    assert [c.label for c in table.columns] == [
        "江州市委巡察办（本级）",
        "临川县委巡察办",
        "安平区委巡察办",
    ]


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
