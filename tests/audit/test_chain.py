"""The audit hash chain: append under a lock, gapless; `audit verify` finds tampering."""

import itertools
import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xuncha.audit.chain import ALTERED, GENESIS, INSERTED, REMOVED, ChainVerifier, entry_hash
from xuncha.audit.models import Action, AuditEntry, AuditHead
from xuncha.audit.services import audit_key, record, verify_chain
from xuncha.cli import main as xuncha_main
from xuncha.org.models import Office


def _fill(n, actor="测试", **kwargs):
    return [
        record(
            actor=actor,
            action=Action.UPDATE,
            object_type="org.unit",
            object_id=str(i),
            summary=f"第{i}次修改",
            changes={"name": ["旧", f"新{i}"], "n": i},
            **kwargs,
        )
        for i in range(n)
    ]


def _verify_fails(capsys=None):
    with pytest.raises(CommandError) as info:
        call_command("audit_verify")
    return str(info.value)


def _forge(seq, prev_hash, algorithm="sm3", summary="伪造的记录"):
    """An entry written straight into the table, bypassing record(), by someone who holds
    the chain key (the hardest case: without it the forged hash is wrong as well)."""
    last = AuditEntry.objects.order_by("-seq").first()
    entry = AuditEntry(
        seq=seq,
        at=last.at + timedelta(seconds=1),
        actor_name="attacker",
        action=Action.DELETE,
        object_type="org.unit",
        object_id="1",
        summary=summary,
        changes={},
        prev_hash=prev_hash,
        algorithm=algorithm,
    )
    entry.hash = entry_hash(prev_hash, entry.hashed_fields(), algorithm, audit_key())
    AuditEntry.objects.bulk_create([entry])
    return entry


# --- Appending -------------------------------------------------------------------------


@pytest.mark.django_db
def test_record_appends_a_gapless_linked_chain(cast):
    entries = _fill(5, actor=cast.office_staff)
    assert [e.seq for e in AuditEntry.objects.order_by("seq")][-5:] == [e.seq for e in entries]
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.hash
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (entries[-1].seq, entries[-1].hash)
    assert entries[0].actor_name == "office_staff"
    assert entries[0].algorithm == "sm3"


@pytest.mark.django_db
def test_a_failed_change_leaves_no_entry(cast):
    _fill(2)
    head_before = AuditHead.objects.values("seq", "hash").get(pk=1)
    count = AuditEntry.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():
        office = Office.objects.create(name="临时机构", level=Office.Level.COUNTY)
        record(actor=cast.office_admin, action=Action.CREATE, obj=office)
        Office.objects.create(name=None, level=Office.Level.COUNTY)  # NOT NULL: fails
    assert AuditEntry.objects.count() == count
    assert not Office.objects.filter(name="临时机构").exists()
    assert AuditHead.objects.values("seq", "hash").get(pk=1) == head_before
    # The next entry continues the chain with no gap.
    nxt = record(actor=cast.office_admin, action=Action.UPDATE, summary="之后的修改")
    assert nxt.seq == head_before["seq"] + 1
    call_command("audit_verify")


@pytest.mark.django_db
def test_values_are_stored_as_they_hash(cast):
    """Dates, numeric keys and NUL characters do not break the chain on either database."""
    from datetime import date

    record(
        actor=cast.office_staff,
        action=Action.UPDATE,
        summary="含\x00空字符",
        changes={"due": [date(2026, 1, 1), date(2026, 2, 1)], 10: "a", 9: "b", "t": "x\x00y"},
    )
    assert AuditEntry.objects.get(summary="含空字符").changes["t"] == "xy"
    call_command("audit_verify")


# --- Verification ---------------------------------------------------------------------


@pytest.mark.django_db
def test_intact_chain_verifies(db, capsys):
    _fill(7)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "审计链完好：共 7 条记录" in out
    assert "audit chain intact: 7 entries" in out


@pytest.mark.django_db
def test_cli_maps_audit_verify(db, capsys):
    _fill(2)
    xuncha_main(["audit", "verify"])
    assert "审计链完好" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change",
    [
        {"summary": "改过的摘要"},
        {"actor_name": "别人"},
        {"changes": {"name": ["旧", "改"]}},
        {"object_id": "999"},
    ],
)
def test_verify_catches_an_altered_entry(db, change):
    _fill(6)
    AuditEntry.objects.filter(seq=3).update(**change)
    message = _verify_fails()
    assert "第 3 条审计记录被篡改" in message
    assert "entry #3 altered" in message


@pytest.mark.django_db
def test_verify_catches_an_altered_timestamp_with_raw_sql(db):
    _fill(4)
    AuditEntry.objects.filter(seq=2).update(at=F("at") + timedelta(seconds=1))
    assert "第 2 条审计记录被篡改" in _verify_fails()


@pytest.mark.django_db
@pytest.mark.parametrize(("removed", "reported"), [(1, 1), (3, 3), (6, 6)])
def test_verify_catches_a_removed_entry(db, removed, reported):
    _fill(6)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [removed])
    message = _verify_fails()
    assert f"第 {reported} 条审计记录被删除" in message
    assert f"entry #{reported} removed" in message


@pytest.mark.django_db
def test_verify_catches_an_entry_inserted_at_the_end(db):
    entries = _fill(4)
    _forge(5, entries[-1].hash)  # a perfectly forged link, but the head does not know it
    message = _verify_fails()
    assert "第 5 条审计记录被插入" in message
    assert "entry #5 inserted" in message


@pytest.mark.django_db
def test_verify_catches_a_garbage_entry_inserted_at_the_end(db):
    _fill(3)
    _forge(4, "f" * 64)
    assert "第 4 条审计记录被插入" in _verify_fails()


@pytest.mark.django_db
def test_verify_catches_an_entry_inserted_in_the_middle(db):
    entries = _fill(6)
    # Make room at seq 3 by renumbering the later rows, then put a forged entry there.
    AuditEntry.objects.filter(seq__gte=3).update(seq=F("seq") + 1000)
    AuditEntry.objects.filter(seq__gte=1000).update(seq=F("seq") - 999)
    _forge(3, entries[1].hash)
    message = _verify_fails()
    assert "第 3 条审计记录被插入" in message
    assert "entry #3 inserted" in message


@pytest.mark.django_db
def test_verify_handles_both_algorithms(db, settings):
    settings.AUDIT_HASH_ALGORITHM = "sm3"
    _fill(3)
    settings.AUDIT_HASH_ALGORITHM = "sha256"
    _fill(3)
    assert (
        list(AuditEntry.objects.order_by("seq").values_list("algorithm", flat=True))
        == ["sm3"] * 3 + ["sha256"] * 3
    )
    count, problem = verify_chain()
    assert (count, problem) == (6, None)
    AuditEntry.objects.filter(seq=5).update(summary="改")
    assert "第 5 条审计记录被篡改" in _verify_fails()


@pytest.mark.django_db
def test_verify_streams_in_small_chunks(db):
    _fill(15)
    assert verify_chain(chunk_size=2) == (15, None)
    AuditEntry.objects.filter(seq=11).update(summary="改")
    count, problem = verify_chain(chunk_size=2)
    assert count == 10
    assert (problem.kind, problem.seq) == (ALTERED, 11)


@pytest.mark.django_db
def test_empty_chain_verifies(db):
    AuditEntry.objects.all().delete()
    AuditHead.objects.update(seq=0, hash=GENESIS)
    assert verify_chain() == (0, None)


# --- Concurrency (PostgreSQL: real row locks between connections) ---------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_appends_stay_gapless():
    from django.db import connections

    errors = []

    def writer(n):
        try:
            for i in range(10):
                with transaction.atomic():
                    record(actor=f"writer{n}", action=Action.UPDATE, summary=f"{n}-{i}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 41))
    assert verify_chain() == (40, None)


# --- The verifier itself, on generated chains -----------------------------------------


def _chain(n, algorithm="sm3"):
    rows, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {"seq": seq, "summary": f"e{seq}"}
        digest = entry_hash(prev, fields, algorithm)
        rows.append([seq, prev, digest, algorithm, fields])
        prev = digest
    return rows


def _run(rows, head):
    verifier = ChainVerifier()
    for seq, prev, digest, algorithm, fields in rows:
        problem = verifier.feed(seq, prev, digest, algorithm, fields)
        if problem:
            return problem
    return verifier.finish(*head)


@given(
    n=st.integers(min_value=1, max_value=25),
    kind=st.sampled_from([ALTERED, REMOVED, INSERTED, None]),
    where=st.integers(min_value=0, max_value=1000),
    algorithm=st.sampled_from(["sm3", "sha256"]),
)
@hsettings(max_examples=150, deadline=None)
def test_verifier_reports_the_first_break(n, kind, where, algorithm):
    rows = _chain(n, algorithm)
    head = (n, rows[-1][2])
    if kind is None:
        assert _run(rows, head) is None
        return
    if kind == ALTERED:
        i = where % n
        rows[i][4] = {**rows[i][4], "summary": "改"}
        expected = i + 1
    elif kind == REMOVED:
        i = where % n
        del rows[i]
        expected = i + 1
    else:
        i = where % (n + 1)  # position of the forged entry, 0-based; n = at the end
        prev = rows[i - 1][2] if i else GENESIS
        fields = {"seq": i + 1, "summary": "伪造"}
        forged = [i + 1, prev, entry_hash(prev, fields, algorithm), algorithm, fields]
        for row in rows[i:]:  # renumbered to make room: their content changes
            row[0] += 1
            row[4] = {**row[4], "seq": row[0]}
        rows.insert(i, forged)
        expected = i + 1
    problem = _run(rows, head)
    assert problem is not None
    assert (problem.kind, problem.seq) == (kind, expected)


@given(st.binary(max_size=300))
@hsettings(max_examples=100, deadline=None)
def test_fast_sm3_equals_the_reference_implementation(data):
    from xuncha.audit.chain import _sm3_openssl, _sm3_python

    assert _sm3_openssl(data) == _sm3_python(data)


def test_sm3_known_answer():
    # GB/T 32905-2016 example 1: SM3("abc").
    from xuncha.audit.chain import digest

    assert digest(b"abc", "sm3") == (
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
