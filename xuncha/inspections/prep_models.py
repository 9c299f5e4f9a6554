"""Before stationing (进驻准备): the work plan, secrecy pledges, replacement requests, the branch.

Imported by `inspections.models` so Django registers the models with the app. Every record
here is one of the conditions of 进驻 (`workflow.py`); writes go through `prep.py`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuncha.inspections.models import FieldworkQuerySet, _fieldwork_q, _via
from xuncha.plans.models import Inspection, TeamMember

User = settings.AUTH_USER_MODEL


def _team_office_q(user, field="inspection") -> Q:
    """Own team, the inspection's office (admin, staff) and its leading group."""
    return _fieldwork_q(user, "view", field)


class WorkPlanQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        if action == "view":
            # A county's plan once filed is read by the offices above it (the city office),
            # never by a sibling county.
            filed = Q(filed_at__isnull=False) & access.office_q(
                user,
                {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP},
                field="inspection__office",
                subtree=True,
            )
            return self.filter(_team_office_q(user) | filed)
        return self.filter(_team_office_q(user))


class WorkPlan(models.Model):
    """巡察工作方案: the inspection's own plan drafted from the annual plan's assignment."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报领导小组审批")
        APPROVED = "approved", _("已批准")

    inspection = models.OneToOneField(
        Inspection, verbose_name=_("巡察"), on_delete=models.CASCADE, related_name="work_plan"
    )
    targets = models.TextField(_("巡察对象"))
    focus = models.TextField(_("巡察重点"))
    division = models.TextField(_("组织分工（任务分工）"))
    schedule = models.TextField(_("时间安排"))
    channels = models.TextField(_("信访受理渠道"))
    mobilisation_on = models.DateField(_("进驻动员会日期"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    approved_on = models.DateField(_("领导小组批准日期"), null=True, blank=True)
    approved_by = models.ForeignKey(
        User,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    secretary_approved_on = models.DateField(_("党委书记审批日期"), null=True, blank=True)
    secretary_name = models.CharField(_("审批书记"), max_length=50, blank=True)
    filed_at = models.DateTimeField(_("报上级巡察办备案时间"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = WorkPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察工作方案")
        verbose_name_plural = _("巡察工作方案")

    def __str__(self):
        return f"{self.inspection} 巡察工作方案"


class SecrecyPledge(models.Model):
    """保密承诺书: one team member's signed secrecy pledge for this inspection."""

    member = models.OneToOneField(
        TeamMember, verbose_name=_("巡察组成员"), on_delete=models.CASCADE, related_name="pledge"
    )
    signature = models.CharField(_("签名"), max_length=50)
    signed_on = models.DateField(_("签署日期"))
    on_paper = models.BooleanField(_("纸质承诺书由巡察办登记"), default=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = _via("member__team__inspection").as_manager()

    class Meta:
        verbose_name = _("保密承诺书")
        verbose_name_plural = _("保密承诺书")

    def __str__(self):
        return f"{self.member.inspector.name} 保密承诺书"


class ReplacementRequestQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """The inspection's office (and leading group to read) and the requesting unit's
        liaison; the team does not see who the unit asked to replace."""
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        roles = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
        if action == "view":
            roles |= {Role.LEADING_GROUP}
        office = access.office_q(user, roles, field="inspection__office")
        unit = access.unit_q(user, {Role.UNIT_LIAISON})
        if action == "view":
            return self.filter(office | unit)
        return self.filter(office)


class ReplacementRequest(models.Model):
    """更换申请: the inspected unit asks for a team member to be replaced, before stationing."""

    class State(models.TextChoices):
        PENDING = "pending", _("待巡察办决定")
        GRANTED = "granted", _("同意更换")
        REFUSED = "refused", _("不予更换")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="replacement_requests"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("提出单位"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        TeamMember,
        verbose_name=_("申请更换的成员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replacement_requests",
    )
    member_name = models.CharField(_("成员姓名"), max_length=50)
    reason = models.TextField(_("申请理由"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.PENDING)
    decision = models.TextField(_("决定意见"), blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    # Why the unit asks for a member to be replaced (often an allegation about them) and the
    # office's answer: confidential, every read audited.
    CONFIDENTIAL_FIELDS = ("reason", "decision")

    objects = ReplacementRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("更换成员申请")
        verbose_name_plural = _("更换成员申请")
        ordering = ["inspection", "-requested_at", "-pk"]

    def __str__(self):
        return f"申请更换{self.member_name}"


class TemporaryBranch(models.Model):
    """临时党支部: the team's temporary party branch, with its secretary (normally the leader)."""

    inspection = models.OneToOneField(
        Inspection,
        verbose_name=_("巡察"),
        on_delete=models.CASCADE,
        related_name="temporary_branch",
    )
    name = models.CharField(_("支部名称"), max_length=80)
    # Null once the secretary leaves the team (replaced): the branch must be recorded again.
    secretary = models.ForeignKey(
        TeamMember,
        verbose_name=_("支部书记"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    established_on = models.DateField(_("成立日期"))
    approval_number = models.CharField(_("批复文号"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now=True)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("临时党支部")
        verbose_name_plural = _("临时党支部")

    def __str__(self):
        return self.name
