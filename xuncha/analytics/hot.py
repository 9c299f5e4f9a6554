"""Hot issues (热点问题): topics ranked by distinct reporters, recency and severity.

A hot issue is a topic as seen within a scope (an inspection, a unit, an office, a time
window). Its score is the sum over its distinct reporters (submissions not merged into
another, not flagged as spam) of the category's severity weight × a recency weight that
halves every ANALYTICS_HALF_LIFE_DAYS. A surge is a topic whose last 7 days exceed its
own weekly mean over the previous ANALYTICS_SURGE_WEEKS weeks by ANALYTICS_SURGE_K
standard deviations (and at least ANALYTICS_SURGE_MIN submissions).

Counts cover the submissions a user may read or count (`Submission.for_user` view or
stats); the list of a topic's submissions covers only those the user may read.
"""

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from xuncha.core.errors import DomainError

SEVERITY = {
    "political": 1.5,
    "integrity": 1.5,
    "eight_rules": 1.3,
    "masses": 1.3,
    "finance": 1.3,
    "personnel": 1.2,
    "formalism": 1.0,
    "work": 1.0,
    "party": 1.0,
    "life": 1.0,
    "other": 0.7,
    "personal": 0.5,
}
TREND_WEEKS = 12


def surge(previous_weeks: list[int], last7: int, k: float, minimum: int) -> bool:
    """Whether `last7` is well above the weekly mean of `previous_weeks` (mean + k·sd)."""
    if last7 < minimum:
        return False
    n = len(previous_weeks) or 1
    mean = sum(previous_weeks) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in previous_weeks) / n)
    return last7 > mean + k * sd


def recency(age_days: int, half_life: int) -> float:
    return 0.5 ** (max(0, age_days) / max(1, half_life))


# --- Who sees what ----------------------------------------------------------------------


def countable_submissions(user):
    from xuncha.org import access
    from xuncha.petitions.models import Submission

    qs = Submission.objects.all()
    return (access.visible(qs, user, "view") | access.visible(qs, user, "stats")).values("pk")


def readable_submissions(user):
    from xuncha.org import access
    from xuncha.petitions.models import Submission

    return access.visible(Submission.objects.all(), user, "view")


def visible_members(user):
    from xuncha.analytics.models import TopicMember

    return TopicMember.objects.filter(submission__in=countable_submissions(user))


def may_see_hot(user) -> bool:
    from xuncha.org.access import is_team_member
    from xuncha.org.models import Role

    return is_team_member(user) or user.has_role(
        Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP
    )


# --- Ranking ---------------------------------------------------------------------------


@dataclass
class HotIssue:
    topic_id: int
    label: str
    unit_id: int | None = None
    unit_name: str = ""
    total: int = 0
    reporters: int = 0
    recent: int = 0
    score: float = 0.0
    weekly: list[int] = field(default_factory=list)
    surge: bool = False
    categories: list[str] = field(default_factory=list)


def _scope(qs, *, inspection=None, unit=None, units=None, office=None, since=None, until=None):
    if units is not None:  # these units or units below them, whichever inspection
        q = Q(pk__in=[])
        for u in units:
            q |= Q(unit__path__startswith=u.path)
        qs = qs.filter(q)
    if inspection is not None:
        qs = qs.filter(submission__inspection=inspection)
    if unit is not None:
        qs = qs.filter(Q(unit=unit) | Q(unit__path__startswith=unit.path))
    if office is not None:
        qs = qs.filter(submission__office=office)
    if since is not None:
        qs = qs.filter(submission__received_on__gte=since)
    if until is not None:
        qs = qs.filter(submission__received_on__lte=until)
    return qs


def issues(user, *, today=None, limit=None, **scope) -> list[HotIssue]:
    """The hot issues in a scope, best first (one query)."""
    from xuncha.petitions.models import Submission

    today = today or timezone.localdate()
    half_life = settings.ANALYTICS_HALF_LIFE_DAYS
    weeks = settings.ANALYTICS_SURGE_WEEKS
    rows = _scope(visible_members(user), **scope).values_list(
        "topic_id",
        "topic__label",
        "unit_id",
        "unit__name",
        "submission__received_on",
        "submission__category",
        "submission__merged_into_id",
        "submission__spam",
    )
    labels = dict(Submission.Category.choices)
    grouped: dict[int, HotIssue] = {}
    units: dict[int, Counter] = defaultdict(Counter)
    cats: dict[int, Counter] = defaultdict(Counter)
    for topic_id, label, unit_id, unit_name, received, category, merged, spam in rows:
        issue = grouped.get(topic_id)
        if issue is None:
            span = max(TREND_WEEKS, weeks + 1)
            issue = grouped[topic_id] = HotIssue(topic_id, label, weekly=[0] * span)
        issue.total += 1
        if spam:
            continue
        age = (today - received).days
        week = age // 7
        if 0 <= week < len(issue.weekly):
            issue.weekly[len(issue.weekly) - 1 - week] += 1
        if merged is not None:
            continue  # a duplicate of another report: not another reporter
        issue.reporters += 1
        issue.recent += 1 if 0 <= age < 7 else 0
        issue.score += SEVERITY.get(category, 1.0) * recency(age, half_life)
        units[topic_id][(unit_id, unit_name or "")] += 1
        cats[topic_id][labels.get(category, category)] += 1
    out = []
    for topic_id, issue in grouped.items():
        if not issue.reporters:
            continue
        (issue.unit_id, issue.unit_name), _n = units[topic_id].most_common(1)[0]
        issue.categories = [c for c, _n in cats[topic_id].most_common(2)]
        previous = issue.weekly[-1 - weeks : -1]
        issue.surge = surge(
            previous, issue.recent, settings.ANALYTICS_SURGE_K, settings.ANALYTICS_SURGE_MIN
        )
        issue.weekly = issue.weekly[-TREND_WEEKS:]
        issue.score = round(issue.score, 2)
        out.append(issue)
    out.sort(key=lambda i: (-i.score, -i.reporters, i.topic_id))
    return out[:limit] if limit else out


def trend_weeks(today=None) -> list[str]:
    """Labels of the trend's weeks: the first day of each 7-day span, oldest first."""
    today = today or timezone.localdate()
    return [
        (today - timedelta(days=7 * (TREND_WEEKS - 1 - i) + 6)).strftime("%m-%d")
        for i in range(TREND_WEEKS)
    ]


def unit_summary(user, unit_ids, since: date | None = None) -> dict[int, dict]:
    """Per unit: the volume of submissions about it and its top hot issues (one query)."""
    qs = visible_members(user).filter(unit_id__in=list(unit_ids), submission__spam=False)
    if since is not None:
        qs = qs.filter(submission__received_on__gte=since)
    rows = (
        qs.values_list("unit_id", "topic_id", "topic__label")
        .annotate(n=Count("pk", filter=Q(submission__merged_into__isnull=True)))
        .order_by("unit_id", "-n", "topic_id")
    )
    out: dict[int, dict] = {}
    for unit_id, topic_id, label, n in rows:
        entry = out.setdefault(unit_id, {"volume": 0, "issues": []})
        entry["volume"] += n
        if n >= 2 and len(entry["issues"]) < 2:
            entry["issues"].append({"topic_id": topic_id, "label": label, "n": n})
    return out


def top_units(user, office, since: date | None = None, limit: int = 15) -> list[dict]:
    """The units of an office (and below) the people report most about, each with its
    volume and top hot issues, for choosing targets (one aggregate query)."""
    qs = visible_members(user).filter(
        unit__office__path__startswith=office.path, submission__spam=False
    )
    if since is not None:
        qs = qs.filter(submission__received_on__gte=since)
    rows = (
        qs.values_list("unit_id", "unit__name", "topic_id", "topic__label")
        .annotate(n=Count("pk", filter=Q(submission__merged_into__isnull=True)))
        .order_by("unit_id", "-n", "topic_id")
    )
    units: dict[int, dict] = {}
    for unit_id, name, topic_id, label, n in rows:
        entry = units.setdefault(
            unit_id, {"unit_id": unit_id, "name": name, "volume": 0, "issues": []}
        )
        entry["volume"] += n
        if n >= 2 and len(entry["issues"]) < 3:
            entry["issues"].append({"topic_id": topic_id, "label": label, "n": n})
    ranked = sorted(units.values(), key=lambda e: (-e["volume"], e["name"]))
    return [e for e in ranked if e["volume"]][:limit]


def planning_panel(user, office, today=None) -> dict:
    """Context for the coverage and plan pages: who may see it, and the top units."""
    if office is None or not may_see_hot(user):
        return {"hot_units": None}
    today = today or timezone.localdate()
    return {"hot_units": top_units(user, office, since=today - timedelta(days=365))}


def members(user, topic, **scope):
    """The submissions of a topic the user may read, newest first."""
    from xuncha.petitions.models import Submission

    ids = _scope(topic.members.all(), **scope).values("submission_id")
    return (
        readable_submissions(user).filter(pk__in=ids).order_by("-received_on", "-pk")
        if topic
        else Submission.objects.none()
    )


def suggested_category(submissions) -> str:
    """The taxonomy code most often suggested or accepted for these submissions ("" if
    none): what the problem form of a hot issue starts with. Dismissed ones do not count."""
    from xuncha.analytics.models import Suggestion

    codes = Counter(
        Suggestion.objects.filter(
            submission__in=[s.pk for s in submissions], category__isnull=False
        )
        .exclude(category_state=Suggestion.State.DISMISSED)
        .values_list("category__code", flat=True)
    )
    return codes.most_common(1)[0][0] if codes else ""


def excerpts(user, submissions, width=80) -> list[dict]:
    """Decrypted excerpts for display (audited reads); never stored."""
    from xuncha.audit.services import record_read
    from xuncha.petitions import crypto

    out = []
    for sub in submissions:
        content = crypto.open_json(crypto.unwrap(sub.wrapped_key), sub.content_sealed, "content")
        record_read(actor=user, obj=sub, summary=f"热点问题中查阅来信来访 {sub.number}")
        body = content.get("text") or ""
        out.append(
            {
                "submission": sub,
                "unit": content.get("unit") or "",
                "excerpt": body[:width] + ("…" if len(body) > width else ""),
            }
        )
    return out


# --- From a hot issue to the work ------------------------------------------------------------


def target_inspections(user, unit):
    """Inspections of this unit (or a unit above it) that the user may add problems to."""
    from xuncha.inspections.services import PROBLEM_STAGES
    from xuncha.org import access
    from xuncha.plans.models import Inspection

    qs = access.visible(Inspection.objects.all(), user).filter(stage__in=PROBLEM_STAGES)
    out = []
    for inspection in qs.prefetch_related("units").select_related("round", "team"):
        roots = list(inspection.units.all())
        if unit is None or any(unit.path.startswith(r.path) for r in roots):
            out.append(inspection)
    return out


def unit_in_inspection(inspection, unit_id):
    """The unit `unit_id` if it is an inspected unit of `inspection` or below one; else the
    inspection's first unit (a posted id never reaches a unit outside the inspection)."""
    from xuncha.org.models import Unit

    roots = list(inspection.units.all())
    candidate = Unit.objects.filter(pk=unit_id).first() if unit_id else None
    if candidate and any(candidate.path.startswith(r.path) for r in roots):
        return candidate
    return roots[0] if roots else None


def _link_all(submissions, target, actor) -> int:
    from xuncha.petitions.services import submission_link

    n = 0
    for sub in submissions:
        submission_link(submission=sub, target=target, actor=actor)
        n += 1
    return n


def hot_issue_to_problem(*, topic, inspection, actor, title, category_code, unit_id=None):
    """Create a problem in the inspection from a hot issue, linked to its submissions."""
    from xuncha.inspections.services import problem_create

    subs = list(members(actor, topic, inspection=inspection))
    if not subs:
        raise DomainError("该热点问题在本次巡察中没有您可查阅的来信来访。")
    with transaction.atomic():
        problem = problem_create(
            inspection=inspection,
            actor=actor,
            title=title or topic.label,
            category_code=category_code,
            unit_id=unit_id,
            description=f"由热点问题“{topic.label}”生成，涉及群众反映 {len(subs)} 件："
            + "、".join(s.number for s in subs[:20]),
        )
        _link_all(subs, problem, actor)
    return problem


def hot_issue_to_clue(*, topic, inspection, actor, unit, people_concerned, facts, handling):
    """Register a clue from a hot issue (source: the newest submission), linking the rest."""
    from xuncha.clues.models import Clue
    from xuncha.clues.services import clue_create

    subs = list(members(actor, topic, inspection=inspection))
    if not subs:
        raise DomainError("该热点问题在本次巡察中没有您可查阅的来信来访。")
    with transaction.atomic():
        clue = clue_create(
            inspection=inspection,
            unit=unit,
            source=Clue.Source.SUBMISSION,
            people_concerned=people_concerned,
            facts=facts or f"热点问题“{topic.label}”：群众反映 {len(subs)} 件。",
            proposed_handling=handling,
            actor=actor,
            submission=subs[0],
        )
        _link_all(subs, clue, actor)
    return clue


def may_write(user, inspection) -> bool:
    """The inspection's team or its office's admin/staff (who turn hot issues into work)."""
    from xuncha.inspections.models import _fieldwork_q
    from xuncha.plans.models import Inspection

    return (
        Inspection.objects.filter(pk=inspection.pk)
        .filter(_fieldwork_q(user, "change", field=None))
        .exists()
    )


def focus_item_add(*, inspection, actor, title, note="", topic=None, unit=None):
    """Add a focus item (巡察重点) to an inspection: the team or the office."""
    from xuncha.analytics.models import FocusItem
    from xuncha.audit.services import Action, record
    from xuncha.plans.models import Inspection

    if not may_write(actor, inspection):
        raise DomainError("只有本巡察组成员或巡察机构工作人员可以添加巡察重点。")
    if inspection.stage == Inspection.Stage.ARCHIVED:
        raise DomainError("巡察已归档，不能添加巡察重点。")
    title = (title or "").strip()
    if not title:
        raise DomainError("请填写重点事项。", field="title")
    with transaction.atomic():
        item = FocusItem.objects.create(
            inspection=inspection,
            unit=unit,
            title=title[:200],
            note=(note or "").strip()[:2000],
            topic=topic,
            created_by=actor,
        )
        record(
            actor=actor,
            action=Action.CREATE,
            obj=item,
            changes={"topic": getattr(topic, "pk", None)},
        )
    return item


# --- Common problems across a round (共性问题) ---------------------------------------------


@dataclass
class CommonProblem:
    key: str
    label: str
    code: str  # taxonomy code for a topical report ("" when grouped by wording)
    units: list[str]
    problems: list


def common_problems(user, rnd) -> list[CommonProblem]:
    """Problems of a round found in two or more units: by taxonomy level 2, then by wording."""
    from xuncha.analytics import topics
    from xuncha.inspections.models import Problem
    from xuncha.org import access

    problems = list(
        access.visible(Problem.objects.all(), user)
        .filter(inspection__round=rnd)
        .exclude(state=Problem.State.WITHDRAWN)
        .select_related("unit", "category", "category__parent", "inspection")
        .order_by("category__code", "unit__name", "number")
    )
    out = []
    by_l2: dict[str, list] = defaultdict(list)
    for p in problems:
        cat = p.category
        l2 = cat if cat.level <= 2 else (cat.parent or cat)
        by_l2[f"{l2.code} {l2.name}"].append((l2.code, p))
    grouped_ids = set()
    for key, items in sorted(by_l2.items()):
        units = sorted({p.unit.name for _c, p in items})
        if len(units) >= 2:
            out.append(CommonProblem(key, key, items[0][0], units, [p for _c, p in items]))
            grouped_ids.update(p.pk for _c, p in items)
    rest = [p for p in problems if p.pk not in grouped_ids]
    if rest:
        vectors = topics.tfidf([topics.phrases(f"{p.title}\n{p.description}") for p in rest])
        for g in topics.cluster(vectors):
            items = [rest[i] for i in g]
            units = sorted({p.unit.name for p in items})
            if len(units) < 2:
                continue
            shared = topics.label([set(vectors[i]) for i in g], min_shared=2)
            name = "、".join(shared) or items[0].title
            out.append(CommonProblem(f"w{items[0].pk}", name, "", units, items))
    return out


def topical_report_create(*, rnd, common: CommonProblem, actor):
    """A topical report draft (专题报告) about one common problem, in an inspection of the
    round the user may write reports for, with a section listing the units and problems."""
    from xuncha.org import access
    from xuncha.plans.models import Inspection
    from xuncha.reports.models import ReportDraft
    from xuncha.reports.services import draft_generate, draft_update

    inspection = (
        access.visible(Inspection.objects.filter(round=rnd), actor, "change")
        .filter(pk__in=[p.inspection_id for p in common.problems])
        .order_by("pk")
        .first()
    )
    if inspection is None:
        raise DomainError("您无权为本轮巡察起草专题报告。")
    with transaction.atomic():
        draft = draft_generate(
            inspection=inspection, kind=ReportDraft.Kind.TOPICAL, actor=actor, topic=common.code
        )
        lines = [f"{i}. {p.unit.name}：{p.title}" for i, p in enumerate(common.problems, start=1)]
        section = {
            "heading": f"本轮巡察共性问题：{common.label}",
            "level": 1,
            "text": f"该问题在{len(common.units)}个单位均有发现（{'、'.join(common.units)}）。\n"
            + "\n".join(lines),
        }
        draft = draft_update(
            draft=draft,
            actor=actor,
            sections=[section, *draft.sections],
            title=f"关于本轮巡察发现{common.label}共性问题的专题报告"[:200],
        )
    return draft
