"""The task worker: django-tasks-db's `db_worker` loop plus heartbeats and the reclaim of
tasks whose worker died.

django-tasks-db marks a task RUNNING when a worker claims it and SUCCESSFUL/FAILED when the
task returns. A worker killed in between (SIGKILL, out of memory, power loss) leaves the row
RUNNING for ever: nobody runs it again and the status page shows it as running. This worker

- writes a heartbeat row (`core.WorkerHeartbeat`: worker id, host, pid, last seen) when it
  starts and every `TASK_HEARTBEAT_SECONDS` from a thread, also while a long task runs;
- on start and with every heartbeat, *reclaims* RUNNING tasks whose worker is dead: its
  heartbeat is older than `TASK_STALE_SECONDS`, it stopped, or it ran on this machine and its
  process is gone; a task whose worker never wrote a heartbeat (the plain `db_worker`) is
  taken back when it started more than `TASK_STALE_HOURS` ago;
- puts a reclaimed task back in the queue (READY, same row, same arguments), or marks it
  FAILED once `TASK_MAX_ATTEMPTS` workers died running it (the count is the row's own list
  of the workers that claimed it, `worker_ids`), so a task that kills its worker cannot
  loop for ever.

A reclaimed task runs again from the start, so every task must be idempotent: a retry must
not write a second file, notification or audit entry for work the dead attempt finished
(see docs/architecture.md "Background tasks").
"""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from xuncha.core.models import WorkerHeartbeat

logger = logging.getLogger("xuncha.worker")

WORKER_DIED = "xuncha.core.worker.WorkerDied"
PRUNE_AFTER = timedelta(days=7)


class WorkerDied(Exception):
    """The worker running a task died without finishing it (too often to try again)."""


def this_host() -> str:
    return socket.gethostname()[:255]


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, but not a worker of ours by that pid
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return True  # no /proc: trust kill(0)


def is_dead(beat: WorkerHeartbeat, *, now=None, host=None) -> bool:
    """A worker is dead when it stopped, fell silent, or its process on this host is gone."""
    now = now or timezone.now()
    if beat.stopped_at is not None:
        return True
    if beat.last_seen < now - timedelta(seconds=settings.TASK_STALE_SECONDS):
        return True
    return beat.hostname == (host or this_host()) and not pid_alive(beat.pid)


def reclaim(now=None) -> dict:
    """Requeue the RUNNING tasks of dead workers; fail those that already killed
    TASK_MAX_ATTEMPTS workers. Returns {"requeued": [ids], "failed": [ids]}."""
    now = now or timezone.now()
    host = this_host()
    running = list(DBTaskResult.objects.running().values("id", "worker_ids", "started_at"))
    done = {"requeued": [], "failed": []}
    if not running:
        return done
    last_worker = {r["id"]: (r["worker_ids"] or [None])[-1] for r in running}
    beats = {
        b.worker_id: b
        for b in WorkerHeartbeat.objects.filter(worker_id__in=set(last_worker.values()) - {None})
    }
    orphaned_before = now - timedelta(hours=settings.TASK_STALE_HOURS)
    for row in running:
        beat = beats.get(last_worker[row["id"]])
        if beat is None:
            dead = row["started_at"] is None or row["started_at"] < orphaned_before
        else:
            dead = is_dead(beat, now=now, host=host)
        if dead:
            outcome = _reclaim_one(row["id"], row["worker_ids"], now)
            if outcome:
                done[outcome].append(str(row["id"]))
    return done


def _reclaim_one(pk, worker_ids, now) -> str | None:
    with exclusive_transaction(DBTaskResult.objects.db):
        task = DBTaskResult.objects.select_for_update().filter(pk=pk).first()
        # Finished meanwhile, or claimed again by a live worker: not ours to touch.
        if task is None or task.status != TaskResultStatus.RUNNING:
            return None
        if task.worker_ids != worker_ids:
            return None
        attempts = len(task.worker_ids)
        if attempts >= settings.TASK_MAX_ATTEMPTS:
            task.status = TaskResultStatus.FAILED
            task.finished_at = now
            task.exception_class_path = WORKER_DIED
            task.traceback = (
                f"后台任务进程在执行此任务时意外终止 {attempts} 次，已停止重试。"
                f"（{task.task_path}，进程 {', '.join(task.worker_ids)}）"
            )
            task.return_value = None
            task.save(
                update_fields=[
                    "status",
                    "finished_at",
                    "exception_class_path",
                    "traceback",
                    "return_value",
                ]
            )
            logger.error("task %s (%s) failed: %d workers died", pk, task.task_path, attempts)
            return "failed"
        task.status = TaskResultStatus.READY
        task.save(update_fields=["status"])
        logger.warning(
            "task %s (%s) requeued: its worker %s died (attempt %d of %d)",
            pk,
            task.task_path,
            task.worker_ids[-1],
            attempts,
            settings.TASK_MAX_ATTEMPTS,
        )
        return "requeued"


def worker_heartbeats(now=None) -> list[dict]:
    """Every known worker with its liveness, newest first, for an operations page:
    worker_id, hostname, pid, started_at, last_seen, stopped_at, alive, running (task paths)."""
    now = now or timezone.now()
    host = this_host()
    running: dict[str, list[str]] = {}
    for task_path, worker_ids in DBTaskResult.objects.running().values_list(
        "task_path", "worker_ids"
    ):
        if worker_ids:
            running.setdefault(worker_ids[-1], []).append(task_path)
    return [
        {
            "worker_id": b.worker_id,
            "hostname": b.hostname,
            "pid": b.pid,
            "started_at": b.started_at,
            "last_seen": b.last_seen,
            "stopped_at": b.stopped_at,
            "alive": not is_dead(b, now=now, host=host),
            "running": running.get(b.worker_id, []),
        }
        for b in WorkerHeartbeat.objects.order_by("-last_seen")
    ]


class HeartbeatWorker(Worker):
    """db_worker's loop, with a heartbeat thread that also reclaims dead workers' tasks."""

    def __init__(self, *args, heartbeat_seconds: float | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.heartbeat_seconds = heartbeat_seconds or settings.TASK_HEARTBEAT_SECONDS
        self._stopping = threading.Event()

    def register(self):
        now = timezone.now()
        WorkerHeartbeat.objects.filter(last_seen__lt=now - PRUNE_AFTER).delete()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": this_host(),
                "pid": os.getpid(),
                "started_at": now,
                "last_seen": now,
                "stopped_at": None,
            },
        )

    def beat(self):
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(last_seen=timezone.now())

    def _reclaim(self):
        try:
            reclaim()
        except OperationalError as error:  # a busy SQLite: the next beat tries again
            logger.warning("reclaim postponed: %s", error)

    def _heartbeat_loop(self):
        while not self._stopping.wait(self.heartbeat_seconds):
            try:
                self.beat()
                self._reclaim()
            except Exception:  # the heartbeat must outlive a database hiccup
                logger.exception("heartbeat failed")
            finally:
                connection.close()

    def run(self) -> None:
        self.register()
        self._reclaim()
        thread = threading.Thread(target=self._heartbeat_loop, name="xuncha-heartbeat", daemon=True)
        thread.start()
        try:
            super().run()
        finally:
            self._stopping.set()
            thread.join(timeout=self.heartbeat_seconds + 5)
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
                    stopped_at=timezone.now(), last_seen=timezone.now()
                )
            except Exception:  # pragma: no cover - stopping with the database gone
                logger.exception("could not record the worker's stop")
