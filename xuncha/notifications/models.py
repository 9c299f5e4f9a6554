"""Notifications: one row per recipient, per-kind preferences, and the e-mail outbox."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNMENT = "assignment", _("交办与移交")
    APPROVAL = "approval", _("审核通过")
    RETURNED = "returned", _("退回事项")
    DEADLINE_UPCOMING = "deadline_upcoming", _("临近期限")
    DEADLINE_PASSED = "deadline_passed", _("逾期督办")
    WEEKLY_SUMMARY = "weekly_summary", _("每周工作汇总")


class Notification(models.Model):
    """What one user is told about one item; `key` makes each event notify a user once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类别"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=300)
    url = models.CharField(_("链接"), max_length=200)
    key = models.CharField(max_length=120)
    in_app = models.BooleanField(default=True, help_text="用户选择在通知中心接收")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")
        ]
        indexes = [models.Index(fields=["user", "in_app", "read_at"], name="notif_unread")]

    def __str__(self):
        return self.title


class Preference(models.Model):
    """What a user receives for one kind; no row means the defaults (centre and e-mail on, digest off)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    in_app = models.BooleanField(_("通知中心"), default=True)
    email = models.BooleanField(_("即时邮件"), default=True)
    digest = models.BooleanField(_("每日汇总邮件"), default=False)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_pref_per_kind")]

    def __str__(self):
        return f"{self.user_id}:{self.kind}"


class Outbox(models.Model):
    """An e-mail to send; kept (with its attempts) until the SMTP server has taken it."""

    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("待发邮件")
        verbose_name_plural = _("待发邮件")
        ordering = ["pk"]
        indexes = [models.Index(fields=["sent_at", "next_attempt_at"], name="outbox_due")]

    def __str__(self):
        return self.subject
