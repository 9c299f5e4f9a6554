"""Traffic lights and escalation across China's holidays (property-based, pure)."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from xuncha.core.workdays import add_working_days, is_working_day
from xuncha.rectification import deadlines
from xuncha.rectification.deadlines import (
    GREEN,
    ORANGE,
    RED,
    SEVERITY,
    YELLOW,
    Thresholds,
    alerts_due,
    light_bounds,
    traffic_light,
)

days = st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31))
thresholds = st.builds(Thresholds, yellow_days=st.integers(0, 15), red_days=st.integers(1, 30))
overrides = st.dictionaries(days, st.booleans(), max_size=5)


def test_spring_festival_2026_counts_working_days_only():
    # Spring Festival 2026: 15–23 February off, 14 and 28 February are make-up working days.
    today = date(2026, 2, 13)  # Friday before the holiday
    t = Thresholds(yellow_days=3, red_days=5)
    # 24 Feb is the first working day after the holiday: 14 Feb (Saturday, make-up) is one.
    assert traffic_light(date(2026, 2, 24), today, None, t) == YELLOW
    assert traffic_light(date(2026, 2, 26), today, None, t) == GREEN
    # A deadline just before the holiday is only one working day late when work resumes.
    assert traffic_light(date(2026, 2, 13), date(2026, 2, 24), None, t) == ORANGE
    assert traffic_light(date(2026, 2, 13), date(2026, 3, 3), None, t) == RED


def test_office_override_moves_the_light():
    today = date(2026, 6, 1)
    t = Thresholds(yellow_days=1, red_days=10)
    assert traffic_light(date(2026, 6, 3), today, None, t) == GREEN
    # The office records 2 June as a day off (e.g. a local flood closure): 3 June is now one working day away.
    assert traffic_light(date(2026, 6, 3), today, {date(2026, 6, 2): False}, t) == YELLOW


@settings(max_examples=300, deadline=None)
@given(deadline=days, today=days, t=thresholds, ov=overrides)
def test_light_matches_its_definition(deadline, today, t, ov):
    light = traffic_light(deadline, today, ov, t)
    if deadline >= today:
        assert light in (GREEN, YELLOW)
        first_green = add_working_days(today, t.yellow_days + 1, ov)
        assert (light == GREEN) == (deadline >= first_green)
    else:
        assert light in (ORANGE, RED)


@settings(max_examples=200, deadline=None)
@given(deadline=days, today=days, t=thresholds, ov=overrides, shift=st.integers(1, 40))
def test_light_is_monotone(deadline, today, t, ov, shift):
    """A later deadline is never in a worse light; a later day never in a better one."""
    assert (
        SEVERITY[traffic_light(deadline + timedelta(days=shift), today, ov, t)]
        <= SEVERITY[traffic_light(deadline, today, ov, t)]
    )
    assert (
        SEVERITY[traffic_light(deadline, today + timedelta(days=shift), ov, t)]
        >= SEVERITY[traffic_light(deadline, today, ov, t)]
    )


@settings(max_examples=100, deadline=None)
@given(today=days, t=thresholds, ov=overrides, offset=st.integers(-60, 60))
def test_sql_bounds_agree_with_the_light(today, t, ov, offset):
    """The date ranges the overview filters with give exactly the same light."""
    bounds = light_bounds(today, ov, t)
    deadline = today + timedelta(days=offset)
    matches = [
        light
        for light, (lo, hi) in bounds.items()
        if (lo is None or deadline >= lo) and (hi is None or deadline <= hi)
    ]
    assert matches == [traffic_light(deadline, today, ov, t)]


@settings(max_examples=200, deadline=None)
@given(
    deadline=days,
    start=days,
    t=thresholds,
    steps=st.lists(st.integers(0, 20), min_size=1, max_size=8),
)
def test_escalation_sends_each_level_once_in_order(deadline, start, t, steps):
    """Run the daily sweep on increasing days: every level is sent at most once, in order,
    and by the time the deadline is seriously overdue, the unit was reminded and both
    escalations went out — even if a long holiday made the light jump."""
    sent_level, sent = 0, []
    today = start
    for step in steps:
        today += timedelta(days=step)
        light = traffic_light(deadline, today, None, t)
        due = alerts_due(light, sent_level)
        sent.extend(due)
        sent_level = max(sent_level, deadlines.ALERT_FOR_LIGHT[light])
    assert len(sent) == len(set(sent))
    order = ["remind", "escalate", "escalate_serious"]
    assert (
        sent == order[: len(sent)]
        or sent == order[order.index(sent[0]) : order.index(sent[0]) + len(sent)]
    )
    final = traffic_light(deadline, today, None, t)
    assert sent_level == deadlines.ALERT_FOR_LIGHT[final]


def test_closed_measures_get_no_alerts():
    assert alerts_due(deadlines.CLOSED, 0) == []
    assert traffic_light(date(2020, 1, 1), date(2026, 1, 1), closed=True) == deadlines.CLOSED


def test_month_later_clamps_to_month_end():
    assert deadlines.month_later(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert deadlines.month_later(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert is_working_day(date(2026, 2, 14))  # make-up working day
