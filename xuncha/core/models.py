"""Operational rows of the platform itself (not inspection data)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """任务进程心跳: one row per task worker process, refreshed while it lives."""

    worker_id = models.CharField(_("进程编号"), max_length=64, unique=True)
    hostname = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    last_seen = models.DateTimeField(_("最近心跳"), db_index=True)
    stopped_at = models.DateTimeField(_("正常停止时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")
        ordering = ["-last_seen"]

    def __str__(self):
        return f"{self.hostname}:{self.pid} ({self.worker_id})"
