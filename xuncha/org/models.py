"""Offices, units, people and the roles they hold."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

PATH_STEP = 9  # "%08d/" per level: ids up to 99,999,999


class TreeQuerySet(models.QuerySet):
    """Subtree and ancestor filters on a materialised path, evaluated in SQL."""

    def subtree(self, node, include_self=True):
        qs = self.filter(path__startswith=node.path)
        return qs if include_self else qs.exclude(pk=node.pk)

    def ancestors_of(self, node, include_self=False):
        ids = node.ancestor_ids() + ([node.pk] if include_self else [])
        return self.filter(pk__in=ids)


def _own_nodes_q(nodes, subtree):
    q = models.Q(pk__in=[])
    for node in nodes:
        q |= models.Q(path__startswith=node.path) if subtree else models.Q(pk=node.pk)
    return q


class OfficeQuerySet(TreeQuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            # An office reads itself and the offices below it (filed plans, statistics).
            return self.filter(_own_nodes_q(access.user_offices(user), subtree=True))
        return self.filter(_own_nodes_q(access.user_offices(user, {Role.OFFICE_ADMIN}), False))


class UnitQuerySet(TreeQuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            team_units = self.filter(inspections__team__members__inspector__user=user)
            return self.filter(
                access.office_q(user, subtree=True)
                | _own_nodes_q(access.user_units(user, UNIT_ROLES), subtree=False)
                | models.Q(pk__in=team_units.values("pk"))
            )
        return self.filter(access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}))


class UserQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        admin = {Role.OFFICE_ADMIN}
        # An office administrator manages the accounts of its own office and of the units
        # that office manages (not those of subordinate offices).
        managed = access.office_q(user, admin) | access.office_q(user, admin, field="unit__office")
        if action == "view":
            return self.filter(models.Q(pk=user.pk) | managed)
        # Changing an account: never a system administrator's, never one's own.
        return (
            self.filter(managed, is_superuser=False)
            .exclude(pk=user.pk)
            .exclude(roles__role=Role.SYSADMIN)
        )


class RoleAssignmentQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """Grants are seen and changed with the account that holds them."""
        return self.filter(user__in=User.objects.for_user(user, action).values("pk"))


class ApiTokenQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        """A token belongs to its owner alone (a system administrator may revoke any)."""
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(user=user)


class TreeNode(models.Model):
    """A node of a tree stored as a materialised path of zero-padded ids."""

    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(editable=False, default=0)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        creating = self.pk is None
        super().save(*args, **kwargs)
        if creating or not self.path:
            self._set_path()

    def ancestor_ids(self) -> list[int]:
        parts = [p for p in self.path.split("/") if p]
        return [int(p) for p in parts[:-1]]

    def _set_path(self):
        parent_path = self.parent.path if self.parent_id else ""
        self.path = f"{parent_path}{self.pk:08d}/"
        self.depth = self.path.count("/") - 1
        type(self).objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    @transaction.atomic
    def move_to(self, new_parent):
        """Re-hang this node and its whole subtree under new_parent in two UPDATEs."""
        model = type(self)
        # Re-read both ends under a row lock: a stale path held in memory would corrupt
        # the subtree, and two concurrent moves must not interleave.
        current = model.objects.select_for_update().get(pk=self.pk)
        if new_parent is not None:
            new_parent = model.objects.select_for_update().get(pk=new_parent.pk)
            if new_parent.path.startswith(current.path):
                raise ValueError("不能把节点移动到它自己或它的下级之下")
        old_path = current.path
        new_prefix = new_parent.path if new_parent is not None else ""
        new_path = f"{new_prefix}{self.pk:08d}/"
        depth_shift = new_path.count("/") - old_path.count("/")
        model.objects.filter(pk=self.pk).update(parent=new_parent)
        model.objects.filter(path__startswith=old_path).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + depth_shift,
        )
        self.parent = new_parent
        self.refresh_from_db(fields=["path", "depth"])


class Office(TreeNode):
    """巡察机构: the inspection office of one level (省/市/县), owner of its data."""

    class Level(models.TextChoices):
        PROVINCE = "province", _("省级")
        CITY = "city", _("市级")
        COUNTY = "county", _("县(市、区)级")

    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.CharField(_("行政区划"), max_length=60, blank=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察机构")
        verbose_name_plural = _("巡察机构")
        ordering = ["path"]

    def __str__(self):
        return self.name


class Unit(TreeNode):
    """被巡察党组织: a party organisation that can be inspected; units form a tree."""

    class Kind(models.TextChoices):
        CITY_DEPARTMENT = "department", _("市(县)直部门")
        TOWNSHIP = "township", _("乡镇/街道")
        ENTERPRISE = "enterprise", _("国有企业")
        SCHOOL = "school", _("学校")
        HOSPITAL = "hospital", _("医院")
        VILLAGE = "village", _("村/社区")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        MERGED = "merged", _("已合并")
        RENAMED = "renamed", _("已更名")
        DISSOLVED = "dissolved", _("已撤销")

    name = models.CharField(_("名称"), max_length=120)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级党组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    office = models.ForeignKey(
        Office,
        verbose_name=_("管理机构"),
        on_delete=models.PROTECT,
        related_name="units",
        help_text=_("负责巡察覆盖该单位的巡察机构"),
    )
    district = models.CharField(_("所在区县"), max_length=60, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("并入/更名为"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text=_("合并或更名后，由后继单位继承巡察历史"),
    )
    status_changed_on = models.DateField(_("变更日期"), null=True, blank=True)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("被巡察单位")
        verbose_name_plural = _("被巡察单位")
        ordering = ["path"]
        indexes = [models.Index(fields=["office", "status", "kind"])]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """The fixed roles; each is granted in a scope (an office or a unit)."""

    SYSADMIN = "sysadmin", _("系统管理员")
    OFFICE_ADMIN = "office_admin", _("巡察办管理员")
    OFFICE_STAFF = "office_staff", _("巡察办工作人员")
    LEADING_GROUP = "leading_group", _("领导小组成员")
    CUSTODIAN = "custodian", _("举报人信息保管人")
    AUDITOR = "auditor", _("安全审计员")
    UNIT_LIAISON = "unit_liaison", _("被巡察单位联络员")
    HANDOVER_RECIPIENT = "handover_recipient", _("移交接收单位联络员")


OFFICE_ROLES = {
    Role.SYSADMIN,
    Role.OFFICE_ADMIN,
    Role.OFFICE_STAFF,
    Role.LEADING_GROUP,
    Role.CUSTODIAN,
    Role.AUDITOR,
}
UNIT_ROLES = {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}


class XunchaUserManager(UserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    """An account; it belongs to an office or to a unit and holds roles in scopes."""

    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    office = models.ForeignKey(
        Office,
        verbose_name=_("所属巡察机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=True)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = XunchaUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username

    def role_set(self) -> set[str]:
        """The user's roles, from the same (cached) assignments as the access door."""
        if not hasattr(self, "_role_cache"):
            from xuncha.org.access import _assignments

            self._role_cache = {a.role for a in _assignments(self)}
        return self._role_cache

    def has_role(self, *roles) -> bool:
        return bool(self.role_set() & {str(r) for r in roles})


class RoleAssignment(models.Model):
    """A role granted to a user in one scope: an office or a unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    office = models.ForeignKey(
        Office,
        verbose_name=_("机构范围"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位范围"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    granted_at = models.DateTimeField(_("授予时间"), default=timezone.now)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "office", "unit"], name="unique_role_in_scope"
            ),
            models.CheckConstraint(
                condition=models.Q(office__isnull=False)
                | models.Q(unit__isnull=False)
                | models.Q(role="sysadmin"),
                name="role_has_scope",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} @ {self.office or self.unit or '全局'}"


__all__ = ["OFFICE_ROLES", "UNIT_ROLES", "Office", "Role", "RoleAssignment", "Unit", "User"]


class PasswordHistory(models.Model):
    """A former password hash, kept so that the last N passwords are not reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user_id} @ {self.created_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for API clients; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=60)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    # Empty for tokens made before expiry existed: they expire XUNCHA_API_TOKEN_DAYS after
    # their creation (see `expires`).
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def expires(self):
        from datetime import timedelta

        from django.conf import settings

        return self.expires_at or self.created_at + timedelta(days=settings.API_TOKEN_DAYS)

    @property
    def expired(self) -> bool:
        return self.expires <= timezone.now()
