"""整改公开按期: the disclosure deadline, the two versions (党内通报 / 社会公开) with their own
approvals, the approval of every exemption, the publication guard and the late-disclosure sweep.

Deadline rule: `RectificationConfig.disclosure_due_working_days` working days (office calendar,
holidays included) after the unit submitted its concentrated-rectification report. Each version
is approved by the office or by the leading group, as the office's settings say; an item
withheld from the public version needs an approved exemption with a reason. Publication is
refused until all of these approvals exist."""

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core import workdays
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Role
from xuncha.rectification.models import (
    OFFICE_REVIEW,
    Disclosure,
    DisclosureItem,
    DisclosureVersion,
    RectificationPlan,
    Reminder,
    Report,
)

DS = Disclosure.State
KINDS = DisclosureVersion.Kind
APPROVER_ROLES = {"office": OFFICE_REVIEW, "leading_group": {Role.LEADING_GROUP}}
APPROVER_LABELS = {"office": "巡察机构", "leading_group": "巡察工作领导小组"}


def _config(plan):
    from xuncha.rectification.services import config_for

    return config_for(plan.office)


def _overrides(plan):
    from xuncha.rectification.services import overrides_for

    return overrides_for(plan.office)


def due_date(plan) -> date | None:
    """The disclosure deadline, or None while the concentrated report is not submitted."""
    report = plan.reports.filter(kind=Report.Kind.CONCENTRATED).first()
    if report is None:
        return None
    start = timezone.localtime(report.submitted_at).date()
    days = _config(plan).disclosure_due_working_days
    return workdays.add_working_days(start, days, _overrides(plan))


def approver_of(plan, kind) -> str:
    config = _config(plan)
    return config.internal_approver if kind == KINDS.INTERNAL else config.public_approver


def may_approve(plan, user, kind) -> bool:
    if access.is_sysadmin(user):
        return True
    roles = APPROVER_ROLES[approver_of(plan, kind)]
    qs = RectificationPlan.objects.filter(pk=plan.pk)
    return qs.filter(access.office_q(user, roles, field="office")).exists()


def versions_of(disclosure) -> dict:
    """Both versions, created on first use (the internal notice starts from the intro)."""
    out = {}
    for kind in KINDS.values:
        out[kind], _ = DisclosureVersion.objects.get_or_create(
            disclosure=disclosure, kind=kind, defaults={"text": disclosure.intro}
        )
    return out


def missing_approvals(disclosure) -> list[str]:
    """What still lacks approval, in Chinese; empty when the disclosure may be published."""
    missing = []
    versions = versions_of(disclosure)
    for kind in KINDS.values:
        if versions[kind].approved_at is None:
            who = APPROVER_LABELS[approver_of(disclosure.plan, kind)]
            missing.append(f"{KINDS(kind).label}尚未经{who}审批")
    for item in disclosure.items.exclude(exemption="").select_related("problem"):
        if item.exemption_approved_at is None:
            missing.append(f"问题 {item.problem.number} 不予公开尚未批准")
    return missing


def _locked(disclosure):
    return Disclosure.objects.select_for_update().select_related("plan").get(pk=disclosure.pk)


def approve_version(*, disclosure, kind, actor, text=None) -> DisclosureVersion:
    if kind not in KINDS.values:
        raise DomainError("公开版本无效。", field="kind")
    with transaction.atomic():
        disclosure = _locked(disclosure)
        if disclosure.state != DS.SUBMITTED:
            raise DomainError("公开文本报送审批后才能批准。")
        if not may_approve(disclosure.plan, actor, kind):
            who = APPROVER_LABELS[approver_of(disclosure.plan, kind)]
            raise DomainError(f"{KINDS(kind).label}须由{who}审批。")
        version = versions_of(disclosure)[kind]
        if version.approved_at:
            raise DomainError(f"{version.get_kind_display()}已批准。")
        if text is not None:
            if not text.strip():
                raise DomainError("请填写正文。", field="text")
            version.text = text.strip()
        version.approved_by, version.approved_at = actor, timezone.now()
        version.save()
        record(actor=actor, action=Action.TRANSITION, obj=version, changes={"approved": kind})
    return version


def approve_exemption(*, item, reason, actor) -> DisclosureItem:
    with transaction.atomic():
        disclosure = _locked(item.disclosure)
        item = DisclosureItem.objects.select_for_update().get(pk=item.pk)
        if disclosure.state != DS.SUBMITTED:
            raise DomainError("公开文本报送审批后才能批准不予公开事项。")
        if not item.exemption:
            raise DomainError("该问题拟公开，无需批准不予公开。")
        if not may_approve(disclosure.plan, actor, KINDS.PUBLIC):
            who = APPROVER_LABELS[approver_of(disclosure.plan, KINDS.PUBLIC)]
            raise DomainError(f"不予公开事项须由{who}批准。")
        if not reason.strip():
            raise DomainError("批准不予公开必须写明理由。", field="reason")
        item.exemption_reason = reason.strip()
        item.exemption_approved_by, item.exemption_approved_at = actor, timezone.now()
        item.save()
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=item,
            changes={"exemption": item.exemption, "reason": item.exemption_reason},
        )
    return item


def approve_all(disclosure, actor, reason="依规不予公开"):
    """Approve both versions and every exemption at once (demo and tests of later steps)."""
    for kind in KINDS.values:
        if versions_of(disclosure)[kind].approved_at is None:
            approve_version(disclosure=disclosure, kind=kind, actor=actor)
    for item in disclosure.items.exclude(exemption="").filter(exemption_approved_at=None):
        approve_exemption(item=item, reason=item.exemption_reason or reason, actor=actor)


def before_transition(disclosure, target):
    """Called by services.disclosure_transition inside its transaction, before the save."""
    if target == DS.PUBLISHED:
        missing = missing_approvals(disclosure)
        if missing:
            raise DomainError("不能公开：" + "；".join(missing) + "。")
        DisclosureVersion.objects.filter(disclosure=disclosure).update(published_at=timezone.now())
    elif target == DS.RETURNED:  # a returned text is redrafted: every approval starts again
        DisclosureVersion.objects.filter(disclosure=disclosure).update(
            approved_by=None, approved_at=None
        )
        disclosure.items.update(exemption_approved_by=None, exemption_approved_at=None)


def publish(*, disclosure, actor) -> Disclosure:
    from xuncha.rectification.services import disclosure_transition

    return disclosure_transition(disclosure=disclosure, target=DS.PUBLISHED, actor=actor)


# --------------------------------------------------------------------------- sweep


def disclosure_sweep(today: date) -> int:
    """Reminders before the deadline, escalation after it; only on the office's working days,
    so an alert due over a holiday fires on the first working day after it."""
    sent = 0
    plans = (
        RectificationPlan.objects.filter(reports__kind=Report.Kind.CONCENTRATED)
        .exclude(disclosure__state=DS.PUBLISHED)
        .select_related("unit", "office")
        .distinct()
    )
    from xuncha.rectification.services import _remind

    for plan in plans:
        overrides = _overrides(plan)
        if not workdays.is_working_day(today, overrides):
            continue
        due = due_date(plan)
        config = _config(plan)
        url = reverse("rectification:disclosure_edit", args=[plan.pk])
        late = workdays.working_days_between(due, today, overrides)
        what = f"{plan.unit.name}整改情况公开（期限 {due:%Y-%m-%d}）"
        if late <= 0 and -late <= config.yellow_days:
            _remind(
                Reminder.Kind.DISCLOSURE,
                key=f"p{plan.pk}-disc-remind-{due:%Y%m%d}",
                text=f"临近期限：{what}",
                url=url,
                unit=plan.unit,
            )
            sent += 1
        elif late > 0:
            serious = late >= config.red_days
            level = "serious" if serious else "late"
            label = "严重逾期" if serious else "逾期未公开"
            for suffix, target in (("u", {"unit": plan.unit}), ("o", {"office": plan.office})):
                _remind(
                    Reminder.Kind.DISCLOSURE,
                    key=f"p{plan.pk}-disc-{level}-{due:%Y%m%d}-{suffix}",
                    text=f"{label}：{what}",
                    url=url,
                    **target,
                )
            if serious:
                for user in _leading_group(plan.office):
                    _remind(
                        Reminder.Kind.DISCLOSURE,
                        key=f"p{plan.pk}-disc-serious-{due:%Y%m%d}-l{user.pk}",
                        text=f"{label}：{what}",
                        url=url,
                        user=user,
                    )
            sent += 1
    return sent


def _leading_group(office):
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(roles__office=office, roles__role=Role.LEADING_GROUP)
        .distinct()
    )
