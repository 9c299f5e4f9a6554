"""回避: which inspectors must stay away from an assignment, and why.

`find_conflicts` works on a whole pool at once in a fixed number of queries (one per
rule), so composing a team and ranking suggestions cost the same for 20 or 2,000 people.
Each rule is switched and tuned per office in `PlanSettings`.
"""

from datetime import date

from django.db.models import Q

from xuncha.org.models import Unit
from xuncha.plans.models import (
    EmploymentRecord,
    Inspection,
    Inspector,
    InspectorRelation,
    PlanSettings,
    SuperiorTie,
)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def inspected_scope(units) -> dict[int, Unit]:
    """The inspected units and every unit below them (a bureau's own centres count too)."""
    units = list(units)
    if not units:
        return {}
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(path__startswith=unit.path)
    return {u.pk: u for u in Unit.objects.filter(q).only("id", "name", "office_id", "district")}


def find_conflicts(
    *, office, kind: str, units, inspector_ids=None, today: date | None = None
) -> dict[int, list[str]]:
    """{inspector id: [reason, ...]} for every conflicted inspector (others are absent).

    `inspector_ids=None` means every inspector; pass ids to check a few.
    """
    today = today or date.today()
    cfg = PlanSettings.for_office(office)
    units = list(units)
    scope = inspected_scope(units)
    ids = list(scope)
    out: dict[int, list[str]] = {}

    def add(pk, reason):
        out.setdefault(pk, [])
        if reason not in out[pk]:
            out[pk].append(reason)

    def restrict(qs, field="inspector_id"):
        return qs if inspector_ids is None else qs.filter(**{f"{field}__in": inspector_ids})

    if cfg.rule_home_unit and ids:
        rows = restrict(Inspector.objects.filter(home_unit_id__in=ids), "pk")
        for pk, unit_id in rows.values_list("pk", "home_unit_id"):
            add(pk, f"本人工作单位为{scope[unit_id].name}（被巡察单位或其下属单位）")
    if cfg.rule_worked_in_unit and ids:
        since = _years_before(today, cfg.worked_years)
        rows = restrict(
            EmploymentRecord.objects.filter(unit_id__in=ids).filter(
                Q(end__isnull=True) | Q(end__gte=since)
            )
        )
        for pk, unit_id, end in rows.values_list("inspector_id", "unit_id", "end"):
            when = f"{end:%Y年%m月}离开" if end else "至今"
            add(pk, f"{cfg.worked_years}年内曾在{scope[unit_id].name}工作（{when}）")
    if cfg.rule_relative and ids:
        rows = restrict(InspectorRelation.objects.filter(unit_id__in=ids))
        labels = dict(InspectorRelation.Kind.choices)
        for pk, kind_, name, unit_id in rows.values_list("inspector_id", "kind", "name", "unit_id"):
            add(pk, f"{labels[kind_]}{name}在{scope[unit_id].name}工作")
    if cfg.rule_superior and ids:
        since = _years_before(today, cfg.superior_years)
        rows = restrict(
            SuperiorTie.objects.filter(unit_id__in=ids).filter(
                Q(end__isnull=True) | Q(end__gte=since)
            )
        )
        for pk, person, unit_id, sup in rows.values_list(
            "inspector_id", "person", "unit_id", "inspector_was_superior"
        ):
            tie = "上级" if sup else "下级"
            add(
                pk,
                f"{cfg.superior_years}年内与{scope[unit_id].name}领导{person}存在上下级关系（本人曾为其{tie}）",
            )
    if cfg.rule_own_county and kind == Inspection.Kind.CROSS and units:
        unit_offices = {u.office_id for u in units}
        districts = {u.district for u in units if u.district}
        rows = restrict(
            Inspector.objects.filter(
                Q(office_id__in=unit_offices) | Q(home_unit__district__in=districts)
            ),
            "pk",
        )
        for pk in rows.values_list("pk", flat=True):
            add(pk, "交叉巡察须回避本县(区)：被巡察单位与本人属同一县(区)")
    return out
