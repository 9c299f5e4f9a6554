"""The events that notify people, hooked to the records the existing services create.

- a rectification `Reminder` (the daily sweep's reminders and escalations, 督办单,
  overdue handovers, use of results) → upcoming or passed deadline, to the reminder's
  user, or the liaisons of its unit, or the staff of its office;
- a handover sent (`HandoverHistory` to 已发出) → assignment, to the receiving unit;
- a rectification plan adopted or returned (`PlanHistory`) → approval / returned item,
  to the unit's liaisons and the plan's main leader;
- a measure's verification rejected (`Verification`) → returned item, to the
  responsible account, else the unit's liaisons.

Receivers run in the creating transaction: the notification exists if and only if the
event does. Titles name the item by number only, never its content.
"""

from django.db.models.signals import post_save
from django.urls import reverse

from xuncha.notifications import services
from xuncha.notifications.models import Kind

UPCOMING = {"remind", "report"}


def reminder_created(sender, instance, created, raw=False, **kwargs):
    if not created or raw:
        return
    kind = Kind.DEADLINE_UPCOMING if instance.kind in UPCOMING else Kind.DEADLINE_PASSED
    if instance.user_id:
        users = [instance.user]
    elif instance.unit_id:
        users = services.unit_users(instance.unit)
    elif instance.office_id:
        users = services.office_users(instance.office)
    else:
        return
    services.notify(
        users,
        kind=kind,
        title=instance.text,
        url=instance.url or "/",
        key=f"reminder-{instance.pk}",
    )


def handover_moved(sender, instance, created, raw=False, **kwargs):
    from xuncha.clues.models import Handover

    if not created or raw or instance.to_state != Handover.State.SENT:
        return
    handover = instance.handover
    services.notify(
        services.unit_users(handover.recipient),
        kind=Kind.ASSIGNMENT,
        title=f"收到巡察移交{handover.number}，请及时签收办理",
        url=reverse("clues:handover_detail", args=[handover.pk]),
        key=f"handover-{handover.pk}-sent-{instance.pk}",
    )


def plan_moved(sender, instance, created, raw=False, **kwargs):
    from xuncha.rectification.models import RectificationPlan

    states = {
        RectificationPlan.State.ADOPTED: (Kind.APPROVAL, "整改方案已审核通过"),
        RectificationPlan.State.RETURNED: (Kind.RETURNED, "整改方案被退回修改"),
    }
    if not created or raw or instance.to_state not in states:
        return
    plan = instance.plan
    kind, what = states[instance.to_state]
    users = list(services.unit_users(plan.unit, {services.Role.UNIT_LIAISON}))
    if plan.main_leader_user_id and plan.main_leader_user not in users:
        users.append(plan.main_leader_user)
    services.notify(
        users,
        kind=kind,
        title=f"{plan.unit.name}{what}",
        url=reverse("rectification:plan_detail", args=[plan.pk]),
        key=f"plan-{plan.pk}-{instance.pk}",
    )


def verification_made(sender, instance, created, raw=False, **kwargs):
    from xuncha.rectification.models import Verification

    if not created or raw or instance.decision != Verification.Decision.REJECT:
        return
    measure = instance.measure
    plan = measure.plan
    users = (
        [measure.responsible_user]
        if measure.responsible_user_id
        else services.unit_users(plan.unit, {services.Role.UNIT_LIAISON})
    )
    services.notify(
        users,
        kind=Kind.RETURNED,
        title=f"问题{measure.problem.number}的整改措施核验未通过，已退回",
        url=reverse("rectification:measure_detail", args=[measure.pk]),
        key=f"verification-{instance.pk}",
    )


def connect():
    from xuncha.clues.models import HandoverHistory
    from xuncha.rectification.models import PlanHistory, Reminder, Verification

    post_save.connect(reminder_created, sender=Reminder, dispatch_uid="notify-reminder")
    post_save.connect(handover_moved, sender=HandoverHistory, dispatch_uid="notify-handover")
    post_save.connect(plan_moved, sender=PlanHistory, dispatch_uid="notify-plan")
    post_save.connect(verification_made, sender=Verification, dispatch_uid="notify-verification")
