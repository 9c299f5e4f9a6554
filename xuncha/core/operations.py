"""The operations overview (运行维护): what a system administrator checks every morning.

One function, `overview()`, gathers the figures of the task worker, the last backup and its
verification, the database size, the audit chain and its last signed checkpoint, the age of
every key file, the TLS certificate and the free disk space, each with a level
(success / warning / danger) and a Chinese verdict. The status page and
`GET /api/v1/system/operations` show the same dict. Nothing here walks the audit chain
or reads a backup's files: the page stays fast at any volume (verification is
`xuncha audit verify` and `xuncha backup --verify`, whose results are read back here from the
audit log and the checkpoint file).
"""

import os
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from xuncha.core.keys import keys_dir

BACKUP_TYPE = "core.backup"
BACKUP_SUMMARY = "数据备份 "
VERIFIED_SUMMARY = "备份校验通过 "
VERIFY_FAILED_SUMMARY = "备份校验失败 "
LEVELS = ("success", "secondary", "warning", "danger")


def _item(level: str, label: str, **figures) -> dict:
    return {"level": level, "label": label, **figures}


def _iso(value) -> str | None:
    """Local time (the office's), with its offset: what the page shows and the API returns."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def worker(now) -> dict:
    from xuncha.core.status import worker_status

    figures = worker_status(now)
    level = {"alive": "success", "n/a": "secondary"}.get(figures["state"], "warning")
    if figures["state"] == "stuck":
        level = "danger"
    label, workers = figures["label"], []
    if figures["state"] != "n/a":
        from xuncha.core.worker import worker_heartbeats

        workers = [
            {
                **w,
                **{k: _iso(w[k]) for k in ("started_at", "last_seen", "stopped_at")},
            }
            for w in worker_heartbeats(now)
        ]
        alive = sum(w["alive"] for w in workers)
        if workers and not alive:
            level, label = "danger", "没有存活的任务进程：请启动 xuncha worker"
        elif alive:
            label = f"{label}（存活进程 {alive} 个）"
    return _item(
        level,
        label,
        workers=workers,
        state=figures["state"],
        ready=figures.get("ready"),
        running=figures.get("running"),
        failed_day=figures.get("failed_day"),
        done_day=figures.get("done_day"),
        oldest_ready=_iso(figures.get("oldest_ready")),
        last_heartbeat=_iso(figures.get("last_heartbeat")),
        recent_failed=[
            {
                "task": t["task_path"],
                "finished_at": _iso(t["finished_at"]),
                "error": t["exception_class_path"],
            }
            for t in figures.get("recent_failed", [])
        ],
    )


def backups(now) -> dict:
    """The last backup taken and the last verification of a backup, from the audit log."""
    from xuncha.audit.models import AuditEntry

    entries = AuditEntry.objects.filter(object_type=BACKUP_TYPE).order_by("-seq")
    last = entries.filter(summary__startswith=BACKUP_SUMMARY).first()
    verified = entries.filter(summary__startswith=VERIFIED_SUMMARY).first()
    failed = entries.filter(summary__startswith=VERIFY_FAILED_SUMMARY).first()
    if failed and verified and verified.seq > failed.seq:
        failed = None  # a later verification passed
    figures = {
        "last_id": last.object_id if last else None,
        "last_at": _iso(last.at) if last else None,
        "verified_id": verified.object_id if verified else None,
        "verified_at": _iso(verified.at) if verified else None,
        "failed_id": failed.object_id if failed else None,
        "failed_at": _iso(failed.at) if failed else None,
        "failure": failed.summary.removeprefix(VERIFY_FAILED_SUMMARY) if failed else None,
    }
    max_age = timedelta(days=settings.OPS_BACKUP_MAX_AGE_DAYS)
    if last is None:
        return _item("danger", "从未备份：请运行 xuncha backup 并配置每日定时备份", **figures)
    if failed:
        return _item("danger", f"最近一次备份校验失败：{figures['failure']}", **figures)
    if now - last.at > max_age:
        days = (now - last.at).days
        return _item("warning", f"最近一次备份已是 {days} 天前，超过规定的备份周期", **figures)
    if verified is None or verified.object_id != last.object_id:
        return _item(
            "warning",
            "最近一次备份尚未校验：请运行 xuncha backup --verify 备份目录",
            **figures,
        )
    return _item("success", "最近一次备份已完成并校验通过", **figures)


def database() -> dict:
    size = None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("select pg_database_size(current_database())")
            size = cursor.fetchone()[0]
        elif connection.vendor == "sqlite":
            cursor.execute("pragma page_count")
            pages = cursor.fetchone()[0]
            cursor.execute("pragma page_size")
            size = pages * cursor.fetchone()[0]
    if size is None:
        return _item("secondary", "无法读取数据库大小", vendor=connection.vendor, bytes=None)
    return _item("success", f"数据库占用 {_size(size)}", vendor=connection.vendor, bytes=size)


def audit_chain(now) -> dict:
    """The chain's head and its last signed checkpoint; entries after it are not yet
    verified (the periodic checkpoint task verifies and signs them)."""
    from xuncha.audit import checkpoints
    from xuncha.audit.models import AuditEntry

    head = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    found, problem = checkpoints.load()
    latest = max(found, key=lambda cp: cp.seq, default=None)
    figures = {
        "head_seq": head,
        "checkpoint_seq": latest.seq if latest else None,
        "checkpoint_written": _iso(_parse(latest.written)) if latest else None,
        "unverified": head - (latest.seq if latest else 0),
    }
    if problem is not None:
        return _item("danger", f"审计检查点文件有问题：{problem}", **figures)
    if latest is None:
        return _item("warning", "尚无签名检查点：请运行 xuncha audit verify", **figures)
    written = _parse(latest.written)
    if figures["unverified"] and now - written > timedelta(days=1):
        return _item(
            "warning",
            f"最近的签名检查点已超过一天，其后 {figures['unverified']} 条记录尚未校验",
            **figures,
        )
    return _item("success", "审计链已签名至最近检查点", **figures)


def _parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def keys(now) -> dict:
    """Each key file of KEYS_DIR with its age; old keys are due for rotation."""
    limit = settings.OPS_KEY_MAX_AGE_DAYS
    folder = keys_dir()
    rows = []
    for path in sorted(folder.glob("*.key")) if folder.exists() else []:
        made = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        rows.append({"name": path.name, "created": _iso(made), "age_days": (now - made).days})
    old = [r["name"] for r in rows if r["age_days"] > limit]
    if not rows:
        return _item("secondary", "密钥目录中尚无密钥文件", folder=str(folder), files=rows)
    if old:
        label = f"{len(old)} 个密钥已使用超过 {limit} 天，请按保密制度安排轮换：{'、'.join(old)}"
        return _item("warning", label, folder=str(folder), files=rows)
    return _item(
        "success", f"{len(rows)} 个密钥文件均在 {limit} 天以内", folder=str(folder), files=rows
    )


def certificate(now) -> dict:
    """The TLS certificate named by XUNCHA_TLS_CERT_FILE (when nginx's is readable here)."""
    path = settings.OPS_TLS_CERT_FILE
    if not path:
        return _item("secondary", "未配置证书文件（XUNCHA_TLS_CERT_FILE），由反向代理负责", file="")
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificate(Path(path).read_bytes())
    except (OSError, ValueError) as error:
        return _item("danger", f"无法读取证书文件：{error}", file=path)
    expires = cert.not_valid_after_utc
    days = (expires - now).days
    figures = {"file": path, "expires": _iso(expires), "days_left": days}
    if days < 0:
        return _item("danger", "证书已过期", **figures)
    if days <= settings.OPS_CERT_WARN_DAYS:
        return _item("warning", f"证书将在 {days} 天后过期，请及时更换", **figures)
    return _item("success", f"证书有效，还有 {days} 天到期", **figures)


def disks() -> dict:
    """Free space where the data, the uploads, the keys and the backups are written."""
    places = {
        "数据目录": settings.DATA_DIR,
        "上传文件目录": settings.MEDIA_ROOT,
        "密钥目录": keys_dir(),
        "备份目录": settings.BACKUP_DIR or Path(settings.DATA_DIR) / "backups",
    }
    percent = settings.OPS_DISK_WARN_PERCENT
    rows, low = [], []
    for label, folder in places.items():
        existing = Path(folder)
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        usage = shutil.disk_usage(existing)
        free = round(100 * usage.free / usage.total, 1) if usage.total else 0
        rows.append(
            {
                "place": label,
                "path": str(folder),
                "free_bytes": usage.free,
                "total_bytes": usage.total,
                "free_percent": free,
            }
        )
        if free < percent:
            low.append(f"{label}（剩余 {free}%）")
    if low:
        return _item("danger", f"磁盘空间不足：{'、'.join(low)}", places=rows)
    return _item("success", f"各目录所在磁盘剩余空间均不低于 {percent}%", places=rows)


SECTIONS = {
    "worker": "后台任务进程",
    "backup": "备份",
    "database": "数据库",
    "audit": "审计链",
    "keys": "密钥",
    "certificate": "证书",
    "disk": "磁盘空间",
}


def overview(now=None) -> dict:
    """Every section, and the warnings among them (worst first)."""
    now = now or timezone.now()
    sections = {
        "worker": worker(now),
        "backup": backups(now),
        "database": database(),
        "audit": audit_chain(now),
        "keys": keys(now),
        "certificate": certificate(now),
        "disk": disks(),
    }
    warnings = [
        {"section": SECTIONS[name], "level": item["level"], "label": item["label"]}
        for name, item in sections.items()
        if item["level"] in ("warning", "danger")
    ]
    warnings.sort(key=lambda w: -LEVELS.index(w["level"]))
    return {
        "checked_at": _iso(now),
        "host": os.uname().nodename,
        **sections,
        "warnings": warnings,
    }


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
