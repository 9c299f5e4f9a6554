"""Derived analytics records: search index, topics and focus items; spam flags, keyed
fingerprints, duplicate groups, suggestions and analytics runs.

Nothing here stores readable submission text: the search index holds keyed hashes of
tokens (`crypto.blind_token`), topic key phrases are stored as keyed hashes, and a topic
label is stored in clear only when every phrase in it is shared by at least
`topics.MIN_SHARED` submissions (otherwise it is built from the unit and category).
Flagged passages are offsets plus a copy sealed with the submission's own data key;
fingerprints are keyed MinHash signatures and a keyed identity digest.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xuncha.petitions.models import Submission


class SearchDocQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """A document is visible when its record is: one subquery per kind of record."""
        from xuncha.analytics import search

        return self.filter(search.visible_q(user))


class SearchDoc(models.Model):
    """One indexed record: its kind, where it belongs and its blind tokens (no text)."""

    kind = models.CharField(_("类型"), max_length=16)
    object_id = models.BigIntegerField()
    office = models.ForeignKey(
        "org.Office", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    inspection = models.ForeignKey(
        "plans.Inspection",
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )
    state = models.CharField(_("状态"), max_length=16, blank=True)
    date = models.DateField(_("日期"), db_index=True)
    # Space-separated keyed hashes ("t" + 16 hex digits) of the words, bigrams and
    # characters of the record; the FTS5 table (SQLite) or tsvector column (PostgreSQL)
    # indexes exactly these.
    tokens = models.TextField()

    objects = SearchDocQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="unique_search_doc")
        ]
        indexes = [models.Index(fields=["kind", "date"])]

    def __str__(self):
        return f"{self.kind}:{self.object_id}"


class TopicRun(models.Model):
    """One recomputation of the topics (a background task): its progress and outcome."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("计算中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    topics = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        return f"主题计算 #{self.pk}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.done else 0)


class TopicQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Submission topics: whoever may read or count a member; problem topics: problems."""
        from xuncha.analytics import hot

        return self.filter(pk__in=hot.visible_members(user).values("topic"))


class Topic(models.Model):
    """主题: submissions grouped by shared key phrases, within one office."""

    office = models.ForeignKey("org.Office", on_delete=models.CASCADE, related_name="+")
    # Plain only when built from phrases shared by ≥ MIN_SHARED members (see module doc).
    label = models.CharField(_("主题"), max_length=120)
    phrase_hashes = models.JSONField(default=dict)  # blind phrase → weight
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("主题")
        verbose_name_plural = _("主题")
        ordering = ["-size", "pk"]

    def __str__(self):
        return self.label


class TopicMember(models.Model):
    """A submission's place in a topic, with the unit it is about (resolved from the text)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="members")
    submission = models.OneToOneField(
        "petitions.Submission", on_delete=models.CASCADE, related_name="topic_member"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["unit", "topic"])]

    def __str__(self):
        return f"{self.topic_id}:{self.submission_id}"


class FocusItemQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.inspections.models import _fieldwork_q

        return self.filter(_fieldwork_q(user, action))


class FocusItem(models.Model):
    """巡察重点: a matter the team should look into, e.g. a hot issue of the people."""

    inspection = models.ForeignKey(
        "plans.Inspection", on_delete=models.CASCADE, related_name="focus_items"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("重点事项"), max_length=200)
    note = models.TextField(_("说明"), blank=True)
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="focus_items"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FocusItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察重点")
        verbose_name_plural = _("巡察重点")
        ordering = ["inspection", "pk"]

    def __str__(self):
        return self.title


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
