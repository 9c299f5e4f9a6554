"""Clues (问题线索) and handovers (移交) to receiving bodies, tracked to a result."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Role, Unit

CLUE_OFFICE_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
CLUE_EDIT_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


class ClueQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        team = self.filter(inspection__team__members__inspector__user=user).values("pk")
        if action == "view":
            office = access.office_q(user, CLUE_OFFICE_ROLES)
        else:
            office = access.office_q(user, CLUE_EDIT_ROLES)
        # A recipient never reads clues directly, only the extracts in its handovers.
        return self.filter(office | models.Q(pk__in=team))


class Clue(models.Model):
    """问题线索: a lead on possible violations, with people concerned, facts and evidence."""

    class Source(models.TextChoices):
        PROBLEM = "problem", _("巡察发现问题")
        WORKING_PAPER = "working_paper", _("工作底稿")
        SUBMISSION = "submission", _("信访举报")
        OTHER = "other", _("其他")

    class Handling(models.TextChoices):
        DISCIPLINE = "discipline", _("移交纪委监委")
        ORGANISATION = "organisation", _("移交组织部")
        DEPARTMENT = "department", _("移交有关部门")
        PETITION = "petition", _("转信访部门")
        AUDIT = "audit", _("移交审计机关")
        UNIT = "unit", _("督促被巡察单位整改")

    class State(models.TextChoices):
        DRAFT = "draft", _("登记")
        HANDED_OVER = "handed_over", _("已移交")
        CONCLUDED = "concluded", _("已办结")

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="clues"
    )
    inspection = models.ForeignKey(
        "plans.Inspection", verbose_name=_("巡察"), on_delete=models.PROTECT, related_name="clues"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("涉及单位"), on_delete=models.PROTECT, related_name="clues"
    )
    number = models.CharField(_("线索编号"), max_length=40)
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices)
    problem = models.ForeignKey(
        "inspections.Problem",
        verbose_name=_("来源问题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clues",
    )
    working_paper = models.ForeignKey(
        "inspections.WorkingPaper",
        verbose_name=_("来源底稿"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clues",
    )
    # The submission is referenced by id only: the clue never copies reporter identity.
    submission_id = models.PositiveBigIntegerField(_("来源信访件编号"), null=True, blank=True)
    people_concerned = models.TextField(_("反映对象"), help_text=_("姓名、单位、职务，每行一人"))
    facts = models.TextField(_("主要问题线索"))
    proposed_handling = models.CharField(_("拟处理意见"), max_length=16, choices=Handling.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = ClueQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("people_concerned", "facts")

    class Meta:
        verbose_name = _("问题线索")
        verbose_name_plural = _("问题线索")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.number} {self.unit}"


class ClueEvidence(models.Model):
    """An evidence item of a clue: a file and/or a text extract that may be handed over."""

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="evidence")
    title = models.CharField(_("证据名称"), max_length=120)
    extract = models.TextField(_("证据摘录"), blank=True)
    file = models.CharField(_("文件"), max_length=255, blank=True)
    file_name = models.CharField(_("文件名"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("extract",)

    class Meta:
        verbose_name = _("线索证据")
        verbose_name_plural = _("线索证据")
        ordering = ["pk"]

    def __str__(self):
        return self.title


class HandoverQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(
                access.office_q(user, CLUE_OFFICE_ROLES)
                | access.unit_q(user, {Role.HANDOVER_RECIPIENT}, field="recipient")
            )
        if action == "receive":
            return self.filter(access.unit_q(user, {Role.HANDOVER_RECIPIENT}, field="recipient"))
        return self.filter(access.office_q(user, CLUE_EDIT_ROLES))


class Handover(models.Model):
    """移交: clues and problems sent to a receiving body, tracked to a result."""

    class Kind(models.TextChoices):
        DISCIPLINE = "discipline", _("纪委监委")
        ORGANISATION = "organisation", _("组织部")
        DEPARTMENT = "department", _("有关部门")
        PETITION = "petition", _("信访部门")
        AUDIT = "audit", _("审计机关")

    class State(models.TextChoices):
        DRAFT = "draft", _("拟移交")
        SENT = "sent", _("已移交")
        ACKNOWLEDGED = "acknowledged", _("已签收")
        CONCLUDED = "concluded", _("已反馈结果")

    class Outcome(models.TextChoices):
        TALK = "talk", _("谈话函询")
        PRELIMINARY = "preliminary", _("初步核实")
        SHELVED = "shelved", _("暂存待查")
        CLOSED = "closed", _("予以了结")
        CASE = "case", _("立案审查调查")

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="handovers"
    )
    inspection = models.ForeignKey(
        "plans.Inspection",
        verbose_name=_("巡察"),
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    recipient = models.ForeignKey(
        Unit,
        verbose_name=_("接收单位"),
        on_delete=models.PROTECT,
        related_name="handovers_received",
    )
    kind = models.CharField(_("移交类型"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("移交函文号"), max_length=60)
    subject = models.CharField(_("事由"), max_length=200)
    letter_body = models.TextField(_("移交函正文"), blank=True)
    clues = models.ManyToManyField(
        Clue, verbose_name=_("问题线索"), blank=True, related_name="handovers"
    )
    problems = models.ManyToManyField(
        "inspections.Problem", verbose_name=_("问题"), blank=True, related_name="handovers"
    )
    evidence = models.ManyToManyField(
        ClueEvidence, verbose_name=_("随附证据摘录"), blank=True, related_name="handovers"
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFT, db_index=True
    )
    sent_at = models.DateTimeField(_("移交时间"), null=True, blank=True)
    due_date = models.DateField(_("结果反馈期限"), null=True, blank=True, db_index=True)
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("处置方式"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("办理结果"), blank=True)
    people_disciplined = models.PositiveIntegerField(_("处理人数"), default=0)
    money_recovered = models.DecimalField(
        _("挽回(追缴)经济损失(万元)"), max_digits=14, decimal_places=2, default=0
    )
    concluded_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    escalated_on = models.DateField(_("逾期督办日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = HandoverQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("letter_body", "outcome_note")

    class Meta:
        verbose_name = _("移交")
        verbose_name_plural = _("移交")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.number} → {self.recipient}"

    @property
    def overdue(self) -> bool:
        return (
            self.state in {self.State.SENT, self.State.ACKNOWLEDGED}
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )


class HandoverHistory(models.Model):
    """One transition of a handover: who, when, from which state to which, with a note."""

    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="history")
    from_state = models.CharField(max_length=16)
    to_state = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("移交流转记录")
        verbose_name_plural = _("移交流转记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state}→{self.to_state}"


class AuditFindingQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        recipient = access.unit_q(user, {Role.HANDOVER_RECIPIENT}, field="handover__recipient")
        if action == "view":
            return self.filter(
                access.office_q(user, CLUE_OFFICE_ROLES, field="handover__office") | recipient
            )
        # Only the audit body that wrote a finding changes it; the office reads it.
        return self.filter(recipient)


class AuditFinding(models.Model):
    """审计发现 (巡审联动): what the audit body found on a handover, linked to the problems."""

    handover = models.ForeignKey(
        Handover, verbose_name=_("移交"), on_delete=models.PROTECT, related_name="audit_findings"
    )
    title = models.CharField(_("审计发现"), max_length=200)
    facts = models.TextField(_("具体情况"), blank=True)
    report_number = models.CharField(_("审计报告(意见)文号"), max_length=60, blank=True)
    amount = models.DecimalField(_("涉及金额(万元)"), max_digits=14, decimal_places=2, default=0)
    problems = models.ManyToManyField(
        "inspections.Problem",
        verbose_name=_("关联问题"),
        blank=True,
        related_name="audit_findings",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    objects = AuditFindingQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("facts",)

    class Meta:
        verbose_name = _("审计发现")
        verbose_name_plural = _("审计发现")
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return self.title
