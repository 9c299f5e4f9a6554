"""Traffic lights and escalation for deadlines (pure: no Django imports).

A measure's light depends only on (deadline, today, office calendar, thresholds):
green on track, yellow when at most `yellow_days` working days remain, orange when
overdue, red when overdue by at least `red_days` working days. The light is monotone
in the deadline, so the overview can filter by light with date ranges in SQL
(`light_bounds`) that agree with `traffic_light` by construction.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from xuncha.core import workdays


@lru_cache(maxsize=8192)
def _statutory(day: date) -> bool:
    # chinese-calendar costs ~70 µs a lookup; a page of lights needs thousands of them.
    return workdays.is_working_day(day)


def _working(day: date, overrides) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    return _statutory(day)


def working_days_between(start: date, end: date, overrides=None) -> int:
    """Same as xuncha.core.workdays.working_days_between, with the statutory lookup cached."""
    if end < start:
        return -working_days_between(end, start, overrides)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += _working(current, overrides)
    return count


def add_working_days(start: date, days: int, overrides=None) -> date:
    """Same as xuncha.core.workdays.add_working_days, with the statutory lookup cached."""
    step = 1 if days >= 0 else -1
    remaining, current = abs(days), start
    while remaining:
        current += timedelta(days=step)
        if _working(current, overrides):
            remaining -= 1
    return current


@dataclass(frozen=True)
class RectificationDue:
    """The deadlines a feedback opinion sets: plan and report, in working days and as dates."""

    start: date
    plan_days: int
    report_days: int
    plan_due: date
    report_due: date


def rectification_due(start: date, plan_days: int, report_days: int, overrides=None):
    """The one deadline rule: `plan_days`/`report_days` working days after the feedback was
    delivered, on the office's calendar (so never on a weekend or a holiday)."""
    return RectificationDue(
        start=start,
        plan_days=plan_days,
        report_days=report_days,
        plan_due=add_working_days(start, plan_days, overrides),
        report_due=add_working_days(start, report_days, overrides),
    )


GREEN, YELLOW, ORANGE, RED, CLOSED = "green", "yellow", "orange", "red", "closed"
LIGHTS = [GREEN, YELLOW, ORANGE, RED]
LIGHT_LABELS = {
    GREEN: "正常推进",
    YELLOW: "临近期限",
    ORANGE: "已逾期",
    RED: "严重逾期",
    CLOSED: "已销号",
}
# Bootstrap colour class per light.
LIGHT_CLASSES = {
    GREEN: "success",
    YELLOW: "warning",
    ORANGE: "orange",
    RED: "danger",
    CLOSED: "secondary",
}
SEVERITY = {GREEN: 0, YELLOW: 1, ORANGE: 2, RED: 3}


@dataclass(frozen=True)
class Thresholds:
    yellow_days: int = 5  # working days before the deadline
    red_days: int = 10  # working days past the deadline


def traffic_light(
    deadline: date,
    today: date,
    overrides: dict[date, bool] | None = None,
    thresholds: Thresholds = Thresholds(),
    closed: bool = False,
) -> str:
    if closed:
        return CLOSED
    if deadline >= today:
        remaining = working_days_between(today, deadline, overrides)
        return YELLOW if remaining <= thresholds.yellow_days else GREEN
    overdue = working_days_between(deadline, today, overrides)
    return RED if overdue >= thresholds.red_days else ORANGE


def light_bounds(
    today: date, overrides: dict[date, bool] | None = None, thresholds: Thresholds = Thresholds()
) -> dict[str, tuple[date | None, date | None]]:
    """For each light, the inclusive deadline range (lo, hi) that has it today (None = open)."""
    # Yellow starts at today; green starts after the last yellow date.
    first_green = add_working_days(today, thresholds.yellow_days + 1, overrides)
    # Every deadline before `today` is orange or red; find the latest red date by walking back.
    day = today - timedelta(days=1)
    while traffic_light(day, today, overrides, thresholds) != RED:
        day -= timedelta(days=1)
    last_red = day
    return {
        GREEN: (first_green, None),
        YELLOW: (today, first_green - timedelta(days=1)),
        ORANGE: (last_red + timedelta(days=1), today - timedelta(days=1)),
        RED: (None, last_red),
    }


# Alert levels already sent for a deadline: 0 none, 1 reminded, 2 escalated (overdue),
# 3 escalated (seriously overdue). Each level is sent once, in order.
ALERT_FOR_LIGHT = {GREEN: 0, YELLOW: 1, ORANGE: 2, RED: 3}
ALERT_NAMES = {1: "remind", 2: "escalate", 3: "escalate_serious"}


def alerts_due(light: str, sent_level: int) -> list[str]:
    """The alerts to send now, given the light and the highest level already sent.

    A measure that jumps from green to red (e.g. a long holiday) gets every level it
    skipped, so the responsible person is reminded and the leaders are told.
    """
    if light == CLOSED:
        return []
    target = ALERT_FOR_LIGHT[light]
    return [ALERT_NAMES[level] for level in range(sent_level + 1, target + 1)]


def month_later(day: date, months: int) -> date:
    """The same day `months` calendar months later (clamped to the month's end)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
