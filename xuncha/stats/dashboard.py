"""工作台图表: the figures of each role's home dashboard, from the rows the user may see.

Every figure is an aggregate over `access.visible(...)` (or, for the KPIs and the per-office
ranking, `indicators.compute` over the user's statistics scope), so a chart never shows a
row its reader could not open; each chart carries the link to the list page behind it and
each bar or slice the link to its own records (the list filtered, through the same door).

`for_user(user)` returns the sections of the user's roles, cached per user (see
`xuncha.core.cache`): a fixed number of queries when cold, none when warm; the cache is
dropped whenever an audited write commits, so a change shows up on the next page load.

A chart is a dict: {"id", "title", "type" (bar, hbar, pie, treemap, line, gauge, map),
"rows": [{"name", "value", "url"?, "color"?, "children"?}], "link", "unit", "note"?}; a
map chart also carries "map": {"name", "url", "max"}: the office's district GeoJSON (fetched
from the API through the access door, registered with ECharts under that name) and the top
of its colour scale.
"""

from datetime import date, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Role

OFFICE = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
LIGHT_COLORS = {
    "green": "#2e7d32",
    "yellow": "#f9a825",
    "orange": "#ef6c00",
    "red": "#c62828",
    "closed": "#78909c",
}
MONTHS = 12


def _url(name, args=None, **params) -> str:
    url = reverse(name, args=args)
    params = {k: v for k, v in params.items() if v not in ("", None)}
    return f"{url}?{urlencode(params)}" if params else url


def _chart(id_, title, type_, rows, link="", unit="", note=""):
    return {
        "id": id_,
        "title": title,
        "type": type_,
        "rows": rows,
        "link": link,
        "unit": unit,
        "note": note,
        "total": sum(r["value"] or 0 for r in rows) if type_ != "gauge" else None,
    }


def _count_by(qs, field: str) -> dict:
    """{value of field: rows} in one GROUP BY."""
    return dict(qs.values(field).order_by().annotate(n=Count("pk")).values_list(field, "n"))


def _count_by_day(qs, trunc) -> dict:
    """{date: rows} grouped by a truncated date (a month's first day, a day)."""
    rows = qs.annotate(d=trunc).values("d").order_by().annotate(n=Count("pk"))
    return {(d.date() if hasattr(d, "date") else d): n for d, n in rows.values_list("d", "n")}


def _months(today: date, n: int = MONTHS) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return out[::-1]


# --------------------------------------------------------------------------- charts


def inspections_by_stage(user) -> dict:
    from xuncha.plans.models import Inspection

    counts = _count_by(access.visible(Inspection.objects.all(), user), "stage")
    rows = [
        {
            "name": str(label),
            "value": counts.get(value, 0),
            "url": _url("inspections:inspection_list", stage=value),
        }
        for value, label in Inspection.Stage.choices
    ]
    return _chart(
        "stage", "巡察进展（按阶段）", "bar", rows, reverse("inspections:inspection_list"), "个"
    )


def problems_by_category(user) -> dict:
    """Approved problems by taxonomy: level 1 with its level-2 children (a treemap)."""
    from xuncha.inspections.models import Problem

    rows = (
        access.visible(Problem.objects.all(), user)
        .filter(state=Problem.State.APPROVED)
        .values(
            "category__code",
            "category__name",
            "category__level",
            "category__parent__code",
            "category__parent__name",
        )
        .order_by()
        .annotate(n=Count("pk"))
    )
    tops: dict[str, dict] = {}
    for r in rows:
        if r["category__code"] is None:
            code, name, child = "—", "未分类", None
        elif r["category__level"] == 1 or not r["category__parent__code"]:
            code, name, child = r["category__code"], r["category__name"], None
        else:
            code, name = r["category__parent__code"], r["category__parent__name"]
            child = (r["category__code"], r["category__name"])
        top = tops.setdefault(
            code,
            {
                "name": f"{code} {name}" if code != "—" else name,
                "value": 0,
                "url": _url("stats:index", category=code) if code != "—" else "",
                "children": [],
            },
        )
        top["value"] += r["n"]
        if child:
            top["children"].append(
                {"name": f"{child[0]} {child[1]}", "value": r["n"], "url": top["url"]}
            )
    out = sorted(tops.values(), key=lambda t: (-t["value"], t["name"]))
    for t in out:
        t["children"].sort(key=lambda c: (-c["value"], c["name"]))
    return _chart(
        "taxonomy", "发现问题（按监督内容分类）", "treemap", out, reverse("stats:index"), "个"
    )


def measures_by_light(user) -> dict:
    """Measures by traffic light, in the same SQL date ranges as the overview's filter."""
    from xuncha.rectification import deadlines
    from xuncha.rectification.models import Measure
    from xuncha.rectification.services import config_for, overrides_for, thresholds_for

    today = timezone.localdate()
    office = user.office
    config = config_for(office) if office else None
    thresholds = thresholds_for(config) if config else deadlines.Thresholds()
    bounds = deadlines.light_bounds(today, overrides_for(office), thresholds)
    aggregates = {"closed": Count("pk", filter=Q(state=Measure.State.CLOSED))}
    for light, (lo, hi) in bounds.items():
        q = ~Q(state=Measure.State.CLOSED)
        if lo:
            q &= Q(deadline__gte=lo)
        if hi:
            q &= Q(deadline__lte=hi)
        aggregates[light] = Count("pk", filter=q)
    counts = access.visible(Measure.objects.all(), user).aggregate(**aggregates)
    rows = [
        {
            "name": deadlines.LIGHT_LABELS[k],
            "value": counts[k] or 0,
            "url": _url("rectification:overview", light=k),
            "color": LIGHT_COLORS[k],
        }
        for k in [*deadlines.LIGHTS, deadlines.CLOSED]
    ]
    total = sum(r["value"] for r in rows)
    rate = round(100 * (counts["closed"] or 0) / total, 1) if total else None
    return _chart(
        "lights",
        "整改措施红黄绿灯",
        "pie",
        rows,
        reverse("rectification:overview"),
        "项",
        note=f"整改完成率 {rate}%" if rate is not None else "暂无整改措施",
    )


def handovers_by_outcome(user) -> dict:
    from xuncha.clues.models import Handover

    qs = access.visible(Handover.objects.all(), user).exclude(state=Handover.State.DRAFT)
    counts = {
        (r["state"], r["outcome"]): r["n"]
        for r in qs.values("state", "outcome").order_by().annotate(n=Count("pk"))
    }
    rows = []
    for state in (Handover.State.SENT, Handover.State.ACKNOWLEDGED):
        rows.append(
            {
                "name": f"{state.label}（待反馈）",
                "value": sum(n for (s, _o), n in counts.items() if s == state),
                "url": _url("clues:handover_list", state=state.value),
            }
        )
    for outcome in Handover.Outcome:
        rows.append(
            {
                "name": str(outcome.label),
                "value": counts.get((Handover.State.CONCLUDED.value, outcome.value), 0),
                "url": _url(
                    "clues:handover_list",
                    state=Handover.State.CONCLUDED.value,
                    outcome=outcome.value,
                ),
            }
        )
    return _chart(
        "handovers", "问题线索移交及办理结果", "pie", rows, reverse("clues:handover_list"), "件"
    )


def submissions_by_month(user, today=None) -> dict:
    from xuncha.petitions.models import Submission

    today = today or timezone.localdate()
    months = _months(today)
    counts = _count_by_day(
        access.visible(Submission.objects.all(), user).filter(
            received_on__gte=months[0], received_on__lte=today
        ),
        TruncMonth("received_on"),
    )
    rows = [
        {
            "name": f"{m:%Y-%m}",
            "value": counts.get(m, 0),
            "url": reverse("petitions:register"),
        }
        for m in months
    ]
    return _chart(
        "submissions", "来信来访（近12个月）", "line", rows, reverse("petitions:register"), "件"
    )


def hot_issues(user) -> dict:
    from xuncha.analytics import hot

    rows = []
    if hot.may_see_hot(user):
        today = timezone.localdate()
        for issue in hot.issues(user, today=today, since=today - timedelta(days=90))[:8]:
            rows.append(
                {
                    "name": issue.label[:20],
                    "value": issue.total,
                    "url": reverse("hot:topic_detail", args=[issue.topic_id]),
                }
            )
    return _chart("hot", "热点问题（近90天）", "hbar", rows, reverse("hot:index"), "件")


def overdue_items(user) -> dict:
    from xuncha.clues.models import Handover
    from xuncha.petitions.models import Submission
    from xuncha.petitions.services import overdue_q
    from xuncha.rectification.models import Measure

    today = timezone.localdate()
    measures = (
        access.visible(Measure.objects.all(), user)
        .exclude(state=Measure.State.CLOSED)
        .filter(deadline__lt=today, long_term=False)
        .count()
    )
    subs = access.visible(Submission.objects.all(), user).filter(overdue_q()).count()
    handovers = (
        access.visible(Handover.objects.all(), user)
        .filter(
            state__in=[Handover.State.SENT, Handover.State.ACKNOWLEDGED],
            due_date__lt=today,
        )
        .count()
    )
    rows = [
        {
            "name": "逾期整改措施",
            "value": measures,
            "url": _url("rectification:overview", light="red"),
        },
        {
            "name": "超期来信来访",
            "value": subs,
            "url": _url("petitions:register", overdue=1),
        },
        {
            "name": "逾期未反馈移交",
            "value": handovers,
            "url": _url("clues:handover_list", overdue=1),
        },
    ]
    return _chart("overdue", "逾期事项", "hbar", rows, "", "项")


def awaiting_items(user) -> dict:
    """What waits for the office to act: submissions to accept, rectification plans to
    review, measures to verify (the same rows as the home page's to-dos)."""
    from xuncha.petitions.models import Submission
    from xuncha.rectification.models import Measure, RectificationPlan

    subs = (
        access.visible(Submission.objects.all(), user)
        .filter(state=Submission.State.RECEIVED)
        .count()
    )
    plans = (
        access.visible(RectificationPlan.objects.all(), user, "review")
        .filter(state=RectificationPlan.State.SUBMITTED)
        .count()
    )
    measures = (
        access.visible(Measure.objects.all(), user, "review")
        .filter(state=Measure.State.PENDING)
        .count()
    )
    rows = [
        {
            "name": "待受理来信来访",
            "value": subs,
            "url": _url("petitions:register", state=Submission.State.RECEIVED.value),
        },
        {
            "name": "待审核整改方案",
            "value": plans,
            "url": _url("rectification:plan_list", state=RectificationPlan.State.SUBMITTED.value),
        },
        {
            "name": "待核验销号整改措施",
            "value": measures,
            "url": _url("rectification:overview", state=Measure.State.PENDING.value),
        },
    ]
    return _chart("awaiting", "待办事项", "hbar", rows, "", "项")


def _district_map(user):
    """(office, its district map) for the office whose statistics the user reads; the map
    is None when the office has not uploaded one (or the user may not read it)."""
    from xuncha.stats import indicators
    from xuncha.stats.models import DistrictMap

    root = indicators.default_root(user)
    if root is None:
        return None, None
    qs = DistrictMap.objects.filter(owner=root).only("pk", "owner_id", "names", "sha256")
    return root, access.visible(qs, user).first()


def problems_by_district(user) -> dict:
    """Approved problems per district of the unit concerned: a choropleth on the office's
    district map when it uploaded one (every district of the map, none left out), else
    the 15 highest as a ranked bar."""
    from xuncha.inspections.models import Problem

    counts = list(
        access.visible(Problem.objects.all(), user)
        .filter(state=Problem.State.APPROVED)
        .values("unit__district")
        .order_by()
        .annotate(n=Count("pk"))
        .order_by("-n", "unit__district")
        .values_list("unit__district", "n")
    )
    link = reverse("stats:index")

    def row(d, n):
        url = _url("stats:index", district=d) if d else ""
        return {"name": d or "未填区县", "value": n, "url": url}

    root, dm = _district_map(user)
    if dm is None:
        rows = [row(d, n) for d, n in counts[:15]]
        chart = _chart("districts", "各区县发现问题数（排名）", "hbar", rows, link, "个")
    else:
        shapes = set(dm.names)
        counted = {d for d, _n in counts}
        rows = [row(d, n) for d, n in counts] + [row(n, 0) for n in sorted(shapes - counted)]
        off_map = [r["name"] for r in rows if r["name"] not in shapes]
        note = f"地图上没有的区县（见表格）：{'、'.join(off_map)}" if off_map else ""
        chart = _chart("districts", "各区县发现问题数（地图）", "map", rows, link, "个", note)
        from xuncha.stats.services import district_map_url

        chart["map"] = {
            "name": f"xc-districts-{dm.owner_id}-{dm.version}",
            "url": district_map_url(dm),
            # the colour scale spans the districts drawn (the city's own units, off the
            # map, would otherwise pale every district)
            "max": max([r["value"] for r in rows if r["name"] in shapes] + [1]),
        }
    if root is not None and root in access.user_offices(user, {Role.OFFICE_ADMIN}):
        chart["settings_url"] = _url("stats:district_map", office=root.pk)
    return chart


def _table(user):
    """The statistics table over the user's whole scope (None without a scope)."""
    from xuncha.stats import indicators

    try:
        flt = indicators.make_filter(user)
    except DomainError:
        return None
    return indicators.compute(flt)


def kpis(table) -> list[dict]:
    t = table.total
    office = table.filter.root.pk
    link = _url("stats:index", office=office)

    def card(label, code, unit, url=link):
        value = t.get(code)
        return {"label": label, "value": "—" if value is None else value, "unit": unit, "url": url}

    return [
        card("覆盖单位", "units_covered", "个", _url("plans:coverage")),
        card("发现问题", "problems_found", "个"),
        card("整改完成率", "rectification_rate", "%", reverse("rectification:overview")),
        card("按期完成率", "on_time_rate", "%", reverse("rectification:overview")),
        card("移交线索", "clues_handed_over", "条", reverse("clues:handover_list")),
        card("收到来信来访", "submissions_received", "件", reverse("petitions:register")),
    ]


def coverage_gauge(user, table) -> dict:
    from xuncha.org.models import Unit

    units = (
        access.visible(Unit.objects.all(), user)
        .filter(status=Unit.Status.ACTIVE, office__path__startswith=table.filter.root.path)
        .count()
    )
    covered = table.total.get("units_covered") or 0
    rate = round(100 * covered / units, 1) if units else 0
    rows = [
        {"name": "已覆盖单位", "value": covered, "url": reverse("plans:coverage")},
        {"name": "单位总数", "value": units, "url": reverse("org:unit_list")},
    ]
    chart = _chart(
        "coverage",
        "巡察全覆盖进度",
        "gauge",
        rows,
        reverse("plans:coverage"),
        "个",
        note=f"覆盖率 {rate}%",
    )
    chart["rate"] = rate
    return chart


def offices_ranked(table) -> dict:
    """Problems found and rectification rate per office column (drill-down to that office)."""
    rows = []
    for col in table.columns:
        figures = table.figures[col.key]
        rows.append(
            {
                "name": col.label,
                "value": figures.get("problems_found") or 0,
                "rate": figures.get("rectification_rate"),
                "url": _url("stats:index", office=col.office_id) if col.office_id else "",
            }
        )
    rows.sort(key=lambda r: (-r["value"], r["name"]))
    return _chart(
        "offices",
        "各巡察机构发现问题数（排名）",
        "hbar",
        rows,
        _url("stats:index", office=table.filter.root.pk),
        "个",
    )


# --------------------------------------------------------------------------- per role


def team_inspections(user) -> dict:
    """The inspections whose team the user sits on: stage and days to the deadline."""
    from xuncha.plans.models import Inspection

    today = timezone.localdate()
    stages = Inspection.Stage.values
    rows = []
    for ins in (
        access.visible(Inspection.objects.all(), user)
        .filter(team__members__inspector__user=user)
        .select_related("team")
        .only("pk", "stage", "start", "end", "team__name", "feedback_date")
        .order_by("end", "pk")
        .distinct()[:10]
    ):
        rows.append(
            {
                "name": ins.team.name if hasattr(ins, "team") else f"巡察{ins.pk}",
                "value": stages.index(ins.stage) + 1,
                "stage": ins.get_stage_display(),
                "deadline": f"{ins.end:%Y-%m-%d}",
                "days_left": (ins.end - today).days,
                "url": reverse("inspections:workspace", args=[ins.pk]),
            }
        )
    chart = _chart(
        "team",
        "本组巡察进度（阶段）",
        "hbar",
        rows,
        reverse("inspections:inspection_list"),
        "",
        note=f"共 {len(stages)} 个阶段",
    )
    chart["max"] = len(stages)
    chart["total"] = None
    return chart


def liaison_rectification(user) -> dict:
    """The unit's measures by state, returned items first."""
    from xuncha.rectification.models import Measure, RectificationPlan

    counts = _count_by(access.visible(Measure.objects.all(), user), "state")
    plans_returned = (
        access.visible(RectificationPlan.objects.all(), user)
        .filter(state=RectificationPlan.State.RETURNED)
        .count()
    )
    rows = [
        {
            "name": str(label),
            "value": counts.get(value, 0),
            "url": _url("rectification:overview", state=value),
        }
        for value, label in Measure.State.choices
    ]
    rows.append(
        {
            "name": "退回的整改方案",
            "value": plans_returned,
            "url": _url("rectification:plan_list", state=RectificationPlan.State.RETURNED.value),
        }
    )
    return _chart(
        "unit_measures",
        "本单位整改措施（含退回事项）",
        "bar",
        rows,
        reverse("rectification:overview"),
        "项",
    )


def liaison_deadlines(user) -> dict:
    """The unit's open measures by deadline month (the coming six months and overdue)."""
    from xuncha.rectification.models import Measure

    today = timezone.localdate()
    months = _months(today.replace(day=1) + timedelta(days=160), 6)
    open_ = access.visible(Measure.objects.all(), user).exclude(state=Measure.State.CLOSED)
    agg = {"overdue": Count("pk", filter=Q(deadline__lt=today))}
    for i, m in enumerate(months):
        end = months[i + 1] if i + 1 < len(months) else (m + timedelta(days=32)).replace(day=1)
        agg[f"m{i}"] = Count("pk", filter=Q(deadline__gte=max(m, today), deadline__lt=end))
    counts = open_.filter(long_term=False).aggregate(**agg)
    rows = [
        {
            "name": "已逾期",
            "value": counts["overdue"],
            "url": _url("rectification:overview", light="red"),
            "color": LIGHT_COLORS["red"],
        }
    ]
    rows += [
        {
            "name": f"{m:%Y-%m}到期",
            "value": counts[f"m{i}"],
            "url": reverse("rectification:overview"),
        }
        for i, m in enumerate(months)
    ]
    return _chart(
        "unit_deadlines", "整改期限分布", "bar", rows, reverse("rectification:overview"), "项"
    )


def custodian_queue(user) -> dict:
    from xuncha.petitions.models import IdentityRequest
    from xuncha.petitions.services import custodian_requests

    counts = _count_by(custodian_requests(user), "state")
    rows = [
        {"name": str(label), "value": counts.get(value, 0), "url": reverse("petitions:custodian")}
        for value, label in IdentityRequest.State.choices
    ]
    return _chart(
        "custodian", "举报人身份查阅申请", "bar", rows, reverse("petitions:custodian"), "件"
    )


def auditor_queue(user, today=None) -> dict:
    from django.db.models.functions import TruncDate

    from xuncha.audit.models import Action, AuditEntry

    today = today or timezone.localdate()
    since = today - timedelta(days=13)
    sensitive = [Action.READ, Action.EXPORT, Action.OVERRIDE, Action.LOGIN_FAILED, Action.LOCKOUT]
    counts = _count_by_day(
        access.visible(AuditEntry.objects.all(), user).filter(
            at__date__gte=since, action__in=sensitive
        ),
        TruncDate("at"),
    )
    rows = [
        {
            "name": f"{since + timedelta(days=i):%m-%d}",
            "value": counts.get(since + timedelta(days=i), 0),
            "url": reverse("audit:entry_list"),
        }
        for i in range(14)
    ]
    return _chart(
        "audit",
        "需关注的审计事件（查阅、导出、特批、登录失败，近14天）",
        "line",
        rows,
        reverse("audit:entry_list"),
        "条",
    )


def recipient_queue(user) -> dict:
    from xuncha.clues.models import Handover

    counts = _count_by(
        access.visible(Handover.objects.all(), user).exclude(state=Handover.State.DRAFT), "state"
    )
    rows = [
        {
            "name": str(label),
            "value": counts.get(value, 0),
            "url": _url("clues:handover_list", state=value),
        }
        for value, label in Handover.State.choices
        if value != Handover.State.DRAFT
    ]
    return _chart(
        "recipient", "移交本机关的问题线索", "bar", rows, reverse("clues:handover_list"), "件"
    )


# --------------------------------------------------------------------------- assembly


def build(user) -> dict:
    """{"kpis": [...], "charts": [...]} for every role the user holds (uncached)."""
    keys = access.role_keys(user)
    charts: list[dict] = []
    kpi_cards: list[dict] = []
    office_like = bool(keys & {str(r) for r in OFFICE}) or str(Role.SYSADMIN) in keys
    leader = str(Role.LEADING_GROUP) in keys
    if office_like or leader:
        table = _table(user)
        if table is not None:
            kpi_cards = kpis(table)
            charts.append(coverage_gauge(user, table))
            if leader or len(table.columns) > 1:
                charts.append(offices_ranked(table))
        charts.append(inspections_by_stage(user))
        charts.append(problems_by_category(user))
        charts.append(measures_by_light(user))
        charts.append(handovers_by_outcome(user))
        charts.append(submissions_by_month(user))
        from xuncha.analytics import hot

        if hot.may_see_hot(user):  # not the system administrator: no link to a 403
            charts.append(hot_issues(user))
        if office_like:
            charts.append(overdue_items(user))
        charts.append(problems_by_district(user))
    if access.TEAM in keys:
        charts.append(team_inspections(user))
    if str(Role.UNIT_LIAISON) in keys:
        charts.append(liaison_rectification(user))
        charts.append(liaison_deadlines(user))
        if not office_like:
            charts.append(measures_by_light(user))
    if str(Role.HANDOVER_RECIPIENT) in keys:
        charts.append(recipient_queue(user))
    if str(Role.CUSTODIAN) in keys:
        charts.append(custodian_queue(user))
    if str(Role.AUDITOR) in keys:
        charts.append(auditor_queue(user))
    seen, unique = set(), []
    for c in charts:
        if c["id"] not in seen:
            seen.add(c["id"])
            unique.append(c)
    return {"kpis": kpi_cards, "charts": unique}


def for_user(user) -> dict:
    """The user's dashboard, cached until the next audited write (see xuncha.core.cache)."""
    from xuncha.core import cache

    return cache.per_user(user, "dashboard", lambda: build(user))
