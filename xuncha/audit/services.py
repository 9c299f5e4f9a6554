"""Writing to the audit log. Services call `record()` inside their own transaction."""

import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xuncha.audit import checkpoints
from xuncha.audit.chain import GENESIS, ChainVerifier, Problem, entry_hash
from xuncha.audit.context import current_ip
from xuncha.audit.models import Action, AuditEntry, AuditHead
from xuncha.core import cache
from xuncha.core.keys import key_file, keys_dir, secret_key

_KEYED_FROM: dict[str, int] = {}


def audit_key() -> bytes:
    """The chain key (HMAC), outside the database: XUNCHA_AUDIT_KEY or KEYS_DIR/audit-chain.key."""
    return secret_key("audit-chain", settings.AUDIT_KEY)


def keyed_from(*, first_new: int | None = None) -> int | None:
    """The first sequence number hashed with the key, recorded in KEYS_DIR/audit-keyed-from.

    Written once, by the first entry appended after keying was introduced (`first_new`, its
    number): a new installation starts keyed at #1; an existing chain keeps its earlier,
    plain-hashed entries, verified the old way up to this switch point. It is kept beside
    the key, outside the database, so a rewrite cannot move it. None: not keyed yet.
    """
    path = str(keys_dir() / "audit-keyed-from")
    if path in _KEYED_FROM:
        return _KEYED_FROM[path]
    if first_new is None and not (keys_dir() / "audit-keyed-from").exists():
        return None
    value = int(key_file("audit-keyed-from", lambda: str(first_new).encode()))
    _KEYED_FROM[path] = value
    return value


def _clean(text) -> str:
    # PostgreSQL refuses NUL characters in text; an attacker's input must not break logging.
    return str(text).replace("\x00", "")


def _plain(changes: dict | None) -> dict:
    """The changes as they will read back from the JSON column (str keys, str dates), so
    the hash computed now matches the hash recomputed from the stored row later."""
    if not changes:
        return {}
    return _strip_nul(json.loads(json.dumps(changes, default=str)))


def _strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    return value


def _label(obj) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    return obj._meta.label_lower, str(obj.pk), str(obj)[:300]


@transaction.atomic
def record(
    *,
    actor,
    action: str,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    changes: dict | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry to the chain, in the caller's transaction.

    The head row is locked, so concurrent writers append one after another and the
    sequence has no gaps: a rolled-back change leaves no entry behind.
    """
    obj_type, obj_id, obj_summary = _label(obj)
    algorithm = settings.AUDIT_HASH_ALGORITHM
    head, _created = AuditHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"seq": 0, "hash": GENESIS, "algorithm": algorithm}
    )
    user = actor if getattr(actor, "is_authenticated", False) else None
    entry = AuditEntry(
        seq=head.seq + 1,
        at=timezone.now(),
        actor=user,
        actor_name=_clean(user.get_username() if user else (actor or "匿名"))[:150],
        ip=_clean(current_ip.get() if ip is None else ip)[:45],
        action=str(action),
        object_type=_clean(object_type or obj_type)[:60],
        object_id=_clean(object_id or obj_id)[:64],
        summary=_clean(summary or obj_summary)[:300],
        changes=_plain(changes),
        prev_hash=head.hash,
        algorithm=algorithm,
    )
    start = keyed_from(first_new=entry.seq)
    key = audit_key() if entry.seq >= start else None
    entry.hash = entry_hash(entry.prev_hash, entry.hashed_fields(), algorithm, key)
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    if entry.action not in _NO_CHANGE:
        cache.bump()  # per-user caches (roles, menu, dashboards) see the change
    return entry


# Entries that change no record: they leave the cached dashboards and menus as they are.
_NO_CHANGE = {Action.READ, Action.EXPORT, Action.LOGIN, Action.LOGIN_FAILED, Action.LOGOUT}


def record_read(*, actor, obj, summary: str = "") -> AuditEntry:
    """Log a read of a confidential record."""
    return record(actor=actor, action=Action.READ, obj=obj, summary=summary)


def confidential_fields(obj) -> tuple[str, ...]:
    """The fields a model declares confidential (`CONFIDENTIAL_FIELDS = (...)` on the model)."""
    return tuple(getattr(obj, "CONFIDENTIAL_FIELDS", ()))


def confidential(objs, *, actor, fields=None, summary: str = "", action=Action.READ, changes=None):
    """THE audited read of confidential fields: every page, API operation and download
    that returns a field listed in a model's `CONFIDENTIAL_FIELDS` passes its rows here.

    `objs`: one object or an iterable (list, queryset, page; mixed models allowed).
    `fields`: the fields shown (default: all the model declares; a dict {model label:
    fields} for mixed lists). ONE entry per call, whatever the number of rows, so list
    pages keep a constant query count. A single object, or the first of mixed objects (a
    handover before its clues and extracts), is the entry's object; a list of one model
    names the model. Every id is in `changes["read"]` ({model label: [ids]}), the fields
    in `changes["fields"]`. Nothing read, nothing written. A download passes
    `action=Action.EXPORT` and its watermark in `changes`. Returns `objs`.
    """
    rows = [objs] if hasattr(objs, "_meta") else list(objs)
    if not rows:
        return objs
    read: dict[str, dict[str, None]] = {}
    read_fields: dict[str, list[str]] = {}
    for row in rows:
        label = row._meta.label_lower
        read.setdefault(label, {})[str(row.pk)] = None
        if label not in read_fields:
            shown = fields.get(label, ()) if isinstance(fields, dict) else fields
            read_fields[label] = list(shown or confidential_fields(row))
    changes = {
        "read": {label: list(ids) for label, ids in read.items()},
        "fields": read_fields,
        **(changes or {}),
    }
    first = rows[0]
    if len(rows) == 1 or len(read) > 1:
        record(actor=actor, action=action, obj=first, summary=summary, changes=changes)
        return objs
    label = first._meta.label_lower
    record(
        actor=actor,
        action=action,
        object_type=label,
        object_id="",
        summary=summary or f"查阅{first._meta.verbose_name} {len(read[label])} 条",
        changes=changes,
    )
    return objs


def reads_of(obj, entries=None):
    """The read and export entries that name `obj`, alone or in a list (for tests)."""
    label, pk = obj._meta.label_lower, str(obj.pk)
    if entries is None:
        entries = AuditEntry.objects.filter(action__in=[Action.READ, Action.EXPORT])
    return [
        e
        for e in entries
        if (e.object_type == label and e.object_id == pk)
        or pk in (e.changes or {}).get("read", {}).get(label, [])
    ]


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def verify_chain(
    *, chunk_size: int = 2000, write_checkpoint: bool = False
) -> tuple[int, Problem | None]:
    """Walk the whole chain in sequence order; return (entries checked, first problem).

    Each entry is checked against the keyed chain (plain hashes only before the recorded
    switch point) and against every signed checkpoint. With `write_checkpoint`, a chain
    found intact gets a new checkpoint at the head just verified.
    """
    found, problem = checkpoints.load()
    if problem is None:
        pinned, problem = checkpoints.pins(found)
    if problem is not None:
        return 0, problem
    count, problem, last = _walk(ChainVerifier(**_keying(), checkpoints=pinned), chunk_size)
    if problem is None and write_checkpoint:
        _checkpoint_if_new(last, found)
    return count, problem


def checkpoint(*, chunk_size: int = 2000) -> tuple[dict | None, Problem | None]:
    """Verify the entries since the last checkpoint, then sign the head (periodic task).

    Returns (the new checkpoint line or None when the head is already checkpointed or the
    chain is empty, problem). A chain that does not verify gets no checkpoint.
    """
    found, problem = checkpoints.load()
    if problem is None:
        pinned, problem = checkpoints.pins(found)
    if problem is not None:
        return None, problem
    latest = max(found, key=lambda cp: cp.seq, default=None)
    start = (latest.seq, latest.hash) if latest else (0, GENESIS)
    verifier = ChainVerifier(**_keying(), checkpoints=pinned, start=start)
    _count, problem, last = _walk(verifier, chunk_size)
    if problem is not None:
        return None, problem
    return _checkpoint_if_new(last, found), None


def _keying() -> dict:
    start = keyed_from()
    return {"key": audit_key() if start is not None else None, "keyed_from": start}


def _checkpoint_if_new(last, found) -> dict | None:
    seq, hash_, at = last
    if seq == 0 or any(cp.seq == seq for cp in found):
        return None
    return checkpoints.append(seq=seq, hash=hash_, at=at)


def _walk(verifier: ChainVerifier, chunk_size: int):
    """Stream the entries after the verifier's start through it; (count, problem, last).

    Memory stays bounded: rows are streamed in chunks and the verifier keeps only a
    window of recent hashes. Writers are not blocked. Entries appended while the walk
    runs are legitimate, so the head is read after the walk and anything found beyond
    the head as read then counts as inserted. `last` is (seq, hash, time) of the last
    entry verified.
    """
    fields = ["seq", "at", "actor_id", "actor_name", "ip", "action", "object_type"]
    fields += ["object_id", "summary", "changes", "prev_hash", "hash", "algorithm"]
    problem = None
    last_at = None
    while problem is None:
        before = verifier.last_seq
        rows = (
            AuditEntry.objects.filter(seq__gt=verifier.last_seq)
            .order_by("seq")
            .only(*fields)
            .iterator(chunk_size=chunk_size)
        )
        for entry in rows:
            problem = verifier.feed(
                entry.seq, entry.prev_hash, entry.hash, entry.algorithm, entry.hashed_fields()
            )
            if problem is not None:
                break
            last_at = entry.at
        head = AuditHead.objects.filter(pk=1).first()
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if problem is not None:
            if problem.seq > head_seq:
                problem = Problem(
                    "inserted",
                    problem.seq,
                    f"链头记录到第 {head_seq} 条，其后出现了不属于链的记录",
                    f"the head ends at #{head_seq}; entries after it do not belong to the chain",
                )
            break
        if verifier.last_seq < head_seq and verifier.last_seq > before:
            continue  # entries were appended while we walked: check them too
        problem = verifier.finish(head_seq, head_hash)
        break
    return verifier.count, problem, (verifier.last_seq, verifier.last_hash, last_at)
