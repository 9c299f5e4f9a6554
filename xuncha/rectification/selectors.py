"""Reads across apps: the office overview, public disclosure data, reporters' follow-up status."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone

from xuncha.rectification import deadlines
from xuncha.rectification.models import (
    Disclosure,
    DisclosureItem,
    Measure,
)
from xuncha.rectification.services import config_for, overrides_for, thresholds_for

MS = Measure.State


def overview_measures(measures, *, light: str = "", today: date | None = None, office=None):
    """Measures filtered by light in SQL (date ranges that agree with traffic_light)."""
    today = today or timezone.localdate()
    if light == deadlines.CLOSED:
        return measures.filter(state=MS.CLOSED)
    if light in deadlines.LIGHTS:
        config = config_for(office) if office else None
        thresholds = thresholds_for(config) if config else deadlines.Thresholds()
        lo, hi = deadlines.light_bounds(today, overrides_for(office), thresholds)[light]
        measures = measures.exclude(state=MS.CLOSED)
        if lo:
            measures = measures.filter(deadline__gte=lo)
        if hi:
            measures = measures.filter(deadline__lte=hi)
    return measures


def with_lights(measures, office=None, today=None):
    """Attach .light and .light_label to a page of measures (no queries per row)."""
    today = today or timezone.localdate()
    cache = {}
    for m in measures:
        key = m.plan.office_id
        if key not in cache:
            cfg = config_for(m.plan.office)
            cache[key] = (overrides_for(m.plan.office), thresholds_for(cfg))
        overrides, thresholds = cache[key]
        if m.long_term and m.state != MS.CLOSED:
            m.light, m.light_label = "long", "长期坚持"
        else:
            m.light = deadlines.traffic_light(
                m.deadline, today, overrides, thresholds, closed=m.state == MS.CLOSED
            )
            m.light_label = deadlines.LIGHT_LABELS[m.light]
        m.light_class = deadlines.LIGHT_CLASSES.get(m.light, "info")
    return measures


# --------------------------------------------------------------------------- public


@dataclass
class PublicMeasure:
    content: str
    deadline: date
    closed: bool
    closed_on: date | None
    long_term: bool
    overdue: bool = False  # past its deadline and not yet closed


@dataclass
class PublicItem:
    number: int
    text: str
    measures: list
    addressed: bool
    overdue: bool = False  # some measure of it is overdue


def published_disclosures():
    return (
        Disclosure.objects.filter(state=Disclosure.State.PUBLISHED)
        .select_related("plan__unit", "plan__office", "plan__inspection__round")
        .order_by("-published_at")
    )


def public_view_of(disclosure) -> dict:
    """Only non-exempt items; exempt ones are counted nowhere and named nowhere."""
    plan = disclosure.plan
    items = list(
        disclosure.items.filter(exemption="").select_related("problem").order_by("problem__number")
    )
    problem_ids = [i.problem_id for i in items]
    measures = {}
    today = timezone.localdate()
    for m in Measure.objects.filter(plan=plan, problem_id__in=problem_ids).order_by("pk"):
        closed = m.state == MS.CLOSED
        measures.setdefault(m.problem_id, []).append(
            PublicMeasure(
                content=m.content,
                deadline=m.deadline,
                closed=closed,
                closed_on=timezone.localtime(m.closed_at).date() if m.closed_at else None,
                long_term=m.long_term,
                overdue=not closed and not m.long_term and bool(m.deadline) and m.deadline < today,
            )
        )
    public_items = []
    total = closed = 0
    timeline = [(plan.feedback_date, "巡察反馈问题")]
    if plan.adopted_at:
        timeline.append((timezone.localtime(plan.adopted_at).date(), "整改方案审核通过"))
    for n, item in enumerate(items, 1):
        ms = measures.get(item.problem_id, [])
        total += len(ms)
        closed += sum(1 for m in ms if m.closed)
        addressed = bool(ms) and all(m.closed for m in ms)
        public_items.append(
            PublicItem(
                number=n,
                text=item.public_text,
                measures=ms,
                addressed=addressed,
                overdue=not addressed and any(m.overdue for m in ms),
            )
        )
        if addressed:
            last = max(m.closed_on for m in ms if m.closed_on)
            timeline.append((last, f"第{n}项问题整改完成并经核验销号"))
    if plan.completed_at:
        timeline.append((timezone.localtime(plan.completed_at).date(), "整改任务全部完成"))
    if disclosure.published_at:
        timeline.append((timezone.localtime(disclosure.published_at).date(), "整改进展情况公开"))
    return {
        "disclosure": disclosure,
        "plan": plan,
        "items": public_items,
        "total": total,
        "closed": closed,
        "percent": round(100 * closed / total) if total else 0,
        "timeline": sorted(timeline, key=lambda e: e[0]),
    }


def disclosure_status_for_problems(problem_ids) -> dict:
    """For the petitions follow-up page: {problem_id: status} for published, non-exempt problems.

    status = {"addressed": bool, "label": str, "url": public page}. Problems that are not
    published (or exempt) are absent, so nothing about them leaks; no identity is involved."""
    ids = [int(i) for i in problem_ids]
    if not ids:
        return {}
    items = DisclosureItem.objects.filter(
        problem_id__in=ids, exemption="", disclosure__state=Disclosure.State.PUBLISHED
    ).values("problem_id", "disclosure_id", "disclosure__plan_id")
    out = {}
    for item in items:
        counts = Measure.objects.filter(
            plan_id=item["disclosure__plan_id"], problem_id=item["problem_id"]
        ).aggregate(
            total=Count("pk"), closed=Count("pk", filter=Q(state=MS.CLOSED)), last=Max("closed_at")
        )
        addressed = counts["total"] > 0 and counts["total"] == counts["closed"]
        out[item["problem_id"]] = {
            "addressed": addressed,
            "label": "已整改并经核验销号" if addressed else "正在整改",
            "url": reverse("public_disclosures:detail", args=[item["disclosure_id"]]),
        }
    return out


def disclosure_status_for_submission(submission) -> list:
    """The disclosure statuses of the problems linked to a submission (any link kind)."""
    from django.contrib.contenttypes.models import ContentType

    from xuncha.inspections.models import Problem

    ids = set()
    links = getattr(submission, "links", None)
    if links is not None:
        ct = ContentType.objects.get_for_model(Problem)
        ids |= {int(x) for x in links.filter(content_type=ct).values_list("object_id", flat=True)}
    statuses = disclosure_status_for_problems(ids)
    return [statuses[i] for i in sorted(statuses)]
