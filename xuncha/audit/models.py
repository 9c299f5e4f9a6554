"""The tamper-evident audit log: an append-only hash chain of entries."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What an audit entry records."""

    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    READ = "read", _("查阅")
    EXPORT = "export", _("导出")
    TRANSITION = "transition", _("流转")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGOUT = "logout", _("退出")
    LOCKOUT = "lockout", _("账号锁定")
    PASSWORD = "password", _("修改密码")
    OTP = "otp", _("双因素认证")
    OVERRIDE = "override", _("特批")


class AuditHead(models.Model):
    """The chain's tip: one row, locked while an entry is appended."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=10)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


def may_read_log(user) -> bool:
    """Security auditors and system administrators read the log; nobody else."""
    from xuncha.org import access
    from xuncha.org.models import Role

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return access.is_sysadmin(user) or user.has_role(Role.AUDITOR)


class AuditEntryQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        if action != "view":
            return self.none()  # append-only: nobody edits or deletes entries
        if may_read_log(user):
            return self
        return self.none()


class AuditEntry(models.Model):
    """审计日志: one append-only entry of who did what, when and from where."""

    seq = models.PositiveBigIntegerField(_("序号"), unique=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    ip = models.CharField(_("来源地址"), max_length=45, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    summary = models.CharField(_("摘要"), max_length=300, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=10)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"#{self.seq} {self.actor_name} {self.get_action_display()} {self.summary}"

    def hashed_fields(self) -> dict:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "ip": self.ip,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "changes": self.changes,
        }
