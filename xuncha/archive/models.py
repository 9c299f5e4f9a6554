"""立卷归档: the archive of a closed inspection, its index, borrowed materials and retention.

Who sees what (`_archive_q`): office admin/staff of the inspection's office, and for
reading only those of the office directly above it. Nobody else — not the team, not the
unit, not the leading group, not the system administrator (the archive holds every
confidential record of the inspection, like the people's submissions it is kept from
everyone who does not need it). Every read of the index is an audited confidential read.
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Role, Unit
from xuncha.plans.models import Inspection

User = settings.AUTH_USER_MODEL
OFFICE_WORK = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


def _archive_q(user, action="view", field="inspection__") -> Q:
    """Office admin/staff of the row's office; `view` also for those of the office above."""
    from xuncha.org import access

    office = f"{field}office"
    if action == "dispose":
        return access.office_q(user, {Role.OFFICE_ADMIN}, field=office)
    q = access.office_q(user, OFFICE_WORK, field=office)
    if action == "view":
        q |= access.office_q(user, OFFICE_WORK, field=f"{office}__parent")
    return q


class _ArchiveQuerySet(models.QuerySet):
    field = "inspection__"

    def for_user(self, user, action="view"):
        # No system-administrator bypass: archives are for the offices alone.
        return self.filter(_archive_q(user, action, self.field))


def _scoped(field: str):
    return type(f"ArchiveQuerySet_{field or 'self'}", (_ArchiveQuerySet,), {"field": field})


class Retention(models.TextChoices):
    """保管期限: the three classes of the archive rules."""

    PERMANENT = "permanent", _("永久")
    Y30 = "y30", _("30年")
    Y10 = "y10", _("10年")


RETENTION_YEARS = {Retention.Y30: 30, Retention.Y10: 10}
RETENTION_RANK = {Retention.Y10: 1, Retention.Y30: 2, Retention.PERMANENT: 3}


def expiry(retention: str, archived_on: date) -> date | None:
    """Retention counts from 1 January of the year after filing; permanent never expires."""
    years = RETENTION_YEARS.get(retention)
    if years is None:
        return None
    return date(archived_on.year + 1 + years, 1, 1)


class RecordKind(models.TextChoices):
    """Kinds of record in an archive, each with a default retention class (`DEFAULT_RETENTION`)."""

    ASSIGNMENT = "assignment", _("巡察任务与分工")
    STAGE = "stage", _("阶段变更记录")
    ANNOUNCEMENT = "announcement", _("巡察公告")
    LETTER = "letter", _("巡前函询")
    DOCUMENT_REQUEST = "document_request", _("调取资料清单")
    ACTIVITY = "activity", _("了解情况记录")
    SURVEY = "survey", _("问卷/民主测评结果")
    PROBLEM = "problem", _("问题")
    WORKING_PAPER = "working_paper", _("工作底稿")
    FIX_NOTICE = "fix_notice", _("立行立改通知")
    WORK_PLAN = "work_plan", _("巡察工作方案")
    PREPARATION = "preparation", _("进驻准备记录")
    STAY = "stay", _("驻点工作记录")
    REVIEW = "review", _("审议记录")
    REPORT = "report", _("巡察报告")
    FEEDBACK = "feedback", _("反馈意见及送达记录")
    TOPICAL = "topical", _("专题报告")
    RECOMMENDATION = "recommendation", _("巡察建议书")
    CLUE = "clue", _("问题线索")
    HANDOVER = "handover", _("移交函及办理结果")
    RECT_PLAN = "rect_plan", _("整改方案")
    MEASURE = "measure", _("整改措施及核验")
    RECT_REPORT = "rect_report", _("整改报告")
    SUPERVISION = "supervision", _("督办单")
    ASSESSMENT = "assessment", _("整改评估与作风评价")
    DISCLOSURE = "disclosure", _("整改公开")
    BORROWED = "borrowed", _("调阅材料清退登记")
    RESULTS = "results", _("成果运用记录")
    AUDIT = "audit", _("审计日志摘录")


# Defaults follow common practice: the report, feedback, recommendation letters and the
# leading group's decisions permanently; evidence and working records 30 years; registers
# and lists 10 years. Each office may change them (`RetentionRule`).
DEFAULT_RETENTION = {
    RecordKind.ASSIGNMENT: Retention.PERMANENT,
    RecordKind.STAGE: Retention.Y30,
    RecordKind.ANNOUNCEMENT: Retention.Y30,
    RecordKind.LETTER: Retention.Y30,
    RecordKind.DOCUMENT_REQUEST: Retention.Y10,
    RecordKind.ACTIVITY: Retention.Y30,
    RecordKind.SURVEY: Retention.Y10,
    RecordKind.PROBLEM: Retention.Y30,
    RecordKind.WORKING_PAPER: Retention.Y30,
    RecordKind.FIX_NOTICE: Retention.Y30,
    RecordKind.WORK_PLAN: Retention.PERMANENT,
    RecordKind.PREPARATION: Retention.Y30,
    RecordKind.STAY: Retention.Y30,
    RecordKind.REVIEW: Retention.PERMANENT,
    RecordKind.REPORT: Retention.PERMANENT,
    RecordKind.FEEDBACK: Retention.PERMANENT,
    RecordKind.TOPICAL: Retention.Y30,
    RecordKind.RECOMMENDATION: Retention.PERMANENT,
    RecordKind.CLUE: Retention.Y30,
    RecordKind.HANDOVER: Retention.Y30,
    RecordKind.RECT_PLAN: Retention.Y30,
    RecordKind.MEASURE: Retention.Y30,
    RecordKind.RECT_REPORT: Retention.Y30,
    RecordKind.SUPERVISION: Retention.Y10,
    RecordKind.ASSESSMENT: Retention.Y30,
    RecordKind.DISCLOSURE: Retention.Y10,
    RecordKind.BORROWED: Retention.Y10,
    RecordKind.RESULTS: Retention.Y30,
    RecordKind.AUDIT: Retention.Y30,
}


class RetentionRule(models.Model):
    """保管期限设置: an office's retention class for one kind of record (else the default)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="retention_rules")
    kind = models.CharField(_("档案类别"), max_length=20, choices=RecordKind.choices)
    retention = models.CharField(_("保管期限"), max_length=10, choices=Retention.choices)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = _scoped("").as_manager()

    class Meta:
        verbose_name = _("保管期限设置")
        verbose_name_plural = _("保管期限设置")
        constraints = [
            models.UniqueConstraint(fields=["office", "kind"], name="unique_retention_rule")
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.get_retention_display()}"


def retention_for(office_id) -> dict[str, str]:
    """The office's retention class per kind of record: its rules over the defaults."""
    table = {str(k): str(v) for k, v in DEFAULT_RETENTION.items()}
    table.update(RetentionRule.objects.filter(office_id=office_id).values_list("kind", "retention"))
    return table


SUBMISSION_YEARS_MIN, SUBMISSION_YEARS_MAX = 1, 50


class SubmissionRetention(models.Model):
    """来信来访保管期限: an office's years to keep closed submissions (else the default)."""

    office = models.OneToOneField(
        Office, on_delete=models.CASCADE, related_name="submission_retention"
    )
    years = models.PositiveSmallIntegerField(_("保管年限"))
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = _scoped("").as_manager()

    class Meta:
        verbose_name = _("来信来访保管期限")
        verbose_name_plural = _("来信来访保管期限")

    def __str__(self):
        return f"{self.office}：{self.years}年"


def submission_years(office_id) -> int:
    """The office's retention of closed submissions in years: its setting or the default."""
    row = SubmissionRetention.objects.filter(office_id=office_id).values_list("years", flat=True)
    return row.first() or settings.SUBMISSION_RETENTION_YEARS


def submission_expiry(closed_on: date, years: int) -> date:
    """Like the archive: counted from 1 January of the year after closing."""
    return date(closed_on.year + 1 + years, 1, 1)


def submission_due_before(years: int, today: date) -> date:
    """Closed before this day ⟺ past retention today (the SQL form of `submission_expiry`)."""
    return date(today.year - years, 1, 1)


class ArchiveInspection(Inspection):
    """An inspection as the archive sees it: the same row, under the archive's access rule."""

    objects = _scoped("").as_manager()

    class Meta:
        proxy = True
        verbose_name = _("归档巡察")
        verbose_name_plural = _("归档巡察")


class BorrowedMaterial(models.Model):
    """调阅材料: an original the team borrowed from the unit, until it is returned or destroyed."""

    class State(models.TextChoices):
        OUTSTANDING = "outstanding", _("未清退")
        RETURNED = "returned", _("已退还")
        DESTROYED = "destroyed", _("已销毁")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="borrowed_materials"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("提供单位"), on_delete=models.PROTECT, related_name="+"
    )
    material_title = models.CharField(_("材料名称"), max_length=200)
    copies = models.PositiveSmallIntegerField(_("份数"), default=1)
    borrowed_on = models.DateField(_("调阅日期"))
    handler = models.CharField(_("经手人"), max_length=50)
    material_note = models.CharField(_("备注"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.OUTSTANDING
    )
    cleared_on = models.DateField(_("清退日期"), null=True, blank=True)
    cleared_note = models.CharField(
        _("清退说明"), max_length=200, blank=True, help_text=_("接收人或监销人")
    )
    cleared_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    logged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    logged_at = models.DateTimeField(default=timezone.now)

    objects = _scoped("inspection__").as_manager()

    CONFIDENTIAL_FIELDS = ("material_title", "material_note")

    class Meta:
        verbose_name = _("调阅材料")
        verbose_name_plural = _("调阅材料")
        ordering = ["inspection", "borrowed_on", "pk"]
        indexes = [models.Index(fields=["inspection", "state"])]

    def __str__(self):
        return self.material_title


class Archive(models.Model):
    """案卷: the frozen index of one inspection's records, made when it is archived."""

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="archive")
    number = models.CharField(_("档号"), max_length=40, unique=True)
    archived_on = models.DateField(_("归档日期"))
    archived_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    archived_at = models.DateTimeField(default=timezone.now)
    item_count = models.PositiveIntegerField(_("件数"), default=0)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)
    total_bytes = models.PositiveBigIntegerField(_("总大小"), default=0)
    index_sha256 = models.CharField(_("目录校验值"), max_length=64)

    objects = _scoped("inspection__").as_manager()

    class Meta:
        verbose_name = _("案卷")
        verbose_name_plural = _("案卷")
        ordering = ["-archived_at", "pk"]

    def __str__(self):
        return self.number


class ArchiveItem(models.Model):
    """案卷目录条目: one record (its frozen JSON) or one stored file of an archive."""

    class State(models.TextChoices):
        KEPT = "kept", _("在库")
        DESTROYED = "destroyed", _("已销毁")

    archive = models.ForeignKey(Archive, on_delete=models.PROTECT, related_name="items")
    seq = models.PositiveIntegerField(_("件号"))
    kind = models.CharField(_("类别"), max_length=20, choices=RecordKind.choices)
    item_title = models.CharField(_("题名"), max_length=300)
    record_type = models.CharField(_("记录类型"), max_length=60)
    record_id = models.CharField(_("记录编号"), max_length=40)
    record_date = models.DateField(_("形成日期"), null=True, blank=True)
    is_file = models.BooleanField(_("附件"), default=False)
    parent_seq = models.PositiveIntegerField(_("所属件号"), null=True, blank=True)
    path = models.CharField(_("包内路径"), max_length=300)
    snapshot = models.TextField(_("内容"), blank=True)
    storage_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=120, blank=True)
    size = models.PositiveBigIntegerField(_("大小"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    retention = models.CharField(_("保管期限"), max_length=10, choices=Retention.choices)
    expires_on = models.DateField(_("到期日期"), null=True, blank=True, db_index=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.KEPT)

    objects = _scoped("archive__inspection__").as_manager()

    # The archive holds every confidential record: showing an item is an audited read.
    CONFIDENTIAL_FIELDS = ("item_title", "snapshot")

    class Meta:
        verbose_name = _("案卷目录条目")
        verbose_name_plural = _("案卷目录条目")
        ordering = ["archive", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["archive", "seq"], name="unique_archive_item_seq")
        ]
        indexes = [models.Index(fields=["state", "expires_on"])]

    def __str__(self):
        return f"{self.seq:04d} {self.item_title}"


class DisposalDecision(models.Model):
    """处置决定: what the office decided for archive items past their retention, and why."""

    class Decision(models.TextChoices):
        DESTROY = "destroy", _("销毁")
        EXTEND = "extend", _("延长保管")

    class Subject(models.TextChoices):
        ITEMS = "items", _("案卷条目")
        SUBMISSIONS = "submissions", _("来信来访")

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("处置决定"), max_length=10, choices=Decision.choices)
    subject = models.CharField(
        _("处置对象"), max_length=12, choices=Subject.choices, default=Subject.ITEMS
    )
    extend_years = models.PositiveSmallIntegerField(_("延长年限"), null=True, blank=True)
    reason = models.TextField(_("理由"))
    items = models.ManyToManyField(ArchiveItem, related_name="decisions")
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    objects = _scoped("").as_manager()

    class Meta:
        verbose_name = _("处置决定")
        verbose_name_plural = _("处置决定")
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.get_decision_display()}（{self.decided_at:%Y-%m-%d}）"
