"""The system status page: sysadmins only; shows whether the task worker is alive."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from xuncha.core.status import HEARTBEAT_PATH, worker_status

pytestmark = pytest.mark.django_db
URL = "/system/status/"


@pytest.fixture(autouse=True)
def _database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _result(status, *, path=HEARTBEAT_PATH, enqueued_ago=0, finished_ago=None):
    now = timezone.now()
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=path,
        backend_name="default",
        run_after=now - timedelta(seconds=enqueued_ago),
        finished_at=None if finished_ago is None else now - timedelta(seconds=finished_ago),
    )
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=now - timedelta(seconds=enqueued_ago))
    return row


def test_url_name():
    assert reverse("system_status") == URL


def test_sysadmin_sees_the_page(cast, login):
    response = login(cast.sysadmin).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    engine = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[connection.vendor]
    assert "后台任务进程" in page and "数据库" in page and engine in page
    assert "运行状态" in page  # menu entry


@pytest.mark.parametrize("role", ["office_admin", "office_staff", "auditor", "unit_liaison"])
def test_other_roles_are_refused(cast, login, role):
    response = login(getattr(cast, role)).get(URL)
    assert response.status_code == 403
    assert "运行状态" not in login(getattr(cast, role)).get("/").content.decode()


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_post_enqueues_one_heartbeat(cast, login):
    client = login(cast.sysadmin)
    assert client.post(URL).status_code == 302
    assert client.post(URL).status_code == 302
    assert DBTaskResult.objects.filter(task_path=HEARTBEAT_PATH).count() == 1
    assert login(cast.office_staff).post(URL).status_code == 403


def test_verdicts():
    assert worker_status()["state"] == "unknown"
    _result(TaskResultStatus.SUCCESSFUL, enqueued_ago=30, finished_ago=20)
    assert worker_status()["state"] == "alive"
    _result(TaskResultStatus.READY, path="xuncha.other.task", enqueued_ago=600)
    status = worker_status()
    assert status["state"] == "stuck" and status["ready"] == 1


def test_failed_tasks_are_listed(cast, login):
    _result(TaskResultStatus.FAILED, path="xuncha.other.broken", finished_ago=60)
    status = worker_status()
    assert status["failed_day"] == 1
    page = login(cast.sysadmin).get(URL).content.decode()
    assert "xuncha.other.broken" in page
