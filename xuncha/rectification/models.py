"""Rectification: plans, measures, progress and evidence, verification, escalation,
supervision letters, reports, assessment and public disclosure."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Role, Unit

OFFICE_READ = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
OFFICE_REVIEW = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


class RectificationConfig(models.Model):
    """整改工作设置: an office's deadlines, traffic-light thresholds and co-reviewers.

    The plan and report deadlines are counted in working days on the office's calendar
    (`plans.calendar` over `core.workdays`) from the day the feedback was delivered; the
    same rule prints the dates in the feedback letter, sets the plan's due dates, drives
    the traffic lights and reminders and is returned by the API. Defaults: 20 working days
    for the plan (about one calendar month) and 40 for the concentrated-rectification
    report (about two months), the usual "一个月内报送方案、两个月内报送报告" expressed
    so that a deadline never falls on a weekend or holiday.
    """

    office = models.OneToOneField(
        Office,
        verbose_name=_("巡察机构"),
        on_delete=models.CASCADE,
        related_name="rectification_config",
    )
    plan_due_working_days = models.PositiveSmallIntegerField(
        _("整改方案报送期限(工作日)"), default=20
    )
    report_due_working_days = models.PositiveSmallIntegerField(
        _("整改报告报送期限(工作日)"), default=40
    )
    handover_due_months = models.PositiveSmallIntegerField(_("移交结果反馈期限(月)"), default=3)
    yellow_days = models.PositiveSmallIntegerField(_("临期提醒(工作日)"), default=5)
    red_days = models.PositiveSmallIntegerField(_("严重逾期(工作日)"), default=10)
    report_reminder_days = models.PositiveSmallIntegerField(_("报告提前提醒(工作日)"), default=5)
    disclosure_due_working_days = models.PositiveSmallIntegerField(
        _("整改公开期限(工作日)"),
        default=10,
        help_text=_("被巡察单位报送集中整改情况报告后若干个工作日内完成党内通报和社会公开"),
    )
    internal_approver = models.CharField(
        _("党内通报审批"),
        max_length=16,
        choices=[("office", _("巡察机构")), ("leading_group", _("巡察工作领导小组"))],
        default="office",
    )
    public_approver = models.CharField(
        _("社会公开审批"),
        max_length=16,
        choices=[("office", _("巡察机构")), ("leading_group", _("巡察工作领导小组"))],
        default="office",
    )
    co_reviewers = models.ManyToManyField(
        Unit,
        verbose_name=_("共同审核单位"),
        blank=True,
        related_name="+",
        help_text=_(
            "如纪委监委、组织部、审计机关（巡审联动）：其移交接收联络员须共同审核方案并会签销号"
        ),
    )

    class Meta:
        verbose_name = _("整改工作设置")
        verbose_name_plural = _("整改工作设置")

    def __str__(self):
        return f"{self.office}整改设置"


def _co_reviewer_q(user, prefix=""):
    """Plans of offices that named one of the user's units (纪委监委/组织部) as co-reviewer."""
    from xuncha.org import access

    units = [u.pk for u in access.user_units(user, {Role.HANDOVER_RECIPIENT})]
    if not units:
        return models.Q(pk__in=[])
    return models.Q(**{f"{prefix}office__rectification_config__co_reviewers__in": units})


def _plan_q(user, prefix=""):
    """Rows (plans, or rows reached through `prefix`) the user may read."""
    from xuncha.org import access

    p = prefix
    return (
        access.office_q(user, OFFICE_READ, field=f"{p}office")
        | access.unit_q(user, {Role.UNIT_LIAISON}, field=f"{p}unit")
        | _co_reviewer_q(user, prefix)
        | models.Q(**{f"{p}inspection__team__members__inspector__user": user})
    )


class PlanQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(pk__in=self.model.objects.filter(_plan_q(user)).values("pk"))
        if action == "edit":  # the unit writes its own plan, progress, disclosure draft
            return self.filter(access.unit_q(user, {Role.UNIT_LIAISON}))
        if action == "co_review":
            return self.filter(pk__in=self.model.objects.filter(_co_reviewer_q(user)).values("pk"))
        return self.filter(access.office_q(user, OFFICE_REVIEW))  # "review"


class RectificationPlan(models.Model):
    """整改方案: one unit's plan to correct every problem of one inspection's feedback."""

    class State(models.TextChoices):
        DRAFT = "draft", _("待制定")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        ADOPTED = "adopted", _("已通过")
        COMPLETED = "completed", _("整改完成")

    office = models.ForeignKey(
        Office,
        verbose_name=_("巡察机构"),
        on_delete=models.PROTECT,
        related_name="rectification_plans",
    )
    inspection = models.ForeignKey(
        "plans.Inspection",
        verbose_name=_("巡察"),
        on_delete=models.PROTECT,
        related_name="rectification_plans",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("被巡察单位"),
        on_delete=models.PROTECT,
        related_name="rectification_plans",
    )
    feedback = models.ForeignKey(
        "reports.ReportDraft",
        verbose_name=_("反馈意见"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_plans",
        help_text=_("已送达本单位的反馈意见：整改问题清单即其所列问题"),
    )
    feedback_date = models.DateField(_("反馈日期"))
    due_date = models.DateField(_("方案报送期限"))
    report_due_date = models.DateField(_("整改报告报送期限"))
    main_leader = models.CharField(_("主要负责人"), max_length=50, blank=True)
    main_leader_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主要负责人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.TextField(_("整改工作总体安排"), blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    submission_no = models.PositiveSmallIntegerField(_("报审次数"), default=0)
    submitted_at = models.DateTimeField(_("报审时间"), null=True, blank=True)
    adopted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    report_alert_level = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改方案")
        verbose_name_plural = _("整改方案")
        ordering = ["-feedback_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "unit"], name="one_plan_per_unit_inspection"
            )
        ]

    def __str__(self):
        return f"{self.unit}整改方案"


class PlanHistory(models.Model):
    """One transition of a plan, with the actor's comment (a returned plan shows these)."""

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("方案流转记录")
        verbose_name_plural = _("方案流转记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state}→{self.to_state}"


class PlanOpinion(models.Model):
    """A co-reviewer's (纪委监委/组织部) opinion on one submission of a plan."""

    class Decision(models.TextChoices):
        AGREE = "agree", _("同意")
        RETURN = "return", _("退回修改")

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="opinions")
    submission_no = models.PositiveSmallIntegerField()
    reviewer_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("意见"), max_length=8, choices=Decision.choices)
    comment = models.TextField(_("审核意见"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("方案会审意见")
        verbose_name_plural = _("方案会审意见")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "submission_no", "reviewer_unit"], name="one_opinion_per_unit"
            )
        ]

    def __str__(self):
        return f"{self.reviewer_unit}:{self.decision}"


class MeasureQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        plans = RectificationPlan.objects.for_user(user, action)
        return self.filter(plan__in=plans.values("pk"))


class Measure(models.Model):
    """整改措施: one measure against one feedback problem, with owner, deadline and state."""

    class State(models.TextChoices):
        OPEN = "open", _("整改中")
        PENDING = "pending", _("待核验")
        RETURNED = "returned", _("核验退回")
        CLOSED = "closed", _("已销号")

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="measures")
    problem = models.ForeignKey(
        "inspections.Problem",
        verbose_name=_("问题"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    content = models.TextField(_("整改措施"))
    responsible_leader = models.CharField(_("责任领导"), max_length=50)
    lead_department = models.CharField(_("牵头部门"), max_length=80)
    responsible_person = models.CharField(_("责任人"), max_length=50)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deadline = models.DateField(_("完成时限"), db_index=True)
    expected_outcome = models.TextField(_("预期成效"), blank=True)
    long_term = models.BooleanField(_("长期坚持"), default=False)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.OPEN, db_index=True
    )
    attempt = models.PositiveSmallIntegerField(_("核验轮次"), default=1)
    return_reason = models.TextField(_("退回理由"), blank=True)
    evidence_count = models.PositiveIntegerField(_("佐证材料数"), default=0)
    alert_level = models.PositiveSmallIntegerField(default=0)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    last_progress_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改措施")
        verbose_name_plural = _("整改措施")
        ordering = ["plan", "problem", "pk"]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["plan", "state", "deadline"]),
        ]

    def __str__(self):
        return self.content[:40]


class Progress(models.Model):
    """A progress entry on a measure, with its evidence files (佐证材料)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="progress")
    text = models.TextField(_("进展情况"))
    request_verification = models.BooleanField(_("申请核验销号"), default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.text[:40]


class Evidence(models.Model):
    """佐证材料: a file stored under MEDIA_ROOT by its SHA-256."""

    progress = models.ForeignKey(Progress, on_delete=models.CASCADE, related_name="evidence")
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="evidence")
    name = models.CharField(_("文件名"), max_length=200)
    path = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class ImmutableError(Exception):
    pass


class Verification(models.Model):
    """核验意见: one reviewer's signed decision on one attempt; never changed or deleted."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意销号")
        REJECT = "reject", _("退回补充")

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="verifications")
    attempt = models.PositiveSmallIntegerField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reviewer_unit = models.ForeignKey(
        Unit,
        verbose_name=_("会签单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("为空表示巡察办核验"),
    )
    decision = models.CharField(_("结论"), max_length=8, choices=Decision.choices)
    reason = models.TextField(_("理由"))
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("核验销号记录")
        verbose_name_plural = _("核验销号记录")
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "attempt", "reviewer_unit"],
                condition=models.Q(reviewer_unit__isnull=False),
                name="one_co_signature_per_attempt",
            ),
            models.UniqueConstraint(
                fields=["measure", "attempt"],
                condition=models.Q(reviewer_unit__isnull=True),
                name="one_office_verification_per_attempt",
            ),
        ]

    def __str__(self):
        return f"{self.measure_id}#{self.attempt} {self.decision}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("update_fields"):
            raise ImmutableError("核验记录一经作出不得修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError("核验记录不得删除")


class SupervisionLetter(models.Model):
    """督办单 / 巡察建议书 / 抄告单: a letter from the office to a unit, with its reply.

    A 督办单 presses a unit on lagging measures of its plan and is sent when issued; a
    巡察建议书 or 抄告单 comes from a use-of-results decision (`ResultItem`), is sent when
    the ledger item is handed over, and its reply is recorded against the letter."""

    class Kind(models.TextChoices):
        SUPERVISION = "supervision", _("督办单")
        SUGGESTION = "suggestion", _("巡察建议书")
        COPY_NOTICE = "copy_notice", _("抄告单")

    kind = models.CharField(
        _("文书类型"), max_length=16, choices=Kind.choices, default=Kind.SUPERVISION
    )
    plan = models.ForeignKey(
        RectificationPlan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="letters",
    )
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        Unit,
        verbose_name=_("收文单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(_("督办单编号"), max_length=60)
    measures = models.ManyToManyField(
        Measure, verbose_name=_("督办事项"), related_name="letters", blank=True
    )
    requirement = models.TextField(_("督办要求"))
    reply_by = models.DateField(_("回复期限"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(_("发出时间"), null=True, blank=True)
    reply_text = models.TextField(_("回复内容"), blank=True)
    replied_on = models.DateField(_("回复日期"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("督办单")
        verbose_name_plural = _("督办单")
        ordering = ["-issued_at", "-pk"]

    def __str__(self):
        return self.number


class Report(models.Model):
    """整改报告: the concentrated-rectification report or the main leader's report."""

    class Kind(models.TextChoices):
        CONCENTRATED = "concentrated", _("集中整改情况报告")
        MAIN_LEADER = "main_leader", _("主要负责人组织落实整改情况报告")

    plan = models.ForeignKey(RectificationPlan, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("报告类型"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("报告内容"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")
        constraints = [models.UniqueConstraint(fields=["plan", "kind"], name="one_report_per_kind")]

    def __str__(self):
        return self.get_kind_display()


class Reminder(models.Model):
    """A reminder or escalation notice shown on the recipient's home page."""

    class Kind(models.TextChoices):
        REMIND = "remind", _("临期提醒")
        ESCALATE = "escalate", _("逾期督办")
        ESCALATE_SERIOUS = "escalate_serious", _("严重逾期督办")
        REPORT = "report", _("报告提醒")
        HANDOVER = "handover", _("移交逾期")
        RESULT = "result", _("成果运用督办")
        DISCLOSURE = "disclosure", _("整改公开督办")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    office = models.ForeignKey(
        Office, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    key = models.CharField(
        max_length=80, unique=True, help_text="去重键：同一事项同一级别只提醒一次"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return self.text


class AssessmentIndicator(models.Model):
    """评估指标: one configurable indicator of an office's rectification assessment."""

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, related_name="assessment_indicators"
    )
    dimension = models.CharField(_("维度"), max_length=30)
    name = models.CharField(_("指标"), max_length=120)
    max_score = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("评估指标")
        verbose_name_plural = _("评估指标")
        ordering = ["office", "order", "pk"]

    def __str__(self):
        return f"{self.dimension}·{self.name}"


class Assessment(models.Model):
    """整改评估: the office's scored assessment of one plan's rectification."""

    plan = models.OneToOneField(
        RectificationPlan, on_delete=models.CASCADE, related_name="assessment"
    )
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1)
    percent = models.DecimalField(_("百分制得分"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=8)
    comment = models.TextField(_("评估意见"), blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("整改评估")
        verbose_name_plural = _("整改评估")

    def __str__(self):
        return f"{self.plan} {self.grade}"


class AssessmentScore(models.Model):
    """The score of one indicator in one assessment."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey(AssessmentIndicator, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("评估得分")
        verbose_name_plural = _("评估得分")

    def __str__(self):
        return f"{self.indicator}: {self.score}"


class TeamRating(models.Model):
    """The inspected unit's rating of the team's conduct (作风评价)."""

    class Level(models.TextChoices):
        GOOD = "good", _("好")
        FAIR = "fair", _("较好")
        AVERAGE = "average", _("一般")
        POOR = "poor", _("差")

    plan = models.OneToOneField(
        RectificationPlan, on_delete=models.CASCADE, related_name="team_rating"
    )
    discipline = models.CharField(_("遵守纪律"), max_length=8, choices=Level.choices)
    professionalism = models.CharField(_("工作作风"), max_length=8, choices=Level.choices)
    integrity = models.CharField(_("廉洁自律"), max_length=8, choices=Level.choices)
    comment = models.TextField(_("意见建议"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    rated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("巡察组作风评价")
        verbose_name_plural = _("巡察组作风评价")

    def __str__(self):
        return f"{self.plan}作风评价"


class Disclosure(models.Model):
    """整改公开: the public version of a plan's progress, drafted by the unit, approved by the office."""

    class State(models.TextChoices):
        DRAFT = "draft", _("起草")
        SUBMITTED = "submitted", _("待审批")
        RETURNED = "returned", _("已退回")
        PUBLISHED = "published", _("已公开")

    plan = models.OneToOneField(
        RectificationPlan, on_delete=models.CASCADE, related_name="disclosure"
    )
    intro = models.TextField(_("公开说明"), blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    review_comment = models.TextField(_("审批意见"), blank=True)
    published_at = models.DateTimeField(_("公开时间"), null=True, blank=True)
    # The deadline that applied when it was published (working days after the concentrated
    # report, office calendar): the statistics' 按期公开 compares published_at with it.
    due_date = models.DateField(_("公开期限"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("整改公开")
        verbose_name_plural = _("整改公开")

    def __str__(self):
        return f"{self.plan}公开"


class DisclosureItem(models.Model):
    """One problem in a disclosure: its public wording, or its exemption."""

    class Exemption(models.TextChoices):
        NONE = "", _("公开")
        SECRET = "secret", _("涉密")
        OPEN_CASE = "open_case", _("正在查办案件")
        SENSITIVE = "sensitive", _("敏感事项")

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="items")
    problem = models.ForeignKey("inspections.Problem", on_delete=models.PROTECT, related_name="+")
    public_text = models.TextField(_("公开表述"), blank=True)
    exemption = models.CharField(
        _("不予公开"), max_length=16, choices=Exemption.choices, blank=True
    )
    exemption_reason = models.TextField(_("不予公开说明"), blank=True)
    exemption_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    exemption_approved_at = models.DateTimeField(_("豁免批准时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公开事项")
        verbose_name_plural = _("公开事项")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "problem"], name="one_item_per_problem")
        ]

    def __str__(self):
        return self.public_text[:40]


class DisclosureVersion(models.Model):
    """One of the two versions of a disclosure, each approved on its own: the internal notice
    (党内通报) and the public disclosure (社会公开)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("党内通报")
        PUBLIC = "public", _("社会公开")

    disclosure = models.ForeignKey(Disclosure, on_delete=models.CASCADE, related_name="versions")
    kind = models.CharField(_("版本"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("正文"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公开版本")
        verbose_name_plural = _("公开版本")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["disclosure", "kind"], name="one_version_per_kind")
        ]

    def __str__(self):
        return self.get_kind_display()


# --------------------------------------------------------------------------- use of results


class ResultItemQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """view: the office (+ LG); the recipient body once handed over; the unit that was
        talked to (约谈) for its own talks. change: office roles. reply: office roles or
        the recipient body's liaison."""
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        recipient = access.unit_q(
            user, {Role.HANDOVER_RECIPIENT, Role.UNIT_LIAISON}, field="recipient"
        )
        if action == "view":
            return self.filter(
                access.office_q(user, OFFICE_READ)
                | (recipient & ~models.Q(state=ResultItem.State.DECIDED))
                | (
                    access.unit_q(user, {Role.UNIT_LIAISON}, field="unit")
                    & models.Q(kind=ResultItem.Kind.TALK)
                    & ~models.Q(state=ResultItem.State.DECIDED)
                )
            )
        if action == "reply":
            return self.filter(access.office_q(user, OFFICE_REVIEW) | recipient)
        return self.filter(access.office_q(user, OFFICE_REVIEW))  # "change"


class ResultItem(models.Model):
    """成果运用事项: one decision on the use of an inspection's results, tracked to its outcome."""

    class Kind(models.TextChoices):
        HANDOVER = "handover", _("移交")
        SUGGESTION_LETTER = "suggestion_letter", _("巡察建议书")
        COPY_NOTICE = "copy_notice", _("抄告")
        TALK = "talk", _("约谈")
        ORG_REFERRAL = "org_referral", _("移送组织部（干部考核、选拔任用参考）")
        ACCOUNTABILITY = "accountability", _("移送纪委监委（问责）")

    class State(models.TextChoices):
        DECIDED = "decided", _("待交办")
        SENT = "sent", _("已交办")
        REPLIED = "replied", _("已回复")
        CONCLUDED = "concluded", _("已办结")
        WITHDRAWN = "withdrawn", _("已撤销")

    class Source(models.TextChoices):
        REVIEW = "review", _("审议决定")
        MANUAL = "manual", _("直接登记")

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        "plans.Inspection",
        verbose_name=_("巡察"),
        on_delete=models.PROTECT,
        related_name="result_items",
    )
    problem = models.ForeignKey(
        "inspections.Problem",
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="result_items",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("涉及单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("运用方式"), max_length=20, choices=Kind.choices, db_index=True)
    source = models.CharField(
        _("来源"), max_length=8, choices=Source.choices, default=Source.MANUAL
    )
    subject = models.CharField(_("事项"), max_length=200)
    recipient = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipient_name = models.CharField(_("承办单位名称"), max_length=120)
    decided_on = models.DateField(_("决定日期"))
    due_date = models.DateField(_("办理期限"), db_index=True)
    letter = models.OneToOneField(
        SupervisionLetter,
        verbose_name=_("建议书/抄告单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="result_item",
    )
    escalated_from = models.ForeignKey(
        "self",
        verbose_name=_("由此升级"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalations",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.DECIDED, db_index=True
    )
    sent_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    reply = models.TextField(_("回复情况"), blank=True)
    replied_on = models.DateField(_("回复日期"), null=True, blank=True)
    outcome = models.TextField(_("办理结果"), blank=True)
    concluded_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    alert_level = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ResultItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("成果运用事项")
        verbose_name_plural = _("成果运用事项")
        ordering = ["due_date", "pk"]
        indexes = [
            models.Index(fields=["office", "state", "due_date"]),
            models.Index(fields=["office", "due_date", "id"]),  # the ledger's order
            models.Index(fields=["inspection", "kind"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "problem", "kind"],
                condition=models.Q(source="review", problem__isnull=False),
                name="one_review_result_per_problem_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.subject[:40]}"


class ResultHistory(models.Model):
    """One transition of a use-of-results item: who, when, from which state to which."""

    item = models.ForeignKey(ResultItem, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True)

    class Meta:
        verbose_name = _("成果运用流转记录")
        verbose_name_plural = _("成果运用流转记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state}→{self.to_state}"


class TalkQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Follows its ledger item (talks are visible to the unit that was talked to)."""
        items = ResultItem.objects.for_user(user, action)
        return self.filter(item__in=items.values("pk"))


class Talk(models.Model):
    """约谈记录: a talk with the leaders of a unit whose rectification lags."""

    item = models.OneToOneField(ResultItem, on_delete=models.CASCADE, related_name="talk")
    plan = models.ForeignKey(
        RectificationPlan,
        verbose_name=_("整改方案"),
        on_delete=models.PROTECT,
        related_name="talks",
    )
    held_on = models.DateField(_("约谈日期"))
    talker = models.CharField(_("约谈人"), max_length=100)
    talked_to = models.CharField(_("被约谈人"), max_length=100)
    reason = models.TextField(_("约谈事由"))
    promises = models.TextField(_("表态承诺"))
    lagging_measures = models.PositiveIntegerField(_("约谈时逾期措施数"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = TalkQuerySet.as_manager()

    class Meta:
        verbose_name = _("约谈记录")
        verbose_name_plural = _("约谈记录")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"约谈{self.talked_to}（{self.held_on:%Y-%m-%d}）"


class LifeMeetingQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Follows its rectification plan."""
        plans = RectificationPlan.objects.for_user(user, action)
        return self.filter(plan__in=plans.values("pk"))


class LifeMeeting(models.Model):
    """整改专题民主生活会: the unit leadership's meeting on rectification, with observers."""

    plan = models.ForeignKey(
        RectificationPlan,
        verbose_name=_("整改方案"),
        on_delete=models.PROTECT,
        related_name="life_meetings",
    )
    held_on = models.DateField(_("召开日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    host = models.CharField(_("主持人"), max_length=50)
    attendees = models.TextField(_("参会班子成员"))
    discipline_observer = models.CharField(_("纪委监委列席人员"), max_length=100)
    organisation_observer = models.CharField(_("组织部列席人员"), max_length=100)
    self_criticism = models.TextField(_("对照检查和批评与自我批评情况"))
    followup = models.TextField(_("会后整改措施"), blank=True)
    measures = models.ManyToManyField(
        Measure, verbose_name=_("关联整改措施"), related_name="life_meetings", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = LifeMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改专题民主生活会")
        verbose_name_plural = _("整改专题民主生活会")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"整改专题民主生活会（{self.held_on:%Y-%m-%d}）"


# 巡察“回头看” lives in its own module (imported here so Django finds it).
from xuncha.rectification.revisit_models import (  # noqa: E402, F401
    MeasureReopen,
    Revisit,
    RevisitItem,
)
