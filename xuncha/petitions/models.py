"""Announcements, the people's submissions (online and staff-entered), replies and protections.

Submission content, reporter identity, messages and attachments are sealed with envelope
encryption (see `crypto.py`): the database holds only ciphertext and wrapped data keys.
A public submission stores the date it arrived, never an IP address, user agent or time.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from xuncha.plans.models import Inspection, team_inspections


def _team_q(user, field="inspection"):
    # A subquery rather than a join: no duplicate rows, so no DISTINCT over the register.
    return models.Q(**{f"{field}__in": team_inspections(user)})


class AnnouncementQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import OFFICE_ROLES, UNIT_ROLES, Role

        if access.is_sysadmin(user):
            return self
        office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}, "inspection__office")
        if action == "view":
            # Announcements are public once published; inside the system the office, every
            # team, the leading group and (published ones) the inspected unit read them.
            readers = access.office_q(user, OFFICE_ROLES, "inspection__office")
            team_office = models.Q(
                inspection__office__inspectors__user=user,
            )
            unit = models.Q(
                inspection__units__in=[u.pk for u in access.user_units(user, UNIT_ROLES)],
                state=Announcement.State.PUBLISHED,
            )
            return self.filter(readers | team_office | _team_q(user) | unit).distinct()
        if action == "approve":
            return self.filter(office)
        # change (draft / edit): the own team or the office
        return self.filter(office | _team_q(user))

    def public(self):
        return self.filter(state=Announcement.State.PUBLISHED)


class Announcement(models.Model):
    """巡察公告: drafted by the team, approved by the office, then published to the public."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审批")
        APPROVED = "approved", _("已审批")
        PUBLISHED = "published", _("已发布")
        WITHDRAWN = "withdrawn", _("已撤回")

    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("巡察"),
        on_delete=models.PROTECT,
        related_name="announcements",
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    title = models.CharField(_("标题"), max_length=200)
    team_name = models.CharField(_("巡察组"), max_length=60, blank=True)
    units_text = models.CharField(_("被巡察单位"), max_length=300, blank=True)
    period_start = models.DateField(_("巡察开始"))
    period_end = models.DateField(_("巡察结束"))
    scope = models.TextField(
        _("受理范围"),
        help_text=_(
            "主要受理反映被巡察党组织领导班子及其成员、下一级党组织主要负责人和重要岗位领导干部问题的来信来电来访"
        ),
    )
    not_accepted = models.TextField(
        _("不予受理事项"),
        blank=True,
        help_text=_("如：个人诉求、涉法涉诉问题，请按规定向有关部门反映"),
    )
    phone = models.CharField(_("举报电话"), max_length=60, blank=True)
    hours = models.CharField(_("受理时间"), max_length=100, blank=True)
    postal_box = models.CharField(_("邮政信箱"), max_length=200, blank=True)
    email = models.CharField(_("电子邮箱"), max_length=100, blank=True)
    online = models.BooleanField(_("开通网上举报"), default=True)
    cutoff = models.DateField(_("受理截止日期"))
    elsewhere = models.CharField(
        _("截止后反映渠道"),
        max_length=300,
        blank=True,
        help_text=_("截止后群众可向何处反映，如：市纪委监委信访室（12388）"),
    )
    body = models.TextField(_("正文补充"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察公告")
        verbose_name_plural = _("巡察公告")
        ordering = ["-period_start", "-pk"]
        indexes = [models.Index(fields=["state", "cutoff"])]

    def __str__(self):
        return self.title

    def is_open(self, today=None) -> bool:
        from django.utils import timezone

        today = today or timezone.localdate()
        return self.state == self.State.PUBLISHED and self.online and today <= self.cutoff


class AnnouncementEvent(models.Model):
    """One step of an announcement's workflow (draft → submitted → approved → published)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("意见"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_state}→{self.to_state}"


class SubmissionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """The registrar office and the own team; never unit roles, never other teams."""
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            # A system administrator runs the machine, not the cases.
            return self.none()
        office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
        live = models.Q(shredded_on__isnull=True)
        if action in ("view", "change"):
            # A shredded submission is a tombstone: gone from the register, kept in the stats.
            return self.filter(office | _team_q(user)).filter(live)
        if action == "retention":  # 保管期限: the office's own staff, as the archive
            return self.filter(office, live)
        if action == "dispose":
            return self.filter(access.office_q(user, {Role.OFFICE_ADMIN}), live)
        if action == "stats":
            return self.filter(
                access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP})
            )
        return self.none()


class Submission(models.Model):
    """来信来访: one report, opinion or request, online or entered by staff, in the register."""

    class Kind(models.TextChoices):
        REPORT = "report", _("举报")
        OPINION = "opinion", _("意见建议")
        HELP = "help", _("求助")

    class Channel(models.TextChoices):
        ONLINE = "online", _("网络")
        LETTER = "letter", _("来信")
        CALL = "call", _("来电")
        VISIT = "visit", _("来访")
        EMAIL = "email", _("电子邮件")
        MAILBOX = "mailbox", _("意见箱")

    class Category(models.TextChoices):
        POLITICAL = "political", _("政治纪律和政治规矩")
        INTEGRITY = "integrity", _("廉洁纪律（违规收受礼金、以权谋私等）")
        EIGHT_RULES = "eight_rules", _("中央八项规定精神（违规吃喝、公车私用等）")
        FORMALISM = "formalism", _("形式主义、官僚主义")
        PERSONNEL = "personnel", _("选人用人")
        MASSES = "masses", _("群众纪律（侵害群众利益）")
        FINANCE = "finance", _("财务、资金、工程项目")
        WORK = "work", _("工作纪律、作风")
        LIFE = "life", _("生活纪律")
        PARTY = "party", _("基层党组织建设")
        PERSONAL = "personal", _("个人诉求")
        OTHER = "other", _("其他")

    class State(models.TextChoices):
        RECEIVED = "received", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        REJECTED = "rejected", _("不予受理")
        TRANSFERRED = "transferred", _("已转办")
        MERGED = "merged", _("已合并")
        CLOSED = "closed", _("已办结")

    office = models.ForeignKey(
        "org.Office", verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="+"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name=_("巡察"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    announcement = models.ForeignKey(
        Announcement,
        verbose_name=_("公告"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices, default=Kind.REPORT)
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices, db_index=True)
    category = models.CharField(_("反映问题类型"), max_length=16, choices=Category.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.RECEIVED, db_index=True
    )
    # Only the keyed hash of the receipt code (staff-entered items may have none).
    receipt_digest = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Envelope encryption: per-record data key wrapped with the master key.
    key_id = models.CharField(max_length=16)
    wrapped_key = models.BinaryField()
    content_sealed = models.BinaryField()
    identity_sealed = models.BinaryField(null=True, blank=True)
    real_name = models.BooleanField(_("实名"), default=False)
    received_on = models.DateField(_("收到日期"), db_index=True)
    accept_due = models.DateField(_("受理告知期限"), null=True, blank=True)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    result_due = models.DateField(_("结果告知期限"), null=True, blank=True)
    result_notified_on = models.DateField(_("结果告知日期"), null=True, blank=True)
    reason = models.CharField(_("理由/去向"), max_length=300, blank=True)
    competent_body = models.CharField(_("有权处理机关"), max_length=120, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    spam = models.BooleanField(_("疑似垃圾信息"), default=False)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unread = models.BooleanField(_("有新补充"), default=False)
    # 保管期满销毁 (crypto-shredding, archive.submission_dispose): the data key and every
    # sealed blob are destroyed; the row stays as a tombstone (receipt digest, dates,
    # category, office, inspection, the unit it was about) for the statistics and the audit.
    # A date, like every date of a submission (never a time: see the module docstring).
    shredded_on = models.DateField(_("销毁日期"), null=True, blank=True)
    disposal = models.ForeignKey(
        "archive.DisposalDecision",
        verbose_name=_("处置决定"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shredded_submissions",
    )
    shredded_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("被反映单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        verbose_name = _("来信来访")
        verbose_name_plural = _("来信来访")
        ordering = ["-received_on", "-pk"]
        indexes = [
            models.Index(fields=["office", "state", "received_on"]),
            models.Index(fields=["inspection", "state"]),
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        """登记编号, derived from the key so that intake needs no counter row."""
        return f"XF{self.received_on:%Y}-{self.pk:06d}" if self.pk else "—"


class SubmissionEvent(models.Model):
    """History of a submission's register workflow (one row per transition)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=12)
    to_state = models.CharField(max_length=12)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.submission_id}: {self.from_state}→{self.to_state}"


class Message(models.Model):
    """A message on a submission: the reporter's additions, staff replies, internal notes."""

    class Kind(models.TextChoices):
        REPORTER = "reporter", _("反映人补充")
        REPLY = "reply", _("答复")
        QUESTION = "question", _("向反映人提问")
        NOTE = "note", _("内部备注")

    class State(models.TextChoices):
        DRAFT = "draft", _("待复核")
        SENT = "sent", _("已发出")
        RETURNED = "returned", _("已退回")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices)
    body_sealed = models.BinaryField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_on = models.DateField(_("日期"))
    sent_on = models.DateField(_("发出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("答复与补充")
        verbose_name_plural = _("答复与补充")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Attachment(models.Model):
    """An uploaded file, encrypted on disk; a quarantined file is kept but not served."""

    class Scan(models.TextChoices):
        UNSCANNED = "unscanned", _("未扫描")
        CLEAN = "clean", _("安全")
        QUARANTINED = "quarantined", _("已隔离")

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    name_sealed = models.BinaryField()
    mime = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text=_("密文的 SHA-256"))
    path = models.CharField(max_length=200)
    scan = models.CharField(max_length=12, choices=Scan.choices, default=Scan.UNSCANNED)
    scan_note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["pk"]

    def __str__(self):
        return f"附件 #{self.pk}"


class IdentityRequest(models.Model):
    """A staff request to see a reporter's identity; a custodian must approve it first."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("未批准")

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="identity_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("查看理由"), max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    custodian = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("身份查看申请")
        verbose_name_plural = _("身份查看申请")
        ordering = ["-created_at"]

    def __str__(self):
        return f"身份查看申请 #{self.pk}"


class SubmissionLink(models.Model):
    """A link from a submission to a problem or a clue found from it."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=40)
    target = GenericForeignKey("content_type", "object_id")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "content_type", "object_id"], name="unique_submission_link"
            )
        ]

    def __str__(self):
        return f"{self.submission_id} → {self.content_type_id}:{self.object_id}"


class UsedChallenge(models.Model):
    """A proof-of-work challenge already spent; a replay hits the unique key."""

    digest = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.digest[:12]
