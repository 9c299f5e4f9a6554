"""The working-day calendar of one office: China's statutory calendar plus the office's own entries.

Other apps compute deadlines with `add_working_days(office, start, n)` and ask
`is_working_day(office, day)`; the statutory part comes from `chinese-calendar`
through `xuncha.core.workdays`, the office's entries from `WorkdayOverride`.
"""

from datetime import date

from xuncha.core import workdays


def overrides_for(office) -> dict[date, bool]:
    """The office's own entries (one query; a handful of rows per year)."""
    if office is None:
        return {}
    from xuncha.plans.models import WorkdayOverride

    office_id = getattr(office, "pk", office)
    return dict(
        WorkdayOverride.objects.filter(office_id=office_id).values_list("day", "is_working")
    )


def is_working_day(office, day: date) -> bool:
    return workdays.is_working_day(day, overrides_for(office))


def add_working_days(office, start: date, n: int) -> date:
    """The date n working days after start (start not counted) on the office's calendar."""
    return workdays.add_working_days(start, n, overrides_for(office))


def working_days_between(office, start: date, end: date) -> int:
    return workdays.working_days_between(start, end, overrides_for(office))


def month_grid(office, year: int, month: int) -> list[list[dict | None]]:
    """Weeks of a month for the calendar page: each day with working flag and source."""
    import calendar as pycal

    import chinese_calendar

    overrides = overrides_for(office)
    weeks = []
    for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month):
        row = []
        for day in week:
            if day.month != month:
                row.append(None)
                continue
            working = workdays.is_working_day(day, overrides)
            source = "office" if day in overrides else "statutory"
            holiday = ""
            try:
                is_holiday, name = chinese_calendar.get_holiday_detail(day)
                if is_holiday and name:
                    holiday = HOLIDAY_NAMES.get(name, name)
                elif not is_holiday and day.weekday() >= 5:
                    holiday = "调休上班"
            except NotImplementedError:
                source = "office" if day in overrides else "weekday"
            row.append({"day": day, "working": working, "source": source, "label": holiday})
        weeks.append(row)
    return weeks


HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利纪念日",
}
