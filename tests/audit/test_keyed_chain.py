"""A rewrite of the audit log with recomputed hashes is found: the chain is keyed with a key
kept outside the database, and signed checkpoints outside the database pin its head."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import F
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xuncha.audit import checkpoints
from xuncha.audit.chain import ALTERED, CHECKPOINT, GENESIS, REMOVED, entry_hash
from xuncha.audit.models import Action, AuditEntry, AuditHead
from xuncha.audit.services import audit_key, checkpoint, keyed_from, record, verify_chain

pytestmark = pytest.mark.django_db


def _fill(n):
    for i in range(n):
        record(actor="测试", action=Action.UPDATE, object_id=str(i), summary=f"第{i}次修改")


def _rewrite_from(seq, key=None, change=None):
    """Recompute every hash from `seq` on, as an attacker with database access would:
    with plain hashes (no key) or with the stolen key; update the head to match."""
    if change:
        AuditEntry.objects.filter(seq=seq).update(**change)
    prev = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS
    for entry in AuditEntry.objects.filter(seq__gte=seq).order_by("seq"):
        digest = entry_hash(prev, entry.hashed_fields(), entry.algorithm, key)
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=prev, hash=digest)
        prev = digest
    last = AuditEntry.objects.order_by("-seq").first()
    AuditHead.objects.filter(pk=1).update(seq=last.seq, hash=prev)


def _delete_and_renumber(seq):
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [seq])
    AuditEntry.objects.filter(seq__gt=seq).update(seq=F("seq") + 1000)
    AuditEntry.objects.filter(seq__gt=1000).update(seq=F("seq") - 1001)


def _problem():
    count, problem = verify_chain()
    assert problem is not None, f"{count} entries verified, no problem found"
    return problem


def test_a_new_installation_starts_keyed(db):
    _fill(3)
    assert keyed_from() == 1
    entry = AuditEntry.objects.get(seq=2)
    plain = entry_hash(entry.prev_hash, entry.hashed_fields(), entry.algorithm)
    assert entry.hash != plain
    assert entry.hash == entry_hash(entry.prev_hash, entry.hashed_fields(), "sm3", audit_key())
    assert verify_chain() == (3, None)


@pytest.mark.parametrize("algorithm", ["sm3", "sha256"])
def test_rewrite_with_recomputed_plain_hashes_is_found(db, settings, algorithm):
    settings.AUDIT_HASH_ALGORITHM = algorithm
    _fill(8)
    _rewrite_from(4, key=None, change={"summary": "改写后的摘要"})
    problem = _problem()
    assert (problem.kind, problem.seq) == (ALTERED, 4)
    with pytest.raises(CommandError, match="第 4 条审计记录被篡改"):
        call_command("audit_verify")


def test_delete_and_recompute_without_the_key_is_found(db):
    _fill(8)
    _delete_and_renumber(3)
    _rewrite_from(3, key=None)
    assert _problem().seq == 3


def test_insert_with_plain_hash_is_found(db):
    _fill(5)
    AuditEntry.objects.filter(seq__gte=3).update(seq=F("seq") + 1000)
    AuditEntry.objects.filter(seq__gte=1000).update(seq=F("seq") - 999)
    entry = AuditEntry.objects.get(seq=2)
    entry.pk, entry.seq, entry.summary = None, 3, "伪造"
    AuditEntry.objects.bulk_create([entry])
    _rewrite_from(3, key=None)
    assert _problem().seq == 3


def test_rewrite_with_the_key_before_the_last_checkpoint_is_found(db):
    """Even the key holder cannot rewrite what a signed checkpoint has seen."""
    _fill(10)
    line, problem = checkpoint()
    assert problem is None and line["seq"] == 10
    _delete_and_renumber(5)  # one entry removed, everything after recomputed with the key
    _rewrite_from(5, key=audit_key())
    problem = _problem()
    assert problem.kind == REMOVED
    assert "检查点" in str(problem)


def test_rewrite_with_the_key_of_an_entry_at_a_checkpoint_is_found(db):
    _fill(6)
    checkpoint()
    _fill(4)
    _rewrite_from(3, key=audit_key(), change={"summary": "改写"})
    problem = _problem()
    assert (problem.kind, problem.seq) == (ALTERED, 6)
    assert "检查点" in str(problem)


def test_cutting_the_chain_back_before_a_checkpoint_is_found(db):
    _fill(8)
    call_command("audit_verify")  # an intact verify writes a checkpoint at #8
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq > 6")
    last = AuditEntry.objects.get(seq=6)
    AuditHead.objects.filter(pk=1).update(seq=6, hash=last.hash)
    problem = _problem()
    assert (problem.kind, problem.seq) == (REMOVED, 7)


def test_plain_alter_delete_insert_still_found_with_checkpoints(db):
    _fill(6)
    checkpoint()
    AuditEntry.objects.filter(seq=2).update(at=F("at") + timedelta(seconds=1))
    assert _problem().seq == 2


def test_a_forged_or_edited_checkpoint_is_refused(db):
    _fill(4)
    line, _ = checkpoint()
    path = checkpoints.checkpoint_path()
    forged = {**line, "seq": 3}
    path.write_text(path.read_text() + json.dumps(forged) + "\n")
    problem = _problem()
    assert problem.kind == CHECKPOINT
    assert "第 2 行" in str(problem)


def test_checkpoint_file_lives_in_the_keys_dir_and_is_signed(db, settings, tmp_path):
    settings.KEYS_DIR = tmp_path / "keys-elsewhere"
    _fill(3)
    line, problem = checkpoint()
    assert problem is None
    assert checkpoints.checkpoint_path() == tmp_path / "keys-elsewhere" / "audit-checkpoints.jsonl"
    assert (tmp_path / "keys-elsewhere" / "audit-chain.key").exists()
    assert line["algorithm"] == "ed25519" and len(line["signature"]) == 128
    again, _ = checkpoint()
    assert again is None  # the head is already checkpointed
    _fill(1)
    line2, _ = checkpoint()
    assert line2["seq"] == 4
    found, problem = checkpoints.load()
    assert [cp.seq for cp in found] == [3, 4] and problem is None


def test_sm2_signed_checkpoints(db, settings):
    settings.FIELDKIT_SIGNATURE = "sm2"
    _fill(2)
    line, problem = checkpoint()
    assert problem is None and line["algorithm"] == "sm2"
    assert verify_chain() == (2, None)


def test_checkpoint_refused_on_a_broken_chain(db, capsys):
    _fill(3)
    AuditEntry.objects.filter(seq=2).update(summary="改")
    with pytest.raises(CommandError, match="未写入检查点"):
        call_command("audit_checkpoint")
    assert not checkpoints.checkpoint_path().exists()


def test_checkpoint_command_prints_the_line(db, capsys):
    _fill(2)
    call_command("audit_checkpoint")
    out = capsys.readouterr().out
    assert "已写入第 2 条记录处的签名检查点" in out
    assert json.loads(out.strip().splitlines()[-1])["seq"] == 2


def test_existing_plain_chain_switches_at_a_recorded_point(db, settings):
    """An installation from before keying: its plain entries verify the old way up to the
    switch point recorded (outside the database) by the first keyed entry."""
    from xuncha.audit import services

    # Entries written before keying existed: plain hashes, no switch point recorded.
    prev = GENESIS
    for i in range(3):
        entry = AuditEntry(
            seq=i + 1,
            at=timezone.now(),
            actor_name="旧系统",
            action=Action.UPDATE,
            summary=f"旧记录{i}",
            changes={},
            prev_hash=prev,
            algorithm="sm3",
        )
        entry.hash = entry_hash(prev, entry.hashed_fields(), "sm3")
        entry.save()
        prev = entry.hash
    AuditEntry.objects.filter(seq__gt=3).delete()
    AuditHead.objects.update_or_create(pk=1, defaults={"seq": 3, "hash": prev, "algorithm": "sm3"})
    services._KEYED_FROM.clear()
    assert keyed_from() is None
    assert verify_chain() == (3, None)
    _fill(2)
    assert keyed_from() == 4
    assert verify_chain() == (5, None)
    # A rewrite of the new entries with plain hashes is found...
    _rewrite_from(5, key=None, change={"summary": "改"})
    assert _problem().seq == 5


def test_the_periodic_task_writes_a_checkpoint(db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    _fill(3)
    call_command("audit_checkpoint", "--enqueue")
    found, problem = checkpoints.load()
    assert problem is None and [cp.seq for cp in found] == [3]


@given(key=st.binary(min_size=1, max_size=100), data=st.binary(max_size=300))
@hsettings(max_examples=100, deadline=None)
def test_fast_hmac_sm3_equals_the_reference_construction(key, data):
    from xuncha.audit.chain import _hmac_sm3_openssl, _hmac_sm3_python

    assert _hmac_sm3_openssl(key, data) == _hmac_sm3_python(key, data)


def test_each_checkpoint_is_logged_for_an_external_log(db, caplog):
    _fill(2)
    with caplog.at_level("INFO", logger="xuncha.audit.checkpoint"):
        line, _ = checkpoint()
    assert any(line["signature"] in r.getMessage() for r in caplog.records)
