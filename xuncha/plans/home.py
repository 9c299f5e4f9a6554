"""Home-page to-dos of the planning app (registered in xuncha.org.home.TODOS)."""

from django.urls import reverse

from xuncha.org import access
from xuncha.plans.models import AnnualPlan, Declaration


def plans_awaiting_approval(user) -> list[dict]:
    qs = AnnualPlan.objects.select_related("term__office")
    plans = (
        (access.visible(qs, user, "approve") | access.visible(qs, user, "change"))
        .filter(state=AnnualPlan.State.SUBMITTED)
        .order_by("submitted_at")[:5]
    )
    return [
        {
            "label": f"{p.term.office} {p}",
            "url": reverse("plans:plan_detail", args=[p.pk]),
            "badge": "待审批",
            "badge_class": "warning",
        }
        for p in plans
    ]


def declarations_to_file(user) -> list[dict]:
    rows = (
        access.visible(Declaration.objects.select_related("member__team"), user, "change")
        .filter(submitted_at__isnull=True)
        .order_by("pk")[:5]
    )
    return [
        {
            "label": f"{d.member.team.name} 回避声明",
            "url": reverse("plans:declaration", args=[d.pk]),
            "badge": "待填报",
            "badge_class": "danger",
        }
        for d in rows
    ]
