"""每周工作汇总: each office's figures of one week, delivered once to its inbox.

The week's figures are the statistics page's own (`indicators.compute` for the office,
its own column 本级, the period cut to Monday–Sunday) under the event basis: what happened
in the week — problems found, measures closed, handovers sent in it, submissions received
in it — whenever the inspection they belong to was stationed (under the inspection basis
of the official tables nearly every week would show 0). The linked page
(`/stats/?office=…&date_from=…&date_to=…&basis=event`) shows exactly these figures. What
is overdue and what waits for action are counted as on the home dashboard
(`dashboard.overdue_items`, `dashboard.awaiting_items`), for each recipient over the rows
they may open.

Every office admin and staff member is told in the notification centre (kind 每周工作汇总,
with its preference) and by e-mail holding these aggregate figures only: no title, name
or text of any record. A `WeeklySummary` row per office and week makes a second run (a
cron that fires twice, a retry, the command by hand) send nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.http import urlencode

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.notifications import services as notifications
from xuncha.notifications.models import Kind
from xuncha.org.models import Office
from xuncha.stats import dashboard, indicators
from xuncha.stats.models import WeeklySummary

# (indicator code, label, unit): the week's figures, from indicators.compute.
WEEK_FIGURES = [
    ("submissions_received", "收到来信来访", "件"),
    ("submissions_accepted", "其中已受理", "件"),
    ("submissions_closed", "其中已办结", "件"),
    ("problems_found", "发现问题", "个"),
    ("measures_closed", "整改措施销号", "项"),
    ("handovers_sent", "移交件数", "件"),
    ("clues_handed_over", "移交问题线索", "条"),
]
BASIS = "按事项发生时间归属：问题按登记日期、整改措施按销号日期、移交按移交日期、来信来访按收到日期计入本周"
ACTOR = "系统（每周工作汇总）"
NOW_UNITS = {
    "超期来信来访": "件",
    "逾期未反馈移交": "件",
    "待受理来信来访": "件",
    "待审核整改方案": "个",
}


@dataclass(frozen=True)
class Week:
    start: date  # Monday
    end: date  # Sunday

    @classmethod
    def of(cls, day: date) -> "Week":
        start = day - timedelta(days=day.weekday())
        return cls(start, start + timedelta(days=6))

    @classmethod
    def parse(cls, text: str) -> "Week":
        """A day of the week ("2026-11-30") or an ISO week ("2026-W49")."""
        text = (text or "").strip().upper()
        try:
            if "W" in text:
                year, week = text.split("-W")
                return cls.of(date.fromisocalendar(int(year), int(week), 1))
            return cls.of(date.fromisoformat(text))
        except ValueError:
            raise DomainError("周次格式错误：应为“2026-W49”或该周任一天“2026-11-30”。") from None

    @classmethod
    def last(cls, today: date | None = None) -> "Week":
        """The last full week before `today` (run on a Monday: the week that just ended)."""
        return cls.of((today or timezone.localdate()) - timedelta(days=7))

    @property
    def label(self) -> str:
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"

    @property
    def iso(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def stats_url(office, week: Week) -> str:
    from django.urls import reverse

    query = urlencode(
        {
            "office": office.pk,
            "date_from": week.start,
            "date_to": week.end,
            "basis": indicators.EVENT,
        }
    )
    return f"{reverse('stats:index')}?{query}"


def week_figures(office, week: Week) -> dict:
    """{code: value} of WEEK_FIGURES: the office's own column of the statistics table."""
    flt = indicators.StatsFilter(
        root=office,
        start=week.start,
        end=week.end,
        basis=indicators.EVENT,
        description=[office.name, week.label],
    )
    own = indicators.compute(flt).figures[office.path]
    return {code: own[code] for code, _label, _unit in WEEK_FIGURES}


def _rows(chart) -> list[tuple[str, int]]:
    return [(r["name"], r["value"]) for r in chart["rows"]]


def now_figures(user) -> list[tuple[str, int]]:
    """What is overdue and what waits, as of now, over the rows `user` may open."""
    return _rows(dashboard.overdue_items(user)) + _rows(dashboard.awaiting_items(user))


def _title(office, week: Week, figures: dict) -> str:
    short = "，".join(
        f"{label}{figures[code]}{unit}"
        for code, label, unit in WEEK_FIGURES
        if code in ("submissions_received", "problems_found", "handovers_sent")
    )
    return f"{office.name}每周工作汇总（{week.start:%m月%d日}—{week.end:%m月%d日}）：{short}"


def email_text(office, week: Week, figures: dict, now: list, url: str) -> tuple[str, str]:
    """Subject and body: aggregate figures and the link, nothing of any record."""
    lines = [
        f"{office.name}每周工作汇总",
        f"统计期间：{week.label}（{BASIS}）",
        "",
        "本周：",
        *[f"· {label}：{figures[code]} {unit}" for code, label, unit in WEEK_FIGURES],
        "",
        f"截至 {timezone.localtime():%Y年%m月%d日 %H:%M}：",
        *[f"· {name}：{value} {NOW_UNITS.get(name, '项')}" for name, value in now],
        "",
        f"查看本周统计：{notifications.link(url)}",
        "",
        "（邮件只含汇总数字，不含任何事项内容。）",
    ]
    subject = f"【巡察综合监督平台】每周工作汇总（{week.start:%m月%d日}—{week.end:%m月%d日}）"
    return subject, "\n".join(lines)


def office_summary(office, week: Week) -> WeeklySummary | None:
    """Compute and deliver one office's summary; None when it was already delivered."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                summary = WeeklySummary.objects.create(
                    owner=office, week_start=week.start, week_end=week.end
                )
        except IntegrityError:
            return None  # this office's week went out already
        figures = week_figures(office, week)
        url = stats_url(office, week)
        title = _title(office, week, figures)
        told = 0
        for user in notifications.office_users(office).order_by("pk"):
            now = now_figures(user)
            told += len(
                notifications.notify(
                    [user],
                    kind=Kind.WEEKLY_SUMMARY,
                    title=title,
                    url=url,
                    key=f"weekly-{office.pk}-{week.start:%Y%m%d}",
                    email=email_text(office, week, figures, now, url),
                )
            )
        summary.figures = dict(figures)
        summary.recipients = told
        summary.save(update_fields=["figures", "recipients"])
        record(
            actor=ACTOR,
            action=Action.CREATE,
            obj=summary,
            summary=f"生成每周工作汇总：{office.name} {week.label}，通知 {told} 人",
            changes={"week": week.iso, "figures": summary.figures},
        )
    return summary


def weekly_summary(week: Week | None = None) -> dict:
    """Every office's summary of `week` (default: the last full week); idempotent."""
    week = week or Week.last()
    made = skipped = told = 0
    for office in Office.objects.order_by("path"):
        summary = office_summary(office, week)
        if summary is None:
            skipped += 1
        else:
            made += 1
            told += summary.recipients
    return {"week": week.iso, "offices": made, "skipped": skipped, "notified": told}
