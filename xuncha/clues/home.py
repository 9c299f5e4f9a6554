"""Home-page to-dos of handovers (registered in xuncha.org.home.TODOS)."""

from django.urls import reverse

from xuncha.clues.models import Handover
from xuncha.org import access


def handovers_to_handle(user) -> list[dict]:
    """For the receiving body's liaison: handovers to acknowledge, results to report."""
    items = []
    for h in (
        access.visible(Handover.objects.all(), user, "receive")
        .filter(state__in=[Handover.State.SENT, Handover.State.ACKNOWLEDGED])
        .order_by("due_date", "pk")[:6]
    ):
        acknowledge = h.state == Handover.State.SENT
        items.append(
            {
                "label": f"{'签收' if acknowledge else '反馈办理结果'}：{h.subject[:24]}",
                "url": reverse("clues:handover_detail", args=[h.pk]),
                "badge": "已逾期"
                if h.overdue
                else (f"{h.due_date:%m-%d}前反馈" if h.due_date else ""),
                "badge_class": "danger" if h.overdue else "warning",
            }
        )
    from xuncha.rectification.home import _reminders

    return items + _reminders(user, kinds=["handover"])


def overdue_handovers(user) -> list[dict]:
    """For the office: handovers whose result is overdue."""
    from django.utils import timezone

    items = []
    for h in (
        access.visible(Handover.objects.all(), user, "change")
        .filter(
            state__in=[Handover.State.SENT, Handover.State.ACKNOWLEDGED],
            due_date__lt=timezone.localdate(),
        )
        .select_related("recipient")
        .order_by("due_date")[:4]
    ):
        items.append(
            {
                "label": f"移交逾期未反馈：{h.recipient.name}",
                "url": reverse("clues:handover_detail", args=[h.pk]),
                "badge": f"期限 {h.due_date:%m-%d}",
                "badge_class": "danger",
            }
        )
    return items
