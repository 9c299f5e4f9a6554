"""整改工作设置: an office administrator changes the office's rectification deadlines,
traffic-light thresholds, disclosure deadline and approvers, and co-reviewers."""

from django.db import transaction

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Office, Role, Unit
from xuncha.rectification.models import RectificationConfig

# field -> (smallest, largest) accepted value
LIMITS = {
    "plan_due_working_days": (5, 60),
    "report_due_working_days": (10, 120),
    "handover_due_months": (1, 12),
    "yellow_days": (1, 30),
    "red_days": (1, 60),
    "report_reminder_days": (1, 30),
    "disclosure_due_working_days": (1, 60),
}
APPROVERS = ("internal_approver", "public_approver")
FIELDS = (*LIMITS, *APPROVERS)


def may_configure(user, office) -> bool:
    """Office administrators of `office` (and system administrators)."""
    return access.is_sysadmin(user) or office in access.user_offices(user, {Role.OFFICE_ADMIN})


def co_reviewer_choices(office):
    """Units that may co-review: the office's own units and those of the offices above it
    (a county may name the city's 纪委监委); never another branch's."""
    offices = Office.objects.ancestors_of(office, include_self=True)
    return Unit.objects.filter(office__in=offices).order_by("path")


def config_update(*, office, data: dict, co_reviewers=None, actor) -> RectificationConfig:
    """Validate and save the settings; every changed value goes to the audit log.
    Nothing is saved when any value is refused."""
    if not may_configure(actor, office):
        raise DomainError("只有本机构的巡察办管理员可以修改整改工作设置。")
    values = {}
    for name, (low, high) in LIMITS.items():
        if name not in data:
            continue
        label = RectificationConfig._meta.get_field(name).verbose_name
        try:
            value = int(data[name])
        except (TypeError, ValueError):
            raise DomainError(f"“{label}”须为整数。", field=name) from None
        if not low <= value <= high:
            raise DomainError(f"“{label}”须在 {low}–{high} 之间。", field=name)
        values[name] = value
    for name in APPROVERS:
        if name in data:
            allowed = [c for c, _ in RectificationConfig._meta.get_field(name).choices]
            if data[name] not in allowed:
                raise DomainError("审批机关须为巡察机构或巡察工作领导小组。", field=name)
            values[name] = data[name]
    if co_reviewers is not None:
        co_reviewers = list(co_reviewers)
        allowed = set(co_reviewer_choices(office).values_list("pk", flat=True))
        if any(u.pk not in allowed for u in co_reviewers):
            raise DomainError("共同审核单位须为本机构或上级机构管理的单位。", field="co_reviewers")
    with transaction.atomic():
        config, _ = RectificationConfig.objects.select_for_update().get_or_create(office=office)
        merged = {name: values.get(name, getattr(config, name)) for name in FIELDS}
        if merged["yellow_days"] >= merged["red_days"]:
            raise DomainError("“临期提醒”的天数须少于“严重逾期”的天数。", field="yellow_days")
        if merged["plan_due_working_days"] >= merged["report_due_working_days"]:
            raise DomainError(
                "整改报告报送期限须晚于整改方案报送期限。", field="report_due_working_days"
            )
        changes = {n: [getattr(config, n), v] for n, v in values.items() if getattr(config, n) != v}
        for name, value in values.items():
            setattr(config, name, value)
        config.save()
        if co_reviewers is not None:
            before = sorted(u.name for u in config.co_reviewers.all())
            after = sorted(u.name for u in co_reviewers)
            if before != after:
                config.co_reviewers.set(co_reviewers)
                changes["co_reviewers"] = [before, after]
        if changes:
            record(actor=actor, action=Action.UPDATE, obj=config, changes=changes)
    return config
