"""System status for system administrators: is the task worker alive, what runs where.

The worker is judged from django-tasks-db's result table: a heartbeat task that the
demo command enqueues every minute (and an administrator can enqueue from this page)
shows that the worker picks up work; tasks waiting long in the queue show that it does not.
"""

import platform
import sys
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

import django
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Max, Min, Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from xuncha.org.access import is_sysadmin

HEARTBEAT_PATH = "xuncha.core.status.heartbeat"
ALIVE_WITHIN = timedelta(minutes=5)
STUCK_AFTER = timedelta(minutes=2)


@task()
def heartbeat() -> str:
    """Proves that a worker takes tasks from the queue; returns when it ran."""
    return timezone.now().isoformat()


def enqueue_heartbeat() -> bool:
    """Enqueue a heartbeat unless one is already waiting; True when one was enqueued."""
    if _task_results() is None:
        return False
    from django_tasks_db.models import DBTaskResult

    if DBTaskResult.objects.filter(
        task_path=HEARTBEAT_PATH, status=TaskResultStatus.READY
    ).exists():
        return False
    heartbeat.enqueue()
    return True


def _task_results():
    """The task result queryset when the database backend is in use, else None."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if not backend.startswith("django_tasks_db."):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.all()


def worker_status(now=None) -> dict:
    """Queue figures and a verdict: alive / stuck / unknown / not applicable."""
    now = now or timezone.now()
    results = _task_results()
    if results is None:
        return {"state": "n/a", "label": "未使用数据库任务队列", "level": "secondary"}
    day_ago = now - timedelta(days=1)
    figures = results.aggregate(
        ready=Count("pk", filter=Q(status=TaskResultStatus.READY)),
        running=Count("pk", filter=Q(status=TaskResultStatus.RUNNING)),
        failed_day=Count("pk", filter=Q(status=TaskResultStatus.FAILED, finished_at__gte=day_ago)),
        done_day=Count(
            "pk", filter=Q(status=TaskResultStatus.SUCCESSFUL, finished_at__gte=day_ago)
        ),
        oldest_ready=Min(
            "enqueued_at",
            filter=Q(status=TaskResultStatus.READY) & (Q(run_after__lte=now)),
        ),
        last_finished=Max("finished_at"),
        last_heartbeat=Max(
            "finished_at",
            filter=Q(task_path=HEARTBEAT_PATH, status=TaskResultStatus.SUCCESSFUL),
        ),
    )
    if figures["oldest_ready"] and now - figures["oldest_ready"] > STUCK_AFTER:
        verdict = ("stuck", "后台任务进程可能未运行：有任务排队超过 2 分钟未被处理", "danger")
    elif figures["last_heartbeat"] and now - figures["last_heartbeat"] <= ALIVE_WITHIN:
        verdict = ("alive", "后台任务进程运行正常", "success")
    elif figures["last_finished"] and now - figures["last_finished"] <= ALIVE_WITHIN:
        verdict = ("alive", "后台任务进程运行正常（最近有任务完成）", "success")
    else:
        verdict = (
            "unknown",
            "最近 5 分钟没有完成任何任务：请点击“检测任务进程”，稍后刷新本页查看结果",
            "warning",
        )
    figures["state"], figures["label"], figures["level"] = verdict
    figures["recent_failed"] = list(
        results.filter(status=TaskResultStatus.FAILED)
        .order_by("-finished_at")
        .values("task_path", "finished_at", "exception_class_path")[:5]
    )
    return figures


def database_info() -> dict:
    info = {"vendor": connection.vendor, "name": str(settings.DATABASES["default"]["NAME"])}
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("select sqlite_version()")
            info["version"] = f"SQLite {cursor.fetchone()[0]}"
            cursor.execute("pragma journal_mode")
            info["mode"] = cursor.fetchone()[0]
        elif connection.vendor == "postgresql":
            cursor.execute("show server_version")
            info["version"] = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            info["version"] = connection.vendor
    return info


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "未知"


@login_required
def status_view(request):
    if not is_sysadmin(request.user):
        raise PermissionDenied
    if request.method == "POST":
        if enqueue_heartbeat():
            messages.success(
                request, "已发送心跳检测任务，后台任务进程正常时约数秒内完成，请稍后刷新。"
            )
        else:
            messages.info(request, "已有一个心跳检测任务在排队，请稍后刷新。")
        return redirect("system_status")
    from xuncha.core.operations import overview
    from xuncha.org.models import Office, Unit, User

    context = {
        "ops": overview(),
        "worker": worker_status(),
        "db": database_info(),
        "versions": {
            "巡察综合监督平台": _version("xuncha"),
            "Django": django.get_version(),
            "Python": sys.version.split()[0],
            "操作系统": platform.platform(terse=True),
        },
        "settings": {
            "数据目录": settings.DATA_DIR,
            "上传文件目录": settings.MEDIA_ROOT,
            "生产模式": "是" if settings.PRODUCTION else "否",
            "调试模式": "开启" if settings.DEBUG else "关闭",
            "审计日志哈希算法": settings.AUDIT_HASH_ALGORITHM.upper(),
            "时区": settings.TIME_ZONE,
            "会话空闲超时": f"{settings.SESSION_IDLE_TIMEOUT_MINUTES} 分钟",
        },
        "counts": {
            "巡察机构": Office.objects.count(),
            "被巡察单位": Unit.objects.count(),
            "用户": User.objects.count(),
        },
    }
    return render(request, "core/status.html", context)
