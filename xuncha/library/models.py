"""The rules library (法规制度库): rules, their versions and provisions, citations, cases.

Scope: a rule belongs to the office that uploaded it and is read by that office and every
office below it (a city's rules are visible to its counties), by anyone holding an
office role there, and by the members of teams of those offices' inspections. It is
changed by the office administrators and staff of its own office only.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import OFFICE_ROLES, Office

MANAGE_ROLES = {"office_admin", "office_staff"}


def readable_offices(user) -> list[int]:
    """Ids of the offices whose rules the user reads: each office where the user holds
    an office role or works on a team, and every office above it (a handful of ids)."""
    from xuncha.org import access
    from xuncha.plans.models import Inspection

    if not hasattr(user, "_library_offices"):
        paths = {o.path for o in access.user_offices(user, OFFICE_ROLES)}
        paths |= set(
            Inspection.objects.filter(team__members__inspector__user=user)
            .values_list("office__path", flat=True)
            .distinct()
        )
        ids = {int(p) for path in paths for p in path.split("/") if p}
        user._library_offices = sorted(ids)
    return user._library_offices


def rule_q(user, action, field="office") -> Q:
    from xuncha.org import access

    if action == "view":
        return Q(**{f"{field}_id__in": readable_offices(user)})
    return access.office_q(user, MANAGE_ROLES, field=field)


class OfficeScopedQuerySet(models.QuerySet):
    """Rows with an `office`: read from that office and below, changed by its managers."""

    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(rule_q(user, action))


class Rule(models.Model):
    """法规制度: one rule document (all its versions), with issuer, number and status."""

    class Status(models.TextChoices):
        IN_FORCE = "in_force", _("现行有效")
        AMENDED = "amended", _("已修订")
        REPEALED = "repealed", _("已废止")
        SUPERSEDED = "superseded", _("已被替代")

    office = models.ForeignKey(
        Office, verbose_name=_("所属巡察机构"), on_delete=models.PROTECT, related_name="rules"
    )
    title = models.CharField(_("名称"), max_length=200)
    issuer = models.CharField(_("制定机关"), max_length=120, blank=True)
    doc_number = models.CharField(_("文号"), max_length=80, blank=True)
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    status = models.CharField(
        _("效力状态"), max_length=12, choices=Status.choices, default=Status.IN_FORCE
    )
    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("替代规定"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    current = models.ForeignKey(
        "RuleVersion",
        verbose_name=_("现行版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OfficeScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("法规制度")
        verbose_name_plural = _("法规制度")
        ordering = ["-issued_on", "title"]
        indexes = [models.Index(fields=["office", "title"])]

    def __str__(self):
        return f"《{self.title}》"

    @property
    def dead(self) -> bool:
        return self.status in (self.Status.REPEALED, self.Status.SUPERSEDED)

    def status_text(self) -> str:
        if self.status == self.Status.SUPERSEDED and self.superseded_by_id:
            return f"已被《{self.superseded_by.title}》替代"
        return str(self.get_status_display())


class RuleVersionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        return self.filter(rule__in=Rule.objects.for_user(user, action).values("pk"))


class RuleVersion(models.Model):
    """One uploaded text of a rule: the file's text, what the splitter found and missed."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    file_name = models.CharField(_("文件名"), max_length=200)
    file_type = models.CharField(_("文件类型"), max_length=8)
    file_size = models.PositiveIntegerField(_("文件大小"), default=0)
    text = models.TextField(_("全文"))
    layout = models.CharField(_("结构"), max_length=12, blank=True)
    summary = models.CharField(_("识别情况"), max_length=300, blank=True)
    issues = models.JSONField(_("未识别内容"), default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = RuleVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("法规版本")
        verbose_name_plural = _("法规版本")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="unique_rule_version")
        ]

    def __str__(self):
        return f"{self.rule} 第{self.number}版"


class ProvisionQuerySet(OfficeScopedQuerySet):
    def citable(self):
        return self.filter(kind__in=("article", "appendix"))

    def in_force(self):
        """Provisions of the current version of rules in force (`live`, kept by services)."""
        return self.filter(live=True)


class Provision(models.Model):
    """条文: one block of a version — heading, article, appendix, or text not understood."""

    class Kind(models.TextChoices):
        PART = "part", _("编")
        CHAPTER = "chapter", _("章")
        SECTION = "section", _("节")
        ARTICLE = "article", _("条")
        APPENDIX = "appendix", _("附件")
        TOC = "toc", _("目录")
        PREAMBLE = "preamble", _("标题及前言")
        UNNUMBERED = "unnumbered", _("无编号段落")

    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="provisions")
    # Copies of the rule's office and of "current version of a rule in force", so that a
    # search reads one table (kept by services.rule_upload and rule_set_status).
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    live = models.BooleanField(default=True)
    order = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField(null=True, blank=True)
    label = models.CharField(_("条号"), max_length=40, blank=True)
    heading = models.CharField(_("标题"), max_length=200, blank=True)
    path = models.CharField(_("所在章节"), max_length=300, blank=True)
    text = models.TextField(_("原文"))
    clauses = models.JSONField(default=list, blank=True)  # [{"text", "items": [...]}]
    # Space-separated keyed hashes of the text's words (analytics.search.blind_text):
    # the FTS5 table (SQLite) or tsvector column (PostgreSQL) indexes them.
    tokens = models.TextField(blank=True)

    objects = ProvisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("条文")
        verbose_name_plural = _("条文")
        ordering = ["version", "order"]
        indexes = [
            models.Index(fields=["version", "label"]),
            models.Index(fields=["live", "office"]),
        ]

    def __str__(self):
        return f"{self.version.rule}{self.label}"

    @property
    def anchor(self) -> str:
        return f"p{self.pk}"

    @property
    def body(self) -> str:
        return self.text.strip()


class TokenCount(models.Model):
    """Document frequency of one keyed token: in how many provisions it occurs.

    Kept by the services in the same transaction as the provisions they store
    (`search.count_tokens`), so that a suggestion reads the frequencies of a problem's
    tokens in one indexed query instead of counting matches token by token. Holds
    hashes and counts only, like the index itself."""

    token = models.CharField(max_length=17, primary_key=True)
    provisions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("词频")
        verbose_name_plural = _("词频")

    def __str__(self):
        return f"{self.token} {self.provisions}"


class CitationQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """A citation is read and changed with its problem (the fieldwork rule)."""
        from xuncha.inspections.models import Problem

        return self.filter(problem__in=Problem.objects.for_user(user, action).values("pk"))


class Citation(models.Model):
    """引用: a problem (and its working paper) citing one article of one rule version."""

    provision = models.ForeignKey(
        Provision, verbose_name=_("条文"), on_delete=models.PROTECT, related_name="citations"
    )
    problem = models.ForeignKey(
        "inspections.Problem", on_delete=models.CASCADE, related_name="citations"
    )
    paper = models.ForeignKey(
        "inspections.WorkingPaper",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="citations",
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = CitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("条文引用")
        verbose_name_plural = _("条文引用")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["problem", "provision"], name="unique_citation")
        ]

    def __str__(self):
        return f"{self.problem_id} → {self.provision_id}"


class TypicalCase(models.Model):
    """典型案例: a written-up case and the articles it illustrates."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="typical_cases")
    title = models.CharField(_("案例名称"), max_length=200)
    summary = models.TextField(_("案情及处理"))
    lesson = models.TextField(_("警示意义"), blank=True)
    provisions = models.ManyToManyField(
        Provision, verbose_name=_("对应条文"), related_name="cases", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = OfficeScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-created_at"]

    def __str__(self):
        return self.title
