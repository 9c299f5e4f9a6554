"""Writing to the audit log. Services call `record()` inside their own transaction."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xuncha.audit.chain import GENESIS, entry_hash
from xuncha.audit.context import current_ip
from xuncha.audit.models import Action, AuditEntry, AuditHead


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
        actor_name=(user.get_username() if user else str(actor or "匿名"))[:150],
        ip=(current_ip.get() if ip is None else ip)[:45],
        action=str(action),
        object_type=object_type or obj_type,
        object_id=str(object_id or obj_id),
        summary=(summary or obj_summary)[:300],
        changes=changes or {},
        prev_hash=head.hash,
        algorithm=algorithm,
    )
    entry.hash = entry_hash(entry.prev_hash, entry.hashed_fields(), algorithm)
    entry.save()
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    return entry


def record_read(*, actor, obj, summary: str = "") -> AuditEntry:
    """Log a read of a confidential record."""
    return record(actor=actor, action=Action.READ, obj=obj, summary=summary)


def diff(before: dict, after: dict) -> dict:
    """The fields that changed, as {field: [old, new]}."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}
