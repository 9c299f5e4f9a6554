"""Demo notifications: the generators before bulk-create their histories (no signals), so
the recent events are replayed through the same receivers the services trigger, and the
rectification sweep runs once for the demo's day (its reminders notify too). Older
notifications are marked read so each account's badge shows a handful."""

from datetime import timedelta

from django.utils import timezone


def build(ctx):
    from xuncha.clues.models import HandoverHistory
    from xuncha.notifications import sources
    from xuncha.notifications.models import Notification
    from xuncha.rectification import services as rect_services
    from xuncha.rectification.models import PlanHistory, Verification

    for history in PlanHistory.objects.order_by("-pk")[: ctx.n(40)]:
        sources.plan_moved(PlanHistory, history, created=True)
    for verification in Verification.objects.order_by("-pk")[: ctx.n(40)]:
        sources.verification_made(Verification, verification, created=True)
    for history in HandoverHistory.objects.order_by("-pk")[: ctx.n(20)]:
        sources.handover_moved(HandoverHistory, history, created=True)
    rect_services.sweep(ctx.today)
    notes = Notification.objects.order_by("created_at", "pk")
    total = notes.count()
    # all but the newest few of each account were read a while ago
    keep = set()
    for user_id in notes.values_list("user_id", flat=True).distinct():
        keep.update(notes.filter(user_id=user_id).order_by("-pk").values_list("pk", flat=True)[:4])
    notes.exclude(pk__in=keep).update(read_at=timezone.now() - timedelta(days=1))
    ctx.log(f"  通知 {total} 条（每个账号最新 4 条未读）")
