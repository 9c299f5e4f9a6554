"""Statistics and linkage (上下联动): counterpart installations, signed packages, recorded figures.

Figures are aggregates only: a package holds counts and sums, never a record of the work.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Role

READ_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
WORK_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


class OwnedQuerySet(models.QuerySet):
    """Rows owned by one office: its office roles + LG read them; `change`: admin/staff;
    `manage`: the office admin (the counterpart registry)."""

    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(access.office_q(user, READ_ROLES, field="owner"))
        if action == "manage":
            return self.filter(access.office_q(user, {Role.OFFICE_ADMIN}, field="owner"))
        return self.filter(access.office_q(user, WORK_ROLES, field="owner"))


class Counterpart(models.Model):
    """对口系统: another Xuncha installation (a county below, a city above) and its public key."""

    class Direction(models.TextChoices):
        LOWER = "lower", _("下级（报送统计）")
        HIGHER = "higher", _("上级（下发规则）")

    owner = models.ForeignKey(
        Office, verbose_name=_("登记机构"), on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField(_("关系"), max_length=8, choices=Direction.choices)
    name = models.CharField(_("对方巡察机构"), max_length=100)
    office = models.ForeignKey(
        Office,
        verbose_name=_("对应本系统机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("对方在本系统中的机构（汇总时以其报送数据代替本系统数据）"),
    )
    algorithm = models.CharField(_("签名算法"), max_length=10, default="ed25519")
    public_key = models.CharField(_("签名公钥"), max_length=200)
    active = models.BooleanField(_("启用"), default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    registered_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("对口系统")
        verbose_name_plural = _("对口系统")
        ordering = ["owner", "direction", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "algorithm", "public_key"], name="stats_counterpart_key_unique"
            )
        ]

    def __str__(self):
        return self.name


class StatsPackage(models.Model):
    """统计数据包: one imported version of a lower office's figures for one period."""

    owner = models.ForeignKey(
        Office, verbose_name=_("接收机构"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.ForeignKey(
        Counterpart, verbose_name=_("报送机构"), on_delete=models.PROTECT, related_name="packages"
    )
    package_id = models.CharField(_("数据包编号"), max_length=64)
    period = models.CharField(_("统计期间"), max_length=8, db_index=True)
    version = models.PositiveIntegerField(_("版本"))
    sender_office = models.CharField(_("填报单位"), max_length=100)
    created_at = models.DateTimeField(_("生成时间"))
    figures = models.JSONField(_("统计数据"))
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("统计数据包")
        verbose_name_plural = _("统计数据包")
        ordering = ["counterpart", "period", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "package_id"], name="stats_package_id_unique"),
            models.UniqueConstraint(
                fields=["counterpart", "period", "version"], name="stats_package_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.sender_office} {self.period} 第{self.version}版"


class ExportedPackage(models.Model):
    """报送记录: a statistics or rules package this installation signed and sent."""

    class Kind(models.TextChoices):
        STATISTICS = "statistics", _("统计数据包")
        RULES = "rules", _("规则包")

    owner = models.ForeignKey(
        Office, verbose_name=_("报送机构"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    package_id = models.CharField(_("数据包编号"), max_length=64, unique=True)
    period = models.CharField(_("统计期间"), max_length=8, blank=True)
    version = models.PositiveIntegerField(_("版本"))
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报送记录")
        verbose_name_plural = _("报送记录")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period} 第{self.version}版"


class RulesPackage(models.Model):
    """规则包: a higher office's plan and rules (taxonomy version, deadlines), as received.

    Recorded, not applied: the taxonomy version is a proposal for the office to adopt."""

    owner = models.ForeignKey(
        Office, verbose_name=_("接收机构"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.ForeignKey(
        Counterpart, verbose_name=_("下发机构"), on_delete=models.PROTECT, related_name="rules"
    )
    package_id = models.CharField(_("数据包编号"), max_length=64)
    version = models.PositiveIntegerField(_("版本"))
    sender_office = models.CharField(_("下发机构名称"), max_length=100)
    created_at = models.DateTimeField(_("生成时间"))
    content = models.JSONField(_("规则内容"))
    sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(_("导入时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("规则包")
        verbose_name_plural = _("规则包")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "package_id"], name="stats_rules_id_unique"),
            models.UniqueConstraint(
                fields=["counterpart", "version"], name="stats_rules_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.sender_office} 规则包第{self.version}版"


class PlanFigureQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        roles = READ_ROLES if action == "view" else WORK_ROLES
        return self.filter(access.office_q(user, roles, field="plan__office"))


class PlanFigure(models.Model):
    """建章立制: the rules a unit made in rectification, recorded by the office per plan.

    The rectification app has no such field; this is the recorded figure the statistics
    count (`rules_made`)."""

    plan = models.OneToOneField(
        "rectification.RectificationPlan",
        verbose_name=_("整改方案"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    rules_made = models.PositiveIntegerField(_("建立完善制度数"), default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = PlanFigureQuerySet.as_manager()

    class Meta:
        verbose_name = _("建章立制数")
        verbose_name_plural = _("建章立制数")

    def __str__(self):
        return f"{self.plan_id}: {self.rules_made}"


class WeeklySummary(models.Model):
    """每周工作汇总: one office's figures for one week, delivered once to its inbox."""

    owner = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("周一"))
    week_end = models.DateField(_("周日"))
    figures = models.JSONField(_("汇总数字"), default=dict)
    recipients = models.PositiveIntegerField(_("通知人数"), default=0)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("每周工作汇总")
        verbose_name_plural = _("每周工作汇总")
        ordering = ["-week_start", "owner_id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "week_start"], name="weekly_summary_once")
        ]

    def __str__(self):
        return f"{self.owner_id} {self.week_start:%Y-%m-%d}"


class DistrictMap(models.Model):
    """区县地图: the GeoJSON of the districts an office's units lie in, for the dashboard's
    per-district choropleth. One per office; a new upload replaces it. Checked and cleaned
    by `stats.geo.parse` (every feature keeps its shape and its name only)."""

    owner = models.OneToOneField(
        Office, verbose_name=_("巡察机构"), on_delete=models.CASCADE, related_name="district_map"
    )
    filename = models.CharField(_("文件名"), max_length=160)
    name_property = models.CharField(_("名称属性"), max_length=20)
    names = models.JSONField(_("区县名称"), default=list)
    geojson = models.TextField(_("GeoJSON"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = OwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("区县地图")
        verbose_name_plural = _("区县地图")

    def __str__(self):
        return f"{self.owner} 区县地图"

    @property
    def version(self) -> str:
        """Changes with the content: the dashboard's map name and the file's URL carry it."""
        return self.sha256[:12]
