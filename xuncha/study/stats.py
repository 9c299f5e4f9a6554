"""Study statistics for one office and year, per person and per branch, against the plan.

Definitions (the same in tests/study/test_stats.py's plain-Python reference):
- a session counts for the year of its date; a reflection for the year of the session or
  self-study it is about;
- per person: sessions = sessions attended (出席); hours = hours of the sessions attended
  plus self-study hours; reflections = reflections written; attendance rate = 出席 /
  sessions listed in (出席 + 请假 + 缺席), none when never listed;
- the host of a session attended it (出席), listed in its attendance or not, whatever
  their own row says: hosting is counted once, as a listed and present session;
- per branch: its members' figures summed (rate = their 出席 / their listings) and the
  number of 支部带学 sessions the branch held.
Nine queries (six grouped) whatever the number of people or rows.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from xuncha.study.models import (
    SESSION_FORMS,
    Attendance,
    Form,
    Reflection,
    SelfStudy,
    StudyBranch,
    StudyPlan,
    StudySession,
)

ZERO = Decimal("0")


@dataclass
class Row:
    """One person's or one branch's figures for the year."""

    key: int
    name: str
    sessions: int = 0
    hours: Decimal = ZERO
    reflections: int = 0
    listed: int = 0
    present: int = 0
    held: int = 0  # branches: 支部带学 sessions held
    members: int = 0

    @property
    def rate(self) -> float | None:
        return None if not self.listed else self.present / self.listed

    @property
    def rate_label(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


@dataclass
class StudyStats:
    office: object
    year: int
    plan: StudyPlan | None
    people: list[Row]
    branches: list[Row]
    held: dict = field(default_factory=dict)  # form -> sessions held

    def planned(self, form) -> int:
        if self.plan is None:
            return 0
        n = self.plan.planned(form)
        return n * max(len(self.branches), 1) if form == Form.BRANCH else n

    @property
    def plan_rows(self) -> list[tuple[str, int, int]]:
        """(form label, planned, held) per collective form."""
        return [(str(f.label), self.planned(f), self.held.get(f.value, 0)) for f in SESSION_FORMS]

    def meets_hours(self, row: Row) -> bool | None:
        if self.plan is None or not self.plan.hours_per_person:
            return None
        return row.hours >= self.plan.hours_per_person


def _span(year):
    return date(year, 1, 1), date(year, 12, 31)


def compute(office, year: int, people) -> StudyStats:
    """The figures of `people` (the office's people) in `office` for `year`."""
    start, end = _span(year)
    in_year = Q(session__office=office, session__date__range=(start, end))
    rows = {p.pk: Row(p.pk, p.full_name or p.username) for p in people}
    present = Q(status=Attendance.Status.PRESENT)
    for r in (
        Attendance.objects.filter(in_year)
        .exclude(person=F("session__host"))  # the host is counted below, once
        .values("person")
        .annotate(
            listed=Count("pk"),
            present=Count("pk", filter=present),
            hours=Sum("session__hours", filter=present),
        )
    ):
        if r["person"] in rows:
            row = rows[r["person"]]
            row.listed, row.present = r["listed"], r["present"]
            row.sessions = r["present"]
            row.hours += r["hours"] or ZERO
    for r in (
        StudySession.objects.filter(office=office, date__range=(start, end))
        .values("host")
        .annotate(n=Count("pk"), hours=Sum("hours"))
    ):
        if r["host"] in rows:
            row = rows[r["host"]]
            row.listed += r["n"]
            row.present += r["n"]
            row.sessions += r["n"]
            row.hours += r["hours"] or ZERO
    for r in (
        SelfStudy.objects.filter(office=office, date__range=(start, end))
        .values("person")
        .annotate(hours=Sum("hours"))
    ):
        if r["person"] in rows:
            rows[r["person"]].hours += r["hours"] or ZERO
    for r in (
        Reflection.objects.filter(office=office)
        .filter(Q(session__date__range=(start, end)) | Q(self_study__date__range=(start, end)))
        .values("author")
        .annotate(n=Count("pk"))
    ):
        if r["author"] in rows:
            rows[r["author"]].reflections = r["n"]
    held = dict(
        StudySession.objects.filter(office=office, date__range=(start, end))
        .values_list("form")
        .annotate(n=Count("pk"))
    )
    branch_held = dict(
        StudySession.objects.filter(
            office=office, date__range=(start, end), form=Form.BRANCH, branch__isnull=False
        )
        .values_list("branch")
        .annotate(n=Count("pk"))
    )
    branches = []
    for b in StudyBranch.objects.filter(office=office).prefetch_related("members"):
        row = Row(b.pk, b.name, held=branch_held.get(b.pk, 0))
        for m in b.members.all():
            p = rows.get(m.pk)
            if p is None:
                continue
            row.members += 1
            row.sessions += p.sessions
            row.hours += p.hours
            row.reflections += p.reflections
            row.listed += p.listed
            row.present += p.present
        branches.append(row)
    plan = StudyPlan.objects.filter(office=office, year=year).first()
    return StudyStats(office, year, plan, list(rows.values()), branches, held)
