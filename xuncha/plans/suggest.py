"""Team suggestions: rank the available inspectors for an assignment, saying why.

Nobody conflicted (回避) or already on a team at the same time is ever proposed.
The score prefers expertise that fits the assignment, then a light workload this year;
experience, the latest appraisal rating, recent training and rotation (who has not served
for a while) add to it (the training app's `scoring.bonus`), each shown as a reason.
Everything is read in a fixed number of queries, then ranked in Python.
"""

import json
from dataclasses import dataclass, field

from django.db.models import Count, TextField
from django.db.models.functions import Cast

from xuncha.org.models import Office
from xuncha.plans.models import Inspection, Inspector, TeamMember
from xuncha.plans.recusal import find_conflicts

DEFAULT_NEEDS = {
    Inspection.Kind.REGULAR: ["纪检监察", "组织", "财务"],
    Inspection.Kind.SPECIAL: ["纪检监察", "审计"],
    Inspection.Kind.RAPID: ["纪检监察", "信访"],
    Inspection.Kind.REVISIT: ["组织", "纪检监察"],
    Inspection.Kind.ESCALATED: ["纪检监察", "组织", "财务"],
    Inspection.Kind.CROSS: ["纪检监察", "组织", "财务"],
    Inspection.Kind.JOINT: ["纪检监察", "审计"],
    Inspection.Kind.VILLAGE: ["农村工作", "财务", "信访"],
}


@dataclass
class Suggestion:
    inspector_id: int
    name: str
    rank: str
    office: str
    expertise: list[str]
    score: float
    workload: int
    reasons: list[str] = field(default_factory=list)


def pool_for(inspection: Inspection):
    """The inspectors a team may be drawn from: a cross inspection's from the county named
    as its team's source (交叉巡察组来源) alone, a joint one's from the office and the
    offices below, every other kind's from the organising office's own pool."""
    office = inspection.office
    qs = Inspector.objects.filter(active=True)
    if inspection.kind == Inspection.Kind.CROSS and inspection.team_office_id:
        return qs.filter(office_id=inspection.team_office_id)
    if inspection.kind in (Inspection.Kind.CROSS, Inspection.Kind.JOINT):
        return qs.filter(office__path__startswith=office.path)
    return qs.filter(office=office)


def pool_label(inspection: Inspection) -> str:
    """The pool in words, for refusals: 临川县委巡察办的巡察干部库."""
    if inspection.kind == Inspection.Kind.CROSS and inspection.team_office_id:
        return f"交叉巡察组来源{inspection.team_office.name}的巡察干部库"
    if inspection.kind in (Inspection.Kind.CROSS, Inspection.Kind.JOINT):
        return f"{inspection.office.name}及下级机构的巡察干部库"
    return f"{inspection.office.name}的巡察干部库"


def busy_ids(inspection: Inspection, inspector_ids=None) -> dict[int, str]:
    """Inspectors already on another team whose dates overlap this inspection's."""
    rows = TeamMember.objects.filter(
        team__inspection__start__lte=inspection.end,
        team__inspection__end__gte=inspection.start,
    ).exclude(team__inspection=inspection)
    if inspector_ids is not None:
        rows = rows.filter(inspector_id__in=inspector_ids)
    return dict(rows.values_list("inspector_id", "team__name"))


def suggest(
    inspection: Inspection, needs: list[str] | None = None, limit: int = 20, today=None
) -> list[Suggestion]:
    needs = [n for n in (needs or DEFAULT_NEEDS.get(inspection.kind, [])) if n]
    year = inspection.start.year
    pool_qs = pool_for(inspection)
    # Expertise read as raw JSON text: decoding 2,000 lists costs more than the ranking.
    pool = list(
        pool_qs.annotate(raw=Cast("expertise", TextField())).values_list(
            "pk", "name", "rank", "office_id", "raw"
        )
    )
    office_names = dict(
        Office.objects.filter(pk__in={row[3] for row in pool}).values_list("pk", "name")
    )
    probes = {n: (json.dumps(n), json.dumps(n, ensure_ascii=False)) for n in needs}
    workloads = dict(
        TeamMember.objects.filter(inspector__in=pool_qs, team__inspection__start__year=year)
        .exclude(team__inspection=inspection)
        .values("inspector_id")
        .annotate(n=Count("pk"))
        .values_list("inspector_id", "n")
    )
    units = list(inspection.units.all())
    conflicts = find_conflicts(
        office=inspection.office, kind=inspection.kind, units=units, today=today
    )
    busy = busy_ids(inspection)
    taken = (
        set(inspection.team.members.values_list("inspector_id", flat=True))
        if hasattr(inspection, "team")
        else set()
    )
    # The training app reads rounds served, ratings and training (lazily: it builds on plans).
    from xuncha.training.scoring import bonus
    from xuncha.training.selectors import profiles

    excluded = set(conflicts) | set(busy) | taken
    eligible = [row for row in pool if row[0] not in excluded]
    people = profiles(pool_qs, inspection)
    out = []
    for pk, name, rank, office_id, raw in eligible:
        workload = workloads.get(pk, 0)
        raw = raw or ""
        fit = [n for n in needs if probes[n][0] in raw or probes[n][1] in raw]
        score = (len(fit) / len(needs) * 10 if needs else 0) - workload * 1.5
        reasons = []
        if fit:
            reasons.append("专长匹配：" + "、".join(fit))
        else:
            reasons.append("专长与本次任务关联不大")
        reasons.append(f"{year}年已参加{workload}次巡察" if workload else f"{year}年尚未参加巡察")
        extra, why = bonus(people[pk], inspection.start)
        score += extra
        reasons.extend(why)
        reasons.append("无回避情形，时间不冲突")
        out.append(
            Suggestion(
                pk,
                name,
                rank,
                office_names.get(office_id, ""),
                raw,
                round(score, 2),
                workload,
                reasons,
            )
        )
    out.sort(key=lambda s: (-s.score, s.workload, s.name, s.inspector_id))
    out = out[:limit]
    for s in out:
        s.expertise = json.loads(s.expertise) if s.expertise else []
    return out
