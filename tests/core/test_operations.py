"""运行维护 (issue 15 §11): the operations overview on the status page and over the API —
worker, last backup and its verification, database size, audit chain and its checkpoint,
key ages, certificate and disk — each with the verdict a system administrator acts on."""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.matrix import USERS, case, check_all
from xuncha.audit.models import AuditEntry
from xuncha.audit.services import record, verify_chain
from xuncha.core import backup, operations
from xuncha.core.errors import DomainError
from xuncha.core.keys import keys_dir, secret_key

pytestmark = pytest.mark.django_db
# backup() copies the database through a second connection: those tests commit for real.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _warned(overview, section):
    return [w["label"] for w in overview["warnings"] if w["section"] == section]


@COMMITTED
def test_backup_verdict_follows_backup_and_verification(cast, tmp_path):
    now = timezone.now()
    assert operations.backups(now)["level"] == "danger"
    assert _warned(operations.overview(), "备份") == [
        "从未备份：请运行 xuncha backup 并配置每日定时备份"
    ]
    manifest = backup.backup(tmp_path / "b")
    folder = tmp_path / "b" / manifest["id"]
    state = operations.backups(timezone.now())
    assert (state["level"], state["last_id"]) == ("warning", manifest["id"])
    assert "尚未校验" in state["label"]
    backup.verify_recorded(folder, tmp_path / "b" / f"{manifest['id']}-keys")
    state = operations.backups(timezone.now())
    assert (state["level"], state["verified_id"]) == ("success", manifest["id"])
    # A damaged copy: the verification fails, is audited, and the page says so.
    (folder / manifest["database"]).write_bytes(b"damaged")
    with pytest.raises(DomainError):
        backup.verify_recorded(folder)
    state = operations.backups(timezone.now())
    assert state["level"] == "danger" and state["failed_id"] == manifest["id"]
    assert state["label"].startswith("最近一次备份校验失败：")
    assert AuditEntry.objects.filter(summary__startswith="备份校验失败 ").count() == 1
    # Too old: a day later than the office's backup period.
    assert operations.backups(timezone.now() + timedelta(days=3))["level"] == "danger"


@COMMITTED
def test_an_old_backup_is_a_warning(cast, tmp_path, settings):
    manifest = backup.backup(tmp_path / "b")
    backup.verify_recorded(tmp_path / "b" / manifest["id"])
    assert operations.backups(timezone.now())["level"] == "success"
    state = operations.backups(timezone.now() + timedelta(days=2, hours=1))
    assert state["level"] == "warning" and "2 天前" in state["label"]
    settings.OPS_BACKUP_MAX_AGE_DAYS = 7
    assert operations.backups(timezone.now() + timedelta(days=2, hours=1))["level"] == "success"


@COMMITTED
def test_backup_verify_command_reports_and_records(cast, tmp_path, capsys):
    manifest = backup.backup(tmp_path / "b")
    folder = tmp_path / "b" / manifest["id"]
    call_command("backup", "--verify", str(folder), "--keys", f"{folder}-keys")
    assert "备份校验通过" in capsys.readouterr().out
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(CommandError, match="备份校验失败"):
        call_command("backup", "--verify", str(folder))
    summaries = list(
        AuditEntry.objects.filter(object_type="core.backup")
        .order_by("seq")
        .values_list("summary", flat=True)
    )
    assert summaries[0].startswith("数据备份 ")
    assert summaries[1] == f"备份校验通过 {manifest['id']}"
    assert summaries[2].startswith(f"备份校验失败 {manifest['id']}：")


def test_audit_chain_section_counts_entries_after_the_last_checkpoint(cast):
    state = operations.audit_chain(timezone.now())
    assert state["level"] == "warning" and state["checkpoint_seq"] is None
    record(actor=cast.auditor, action="read", summary="查阅")
    count, problem = verify_chain(write_checkpoint=True)
    assert problem is None
    state = operations.audit_chain(timezone.now())
    assert state["level"] == "success"
    assert state["checkpoint_seq"] == state["head_seq"] == count
    for n in range(3):
        record(actor=cast.auditor, action="read", summary=f"查阅{n}")
    state = operations.audit_chain(timezone.now())
    assert (state["unverified"], state["level"]) == (3, "success")
    later = operations.audit_chain(timezone.now() + timedelta(days=2))
    assert later["level"] == "warning" and "其后 3 条记录尚未校验" in later["label"]


def test_old_keys_are_named_for_rotation(cast, settings):
    secret_key("petitions-master")
    secret_key("receipt")
    state = operations.keys(timezone.now())
    assert state["level"] == "success"
    assert {f["name"] for f in state["files"]} >= {"petitions-master.key", "receipt.key"}
    old = time.time() - 400 * 86400
    os.utime(keys_dir() / "receipt.key", (old, old))
    state = operations.keys(timezone.now())
    assert state["level"] == "warning"
    assert state["label"].endswith("请按保密制度安排轮换：receipt.key")
    settings.OPS_KEY_MAX_AGE_DAYS = 500
    assert operations.keys(timezone.now())["level"] == "success"


def _certificate(path: Path, days: int) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xuncha.example")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=400))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


@pytest.mark.parametrize(
    "days, level, words",
    [(200, "success", "证书有效"), (10, "warning", "天后过期"), (-1, "danger", "证书已过期")],
)
def test_certificate_expiry(settings, tmp_path, days, level, words):
    assert operations.certificate(timezone.now())["level"] == "secondary"
    settings.OPS_TLS_CERT_FILE = str(tmp_path / "cert.pem")
    assert operations.certificate(timezone.now())["level"] == "danger"  # missing file
    _certificate(tmp_path / "cert.pem", days)
    state = operations.certificate(timezone.now())
    assert state["level"] == level and words in state["label"]


def test_disk_and_database_sections(cast, settings):
    state = operations.disks()
    assert [p["place"] for p in state["places"]] == [
        "数据目录",
        "上传文件目录",
        "密钥目录",
        "备份目录",
    ]
    assert state["level"] == "success"
    settings.OPS_DISK_WARN_PERCENT = 101
    state = operations.disks()
    assert state["level"] == "danger" and state["label"].startswith("磁盘空间不足：数据目录")
    assert operations.database()["bytes"] > 0


@COMMITTED
def test_page_and_api_show_the_same_overview(cast, login, tmp_path):
    backup.backup(tmp_path / "b")
    page = login(cast.sysadmin).get("/system/status/").content.decode()
    assert "运维告警" in page
    assert "最近一次备份尚未校验" in page
    assert "尚无签名检查点" in page
    response = login(cast.sysadmin).get("/api/v1/system/operations")
    assert response.status_code == 200
    body = response.json()
    assert body["backup"]["label"] == "最近一次备份尚未校验：请运行 xuncha backup --verify 备份目录"
    assert {w["section"] for w in body["warnings"]} >= {"备份", "审计链"}
    assert set(body) >= {"worker", "database", "keys", "certificate", "disk", "checked_at"}
    # Times are the office's local time (Asia/Shanghai), with the offset, never bare UTC.
    assert body["checked_at"].endswith("+08:00")
    assert body["backup"]["last_at"].endswith("+08:00")
    local = timezone.localtime(AuditEntry.objects.get(summary__startswith="数据备份 ").at)
    assert local.strftime("%Y-%m-%d %H:%M:%S") in page


SIGNED_IN = set(USERS) - {"anonymous"}
CASES = [
    case("status_page", "get", lambda c: "/system/status/", {"sysadmin"}),
    case(
        "operations_api",
        "get",
        lambda c: "/api/v1/system/operations",
        {"sysadmin"},
        schema_path="/api/v1/system/operations",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(cast, case):
    check_all(case, cast)


def test_worker_section_lists_live_and_lost_workers(cast, login):
    from xuncha.core.models import WorkerHeartbeat

    now = timezone.now()
    lost = WorkerHeartbeat.objects.create(
        worker_id="w-lost", hostname="node-b", pid=4242, started_at=now, last_seen=now
    )
    WorkerHeartbeat.objects.filter(pk=lost.pk).update(last_seen=now - timedelta(hours=1))
    state = operations.worker(now)
    assert state["level"] == "danger"
    assert state["label"] == "没有存活的任务进程：请启动 xuncha worker"
    WorkerHeartbeat.objects.create(
        worker_id="w-live", hostname="node-a", pid=4343, started_at=now, last_seen=now
    )
    state = operations.worker(now)
    assert [(w["worker_id"], w["alive"]) for w in state["workers"]] == [
        ("w-live", True),
        ("w-lost", False),
    ]
    assert "存活进程 1 个" in state["label"]
    page = login(cast.sysadmin).get("/system/status/").content.decode()
    assert "node-b / 4242" in page and "已失联" in page
