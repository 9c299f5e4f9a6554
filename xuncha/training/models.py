"""培训记录 and 巡察干部考核: training of the inspectors in the pool, appraisal after each round."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office
from xuncha.plans.models import EDIT_ROLES, PLAN_ROLES, Inspector, Team, TeamMember


class TrainingRecordQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            office = access.office_q(user, PLAN_ROLES, field="inspector__office")
            return self.filter(office | Q(inspector__user=user))
        return self.filter(access.office_q(user, EDIT_ROLES, field="inspector__office"))


class TrainingRecord(models.Model):
    """培训记录: one course an inspector attended, with its hours and an optional certificate."""

    inspector = models.ForeignKey(
        Inspector, verbose_name=_("巡察干部"), on_delete=models.PROTECT, related_name="trainings"
    )
    course = models.CharField(_("培训课程"), max_length=120)
    organiser = models.CharField(_("主办单位"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    certificate_name = models.CharField(_("结业证书"), max_length=200, blank=True)
    certificate_path = models.CharField(max_length=255, blank=True)
    certificate_type = models.CharField(max_length=100, blank=True)
    certificate_size = models.PositiveBigIntegerField(default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训记录")
        verbose_name_plural = _("培训记录")
        ordering = ["-start", "-pk"]
        indexes = [models.Index(fields=["inspector", "start"], name="training_inspector_idx")]

    def __str__(self):
        return f"{self.inspector} {self.course}"


class AppraisalSettings(models.Model):
    """巡察干部考核设置: one row per office (defaults when missing)."""

    office = models.OneToOneField(
        Office,
        verbose_name=_("巡察机构"),
        on_delete=models.CASCADE,
        related_name="appraisal_settings",
    )
    show_own = models.BooleanField(_("允许巡察干部本人查看自己的考核结果"), default=False)

    class Meta:
        verbose_name = _("巡察干部考核设置")
        verbose_name_plural = _("巡察干部考核设置")

    def __str__(self):
        return f"{self.office} 考核设置"

    @classmethod
    def for_office(cls, office):
        return cls.objects.filter(office=office).first() or cls(office=office)


class AppraisalIndicator(models.Model):
    """考核指标: one indicator an office scores its inspectors on, with its full marks."""

    DEFAULTS = [
        ("政治素质", 20),
        ("业务能力", 20),
        ("工作作风", 20),
        ("廉洁自律", 20),
        ("发现问题", 20),
    ]

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("指标"), max_length=40)
    max_score = models.PositiveSmallIntegerField(_("满分"), default=20)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["office", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="unique_indicator_name")
        ]

    def __str__(self):
        return self.name


def led_teams(user):
    """The teams the user leads, as a subquery."""
    return Team.objects.filter(
        members__inspector__user=user, members__role=TeamMember.Role.LEADER
    ).values("pk")


class AppraisalQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        office_field = "member__team__inspection__office"
        leader = Q(source=Appraisal.Source.LEADER, member__team__in=led_teams(user))
        if action == "view":
            office = access.office_q(user, PLAN_ROLES, field=office_field)
            # The inspector's own final appraisal, only where the office has opened it.
            own = (
                Q(member__inspector__user=user)
                & Q(state=Appraisal.State.FINAL)
                & Q(**{f"{office_field}__appraisal_settings__show_own": True})
            )
            return self.filter(office | leader | own)
        office = access.office_q(user, EDIT_ROLES, field=office_field)
        return self.filter((office & Q(source=Appraisal.Source.OFFICE)) | leader)


class Appraisal(models.Model):
    """巡察干部考核: a team member's appraisal for one round, by the leader or by the office."""

    class Source(models.TextChoices):
        LEADER = "leader", _("组长评价")
        OFFICE = "office", _("巡察办考核")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FINAL = "final", _("已定档")

    class Rating(models.TextChoices):
        EXCELLENT = "excellent", _("优秀")
        COMPETENT = "competent", _("称职")
        BASIC = "basic", _("基本称职")
        INCOMPETENT = "incompetent", _("不称职")

    member = models.ForeignKey(
        TeamMember,
        verbose_name=_("巡察组成员"),
        on_delete=models.PROTECT,
        related_name="appraisals",
    )
    source = models.CharField(_("评价主体"), max_length=8, choices=Source.choices)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.DRAFT)
    rating = models.CharField(_("考核等次"), max_length=12, choices=Rating.choices)
    total = models.PositiveSmallIntegerField(_("总分"), default=0)
    comments = models.TextField(_("评语"), blank=True)
    # A correction of a final appraisal is a new record that names the one it replaces.
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("更正的考核"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
    )
    correction_reason = models.TextField(_("更正理由"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("填写时间"), default=timezone.now)
    finalised_at = models.DateTimeField(_("定档时间"), null=True, blank=True)

    objects = AppraisalQuerySet.as_manager()

    # Personal judgement of a cadre: shown only through audit.services.confidential /
    # audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("comments",)

    class Meta:
        verbose_name = _("巡察干部考核")
        verbose_name_plural = _("巡察干部考核")
        ordering = ["member", "source", "pk"]
        constraints = [
            # One original appraisal per member and source; corrections chain from it.
            models.UniqueConstraint(
                fields=["member", "source"],
                condition=Q(corrects__isnull=True),
                name="one_appraisal_per_member_source",
            )
        ]

    def __str__(self):
        return f"{self.member.inspector} {self.get_source_display()} {self.get_rating_display()}"

    @property
    def is_final(self) -> bool:
        return self.state == self.State.FINAL


class AppraisalScore(models.Model):
    """One indicator's score in an appraisal; the indicator's name and full marks are kept."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(AppraisalIndicator, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("指标"), max_length=40)
    max_score = models.PositiveSmallIntegerField(_("满分"))
    score = models.PositiveSmallIntegerField(_("得分"))

    class Meta:
        verbose_name = _("考核得分")
        verbose_name_plural = _("考核得分")
        ordering = ["appraisal", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "indicator"], name="unique_score")
        ]

    def __str__(self):
        return f"{self.name} {self.score}"
