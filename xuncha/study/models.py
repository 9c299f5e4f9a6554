"""学习教育: the office's own study in four forms, reflections and the yearly study plan.

Who sees what (docs/permissions.md, "Study"): the office's admin, staff and leading group
manage and read all of their office's study; a participant reads the sessions they were
listed in (or host) and their own self-study and reflections; a reflection is read by its
author, the host of its session and the office roles, never by other ordinary members.
Other offices, higher ones included, see nothing (404).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Role

MANAGE_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}


def _manage_q(user, field="office"):
    from xuncha.org import access

    return access.office_q(user, MANAGE_ROLES, field=field)


class Form(models.TextChoices):
    """The four forms of study (学习形式)."""

    CENTRE = "centre", _("理论中心组领学")
    BRANCH = "branch", _("支部带学")
    EXCHANGE = "exchange", _("交流研学")
    SELF = "self", _("个人自学")


SESSION_FORMS = [Form.CENTRE, Form.BRANCH, Form.EXCHANGE]


class BranchQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(_manage_q(user) | Q(members=user)).distinct()
        return self.filter(_manage_q(user))


class StudyBranch(models.Model):
    """学习党支部: a party branch of the office whose members study together (支部带学)."""

    office = models.ForeignKey(Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT)
    name = models.CharField(_("支部名称"), max_length=100)
    secretary = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("支部书记"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("支部成员"), related_name="study_branches"
    )

    objects = BranchQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习党支部")
        verbose_name_plural = _("学习党支部")
        ordering = ["office", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="study_branch_unique_name")
        ]

    def __str__(self):
        return self.name


class PlanQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(_manage_q(user))


class StudyPlan(models.Model):
    """年度学习计划: sessions planned per form and study hours per person for one year."""

    office = models.ForeignKey(Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT)
    year = models.PositiveIntegerField(_("年度"))
    centre_sessions = models.PositiveIntegerField(_("理论中心组领学（次）"), default=0)
    branch_sessions = models.PositiveIntegerField(_("支部带学（次/每支部）"), default=0)
    exchange_sessions = models.PositiveIntegerField(_("交流研学（次）"), default=0)
    hours_per_person = models.DecimalField(
        _("人均学习学时"), max_digits=6, decimal_places=1, default=Decimal("0")
    )
    note = models.TextField(_("说明"), blank=True)
    # The office's rule for closing a year: once locked (e.g. after its statistics were
    # reported), sessions of that year are no longer recorded, changed or deleted.
    locked = models.BooleanField(_("锁定本年度学习记录"), default=False)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度学习计划")
        verbose_name_plural = _("年度学习计划")
        constraints = [
            models.UniqueConstraint(fields=["office", "year"], name="study_plan_one_per_year")
        ]

    def __str__(self):
        return f"{self.year}年度学习计划"

    def planned(self, form) -> int:
        return {
            Form.CENTRE: self.centre_sessions,
            Form.BRANCH: self.branch_sessions,
            Form.EXCHANGE: self.exchange_sessions,
        }.get(form, 0)


class SessionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            mine = Q(host=user) | Q(attendance__person=user)
            return self.filter(_manage_q(user) | mine).distinct()
        if action in ("comment", "edit"):  # the host comments on reflections, corrects
            return self.filter(_manage_q(user) | Q(host=user))
        return self.filter(_manage_q(user))


class StudySession(models.Model):
    """学习活动: one collective study session (中心组领学, 支部带学 or 交流研学)."""

    office = models.ForeignKey(Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT)
    form = models.CharField(
        _("学习形式"), max_length=10, choices=[(f.value, f.label) for f in SESSION_FORMS]
    )
    date = models.DateField(_("学习日期"))
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("主持人（领学人）"),
        on_delete=models.PROTECT,
        related_name="hosted_study_sessions",
    )
    topic = models.CharField(_("学习主题"), max_length=200)
    branch = models.ForeignKey(
        StudyBranch,
        verbose_name=_("党支部"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    materials = models.TextField(
        _("学习材料"), blank=True, help_text=_("法规制度、文件或书目，每行一项")
    )
    rules = models.ManyToManyField(
        "library.Rule",
        verbose_name=_("法规制度库中的学习材料"),
        blank=True,
        related_name="study_sessions",
    )
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, default=Decimal("2"))
    minutes = models.TextField(_("学习纪要"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习活动")
        verbose_name_plural = _("学习活动")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["office", "date"], name="study_session_office_date")]

    def __str__(self):
        return f"{self.date} {self.get_form_display()}：{self.topic}"


class Attendance(models.Model):
    """出勤: one person's attendance at a session (出席 / 请假 with a reason / 缺席)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("出席")
        EXCUSED = "excused", _("请假")
        ABSENT = "absent", _("缺席")

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="study_attendance",
    )
    status = models.CharField(_("出勤"), max_length=10, choices=Status.choices)
    reason = models.CharField(_("请假事由"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出勤记录")
        verbose_name_plural = _("出勤记录")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="study_attendance_once")
        ]

    def __str__(self):
        return f"{self.person} {self.get_status_display()}"


def _file_path(instance, filename):
    return f"study/{instance.sha256[:2]}/{instance.sha256}"


class FileQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        sessions = StudySession.objects.for_user(user, action)
        return self.filter(session__in=sessions.values("pk"))


class SessionFile(models.Model):
    """学习材料附件: an uploaded file of a session's materials."""

    session = models.ForeignKey(StudySession, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=_file_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=120)
    original_name = models.CharField(_("文件名"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = FileQuerySet.as_manager()

    class Meta:
        verbose_name = _("学习材料附件")
        verbose_name_plural = _("学习材料附件")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class SelfStudyQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(_manage_q(user) | Q(person=user))


class SelfStudy(models.Model):
    """个人自学: one person's self-study record (material, hours, date)."""

    office = models.ForeignKey(Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="self_study",
    )
    date = models.DateField(_("学习日期"))
    material = models.CharField(_("学习材料"), max_length=300)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SelfStudyQuerySet.as_manager()

    class Meta:
        verbose_name = _("个人自学记录")
        verbose_name_plural = _("个人自学记录")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date} {self.material}"


class ReflectionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(_manage_q(user) | Q(author=user) | Q(session__host=user))
        if action == "comment":
            return self.filter(_manage_q(user) | Q(session__host=user))
        return self.filter(Q(author=user))  # change: the author


class Reflection(models.Model):
    """心得体会: a participant's written reflection on a session or a self-study record,
    with the hygiene flags found when it was submitted and the host's comment."""

    office = models.ForeignKey(Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撰写人"),
        on_delete=models.PROTECT,
        related_name="study_reflections",
    )
    session = models.ForeignKey(
        StudySession,
        verbose_name=_("学习活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    self_study = models.ForeignKey(
        SelfStudy,
        verbose_name=_("个人自学"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reflections",
    )
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    flags = models.JSONField(_("文字检查提示"), default=list, blank=True)
    # study.hygiene.fingerprint of the text: later reflections compare with it unparsed
    shingles = models.BinaryField(default=b"", editable=False)
    submitted_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    comment = models.TextField(_("点评"), blank=True)
    commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    commented_at = models.DateTimeField(null=True, blank=True)

    objects = ReflectionQuerySet.as_manager()

    # Personal writing and the host's judgement of it: shown only through
    # audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("text", "comment")

    class Meta:
        verbose_name = _("心得体会")
        verbose_name_plural = _("心得体会")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(session__isnull=False, self_study__isnull=True)
                | Q(session__isnull=True, self_study__isnull=False),
                name="study_reflection_one_source",
            )
        ]

    def __str__(self):
        return self.title

    @property
    def source_label(self) -> str:
        if self.session_id:
            return str(self.session)
        return f"个人自学：{self.self_study}"
