"""The task worker's reclaim rules: a task left RUNNING by a dead worker goes back to the
queue, a live worker's task is left alone, and the third death fails the task."""

import os
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult, get_date_max

from xuncha.core import worker
from xuncha.core.models import WorkerHeartbeat
from xuncha.core.status import HEARTBEAT_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASK_STALE_SECONDS = 60
    settings.TASK_STALE_HOURS = 6
    settings.TASK_MAX_ATTEMPTS = 3


def _gone_pid() -> int:
    """The id of a process that has just exited (and been reaped)."""
    child = subprocess.Popen(["true"])  # noqa: S607
    child.wait()
    return child.pid


def _beat(worker_id, *, seen_ago=0, host=None, pid=None, stopped=False):
    now = timezone.now()
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=host or worker.this_host(),
        pid=os.getpid() if pid is None else pid,
        started_at=now - timedelta(seconds=seen_ago + 5),
        last_seen=now - timedelta(seconds=seen_ago),
        stopped_at=now if stopped else None,
    )


def _running(*worker_ids, started_ago=timedelta(seconds=30), status=TaskResultStatus.RUNNING):
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=HEARTBEAT_PATH,
        backend_name="default",
        run_after=get_date_max(),
        started_at=now - started_ago,
        worker_ids=list(worker_ids),
    )


def _status(row):
    row.refresh_from_db()
    return row.status


def test_task_of_a_silent_worker_goes_back_to_the_queue():
    _beat("w-silent", seen_ago=61, host="another-host")
    task = _running("w-silent")
    done = worker.reclaim()
    assert done == {"requeued": [str(task.pk)], "failed": []}
    assert _status(task) == TaskResultStatus.READY
    assert task.worker_ids == ["w-silent"]  # the count of attempts stays on the row
    assert DBTaskResult.objects.ready().filter(pk=task.pk).exists()


def test_task_of_a_live_worker_is_left_alone():
    _beat("w-live", seen_ago=1)  # this very process, on this host
    task = _running("w-live", started_ago=timedelta(hours=10))  # long tasks are fine
    assert worker.reclaim() == {"requeued": [], "failed": []}
    assert _status(task) == TaskResultStatus.RUNNING


def test_dead_process_on_this_host_is_reclaimed_without_waiting():
    _beat("w-killed", seen_ago=1, pid=_gone_pid())
    task = _running("w-killed")
    worker.reclaim()
    assert _status(task) == TaskResultStatus.READY


def test_another_host_is_judged_by_its_heartbeat_only():
    _beat("w-remote", seen_ago=1, host="node-2.example", pid=_gone_pid())
    task = _running("w-remote")
    worker.reclaim()
    assert _status(task) == TaskResultStatus.RUNNING


def test_a_stopped_worker_leaves_nothing_running():
    _beat("w-stopped", seen_ago=1, stopped=True)
    task = _running("w-stopped")
    worker.reclaim()
    assert _status(task) == TaskResultStatus.READY


def test_the_third_death_fails_the_task():
    for name in ("w-1", "w-2", "w-3"):
        _beat(name, seen_ago=120)
    twice = _running("w-1", "w-2")
    thrice = _running("w-1", "w-2", "w-3")
    done = worker.reclaim()
    assert done["requeued"] == [str(twice.pk)]
    assert done["failed"] == [str(thrice.pk)]
    assert _status(twice) == TaskResultStatus.READY
    assert _status(thrice) == TaskResultStatus.FAILED
    assert thrice.exception_class_path == worker.WORKER_DIED
    assert "意外终止 3 次" in thrice.traceback
    assert thrice.finished_at is not None
    assert not DBTaskResult.objects.ready().filter(pk=thrice.pk).exists()


def test_a_worker_without_heartbeat_is_judged_by_the_start_of_its_task():
    recent = _running("plain-db-worker", started_ago=timedelta(hours=1))
    old = _running("plain-db-worker", started_ago=timedelta(hours=7))
    worker.reclaim()
    assert _status(recent) == TaskResultStatus.RUNNING
    assert _status(old) == TaskResultStatus.READY


def test_finished_and_waiting_tasks_are_untouched():
    _beat("w-dead", seen_ago=600)
    finished = _running("w-dead", status=TaskResultStatus.SUCCESSFUL)
    failed = _running("w-dead", status=TaskResultStatus.FAILED)
    waiting = _running(status=TaskResultStatus.READY)
    assert worker.reclaim() == {"requeued": [], "failed": []}
    assert [_status(finished), _status(failed), _status(waiting)] == [
        TaskResultStatus.SUCCESSFUL,
        TaskResultStatus.FAILED,
        TaskResultStatus.READY,
    ]


def test_heartbeats_show_liveness_and_the_running_task():
    _beat("w-live", seen_ago=2)
    _beat("w-old", seen_ago=300, host="node-2.example")
    _running("w-live")
    beats = {b["worker_id"]: b for b in worker.worker_heartbeats()}
    assert beats["w-live"]["alive"] is True
    assert beats["w-live"]["running"] == [HEARTBEAT_PATH]
    assert beats["w-old"]["alive"] is False
    assert beats["w-old"]["running"] == []
    assert [b["worker_id"] for b in worker.worker_heartbeats()][:2] == ["w-live", "w-old"]


# The worker loop calls close_old_connections(), which closes a connection inside a test's
# transaction: this test commits (and restores the reference data afterwards).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_worker_takes_back_a_dead_workers_task_and_runs_it_once():
    """The real worker loop (batch mode): register, reclaim on start, run, record the stop."""
    _beat("w-killed", seen_ago=3, pid=_gone_pid())
    task = _running("w-killed")
    w = worker.HeartbeatWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="w-new",
        excluded_queue_names=[],
        heartbeat_seconds=3600,
    )
    w.run()
    task.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["w-killed", "w-new"]
    beat = WorkerHeartbeat.objects.get(worker_id="w-new")
    assert beat.pid == os.getpid() and beat.stopped_at is not None
    assert worker.reclaim() == {"requeued": [], "failed": []}
