"""During the stay and the review chain: 动员会, 组务会, 重要情况报告, weekly reports, the
decisions of the reviews on the use of results, and the office's review settings.

Imported by `inspections/models.py` (Django finds the models there). Every record here is
fieldwork (own team, the inspection's office, the leading group read it; `FieldworkQuerySet`);
the unit never sees them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.plans.models import Inspection

User = settings.AUTH_USER_MODEL


def _fieldwork_manager(field="inspection"):
    from xuncha.inspections.models import FieldworkQuerySet, _via

    qs = FieldworkQuerySet if field == "inspection" else _via(field)
    return qs.as_manager()


class MobilisationMeeting(models.Model):
    """动员会: the meeting that opens the stay, with the announcement shown to the unit."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="mobilisation_meetings"
    )
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    attendees = models.TextField(_("参会人员"))
    speech = models.TextField(_("动员讲话要点"))
    announcement_id = models.PositiveIntegerField(_("公布的巡察公告编号"), null=True, blank=True)
    announcement_title = models.CharField(_("会上公布的巡察公告"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("记录人"), on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = _fieldwork_manager()

    class Meta:
        verbose_name = _("巡察动员会")
        verbose_name_plural = _("巡察动员会")
        ordering = ["inspection", "held_on", "pk"]

    def __str__(self):
        return f"巡察动员会 {self.held_on:%Y-%m-%d}"


class TeamMeeting(models.Model):
    """组务会: a meeting of the team, its minutes (decisions agreed, tasks given out)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="team_meetings"
    )
    held_on = models.DateField(_("会议日期"))
    topic = models.CharField(_("议题"), max_length=200)
    attendees = models.TextField(_("参会人员"))
    resolutions = models.TextField(_("议定事项"))
    assignments = models.TextField(_("任务分工"), blank=True)
    recorded_by = models.ForeignKey(User, verbose_name=_("记录人"), on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = _fieldwork_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("resolutions", "assignments")

    class Meta:
        verbose_name = _("组务会纪要")
        verbose_name_plural = _("组务会纪要")
        ordering = ["inspection", "held_on", "pk"]

    def __str__(self):
        return f"组务会 {self.held_on:%Y-%m-%d}：{self.topic}"


class ImportantReport(models.Model):
    """重要情况报告: a serious matter the team reports to the office at once, as a document;
    the office records that it received it."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SENT = "sent", _("已报送")
        RECEIVED = "received", _("巡察办已签收")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="important_reports"
    )
    title = models.CharField(_("标题"), max_length=200)
    reported_on = models.DateField(_("报告日期"))
    situation = models.TextField(_("情况内容"))
    proposal = models.TextField(_("处理建议"), blank=True)
    doc_number = models.CharField(_("文号"), max_length=60, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.DRAFT)
    created_by = models.ForeignKey(
        User, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    received_by = models.ForeignKey(
        User,
        verbose_name=_("签收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    received_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    receipt_note = models.CharField(_("签收意见"), max_length=300, blank=True)

    objects = _fieldwork_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("situation", "proposal")

    class Meta:
        verbose_name = _("重要情况报告")
        verbose_name_plural = _("重要情况报告")
        ordering = ["inspection", "reported_on", "pk"]

    def __str__(self):
        return self.title


class WeeklyReport(models.Model):
    """巡察工作周报: the team's progress in one week, with the week's figures."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="weekly_reports"
    )
    week_start = models.DateField(_("本周起始日"))
    week_end = models.DateField(_("本周截止日"))
    progress = models.TextField(_("工作进展"))
    next_plan = models.TextField(_("下周安排"), blank=True)
    figures = models.JSONField(_("本周统计"), default=dict, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("填报时间"), default=timezone.now)

    objects = _fieldwork_manager()

    class Meta:
        verbose_name = _("巡察工作周报")
        verbose_name_plural = _("巡察工作周报")
        ordering = ["inspection", "week_start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "week_start"], name="one_weekly_report_per_week"
            )
        ]

    def __str__(self):
        return f"周报 {self.week_start:%Y-%m-%d}—{self.week_end:%m-%d}"


class ResultDecision(models.Model):
    """A review's decision on one problem: fed back, handed over, a 建议书, or a 约谈."""

    class Kind(models.TextChoices):
        FEEDBACK = "feedback", _("反馈被巡察单位")
        HANDOVER = "handover", _("移交")
        SUGGESTION_LETTER = "suggestion_letter", _("形成巡察建议书")
        TALK = "talk", _("约谈")

    review = models.ForeignKey(
        "inspections.LeadingGroupReview", on_delete=models.CASCADE, related_name="result_decisions"
    )
    problem = models.ForeignKey(
        "inspections.Problem", on_delete=models.CASCADE, related_name="result_decisions"
    )
    kind = models.CharField(_("成果运用方式"), max_length=20, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = _fieldwork_manager("review__inspection")

    class Meta:
        verbose_name = _("成果运用决定")
        verbose_name_plural = _("成果运用决定")
        ordering = ["review", "problem__number", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "problem", "kind"], name="one_decision_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.problem_id} {self.get_kind_display()}"


def _all_kinds():
    return list(Inspection.Kind.values)


class ReviewSettings(models.Model):
    """Which reviews an office requires before feedback, per inspection kind."""

    office = models.OneToOneField(
        "org.Office",
        verbose_name=_("巡察机构"),
        on_delete=models.CASCADE,
        related_name="review_settings",
    )
    leading_group_kinds = models.JSONField(
        _("须经领导小组会议审议的巡察类型"), default=_all_kinds, blank=True
    )
    secretary_kinds = models.JSONField(
        _("须经书记专题会审议的巡察类型"), default=_all_kinds, blank=True
    )
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("审议程序设置")
        verbose_name_plural = _("审议程序设置")

    def __str__(self):
        return f"{self.office_id} 审议程序设置"

    @classmethod
    def for_office(cls, office):
        """The office's settings (an office or its id); unsaved defaults when it has none."""
        office_id = getattr(office, "pk", office)
        return cls.objects.filter(office_id=office_id).first() or cls(office_id=office_id)
