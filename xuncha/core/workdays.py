"""Working-day arithmetic on China's statutory calendar (pure: no Django imports).

Holidays and make-up working days (调休) come from the `chinese-calendar` package;
`overrides` maps a date to True (working day) or False (day off) for what an office
records itself, e.g. a year the State Council published after the package's release.
"""

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date, overrides: dict[date, bool] | None = None) -> bool:
    if overrides and day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # Beyond the package's years: Monday to Friday until the office records the year.
        return day.weekday() < 5


def add_working_days(start: date, days: int, overrides: dict[date, bool] | None = None) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    step = 1 if days >= 0 else -1
    remaining = abs(days)
    current = start
    while remaining:
        current += timedelta(days=step)
        if is_working_day(current, overrides):
            remaining -= 1
    return current


def working_days_between(start: date, end: date, overrides: dict[date, bool] | None = None) -> int:
    """Working days after `start` up to and including `end` (negative if end < start)."""
    if end < start:
        return -working_days_between(end, start, overrides)
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current, overrides)
    return count
