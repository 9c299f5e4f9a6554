"""村(社区)巡察: village grades, usual durations per kind, village figures for coverage.

A grade is a row of history: grading a village appends a row, the newest row is the
village's grade. Grading it again with the same grade is refused (nothing changes).
"""

from collections import defaultdict

from django.db import transaction

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.org.models import Role, Unit
from xuncha.plans.models import EDIT_ROLES, Inspection, PlanSettings, VillageGrade

GRADE_LABELS = dict(VillageGrade.Grade.choices)
MAX_REASON = 2000


def current_grades(unit_ids) -> dict[int, VillageGrade]:
    """The newest grade of each of the given villages (one query)."""
    result: dict[int, VillageGrade] = {}
    for row in VillageGrade.objects.filter(unit_id__in=list(unit_ids)).order_by(
        "unit_id", "-graded_at", "-pk"
    ):
        result.setdefault(row.unit_id, row)
    return result


def grade_village(*, unit: Unit, grade: str, reason: str, actor) -> VillageGrade:
    """The office grades one of its villages 重点/关注/一般, with a reason (audited)."""
    from xuncha.plans.services import _require

    _require(actor, unit.office, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}, "评定村(社区)等级")
    if unit.kind != Unit.Kind.VILLAGE:
        raise DomainError(f"“{unit.name}”不是村(社区)，只能对村(社区)评定等级。")
    if grade not in GRADE_LABELS:
        raise DomainError("请选择等级：重点、关注或一般。", field="grade")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写评定理由。", field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(f"评定理由不能超过{MAX_REASON}字。", field="reason")
    with transaction.atomic():
        # Lock the village so that two simultaneous gradings do not both pass the check.
        Unit.objects.select_for_update().filter(pk=unit.pk).first()
        previous = current_grades([unit.pk]).get(unit.pk)
        if previous is not None and previous.grade == grade:
            raise DomainError(
                f"“{unit.name}”已评定为“{GRADE_LABELS[grade]}”，等级未变化，不重复评定；"
                "如需调整请选择不同的等级。",
                field="grade",
            )
        row = VillageGrade.objects.create(unit=unit, grade=grade, reason=reason, graded_by=actor)
        record(
            actor=actor,
            action=Action.CREATE if previous is None else Action.UPDATE,
            obj=row,
            summary=f"评定{unit.name}为{GRADE_LABELS[grade]}村(社区)"
            + (f"（原为{GRADE_LABELS[previous.grade]}）" if previous else ""),
            changes={
                "unit": unit.pk,
                "grade": [previous.grade if previous else None, grade],
                "reason": reason,
            },
        )
    return row


def village_rows(units) -> list[dict]:
    """The active villages among `units` (a Unit queryset the reader may see) with township,
    grade and grading count (3 queries)."""
    villages = list(
        units.filter(kind=Unit.Kind.VILLAGE, status=Unit.Status.ACTIVE)
        .select_related("parent", "office")
        .order_by("office__path", "parent__name", "name")
    )
    grades = current_grades(v.pk for v in villages)
    counts: dict[int, int] = defaultdict(int)
    for unit_id in VillageGrade.objects.filter(unit__in=villages).values_list("unit_id", flat=True):
        counts[unit_id] += 1
    return [
        {"unit": v, "grade": grades.get(v.pk), "gradings": counts.get(v.pk, 0)} for v in villages
    ]


def grade_refusal(unit) -> str:
    return f"只有{unit.office.name}的管理员或工作人员可以评定本村(社区)等级；上级巡察机构只能查阅。"


def may_grade(user, unit) -> bool:
    from xuncha.plans.services import holds

    return holds(user, unit.office, EDIT_ROLES)


# --- Usual durations per kind ------------------------------------------------------------


def duration_warning(inspection: Inspection, cfg: PlanSettings | None = None) -> str:
    """A warning (never a block) when a stationing departs from the office's usual length."""
    cfg = cfg or PlanSettings.for_office(inspection.office)
    limits = cfg.duration_range(inspection.kind)
    if not limits or not inspection.start or not inspection.end:
        return ""
    days = (inspection.end - inspection.start).days + 1
    low, high = limits
    if low <= days <= high:
        return ""
    kind = Inspection.Kind(inspection.kind).label
    side = "短于" if days < low else "长于"
    return f"本次巡察安排{days}天，{side}本办{kind}一般时长（{low}—{high}天），请确认。"


def parse_durations(text: str) -> dict[str, list[int]]:
    """Read lines like “村(社区)巡察: 20-35” (or “village=20-35”) into {kind: [min, max]}."""
    labels = {str(label): value for value, label in Inspection.Kind.choices}
    values = set(labels.values())
    result: dict[str, list[int]] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in ("：", ":", "="):
            if sep in line:
                name, span = (part.strip() for part in line.split(sep, 1))
                break
        else:
            raise DomainError(f"第{number}行格式应为“巡察类型: 最短天数-最长天数”。", "durations")
        kind = labels.get(name) or (name if name in values else None)
        if kind is None:
            raise DomainError(f"第{number}行的巡察类型“{name}”不存在。", "durations")
        parts = span.replace("—", "-").replace("～", "-").replace("~", "-").split("-")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise DomainError(f"第{number}行的天数应写成“20-35”这样的范围。", "durations")
        low, high = int(parts[0]), int(parts[1])
        if not 1 <= low <= high <= 365:
            raise DomainError(
                f"第{number}行的天数范围无效：最短天数须不大于最长天数，且在1—365天之间。",
                "durations",
            )
        result[kind] = [low, high]
    return result


def format_durations(cfg: PlanSettings) -> str:
    lines = []
    for value, label in Inspection.Kind.choices:
        limits = cfg.duration_range(value)
        if limits:
            lines.append(f"{label}: {limits[0]}-{limits[1]}")
    return "\n".join(lines)


# --- Village figures for coverage ---------------------------------------------------------


def township_figures(due_villages, covered_ids) -> list[dict]:
    """Villages covered/total per township and per grade (no query).

    `due_villages` is [(unit_id, township_id, township_name, grade)] of the villages the
    term must cover; `covered_ids` the units covered."""
    blank = {g: {"due": 0, "covered": 0} for g in [*GRADE_LABELS, ""]}
    towns: dict[int | None, dict] = {}
    for unit_id, parent, town_name, grade in due_villages:
        town = towns.setdefault(
            parent,
            {
                "township_id": parent,
                "township": town_name or "未挂靠乡镇",
                "due": 0,
                "covered": 0,
                "by_grade": {g: dict(v) for g, v in blank.items()},
            },
        )
        grade = grade or ""
        done = unit_id in covered_ids
        town["due"] += 1
        town["covered"] += done
        town["by_grade"][grade]["due"] += 1
        town["by_grade"][grade]["covered"] += done
    rows = sorted(towns.values(), key=lambda t: t["township"])
    for town in rows:
        town["grades"] = [
            {"grade": g, "label": GRADE_LABELS.get(g, "未分级"), **town["by_grade"][g]}
            for g in [*GRADE_LABELS, ""]
        ]
        del town["by_grade"]
    return rows
