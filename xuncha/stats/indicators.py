"""统计指标: every standard figure of the work for one filter, aggregated in SQL.

The one service behind the statistics page, the API, the official tables (.xlsx), the
statistics packages a county sends up and the weekly summary. `compute(flt)` runs a fixed
number of queries (eleven) whatever the volume and whichever the basis: each model's
figures are one GROUP BY over a column key, the office's materialised path cut after the
column level (`Substr(path, 1, n)`), so the root office and each office directly below it
(with its whole subtree) are one column each.

Attribution (统计口径, `StatsFilter.basis`). Every figure belongs to the inspection it
came from; the basis says which date puts it in the period:

- "inspection" (按巡察进驻时间归属, the default): the inspection's stationing date
  (`Inspection.start`) selects every figure. The official tables (.xlsx), the county
  packages and the dashboard use it: a round's results stay together in the period the
  round was stationed, whenever the later work on them happened.
- "event" (按事项发生时间归属): each figure by the date of its own event, so a period
  shows what happened in it (the weekly summary: problems found this week in an
  inspection stationed a month ago). Per base figure:

  ========================  ===========================================================
  units_covered             the inspection's start (coverage is inherently per
                            inspection: a unit is covered when it is stationed in)
  problems_found            `Problem.created_at` (登记时间: the team records a problem
                            when it finds it; `created_by` is the 发现人). Counted once
                            the leader has approved it, as under the inspection basis;
                            approval keeps no date of its own (only the audit log), so
                            a problem recorded this week and approved next week shows
                            in this week once approved
  measures_total            `Measure.created_at` (the measure was made)
  measures_closed           `Measure.closed_at` (销号时间)
  measures_on_time          `Measure.closed_at`, closed by its deadline
  rules_made                `PlanFigure.recorded_at` (the only date of the figure)
  disclosures_published     `Disclosure.published_at`
  disclosures_on_time       `Disclosure.published_at`, published by its deadline
  handovers_sent            `Handover.sent_at` (移交时间)
  clues_handed_over         the sent date of the handovers carrying them
  handovers_concluded,      `Handover.concluded_at` (反馈时间: the result was reported,
  outcome_*, people_...,    with its outcome, people and money)
  money_recovered
  submissions_*             the day received, as under the inspection basis
  ========================  ===========================================================

  A row whose own date is missing (a handover marked sent before `sent_at` was kept, a
  measure closed without `closed_at`) falls back to its inspection's start, so over all
  time both bases count every row exactly once. Round and kind still select through the
  inspection, whatever its start. Two derived figures divide populations that the event
  basis no longer ties together (this week's problems by the units of inspections
  stationed this week; measures closed this week by measures made this week) and are
  "—" under it: `problems_per_unit`, `rectification_rate` (see `EVENT_UNDEFINED`).

Submissions (many reach the office outside any inspection) are selected by the day they
were received under both bases. Filters:

- term: the term's dates (a term is the committee's five years, shared by the levels);
- year / quarter: the calendar period (a quarter needs a year);
- date_from / date_to: narrow the period further (the weekly summary's week);
- round, kind: the inspection's round and kind (submissions: those of such inspections);
- office: the root of the columns (an office the reader may read, see `scope_for`);
- district, unit kind: the unit concerned (the problem's unit, the plan's unit, the units
  covered; handovers and submissions through their inspection's units);
- category (taxonomy level-1 code such as "B"): problems, measures, handovers (through
  their problems or clues' problems), disclosures and rules made through their plan's
  problems. Coverage and submissions are not classified: with a category they show "—";
- basis: "inspection" or "event", above.

Base figures are additive (counts and sums) and are what a package carries; derived
figures (rates, averages) are computed from the bases wherever they are shown, so a
city's total over its counties is right.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce, Substr

from xuncha.core.errors import DomainError

# (code, label, unit) of the base figures, in table order.
BASE = [
    ("units_covered", "覆盖单位数", "个"),
    ("problems_found", "发现问题数", "个"),
    ("measures_total", "整改措施数", "项"),
    ("measures_closed", "已销号措施数", "项"),
    ("measures_on_time", "按期完成措施数", "项"),
    ("rules_made", "建立完善制度数", "项"),
    ("handovers_sent", "移交件数", "件"),
    ("clues_handed_over", "移交问题线索数", "条"),
    ("handovers_concluded", "已反馈办理结果", "件"),
    ("outcome_talk", "其中：谈话函询", "件"),
    ("outcome_preliminary", "其中：初步核实", "件"),
    ("outcome_shelved", "其中：暂存待查", "件"),
    ("outcome_closed", "其中：予以了结", "件"),
    ("outcome_case", "其中：立案审查调查", "件"),
    ("people_disciplined", "处理人数", "人"),
    ("money_recovered", "挽回(追缴)经济损失", "万元"),
    ("submissions_received", "收到来信来访", "件"),
    ("submissions_accepted", "已受理", "件"),
    ("submissions_closed", "已办结", "件"),
    ("close_days_total", "办结用时合计", "天"),
    ("disclosures_published", "整改情况已公开", "个"),
    ("disclosures_on_time", "按期公开", "个"),
]
BASE_CODES = [c for c, _l, _u in BASE]
# Figures that a taxonomy category does not classify.
UNCLASSIFIED = {
    "units_covered",
    "submissions_received",
    "submissions_accepted",
    "submissions_closed",
    "close_days_total",
}
MONEY = "money_recovered"


def _ratio(a, b, scale=1):
    if a is None or b is None or not b:
        return None
    return round(float(a) * scale / float(b), 2)


# (code, label, unit, function of the bases) of the derived figures.
DERIVED = [
    ("problems_per_unit", "平均每个覆盖单位发现问题数", "个", lambda b: _ratio(b["problems_found"], b["units_covered"])),
    ("rectification_rate", "整改完成率", "%", lambda b: _ratio(b["measures_closed"], b["measures_total"], 100)),
    ("on_time_rate", "按期完成率", "%", lambda b: _ratio(b["measures_on_time"], b["measures_closed"], 100)),
    ("accept_rate", "受理率", "%", lambda b: _ratio(b["submissions_accepted"], b["submissions_received"], 100)),
    ("avg_close_days", "平均办结用时", "天", lambda b: _ratio(b["close_days_total"], b["submissions_closed"])),
    ("disclosure_on_time_rate", "按期公开率", "%", lambda b: _ratio(b["disclosures_on_time"], b["disclosures_published"], 100)),
]  # fmt: skip

# The official table's rows: (section, code) in order; labels come from BASE / DERIVED.
SECTIONS = [
    ("巡察覆盖", ["units_covered", "problems_found", "problems_per_unit"]),
    ("整改落实", ["measures_total", "measures_closed", "rectification_rate", "measures_on_time", "on_time_rate", "rules_made", "disclosures_published", "disclosures_on_time", "disclosure_on_time_rate"]),
    ("线索移交", ["handovers_sent", "clues_handed_over", "handovers_concluded", "outcome_talk", "outcome_preliminary", "outcome_shelved", "outcome_closed", "outcome_case", "people_disciplined", "money_recovered"]),
    ("来信来访", ["submissions_received", "submissions_accepted", "accept_rate", "submissions_closed", "avg_close_days"]),
]  # fmt: skip
LABELS = {c: (lab, unit) for c, lab, unit in BASE} | {c: (lab, u) for c, lab, u, _f in DERIVED}

# 统计口径: which date puts a figure in the period (see the module docstring).
INSPECTION = "inspection"
EVENT = "event"
BASES = {INSPECTION: "按巡察进驻时间归属", EVENT: "按事项发生时间归属"}
BASIS_ERROR = (
    "统计口径“{value}”不存在，应为“按巡察进驻时间归属”（inspection）"
    "或“按事项发生时间归属”（event）。"
)
# Derived figures that are undefined under the event basis (their two bases are counted
# by unrelated dates).
EVENT_UNDEFINED = {"problems_per_unit", "rectification_rate"}


def derive(bases: dict, basis: str = INSPECTION) -> dict:
    """Bases plus the derived figures (None where undefined, or not meaningful under
    `basis`)."""
    out = dict(bases)
    for code, _label, _unit, fn in DERIVED:
        defined = all(bases.get(k) is not None for k in _needs(code))
        if basis == EVENT and code in EVENT_UNDEFINED:
            defined = False
        out[code] = fn(bases) if defined else None
    return out


def _needs(code):
    return {
        "problems_per_unit": ("problems_found", "units_covered"),
        "rectification_rate": ("measures_closed", "measures_total"),
        "on_time_rate": ("measures_on_time", "measures_closed"),
        "accept_rate": ("submissions_accepted", "submissions_received"),
        "avg_close_days": ("close_days_total", "submissions_closed"),
        "disclosure_on_time_rate": ("disclosures_on_time", "disclosures_published"),
    }[code]


def add(a: dict, b: dict) -> dict:
    """The sum of two sets of base figures (None stays None)."""
    out = {}
    for code in BASE_CODES:
        x, y = a.get(code), b.get(code)
        out[code] = None if x is None or y is None else x + y
    return out


def zero(flt=None) -> dict:
    out = {c: (Decimal("0.00") if c == MONEY else 0) for c in BASE_CODES}
    if flt is not None and flt.category:
        for c in UNCLASSIFIED:
            out[c] = None
    return out


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """统计期间: a quarter ("2026Q1") or a year ("2026")."""

    year: int
    quarter: int = 0  # 0 = the whole year

    @classmethod
    def parse(cls, text: str) -> "Period":
        text = (text or "").strip().upper()
        try:
            if len(text) == 4:
                year, quarter = int(text), 0
            elif len(text) == 6 and text[4] == "Q":
                year, quarter = int(text[:4]), int(text[5])
            else:
                raise ValueError
        except ValueError:
            raise DomainError(
                "统计期间格式错误：应为“2026Q1”（季度）或“2026”（年度）。", field="period"
            ) from None
        if not 2000 <= year <= 2100 or not 0 <= quarter <= 4:
            raise DomainError(
                "统计期间超出范围：年度应在 2000–2100 年，季度为 1–4。", field="period"
            )
        return cls(year, quarter)

    def __str__(self):
        return f"{self.year}Q{self.quarter}" if self.quarter else str(self.year)

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度" if self.quarter else f"{self.year}年度"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1) if self.quarter else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        if not self.quarter or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def sequence(self) -> int:
        """Position in its own series (quarters and years are separate series)."""
        return self.year * 4 + self.quarter - 1 if self.quarter else self.year

    def next(self) -> "Period":
        if not self.quarter:
            return Period(self.year + 1)
        return Period(self.year, self.quarter + 1) if self.quarter < 4 else Period(self.year + 1, 1)

    def previous(self) -> "Period":
        if not self.quarter:
            return Period(self.year - 1)
        return Period(self.year, self.quarter - 1) if self.quarter > 1 else Period(self.year - 1, 4)


# --------------------------------------------------------------------------- filter


@dataclass
class StatsFilter:
    """What to count. Build it with `make_filter` (it checks the combination)."""

    root: object  # Office: the columns are it and the offices directly below it
    start: date
    end: date
    term: object = None
    round: object = None
    kind: str = ""
    district: str = ""
    unit_kind: str = ""
    category: str = ""  # taxonomy level-1 code
    year: int | None = None
    quarter: int | None = None
    basis: str = INSPECTION  # or EVENT: which date puts a figure in the period
    description: list = field(default_factory=list)

    @property
    def period_label(self) -> str:
        return f"{self.start:%Y年%m月%d日}至{self.end:%Y年%m月%d日}"

    @property
    def basis_label(self) -> str:
        return BASES[self.basis]

    def official(self) -> "StatsFilter":
        """The same filter on the inspection basis, which the official tables keep."""
        return replace(self, basis=INSPECTION)


def scope_for(user):
    """The offices whose statistics `user` may read: own offices (admin, staff, leading
    group) and every office below them; every office for a system administrator. A
    QuerySet of Office (the access door's own rule for offices, narrowed to these roles)."""
    from xuncha.org import access
    from xuncha.org.models import Office
    from xuncha.stats.models import READ_ROLES

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Office.objects.none()
    if access.is_sysadmin(user):
        return Office.objects.all()
    q = Q(pk__in=[])
    for office in access.user_offices(user, READ_ROLES):
        q |= Q(path__startswith=office.path)
    return Office.objects.filter(q)


def default_root(user):
    """The highest office the user reads statistics of (None: no statistics at all)."""
    return scope_for(user).order_by("depth", "pk").first()


def make_filter(
    user,
    *,
    office=None,
    term=None,
    year=None,
    quarter=None,
    round=None,
    kind="",
    district="",
    unit_kind="",
    category="",
    date_from=None,
    date_to=None,
    basis="",
    today=None,
) -> StatsFilter:
    """A checked filter for `user`; impossible combinations raise DomainError (Chinese).

    `office`, `term`, `round` are ids (or objects); out-of-scope ids are refused as such.
    `date_from` / `date_to` (dates) narrow the period further, e.g. to one week (the
    weekly summary links to the page filtered that way). `basis` is INSPECTION (also
    when empty) or EVENT."""
    from xuncha.inspections.models import TaxonomyCategory
    from xuncha.org.models import Office, Unit
    from xuncha.plans.models import Inspection, Round, Term

    scope = scope_for(user)
    today = today or date.today()
    if office:
        root = scope.filter(pk=getattr(office, "pk", office)).first()
        if root is None:
            raise DomainError("所选巡察机构不存在或不在您的统计范围内。", field="office")
    else:
        root = scope.order_by("depth", "pk").first()
        if root is None:
            raise DomainError("您没有可查看的统计范围。", field="office")
    desc = [root.name]
    if quarter and not year:
        raise DomainError("选择季度时须同时选择年度。", field="quarter")
    if quarter and not 1 <= int(quarter) <= 4:
        raise DomainError("季度应为 1–4。", field="quarter")
    if year and not 2000 <= int(year) <= 2100:
        raise DomainError("年度应在 2000–2100 年之间。", field="year")
    start, end = date(2000, 1, 1), date(2100, 12, 31)
    term_obj = round_obj = None
    if term:
        term_obj = Term.objects.filter(
            pk=getattr(term, "pk", term), office__in=Office.objects.filter(pk__in=scope)
        ).first()
        if term_obj is None:
            raise DomainError("所选届期不存在或不在您的统计范围内。", field="term")
        start, end = term_obj.start, term_obj.end
        desc.append(term_obj.name)
    if year:
        p = Period(int(year), int(quarter or 0))
        if p.end < start or p.start > end:
            raise DomainError("所选年度（季度）不在所选届期内。", field="year")
        start, end = max(start, p.start), min(end, p.end)
        desc.append(p.label)
    if date_from and date_to and date_from > date_to:
        raise DomainError("开始日期不能晚于结束日期。", field="date_from")
    if date_from or date_to:
        lo, hi = date_from or start, date_to or end
        if hi < start or lo > end:
            raise DomainError("所选日期不在所选届期（年度、季度）内。", field="date_from")
        start, end = max(start, lo), min(end, hi)
        desc.append(f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}")
    if round:
        round_obj = (
            Round.objects.select_related("plan__term__office")
            .filter(pk=getattr(round, "pk", round), plan__term__office__in=scope)
            .first()
        )
        if round_obj is None:
            raise DomainError("所选轮次不存在或不在您的统计范围内。", field="round")
        if not round_obj.plan.term.office.path.startswith(root.path):
            raise DomainError("所选轮次不属于所选巡察机构。", field="round")
        if term_obj and round_obj.plan.term_id != term_obj.pk:
            raise DomainError("所选轮次不属于所选届期。", field="round")
        if year and round_obj.plan.year != int(year):
            raise DomainError("所选轮次不属于所选年度。", field="round")
        desc.append(str(round_obj))
    if kind:
        if kind not in Inspection.Kind.values:
            raise DomainError("巡察类型不存在。", field="kind")
        desc.append(str(Inspection.Kind(kind).label))
    if unit_kind:
        if unit_kind not in Unit.Kind.values:
            raise DomainError("单位类型不存在。", field="unit_kind")
        desc.append(str(Unit.Kind(unit_kind).label))
    if district:
        district = district.strip()[:60]
        desc.append(district)
    if category:
        category = category.strip().upper()
        if not TaxonomyCategory.objects.filter(code=category, level=1).exists():
            raise DomainError(
                "监督内容分类代码不存在（应为一级分类代码，如 B）。", field="category"
            )
        desc.append(f"监督内容分类 {category}")
    basis = basis or INSPECTION
    if basis not in BASES:
        raise DomainError(BASIS_ERROR.format(value=str(basis)[:20]), field="basis")
    if start > end:
        raise DomainError("统计期间为空：开始日期晚于结束日期。", field="year")
    return StatsFilter(
        root=root,
        start=start,
        end=end,
        term=term_obj,
        round=round_obj,
        kind=kind or "",
        district=district or "",
        unit_kind=unit_kind or "",
        category=category or "",
        year=int(year) if year else None,
        quarter=int(quarter) if quarter else None,
        basis=basis,
        description=desc,
    )


# --------------------------------------------------------------------------- the queries


@dataclass
class Column:
    key: str
    label: str
    office_id: int | None = None
    source: str = "本系统"  # or the package that supplied the figures


@dataclass
class Table:
    """Indicator rows by office columns; `bases[key]` and `figures[key]` per column."""

    filter: StatsFilter
    columns: list
    bases: dict  # key -> base figures
    figures: dict = field(default_factory=dict)  # key -> bases + derived
    total: dict = field(default_factory=dict)
    queries: int = 0

    def finish(self):
        basis = self.filter.basis
        self.figures = {k: derive(v, basis) for k, v in self.bases.items()}
        total = zero(self.filter)
        for col in self.columns:
            bases = self.bases[col.key]
            if all(v is None for v in bases.values()):
                continue  # a counterpart that has not reported
            total = add(total, bases)
        self.total = derive(total, basis)
        return self

    def rows(self):
        """[(section, [(code, label, unit, [value per column], total)])] for templates."""
        out = []
        for section, codes in SECTIONS:
            items = []
            for code in codes:
                label, unit = LABELS[code]
                values = [self.figures[c.key].get(code) for c in self.columns]
                items.append((code, label, unit, values, self.total.get(code)))
            out.append((section, items))
        return out


def _inspection_q(flt: StatsFilter, p: str, dated: bool = True) -> Q:
    """Conditions on the inspection reached through prefix `p` ("" = Inspection itself):
    its round and kind, and (`dated`) its stationing date in the period."""
    q = Q(**{f"{p}start__gte": flt.start, f"{p}start__lte": flt.end}) if dated else Q()
    if flt.round is not None:
        q &= Q(**{f"{p}round_id": flt.round.pk})
    if flt.kind:
        q &= Q(**{f"{p}kind": flt.kind})
    return q


def _event_q(flt: StatsFilter, when: str, p: str) -> Q:
    """The local date of datetime `when` in the period; where it is missing, the date of
    the inspection reached through `p` (see the module docstring)."""
    own = Q(**{f"{when}__date__gte": flt.start, f"{when}__date__lte": flt.end})
    start = Q(**{f"{p}start__gte": flt.start, f"{p}start__lte": flt.end})
    return (Q(**{f"{when}__isnull": False}) & own) | (Q(**{f"{when}__isnull": True}) & start)


def _selected(flt: StatsFilter, p: str, *when: str) -> tuple[Q, list[Q]]:
    """(rows, [period condition per figure]) of a model whose figures are dated by the
    datetime fields `when` under the event basis, its inspection reached through `p`.

    Inspection basis: the rows are those of inspections stationed in the period and
    every figure counts them all (conditions Q()). Event basis: each figure counts the
    rows whose own date is in the period, the rows are those of any of them."""
    if flt.basis == INSPECTION:
        return _inspection_q(flt, p), [Q() for _w in when]
    dated = [_event_q(flt, w, p) for w in when]
    return _inspection_q(flt, p, dated=False) & reduce(or_, dated), dated


def _inspection_units_q(flt: StatsFilter, field_: str) -> Q:
    """District / unit-kind through the inspection's units (rows without a unit)."""
    from xuncha.plans.models import Inspection

    if not (flt.district or flt.unit_kind):
        return Q()
    units = Inspection.units.through.objects.all()
    if flt.district:
        units = units.filter(unit__district=flt.district)
    if flt.unit_kind:
        units = units.filter(unit__kind=flt.unit_kind)
    return Q(**{f"{field_}__in": units.values("inspection_id")})


def _unit_q(flt: StatsFilter, u: str) -> Q:
    q = Q()
    if flt.district:
        q &= Q(**{f"{u}__district": flt.district})
    if flt.unit_kind:
        q &= Q(**{f"{u}__kind": flt.unit_kind})
    return q


def _category_q(flt: StatsFilter, c: str) -> Q:
    """Problems whose category (through `c`, a TaxonomyCategory) lies under the L1 code."""
    if not flt.category:
        return Q()
    return Q(**{f"{c}__code": flt.category}) | Q(**{f"{c}__parent__code": flt.category})


def _col(flt: StatsFilter, path_field: str):
    return Substr(path_field, 1, len(flt.root.path) + 9)


def _grouped(qs, flt, path_field, **aggregates) -> dict:
    rows = (
        qs.filter(**{f"{path_field}__startswith": flt.root.path})
        .annotate(col=_col(flt, path_field))
        .values("col")
        .order_by("col")
        .annotate(**aggregates)
    )
    return {r["col"]: r for r in rows}


def columns_for(root) -> list[Column]:
    """The root office and each office directly below it (one query)."""
    from xuncha.org.models import Office

    cols = [Column(root.path, f"{root.name}（本级）", root.pk)]
    for child in Office.objects.filter(parent=root).order_by("path"):
        cols.append(Column(child.path, child.name, child.pk))
    return cols


def compute(flt: StatsFilter) -> Table:
    """Every base figure of `flt` for the root office and each office below it."""
    from xuncha.clues.models import Handover
    from xuncha.inspections.models import Problem
    from xuncha.petitions.models import Submission
    from xuncha.plans.models import Inspection, PlanSettings
    from xuncha.rectification.models import Disclosure, Measure
    from xuncha.stats.models import PlanFigure

    columns = columns_for(flt.root)
    bases = {c.key: zero(flt) for c in columns}

    def put(rows, mapping):
        for key, row in rows.items():
            if key not in bases:
                continue
            for code, agg in mapping.items():
                value = row[agg]
                if code == MONEY:
                    value = Decimal(value or 0).quantize(Decimal("0.01"))
                elif code == "close_days_total":
                    value = round(value.total_seconds() / 86400) if value else 0
                else:
                    value = int(value or 0)
                if bases[key][code] is not None:
                    bases[key][code] = value

    # Coverage: distinct units of inspections of a counting kind stationed in the period
    # (under both bases: a unit is covered by being stationed in).
    custom = dict(
        PlanSettings.objects.filter(office__path__startswith=flt.root.path).values_list(
            "office_id", "coverage_kinds"
        )
    )
    default_kinds = [k for k in PlanSettings.DEFAULT_COVERAGE_KINDS]
    kinds_q = Q(inspection__kind__in=default_kinds) & ~Q(inspection__office_id__in=list(custom))
    for office_id, kinds in custom.items():
        counting = [k for k in (kinds or default_kinds) if k != Inspection.Kind.REVISIT]
        kinds_q |= Q(inspection__office_id=office_id, inspection__kind__in=counting)
    if not flt.category:
        through = Inspection.units.through.objects.filter(
            _inspection_q(flt, "inspection__"),
            kinds_q,
            _unit_q(flt, "unit"),
        ).exclude(inspection__stage=Inspection.Stage.PREPARATION)
        put(
            _grouped(through, flt, "inspection__office__path", n=Count("unit_id", distinct=True)),
            {"units_covered": "n"},
        )

    rows, _found = _selected(flt, "inspection__", "created_at")
    problems = Problem.objects.filter(
        rows,
        _unit_q(flt, "unit"),
        _category_q(flt, "category"),
        state=Problem.State.APPROVED,
    )
    put(
        _grouped(problems, flt, "inspection__office__path", n=Count("pk")),
        {"problems_found": "n"},
    )

    rows, [made, closed_in] = _selected(flt, "plan__inspection__", "created_at", "closed_at")
    closed = Q(state=Measure.State.CLOSED) & closed_in
    measures = Measure.objects.filter(
        rows,
        _unit_q(flt, "plan__unit"),
        _category_q(flt, "problem__category"),
    )
    put(
        _grouped(
            measures,
            flt,
            "plan__office__path",
            total=Count("pk", filter=made or None),
            closed=Count("pk", filter=closed),
            on_time=Count("pk", filter=closed & Q(closed_at__date__lte=F("deadline"))),
        ),
        {"measures_total": "total", "measures_closed": "closed", "measures_on_time": "on_time"},
    )

    plan_category = Q()
    if flt.category:
        plan_category = Q(
            plan__in=Measure.objects.filter(_category_q(flt, "problem__category")).values("plan_id")
        )
    rows, _recorded = _selected(flt, "plan__inspection__", "recorded_at")
    figures = PlanFigure.objects.filter(rows, _unit_q(flt, "plan__unit"), plan_category)
    put(_grouped(figures, flt, "plan__office__path", n=Sum("rules_made")), {"rules_made": "n"})

    rows, [published_in] = _selected(flt, "plan__inspection__", "published_at")
    published = Q(state=Disclosure.State.PUBLISHED) & published_in
    disclosures = Disclosure.objects.filter(rows, _unit_q(flt, "plan__unit"), plan_category)
    put(
        _grouped(
            disclosures,
            flt,
            "plan__office__path",
            published=Count("pk", filter=published),
            on_time=Count(
                "pk",
                # Rows published before the deadline was recorded fall back to the report due date.
                filter=published
                & Q(published_at__date__lte=Coalesce(F("due_date"), F("plan__report_due_date"))),
            ),
        ),
        {"disclosures_published": "published", "disclosures_on_time": "on_time"},
    )

    handover_category = Q()
    if flt.category:
        handover_category = Q(
            pk__in=Handover.objects.filter(
                _category_q(flt, "problems__category")
                | _category_q(flt, "clues__problem__category")
            ).values("pk")
        )
    rows, [sent, concluded_in] = _selected(flt, "inspection__", "sent_at", "concluded_at")
    handovers = Handover.objects.filter(
        rows,
        _inspection_units_q(flt, "inspection_id"),
        handover_category,
    ).exclude(state=Handover.State.DRAFT)
    outcome = {o.value: f"o_{o.value}" for o in Handover.Outcome}
    concluded = Q(state=Handover.State.CONCLUDED) & concluded_in
    put(
        _grouped(
            handovers,
            flt,
            "office__path",
            sent=Count("pk", filter=sent or None),
            concluded=Count("pk", filter=concluded),
            people=Sum("people_disciplined", filter=concluded),
            money=Sum("money_recovered", filter=concluded),
            **{
                name: Count("pk", filter=concluded & Q(outcome=value))
                for value, name in outcome.items()
            },
        ),
        {
            "handovers_sent": "sent",
            "handovers_concluded": "concluded",
            "people_disciplined": "people",
            MONEY: "money",
            **{f"outcome_{value}": name for value, name in outcome.items()},
        },
    )
    clue_rows = Handover.clues.through.objects.filter(
        handover__in=handovers.filter(sent).values("pk")
    )
    put(
        _grouped(clue_rows, flt, "handover__office__path", n=Count("clue_id", distinct=True)),
        {"clues_handed_over": "n"},
    )

    if not flt.category:
        subs = Submission.objects.filter(received_on__gte=flt.start, received_on__lte=flt.end)
        if flt.round is not None or flt.kind:
            subs = subs.filter(
                inspection__in=Inspection.objects.filter(
                    _inspection_q(flt, "", dated=flt.basis == INSPECTION)
                ).values("pk")
            )
        subs = subs.filter(_inspection_units_q(flt, "inspection_id"))
        has_closed = Q(closed_on__isnull=False)
        put(
            _grouped(
                subs,
                flt,
                "office__path",
                received=Count("pk"),
                accepted=Count("pk", filter=Q(accepted_on__isnull=False)),
                closed=Count("pk", filter=has_closed),
                days=Sum(
                    ExpressionWrapper(
                        F("closed_on") - F("received_on"), output_field=DurationField()
                    ),
                    filter=has_closed,
                ),
            ),
            {
                "submissions_received": "received",
                "submissions_accepted": "accepted",
                "submissions_closed": "closed",
                "close_days_total": "days",
            },
        )
    return Table(filter=flt, columns=columns, bases=bases).finish()
