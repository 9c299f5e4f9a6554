"""Derived analytics records: spam flags, keyed fingerprints, duplicate groups, suggestions
and analytics runs. No submission text is stored in the clear: flagged passages are
offsets plus a copy sealed with the submission's own data key; fingerprints are keyed
MinHash signatures and a keyed identity digest."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xuncha.petitions.models import Submission


class _BySubmissionQuerySet(models.QuerySet):
    """Whoever may see (or change) the submission may see (or decide) its analytics."""

    submission_field = "submission"

    def for_user(self, user, action="view"):
        sub_action = "change" if action == "change" else "view"
        visible = Submission.objects.for_user(user, sub_action).values("pk")
        return self.filter(**{f"{self.submission_field}__in": visible})


class SpamFlag(models.Model):
    """疑似垃圾信息标记: the passages of one submission that look like adverts or noise."""

    class State(models.TextChoices):
        OPEN = "open", _("待确认")
        CONFIRMED = "confirmed", _("已确认为垃圾信息")
        CLEARED = "cleared", _("已排除")

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="spam_flag"
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    reasons = models.JSONField(_("原因"), default=list)
    # [[start, end, [reason codes]], ...] into the normalised text; the passages
    # themselves only sealed with the submission's data key.
    spans = models.JSONField(default=list)
    passages_sealed = models.BinaryField()
    whole = models.BooleanField(_("整件均为广告或噪声"), default=False)
    score = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    objects = _BySubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("疑似垃圾信息标记")
        verbose_name_plural = _("疑似垃圾信息标记")

    def __str__(self):
        return f"疑似垃圾信息 {self.submission_id}"


class Fingerprint(models.Model):
    """Keyed MinHash signature of a submission (reveals no text) and a keyed identity digest."""

    submission = models.OneToOneField(
        Submission, primary_key=True, on_delete=models.CASCADE, related_name="fingerprint"
    )
    office = models.ForeignKey("org.Office", on_delete=models.CASCADE, related_name="+")
    signature = models.BinaryField()
    identity_digest = models.CharField(max_length=16, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = _BySubmissionQuerySet.as_manager()

    def __str__(self):
        return f"指纹 {self.submission_id}"


class DuplicateGroup(models.Model):
    """重复件组: submissions proposed as repeats of the group's earliest one (the anchor)."""

    office = models.ForeignKey("org.Office", on_delete=models.CASCADE, related_name="+")
    anchor = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class QuerySet(_BySubmissionQuerySet):
        submission_field = "anchor"

    objects = QuerySet.as_manager()

    class Meta:
        verbose_name = _("重复件组")
        verbose_name_plural = _("重复件组")
        ordering = ["-pk"]

    def __str__(self):
        return f"重复件组 #{self.pk}"


class DuplicateMember(models.Model):
    """One submission proposed as a repeat of its group's anchor, and the staff decision."""

    class State(models.TextChoices):
        PROPOSED = "proposed", _("待确认")
        CONFIRMED = "confirmed", _("已确认重复")
        REJECTED = "rejected", _("不是重复")

    group = models.ForeignKey(DuplicateGroup, on_delete=models.CASCADE, related_name="members")
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="+")
    similarity = models.FloatField(_("相似度"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PROPOSED, db_index=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = _BySubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["group", "submission"]
        constraints = [
            models.UniqueConstraint(fields=["group", "submission"], name="unique_duplicate_member")
        ]

    def __str__(self):
        return f"{self.group_id}: {self.submission_id}"


class Suggestion(models.Model):
    """The unit and the taxonomy category suggested for a submission, and staff answers."""

    class State(models.TextChoices):
        SUGGESTED = "suggested", _("建议")
        ACCEPTED = "accepted", _("已采纳")
        AUTO = "auto", _("自动采纳")
        DISMISSED = "dismissed", _("未采纳")

    submission = models.OneToOneField(
        Submission, on_delete=models.CASCADE, related_name="suggestion"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit_confidence = models.FloatField(default=0)
    unit_state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    category = models.ForeignKey(
        "inspections.TaxonomyCategory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    category_confidence = models.FloatField(default=0)
    category_state = models.CharField(max_length=10, choices=State.choices, default=State.SUGGESTED)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = _BySubmissionQuerySet.as_manager()

    def __str__(self):
        return f"建议 {self.submission_id}"


class AnalyticsRun(models.Model):
    """A background run (full recomputation, evaluation, retraining) and its progress."""

    class Kind(models.TextChoices):
        RECOMPUTE = "recompute", _("全量重算")
        EVALUATE = "evaluate", _("效果评估")
        RETRAIN = "retrain", _("分类模型重训")

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    figures = models.JSONField(default=dict)
    error = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("分析任务")
        verbose_name_plural = _("分析任务")
        ordering = ["-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def percent(self) -> int:
        return (
            int(100 * self.done / self.total)
            if self.total
            else (100 if self.state == "done" else 0)
        )
