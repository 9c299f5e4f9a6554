"""全覆盖: how much of a term's duty an office has done, in a fixed number of queries.

Coverage rate = units inspected in the term ÷ units that must be inspected. A unit counts
as inspected when an inspection of a counting kind (an office setting; 回头看 never)
started inside the term, up to the reference date, and its team has actually been stationed
(stage 进驻 or later; a planned start date that passed while still in 准备 does not count), on the unit itself or on any unit
that was later merged into it or renamed to it (history follows the successor chain).

The computation reads a fixed number of small result sets whatever the number of units
(settings, the due units, the successor links, the inspection–unit rows of the term, the
revisits due, the cross and escalated inspections credited to or organised by the office)
and does the arithmetic in Python.

交叉巡察 and 提级巡察 a higher office runs of a county's units count toward the county's
term (the unit is the county's), under the county's own counting kinds; the coverage page
lists them for both sides (`credit_lists`).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, Subquery

from xuncha.org.models import Unit
from xuncha.plans.models import Inspection, PlanSettings, Term, TermDueUnit, VillageGrade
from xuncha.plans.villages import township_figures

LEVEL_LABELS = {"unit": "管理的党组织", "village": "村(社区)"}


@dataclass
class Slice:
    key: str
    label: str
    due: int = 0
    covered: int = 0
    planned: int = 0

    @property
    def rate(self) -> float:
        return round(100.0 * self.covered / self.due, 1) if self.due else 0.0

    def as_dict(self):
        return {
            "key": self.key,
            "label": self.label,
            "due": self.due,
            "covered": self.covered,
            "planned": self.planned,
            "rate": self.rate,
        }


@dataclass
class Coverage:
    term_id: int
    term_name: str
    office_id: int
    office_name: str
    start: date
    end: date
    as_of: date
    counting_kinds: list[str]
    total: Slice
    by_level: list[Slice] = field(default_factory=list)
    by_kind: list[Slice] = field(default_factory=list)
    by_district: list[Slice] = field(default_factory=list)
    progress: list[dict] = field(default_factory=list)
    uncovered: list[dict] = field(default_factory=list)
    uncovered_count: int = 0
    revisit_due: list[dict] = field(default_factory=list)
    villages: list[dict] = field(default_factory=list)  # per township, by grade
    # 交叉/提级巡察 a higher office ran of this office's units (credited to this term), and
    # those this office ran of the units of the offices below (credited to theirs).
    credited: list[dict] = field(default_factory=list)
    organised: list[dict] = field(default_factory=list)

    @property
    def days_left(self) -> int:
        return max((self.end - self.as_of).days, 0)

    @property
    def elapsed_pct(self) -> float:
        span = (self.end - self.start).days or 1
        done = min(max((self.as_of - self.start).days, 0), span)
        return round(100.0 * done / span, 1)

    def as_dict(self):
        return {
            "term_id": self.term_id,
            "term_name": self.term_name,
            "office_id": self.office_id,
            "office_name": self.office_name,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "days_left": self.days_left,
            "elapsed_pct": self.elapsed_pct,
            "counting_kinds": self.counting_kinds,
            "total": self.total.as_dict(),
            "by_level": [s.as_dict() for s in self.by_level],
            "by_kind": [s.as_dict() for s in self.by_kind],
            "by_district": [s.as_dict() for s in self.by_district],
            "progress": self.progress,
            "uncovered": self.uncovered,
            "uncovered_count": self.uncovered_count,
            "revisit_due": self.revisit_due,
            "villages": self.villages,
            "credited": self.credited,
            "organised": self.organised,
        }


def _resolver(links: dict[int, int]):
    """Follow successor links to the unit that carries the history today."""
    cache: dict[int, int] = {}

    def final(unit_id: int) -> int:
        if unit_id in cache:
            return cache[unit_id]
        seen, current = [], unit_id
        while current in links and current not in seen:
            seen.append(current)
            current = links[current]
        for u in seen:
            cache[u] = current
        cache[unit_id] = current
        return current

    return final


UNCOVERED_LIMIT = 200  # listed by name (not yet planned first); the count covers them all


def _named(rows) -> list[dict]:
    """Names for the listed uncovered units (one query for at most UNCOVERED_LIMIT ids)."""
    names = dict(Unit.objects.filter(pk__in=[r[2] for r in rows]).values_list("pk", "name"))
    return [
        {
            "id": pk,
            "name": names.get(pk, ""),
            "kind": label,
            "district": district,
            "planned": planned,
        }
        for planned, district, pk, label in rows
    ]


def _months_before(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, 28))


def compute(term: Term, as_of: date | None = None) -> Coverage:
    as_of = as_of or date.today()
    office = term.office
    cfg = PlanSettings.for_office(office)
    kinds = cfg.counting_kinds()

    # 1. The units that must be inspected: the term plan's list, or every active unit.
    planned_list = TermDueUnit.objects.filter(term=term)
    if planned_list.exists():
        due_qs = Unit.objects.filter(pk__in=planned_list.values("unit_id"))
    else:
        due_qs = Unit.objects.filter(office_id=term.office_id, status=Unit.Status.ACTIVE)
    # The village's newest grade and its township's name ride along (no extra query).
    newest_grade = VillageGrade.objects.filter(unit=OuterRef("pk")).order_by("-graded_at", "-pk")
    due_rows = due_qs.annotate(grade=Subquery(newest_grade.values("grade")[:1])).values_list(
        "id", "kind", "district", "parent_id", "parent__name", "grade"
    )
    due = [row[:3] for row in due_rows]
    village = Unit.Kind.VILLAGE.value
    due_villages = [
        (pk, parent, town, grade)
        for pk, kind, _d, parent, town, grade in due_rows
        if kind == village
    ]

    # 2. Successor links (merged / renamed units) within the office.
    links = dict(
        Unit.objects.filter(office_id=term.office_id, successor__isnull=False).values_list(
            "id", "successor_id"
        )
    )
    final = _resolver(links)

    # 3. Every (unit, start, stage) of a counting inspection in the term.
    through = Inspection.units.through
    rows = through.objects.filter(
        unit__office_id=term.office_id,
        inspection__kind__in=kinds,
        inspection__start__gte=term.start,
        inspection__start__lte=term.end,
    ).values_list("unit_id", "inspection__start", "inspection__stage")
    first_done: dict[int, date] = {}
    planned: set[int] = set()
    preparing = Inspection.Stage.PREPARATION.value
    for unit_id, start, stage in rows:
        target = final(unit_id)
        if start <= as_of and stage != preparing:
            if target not in first_done or start < first_done[target]:
                first_done[target] = start
        else:
            planned.add(target)

    kind_labels = {k: str(v) for k, v in Unit.Kind.choices}  # lazy labels: translate once
    # Count per (kind, district) group in one pass; the slices are built from the groups.
    due_n: Counter = Counter()
    covered_n: Counter = Counter()
    planned_n: Counter = Counter()
    uncovered = []
    for unit_id, kind, district in due:
        group = (kind, district or "")
        due_n[group] += 1
        if unit_id in first_done:
            covered_n[group] += 1
        else:
            is_planned = unit_id in planned
            if is_planned:
                planned_n[group] += 1
            uncovered.append((is_planned, group[1], unit_id, kind))
    total = Slice("all", "合计")
    levels = {k: Slice(k, v) for k, v in LEVEL_LABELS.items()}
    by_kind: dict[str, Slice] = {}
    by_district: dict[str, Slice] = {}
    for group, n in due_n.items():
        kind, district = group
        k = by_kind.get(kind) or by_kind.setdefault(kind, Slice(kind, kind_labels.get(kind, kind)))
        d = by_district.get(district) or by_district.setdefault(
            district, Slice(district, district or "未填区县")
        )
        for s in (total, levels["village" if kind == village else "unit"], k, d):
            s.due += n
            s.covered += covered_n[group]
            s.planned += planned_n[group]
    uncovered.sort()
    listed = [
        (p, dist, pk, kind_labels.get(kind, kind))
        for p, dist, pk, kind in uncovered[:UNCOVERED_LIMIT]
    ]

    # Progress: cumulative coverage at the end of each year of the term (to the reference date).
    due_ids = {row[0] for row in due}
    per_year = Counter(d.year for u, d in first_done.items() if u in due_ids)
    progress, running = [], 0
    span = (term.end - term.start).days or 1
    for year in range(term.start.year, term.end.year + 1):
        running += per_year.get(year, 0)
        year_end = min(date(year, 12, 31), term.end)
        target = round(100.0 * min(max((year_end - term.start).days, 0), span) / span, 1)
        progress.append(
            {
                "year": year,
                "covered": running if date(year, 1, 1) <= as_of else None,
                "rate": round(100.0 * running / len(due), 1)
                if due and date(year, 1, 1) <= as_of
                else None,
                "target_rate": target,
            }
        )

    coverage = Coverage(
        term_id=term.pk,
        term_name=term.name,
        office_id=office.pk,
        office_name=office.name,
        start=term.start,
        end=term.end,
        as_of=as_of,
        counting_kinds=kinds,
        total=total,
        by_level=list(levels.values()),
        by_kind=sorted(by_kind.values(), key=lambda s: -s.due),
        by_district=sorted(by_district.values(), key=lambda s: s.key),
        progress=progress,
        uncovered=_named(listed),
        uncovered_count=len(uncovered),
        revisit_due=revisits_due(term, cfg, as_of),
        villages=township_figures(due_villages, first_done),
    )
    coverage.credited, coverage.organised = credit_lists(term, kinds, as_of)
    return coverage


CREDIT_LIMIT = 100


def _credit_rows(inspections, as_of, *, units_of=None, kinds=None) -> list[dict]:
    """One line per inspection: its direction (交叉巡察：X县巡察组 → Y县), organiser, team,
    units (of `units_of` only when given), dates, stage, and whether it is stationed."""
    preparing = Inspection.Stage.PREPARATION.value
    out = []
    for insp in inspections:
        units = [u for u in insp.units.all() if units_of is None or u.office_id == units_of]
        stationed = insp.stage != preparing and insp.start <= as_of
        row = {
            "inspection_id": insp.pk,
            "kind": insp.kind,
            "kind_label": str(Inspection.Kind(insp.kind).label),
            "direction": insp.direction() or str(Inspection.Kind(insp.kind).label),
            "organiser": insp.office.name,
            "team": getattr(getattr(insp, "team", None), "name", ""),
            "team_office": insp.team_office.name if insp.team_office_id else "",
            "round": f"{insp.round.plan.year}年第{insp.round.number}轮",
            "units": [u.name for u in units],
            "credited_to": sorted({u.office.name for u in units if u.office_id != insp.office_id}),
            "start": insp.start.isoformat(),
            "end": insp.end.isoformat(),
            "stage": insp.stage,
            "stage_label": str(Inspection.Stage(insp.stage).label),
            "stationed": stationed,
        }
        if kinds is not None:
            row["counted"] = stationed and insp.kind in kinds
            row["note"] = (
                "已计入本届覆盖"
                if row["counted"]
                else "尚未进驻，进驻后计入"
                if insp.kind in kinds
                else "该类型不在本机构计入覆盖的巡察类型中"
            )
        out.append(row)
    return out


def _with_parts(qs):
    return (
        qs.select_related("office", "team_office", "team", "round__plan")
        .prefetch_related("units__office")
        .order_by("start", "pk")
    )


def credit_lists(term: Term, kinds, as_of: date) -> tuple[list[dict], list[dict]]:
    """(credited, organised) in one query (+ two prefetches when there are any):

    - credited: inspections another (higher) office ran of this office's units in the term
      — 交叉巡察, 提级巡察 — counted toward this term when of a counting kind and stationed
      (the unit rows of `compute` already count them; this lists them, marked);
    - organised: inspections this office ran in the term of units the offices below manage:
      they count toward those offices' terms, not this one's."""
    through = Inspection.units.through.objects
    mine = through.filter(unit__office_id=term.office_id).values("inspection_id")
    others = through.exclude(unit__office_id=term.office_id).values("inspection_id")
    qs = Inspection.objects.filter(start__gte=term.start, start__lte=term.end).filter(
        (Q(pk__in=mine) & ~Q(office_id=term.office_id))
        | (Q(office_id=term.office_id) & Q(pk__in=others))
    )
    rows = list(_with_parts(qs)[: 2 * CREDIT_LIMIT])
    credited = [i for i in rows if i.office_id != term.office_id][:CREDIT_LIMIT]
    organised = [i for i in rows if i.office_id == term.office_id][:CREDIT_LIMIT]
    return (
        _credit_rows(credited, as_of, units_of=term.office_id, kinds=set(kinds)),
        _credit_rows(organised, as_of),
    )


def revisits_due(term: Term, cfg: PlanSettings, as_of: date) -> list[dict]:
    """Inspections whose feedback is old enough and that no 回头看 has followed (one query)."""
    cutoff = _months_before(as_of, cfg.revisit_after_months)
    head = list(
        Inspection.objects.filter(
            office_id=term.office_id,
            feedback_date__isnull=False,
            feedback_date__lte=cutoff,
            feedback_date__gte=term.start - timedelta(days=365),
        )
        .exclude(kind=Inspection.Kind.REVISIT)
        .filter(~Exists(Inspection.objects.filter(revisits=OuterRef("pk"))))
        .order_by("feedback_date", "pk")
        .values_list("pk", "feedback_date", "round__plan__year", "round__number")[:REVISIT_LIMIT]
    )
    names: dict[int, list[str]] = {}
    for insp_id, name in Inspection.units.through.objects.filter(
        inspection_id__in=[row[0] for row in head]
    ).values_list("inspection_id", "unit__name"):
        names.setdefault(insp_id, []).append(name)
    return [
        {
            "inspection_id": pk,
            "round": f"{year}年第{number}轮",
            "feedback_date": fb.isoformat(),
            "units": names.get(pk, []),
        }
        for pk, fb, year, number in head
    ]


REVISIT_LIMIT = 100


def current_term(office, as_of: date | None = None) -> Term | None:
    as_of = as_of or date.today()
    return (
        Term.objects.filter(office=office, start__lte=as_of, end__gte=as_of).first()
        or Term.objects.filter(office=office).order_by("-start").first()
    )


SUMMARY_CACHE_SECONDS = 300


def subordinate_summary(office, as_of: date | None = None) -> list[dict]:
    """The current-term coverage of each office directly below `office` (for a higher office).

    One computation per subordinate office; a higher office's overview does not need to be
    live to the second, so the result is cached for a few minutes.
    """
    as_of = as_of or date.today()
    key = f"plans:subordinates:{office.pk}:{as_of.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        cached = _subordinate_summary(office, as_of)
        cache.set(key, cached, SUMMARY_CACHE_SECONDS)
    return cached


def _subordinate_summary(office, as_of: date) -> list[dict]:
    result = []
    terms = {
        t.office_id: t
        for t in Term.objects.filter(
            office__parent=office, start__lte=as_of, end__gte=as_of
        ).select_related("office")
    }
    for child in office.children.order_by("path"):
        term = terms.get(child.pk)
        if term is None:
            result.append({"office_id": child.pk, "office_name": child.name, "term": None})
            continue
        cov = compute(term, as_of)
        result.append(
            {
                "office_id": child.pk,
                "office_name": child.name,
                "term": term.name,
                "term_id": term.pk,
                "total": cov.total.as_dict(),
                "by_level": [s.as_dict() for s in cov.by_level],
                "elapsed_pct": cov.elapsed_pct,
            }
        )
    return result


def district_grid(cov: Coverage) -> list[dict]:
    """Districts as tiles for the map-like grid, coloured by rate band."""
    tiles = []
    for s in cov.by_district:
        band = "high" if s.rate >= 80 else "mid" if s.rate >= 50 else "low"
        tiles.append({**s.as_dict(), "band": band})
    return tiles


__all__ = ["Coverage", "Slice", "compute", "current_term", "district_grid", "subordinate_summary"]
