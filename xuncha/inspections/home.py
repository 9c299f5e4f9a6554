"""Home-page to-dos of the fieldwork (registered in xuncha/org/home.py TODOS)."""

from django.urls import reverse

from xuncha.inspections.models import FixNotice, WorkingPaper
from xuncha.org import access
from xuncha.plans.models import TeamMember


def papers_to_sign(user) -> list[dict]:
    """Working papers waiting for this user's signature (deputy or leader of their team)."""
    mine = TeamMember.objects.filter(inspector__user=user)
    deputy = mine.filter(role=TeamMember.Role.DEPUTY).values("team__inspection")
    leader = mine.filter(role=TeamMember.Role.LEADER).values("team__inspection")
    from django.db.models import Q

    qs = access.visible(WorkingPaper.objects.all(), user, "fieldwork").filter(
        Q(state=WorkingPaper.State.DEPUTY_REVIEW, inspection__in=deputy)
        | Q(state=WorkingPaper.State.LEADER_REVIEW, inspection__in=leader)
    )
    rows = list(qs.order_by("pk").values("problem_id", "number", "title")[:6])
    return [
        {
            "label": f"待签署底稿 {r['number']}：{r['title']}",
            "url": reverse("inspections:problem_detail", args=[r["problem_id"]]),
            "badge": "待签",
            "badge_class": "warning",
        }
        for r in rows
    ]


def fix_notices_to_answer(user) -> list[dict]:
    """Immediate-fix notices the unit liaison has to answer, nearest deadline first."""
    qs = access.visible(FixNotice.objects.all(), user, "reply").filter(state=FixNotice.State.ISSUED)
    rows = list(qs.order_by("deadline", "pk").values("pk", "title", "deadline", "escalated_at")[:6])
    return [
        {
            "label": f"立行立改{'（已逾期督办）' if r['escalated_at'] else ''}：{r['title']}",
            "url": reverse("inspections:fix_notice_detail", args=[r["pk"]]),
            "badge": "逾期督办" if r["escalated_at"] else f"{r['deadline']:%m-%d}前回复",
            "badge_class": "danger" if r["escalated_at"] else "warning",
        }
        for r in rows
    ]
