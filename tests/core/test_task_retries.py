"""Background jobs run again after their worker died (xuncha/core/worker.py reclaims them):
a retry finishes the dead attempt's work and never does it twice."""

import pytest
from django.core import mail
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.stats.conftest import CITY_KEY
from xuncha.audit.models import Action, AuditEntry
from xuncha.stats import services
from xuncha.stats.models import ExportedPackage

pytestmark = pytest.mark.django_db


@pytest.fixture
def reporting(cast):
    """Two offices that report upward: each scheduled export writes two packages."""
    for office in (cast.county_a, cast.city):
        services.counterpart_register(
            owner=office,
            direction="higher",
            name="上级巡察机构",
            public_key=CITY_KEY.public,
            actor=cast.office_admin,
        )
    return cast


def _exports():
    return (
        ExportedPackage.objects.count(),
        AuditEntry.objects.filter(action=Action.EXPORT).count(),
        sorted(p.name for p in services.outbox_dir().iterdir()),
    )


def test_a_retried_export_writes_nothing_twice(reporting):
    first = services.export_scheduled(period="2026Q1", run_key="task-1")
    after_first = _exports()
    assert after_first[0] == 2 and after_first[1] == 2 and len(after_first[2]) == 2
    again = services.export_scheduled(period="2026Q1", run_key="task-1")
    assert again == first
    assert _exports() == after_first
    # Another run (an operator asking again) is a correction: version 2 of each.
    services.export_scheduled(period="2026Q1", run_key="task-2")
    assert ExportedPackage.objects.filter(version=2).count() == 2


def test_a_retry_finishes_the_file_of_an_export_that_committed(reporting):
    """The worker died after the row committed but before the rename: the retry renames."""
    services.export_scheduled(period="2026Q1", run_key="task-1")
    folder = services.outbox_dir()
    [victim, _other] = sorted(folder.iterdir())
    data = victim.read_bytes()
    victim.rename(victim.with_name(victim.name + ".part"))
    services.export_scheduled(period="2026Q1", run_key="task-1")
    assert victim.read_bytes() == data
    assert not list(folder.glob("*.part"))
    assert ExportedPackage.objects.count() == 2


# The worker loop calls close_old_connections(), which closes a connection inside a test's
# transaction: this test commits (and restores the reference data afterwards).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_export_task_keys_its_run_by_the_task_id(reporting, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from xuncha.stats.tasks import stats_export_scheduled

    result = stats_export_scheduled.enqueue(period="2026Q1")
    row = DBTaskResult.objects.get(pk=result.id)
    for _attempt in range(2):  # the second run is what a reclaimed task does
        row.status = TaskResultStatus.READY
        row.save(update_fields=["status"])
        from xuncha.core.worker import HeartbeatWorker

        HeartbeatWorker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"w-{_attempt}",
            excluded_queue_names=[],
            heartbeat_seconds=3600,
        ).run()
        row.refresh_from_db()
        assert row.status == TaskResultStatus.SUCCESSFUL, row.traceback
    assert ExportedPackage.objects.count() == 2
    assert AuditEntry.objects.filter(action=Action.EXPORT).count() == 2
    assert len(list(services.outbox_dir().iterdir())) == 2


def test_a_finished_topic_run_is_not_computed_again(cast, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from xuncha.analytics.models import TopicRun
    from xuncha.analytics.tasks_topics import topics_recompute

    run = TopicRun.objects.create(state=TopicRun.State.DONE, topics=7)
    assert topics_recompute.call(run.pk) == 7
    run.refresh_from_db()
    assert run.state == TopicRun.State.DONE and run.topics == 7


def test_a_resent_mail_keeps_its_message_id(cast, settings):
    """Sent, then the worker died before marking the row: the retry sends the same message."""
    from xuncha.notifications import services as notifications
    from xuncha.notifications.models import Outbox

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row = Outbox.objects.create(
        to="a@example.gov.cn", subject="主题", body="正文", user=cast.office_staff
    )
    notifications.deliver_outbox()
    Outbox.objects.filter(pk=row.pk).update(sent_at=None)  # as if the mark never committed
    notifications.deliver_outbox()
    first, second = mail.outbox
    assert first.message()["Message-ID"] == second.message()["Message-ID"]
    assert f"xuncha-{row.pk}." in first.message()["Message-ID"]
