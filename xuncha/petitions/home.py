"""Home-page to-dos of the people's channel."""

from django.db.models import Count, Q
from django.urls import reverse

from xuncha.org import access
from xuncha.petitions import services
from xuncha.petitions.models import Announcement, Message, Submission


def awaiting_intake(user) -> list[dict]:
    qs = access.visible(Submission.objects.all(), user)
    counts = qs.aggregate(
        # Suspected spam stays counted: nothing is hidden until staff decide.
        received=Count("pk", filter=Q(state="received")),
        overdue=Count("pk", filter=services.overdue_q()),
        unread=Count("pk", filter=Q(unread=True)),
    )
    review = (
        Message.objects.filter(
            submission__in=qs.values("pk"), state="draft", kind__in=["reply", "question"]
        )
        .exclude(author=user)
        .count()
    )
    url = reverse("petitions:register")
    items = []
    if counts["overdue"]:
        items.append(
            {
                "label": "来信来访已逾期",
                "url": f"{url}?overdue=1",
                "badge": counts["overdue"],
                "badge_class": "danger",
            }
        )
    if counts["received"]:
        items.append(
            {
                "label": "待受理的来信来访",
                "url": f"{url}?state=received",
                "badge": counts["received"],
                "badge_class": "warning",
            }
        )
    if review:
        items.append({"label": "待复核的答复", "url": url, "badge": review})
    if counts["unread"]:
        items.append({"label": "反映人有新补充", "url": url, "badge": counts["unread"]})
    return items


def identity_requests(user) -> list[dict]:
    n = services.custodian_requests(user).filter(state="pending").count()
    if not n:
        return []
    return [
        {
            "label": "待审批的举报人身份查看申请",
            "url": reverse("petitions:custodian"),
            "badge": n,
            "badge_class": "warning",
        }
    ]


def announcements_to_approve(user) -> list[dict]:
    """Announcements waiting for this approver: submitted ones (not the own drafts), approved
    ones not yet published (one query)."""
    counts = (
        access.visible(Announcement.objects.all(), user, "approve")
        .exclude(drafted_by=user)
        .aggregate(
            submitted=Count("pk", filter=Q(state="submitted")),
            approved=Count("pk", filter=Q(state="approved")),
        )
    )
    url = reverse("petitions:announcement_list")
    items = []
    if counts["submitted"]:
        items.append(
            {
                "label": "待审批的巡察公告",
                "url": f"{url}?state=submitted",
                "badge": counts["submitted"],
                "badge_class": "warning",
            }
        )
    if counts["approved"]:
        items.append(
            {
                "label": "已审批待发布的巡察公告",
                "url": f"{url}?state=approved",
                "badge": counts["approved"],
            }
        )
    return items
