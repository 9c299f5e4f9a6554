"""Home-page to-dos of the rectification work (registered in xuncha.org.home.TODOS)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from xuncha.org import access
from xuncha.rectification.models import Measure, RectificationPlan

PS = RectificationPlan.State


def _reminders(user, kinds=None):
    from xuncha.rectification.services import reminders_for

    qs = reminders_for(user)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return [
        {
            "label": r.text,
            "url": r.url,
            "badge": r.get_kind_display(),
            "badge_class": "danger" if r.kind.startswith("escalate") else "warning",
        }
        for r in qs.order_by("-at")[:4]
    ]


def liaison_todos(user) -> list[dict]:
    """Plans to build or fix, measures due within two weeks or overdue, reminders."""
    today = timezone.localdate()
    items = []
    for plan in (
        access.visible(RectificationPlan.objects.all(), user, "edit")
        .filter(state__in=[PS.DRAFT, PS.RETURNED])
        .select_related("unit")[:3]
    ):
        items.append(
            {
                "label": f"制定整改方案：{plan.unit.name}",
                "url": reverse("rectification:plan_detail", args=[plan.pk]),
                "badge": f"{plan.get_state_display()}，{plan.due_date:%m-%d}前报送",
                "badge_class": "warning",
            }
        )
    soon = (
        access.visible(Measure.objects.all(), user, "edit")
        .filter(
            state__in=[Measure.State.OPEN, Measure.State.RETURNED],
            plan__state__in=[PS.ADOPTED, PS.COMPLETED],
            long_term=False,
            deadline__lte=today + timedelta(days=14),
        )
        .select_related("problem")
        .order_by("deadline", "pk")[:6]
    )
    for m in soon:
        late = m.deadline < today
        items.append(
            {
                "label": f"{m.problem.number} {m.content[:24]}",
                "url": reverse("rectification:measure_detail", args=[m.pk]),
                "badge": "已逾期" if late else f"{m.deadline:%m-%d}到期",
                "badge_class": "danger" if late else "warning",
            }
        )
    return items + _reminders(user)


def office_todos(user) -> list[dict]:
    """Plans to review, measures awaiting verification, escalations."""
    items = []
    for plan in (
        access.visible(RectificationPlan.objects.all(), user, "review")
        .filter(state=PS.SUBMITTED)
        .select_related("unit")[:5]
    ):
        items.append(
            {
                "label": f"审核整改方案：{plan.unit.name}",
                "url": reverse("rectification:plan_detail", args=[plan.pk]),
                "badge": "待审核",
                "badge_class": "warning",
            }
        )
    pending = (
        access.visible(Measure.objects.all(), user, "review")
        .filter(state=Measure.State.PENDING)
        .count()
    )
    if pending:
        items.append(
            {
                "label": "待核验销号的整改措施",
                "url": reverse("rectification:overview") + "?state=pending",
                "badge": pending,
                "badge_class": "info",
            }
        )
    return items + _reminders(user)


def co_reviewer_todos(user) -> list[dict]:
    """Plans and closings waiting for 纪委监委/组织部 co-review."""
    items = []
    for plan in (
        access.visible(RectificationPlan.objects.all(), user, "co_review")
        .filter(state=PS.SUBMITTED)
        .select_related("unit")[:5]
    ):
        items.append(
            {
                "label": f"会审整改方案：{plan.unit.name}",
                "url": reverse("rectification:plan_detail", args=[plan.pk]),
                "badge": "待会审",
                "badge_class": "warning",
            }
        )
    pending = (
        access.visible(Measure.objects.all(), user, "co_review")
        .filter(state=Measure.State.PENDING)
        .count()
    )
    if pending:
        items.append(
            {
                "label": "待会签销号的整改措施",
                "url": reverse("rectification:overview") + "?state=pending",
                "badge": pending,
                "badge_class": "info",
            }
        )
    return items
