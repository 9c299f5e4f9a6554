"""Terms, annual plans, rounds, inspections (team-to-unit assignments), teams, inspectors."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Unit


class Term(models.Model):
    """届: the five-year party-committee term of an office; coverage is counted per term."""

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField(_("名称"), max_length=60)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("届")
        verbose_name_plural = _("届")
        ordering = ["office", "-start"]

    def __str__(self):
        return self.name


class AnnualPlan(models.Model):
    """年度计划: the year's plan of rounds, approved by the leading group."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报审")
        APPROVED = "approved", _("已批准")

    term = models.ForeignKey(
        Term, verbose_name=_("届"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        constraints = [
            models.UniqueConstraint(fields=["term", "year"], name="one_plan_per_term_year")
        ]

    def __str__(self):
        return f"{self.year}年度巡察工作计划"


class Round(models.Model):
    """轮次: one batch of inspections run at the same time."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        verbose_name = _("轮次")
        verbose_name_plural = _("轮次")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_round_number")
        ]

    def __str__(self):
        return f"{self.plan.year}年第{self.number}轮"


class Inspector(models.Model):
    """巡察干部: a cadre in the inspector pool who can be drawn into teams."""

    office = models.ForeignKey(
        Office, verbose_name=_("所属巡察机构"), on_delete=models.PROTECT, related_name="inspectors"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
    )
    name = models.CharField(_("姓名"), max_length=50)
    home_unit = models.ForeignKey(
        Unit,
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rank = models.CharField(_("职级"), max_length=40, blank=True)
    expertise = models.JSONField(_("专长"), default=list, blank=True)
    active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("巡察干部")
        verbose_name_plural = _("巡察干部")
        ordering = ["office", "name"]

    def __str__(self):
        return self.name


class InspectionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        if action == "view":
            office = access.office_q(
                user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
            )
            return self.filter(office | models.Q(team__members__inspector__user=user)).distinct()
        office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
        return self.filter(office)


class Inspection(models.Model):
    """巡察 (一次): one team inspecting one or more units in one round."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("常规巡察")
        SPECIAL = "special", _("专项巡察")
        RAPID = "rapid", _("机动巡察")
        ESCALATED = "escalated", _("提级巡察")
        CROSS = "cross", _("交叉巡察")
        JOINT = "joint", _("联动巡察")
        REVISIT = "revisit", _("巡察“回头看”")
        VILLAGE = "village", _("村(社区)巡察")

    class Stage(models.TextChoices):
        PREPARATION = "preparation", _("准备")
        STATIONING = "stationing", _("进驻")
        INVESTIGATION = "investigation", _("了解")
        REPORT = "report", _("报告")
        REVIEW = "review", _("审议")
        FEEDBACK = "feedback", _("反馈")
        RECTIFICATION = "rectification", _("移交/整改")
        EVALUATION = "evaluation", _("评估")
        ARCHIVED = "archived", _("归档")

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="inspections"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(
        _("巡察类型"), max_length=16, choices=Kind.choices, default=Kind.REGULAR
    )
    theme = models.CharField(_("专项主题"), max_length=100, blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("被巡察单位"), related_name="inspections")
    revisits = models.ForeignKey(
        "self",
        verbose_name=_("回头看对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisited_by",
    )
    start = models.DateField(_("进驻日期"))
    end = models.DateField(_("结束日期"))
    stage = models.CharField(
        _("阶段"), max_length=16, choices=Stage.choices, default=Stage.PREPARATION, db_index=True
    )
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察")
        verbose_name_plural = _("巡察")
        ordering = ["-start", "pk"]

    def __str__(self):
        names = "、".join(u.name for u in self.units.all()[:3])
        return f"{self.round} · {names or '未指定单位'}"


class Team(models.Model):
    """巡察组: the team sent to one inspection; the leader is appointed for this assignment only."""

    inspection = models.OneToOneField(
        Inspection, verbose_name=_("巡察"), on_delete=models.CASCADE, related_name="team"
    )
    name = models.CharField(_("组名"), max_length=40)

    class Meta:
        verbose_name = _("巡察组")
        verbose_name_plural = _("巡察组")

    def __str__(self):
        return self.name


class TeamMember(models.Model):
    """A member of a team, with the role held in it (组长 / 副组长 / 成员)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")
        MEMBER = "member", _("成员")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("组内职务"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("巡察组成员")
        verbose_name_plural = _("巡察组成员")
        constraints = [
            models.UniqueConstraint(fields=["team", "inspector"], name="unique_team_member")
        ]

    def __str__(self):
        return f"{self.team} {self.get_role_display()} {self.inspector}"
