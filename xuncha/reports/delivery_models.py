"""Feedback delivery beyond the 送达记录: the feedback meeting (反馈会), the feedback to the
unit's main leader (向主要负责人反馈) and the unit's signed receipt of its feedback opinion.

Imported by `reports/models.py`. One of each per feedback opinion (that is, per unit).
Readers follow the feedback opinion (`ReportDraft.for_user`): office roles + leading group,
the team, and the liaison of the unit once its feedback was delivered.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class DeliveryRecordQuerySet(models.QuerySet):
    """Follows the feedback opinion: whoever may read (or change) the draft."""

    draft_field = "draft"

    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.reports.models import ReportDraft

        if access.is_sysadmin(user):
            return self
        drafts = ReportDraft.objects.for_user(user, action).values("pk")
        return self.filter(**{f"{self.draft_field}__in": drafts})


class FeedbackMeeting(models.Model):
    """反馈会: the team gives the feedback to the unit's leadership at a meeting."""

    draft = models.OneToOneField(
        "reports.ReportDraft",
        verbose_name=_("反馈意见"),
        on_delete=models.PROTECT,
        related_name="feedback_meeting",
    )
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.TextField(_("参会人员"))
    delivered_by = models.CharField(_("反馈人"), max_length=100, help_text=_("如巡察组组长姓名"))
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = DeliveryRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察反馈会")
        verbose_name_plural = _("巡察反馈会")

    def __str__(self):
        return f"反馈会 {self.held_on:%Y-%m-%d}"


class LeaderFeedback(models.Model):
    """向主要负责人反馈: the feedback given in person to the unit's main leader, before the meeting."""

    draft = models.OneToOneField(
        "reports.ReportDraft",
        verbose_name=_("反馈意见"),
        on_delete=models.PROTECT,
        related_name="leader_feedback",
    )
    held_on = models.DateField(_("反馈日期"))
    leader_name = models.CharField(_("主要负责人"), max_length=100)
    delivered_by = models.CharField(_("反馈人"), max_length=100)
    notes = models.TextField(_("反馈情况"), blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = DeliveryRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("向主要负责人反馈")
        verbose_name_plural = _("向主要负责人反馈")

    def __str__(self):
        return f"向{self.leader_name}反馈 {self.held_on:%Y-%m-%d}"


def _receipt_path(instance, filename):
    return f"reports/receipts/{instance.sha256[:2]}/{instance.sha256}"


class FeedbackReceipt(models.Model):
    """签收回执: the unit's signed receipt of its feedback opinion, uploaded by its liaison."""

    delivery = models.OneToOneField(
        "reports.FeedbackDelivery",
        verbose_name=_("送达记录"),
        on_delete=models.PROTECT,
        related_name="receipt",
    )
    signed_on = models.DateField(_("签收日期"))
    signed_by = models.CharField(_("签收人"), max_length=100)
    file = models.FileField(upload_to=_receipt_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=120)
    original_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = type(
        "ReceiptQuerySet", (DeliveryRecordQuerySet,), {"draft_field": "delivery__draft"}
    ).as_manager()

    class Meta:
        verbose_name = _("反馈意见签收回执")
        verbose_name_plural = _("反馈意见签收回执")

    def __str__(self):
        return f"签收回执 {self.signed_on:%Y-%m-%d}"
