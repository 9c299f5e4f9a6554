"""`xuncha worker` (= `manage.py task_worker`): the task worker with heartbeats and reclaim.

The options are django-tasks-db's `db_worker`'s (queue, interval, batch, max tasks, worker
id, reload); the loop is the same. In addition it writes a heartbeat and puts back in the
queue the tasks that a dead worker left RUNNING (xuncha/core/worker.py).
"""

import os

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker

from xuncha.core.worker import HeartbeatWorker


class Command(db_worker.Command):
    help = "后台任务进程：执行任务队列，记录心跳，并把已终止进程遗留的任务重新排队"

    def handle(
        self,
        *,
        verbosity,
        queue_name,
        interval,
        batch,
        backend_name,
        startup_delay,
        reload,
        max_tasks,
        worker_id,
        exclude_queues,
        **options,
    ):
        self.configure_logging(verbosity)
        if reload and batch:
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues 只能与 --queue-name=* 一起使用")
        worker = HeartbeatWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
