"""Editable drafts of the official documents of an inspection, and the field-kit import log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.plans.models import Inspection, reader_q

User = settings.AUTH_USER_MODEL

# Stages from which the unit liaison may read the feedback opinion (same list as problems).
POST_FEEDBACK_STAGES = [
    Inspection.Stage.FEEDBACK,
    Inspection.Stage.RECTIFICATION,
    Inspection.Stage.EVALUATION,
    Inspection.Stage.ARCHIVED,
]


def _office_or_team_q(user, action, field="inspection") -> Q:
    """Own team, the inspection's office (admin/staff) and, for reading, the leading group."""
    from xuncha.org import access
    from xuncha.org.models import Role

    roles = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
    if action == "view":
        roles |= {Role.LEADING_GROUP}
    prefix = f"{field}__" if field else ""
    team = Inspection.objects.filter(team__members__inspector__user=user).values("pk")
    return access.office_q(user, roles, field=f"{prefix}office") | Q(
        **{f"{field}__in" if field else "pk__in": team}
    )


def writable_inspections(user):
    """Inspections whose documents the user may generate and edit (team or office staff)."""
    from xuncha.org import access

    if access.is_sysadmin(user):
        return Inspection.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Inspection.objects.none()
    return Inspection.objects.filter(_office_or_team_q(user, "change", field=""))


class ReportDraftQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        q = _office_or_team_q(user, action)
        if action == "view":
            # The unit liaison reads the feedback opinion addressed to its own unit, and only
            # once it was delivered (a FeedbackDelivery exists); never another unit's.
            units = [u.pk for u in access.user_units(user, {Role.UNIT_LIAISON})]
            q |= Q(
                kind=ReportDraft.Kind.FEEDBACK,
                unit__in=units,
                delivery__isnull=False,
                inspection__stage__in=POST_FEEDBACK_STAGES,
            )
            # 纪委监委/组织部 named as readers: the final report and feedback opinions.
            q |= reader_q(user, field="inspection__office") & Q(
                kind__in=[ReportDraft.Kind.REPORT, ReportDraft.Kind.FEEDBACK],
                state=ReportDraft.State.FINAL,
            )
        return self.filter(q)


class ReportDraft(models.Model):
    """文书草稿: an editable report, feedback opinion, topical report or recommendation letter."""

    class Kind(models.TextChoices):
        REPORT = "report", _("巡察报告")
        FEEDBACK = "feedback", _("反馈意见")
        TOPICAL = "topical", _("专题报告")
        RECOMMENDATION = "recommendation", _("巡察建议书")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FINAL = "final", _("已定稿")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("巡察"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("文书类型"), max_length=16, choices=Kind.choices)
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("被反馈单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_documents",
        help_text=_("反馈意见按被巡察党组织分别出具：一个单位一份"),
    )
    problems = models.ManyToManyField(
        "inspections.Problem",
        verbose_name=_("反馈问题"),
        blank=True,
        related_name="feedback_documents",
        help_text=_("反馈意见所列问题（仅本单位的）；送达后即为整改问题清单"),
    )
    title = models.CharField(_("标题"), max_length=200)
    recipient = models.CharField(_("主送"), max_length=200, blank=True)
    topic = models.CharField(
        _("分类范围"),
        max_length=20,
        blank=True,
        help_text=_("专题报告或建议书涉及的监督内容分类代码，如 B 或 B4；留空为全部"),
    )
    sections = models.JSONField(
        _("正文段落"), default=list, help_text=_("[{heading, level, text}]，按顺序")
    )
    issuer = models.CharField(_("落款"), max_length=100, blank=True)
    doc_date = models.DateField(_("成文日期"), null=True, blank=True)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    secrecy = models.CharField(_("密级"), max_length=20, blank=True, default="机密")
    cc = models.CharField(_("抄送"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(_("版本"), default=1)
    problem_count = models.PositiveIntegerField(_("问题数"), default=0)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ReportDraftQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("sections",)

    class Meta:
        verbose_name = _("文书草稿")
        verbose_name_plural = _("文书草稿")
        ordering = ["inspection", "kind", "pk"]
        indexes = [models.Index(fields=["inspection", "kind"])]
        constraints = [
            # One report per inspection and one feedback opinion per inspected unit
            # (topical reports and recommendation letters may be many).
            models.UniqueConstraint(
                fields=["inspection", "kind"],
                condition=Q(kind="report"),
                name="one_report_per_inspection",
            ),
            models.UniqueConstraint(
                fields=["inspection", "unit"],
                condition=Q(kind="feedback"),
                name="one_feedback_per_unit",
            ),
        ]

    def __str__(self):
        return self.title


class FeedbackDelivery(models.Model):
    """送达记录: the feedback opinion was given to its unit on this date, by this person.

    Rectification of the unit starts from `delivered_on`; the deadlines printed in the
    letter are fixed here (by the office's rule) and copied to the rectification plan.
    """

    draft = models.OneToOneField(
        ReportDraft, verbose_name=_("反馈意见"), on_delete=models.PROTECT, related_name="delivery"
    )
    delivered_on = models.DateField(_("送达日期"))
    delivered_by = models.CharField(_("送达人"), max_length=100)
    plan_working_days = models.PositiveSmallIntegerField(_("整改方案报送期限(工作日)"))
    report_working_days = models.PositiveSmallIntegerField(_("整改情况报告报送期限(工作日)"))
    plan_due = models.DateField(_("整改方案报送期限"))
    report_due = models.DateField(_("整改情况报告报送期限"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("反馈意见送达记录")
        verbose_name_plural = _("反馈意见送达记录")

    def __str__(self):
        return f"{self.draft} 送达于 {self.delivered_on}"


class FieldkitImportQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(_office_or_team_q(user, action))


class FieldkitImport(models.Model):
    """An imported offline field-kit package: its id is refused a second time (no replay)."""

    package_id = models.CharField(_("数据包编号"), max_length=64, unique=True)
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="fieldkit_imports"
    )
    origin = models.CharField(_("来源系统"), max_length=64)
    created_at = models.DateTimeField(_("打包时间"))
    imported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)
    counts = models.JSONField(_("导入统计"), default=dict)

    objects = FieldkitImportQuerySet.as_manager()

    class Meta:
        verbose_name = _("离线数据包导入")
        verbose_name_plural = _("离线数据包导入")
        ordering = ["-imported_at"]

    def __str__(self):
        return self.package_id


class FieldkitRecord(models.Model):
    """Which local row a record of another system became (so it is never merged twice)."""

    origin = models.CharField(max_length=64)
    model = models.CharField(max_length=100)
    source_pk = models.CharField(max_length=64)
    local_pk = models.CharField(max_length=64)
    package = models.ForeignKey(FieldkitImport, on_delete=models.CASCADE, related_name="records")

    class Meta:
        verbose_name = _("离线记录对照")
        verbose_name_plural = _("离线记录对照")
        constraints = [
            models.UniqueConstraint(
                fields=["origin", "model", "source_pk"], name="unique_fieldkit_source"
            )
        ]
        indexes = [models.Index(fields=["model", "local_pk"])]

    def __str__(self):
        return f"{self.model} {self.origin}:{self.source_pk} → {self.local_pk}"


# The feedback meeting, the feedback to the main leader and the signed receipt.
from xuncha.reports.delivery_models import (  # noqa: E402, F401
    FeedbackMeeting,
    FeedbackReceipt,
    LeaderFeedback,
)
