"""Writes of the archive: borrowed materials, archiving, retention settings, disposal.

Each service validates (DomainError in Chinese), changes, and records the audit entry in
one transaction: a refused step leaves nothing behind.
"""

import hashlib
import json
from datetime import date

from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from xuncha.archive import collect
from xuncha.archive.models import (
    Archive,
    ArchiveItem,
    BorrowedMaterial,
    DisposalDecision,
    RecordKind,
    Retention,
    RetentionRule,
    expiry,
    retention_for,
)
from xuncha.archive.selectors import outstanding_message
from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import download_name
from xuncha.org.models import Role
from xuncha.plans.models import Inspection

OFFICE_WORK = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}

Stage = Inspection.Stage
# Archiving follows the rectification assessment: at 评估 the feedback, handovers,
# concentrated rectification and its assessment are on record, so the archive is complete.
ARCHIVABLE_STAGES = {Stage.EVALUATION, Stage.ARCHIVED}
EXTEND_CHOICES = (10, 30)


def _office_roles(user, office_id, roles) -> bool:
    from xuncha.org import access

    wanted = {str(r) for r in roles}
    return any(a.office_id == office_id and a.role in wanted for a in access._assignments(user))


def _require_office(user, office_id, what: str, admin=False):
    roles = {Role.OFFICE_ADMIN} if admin else {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
    if not _office_roles(user, office_id, roles):
        who = "巡察办管理员" if admin else "巡察办管理员或工作人员"
        raise DomainError(f"只有本巡察机构的{who}可以{what}。")


def _not_archived(inspection, what):
    if Archive.objects.filter(inspection_id=inspection.pk).exists():
        raise DomainError(f"该巡察已立卷归档，不能再{what}。")


def _check_date(value, label, *, not_before=None, field=None):
    if value is None:
        raise DomainError(f"请填写{label}。", field=field)
    if value > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天。", field=field)
    if not_before and value < not_before:
        raise DomainError(f"{label}不能早于调阅日期（{not_before:%Y年%m月%d日}）。", field=field)


# --------------------------------------------------------------------------- materials


@transaction.atomic
def material_log(
    *, inspection, unit, title, copies, borrowed_on, handler, actor, note=""
) -> BorrowedMaterial:
    """Log an original borrowed from a unit (调阅材料登记)."""
    _require_office(actor, inspection.office_id, "登记调阅材料")
    _not_archived(inspection, "登记调阅材料")
    title, handler = (title or "").strip(), (handler or "").strip()
    if not title:
        raise DomainError("请填写材料名称。", field="title")
    if not handler:
        raise DomainError("请填写经手人。", field="handler")
    if not copies or copies < 1 or copies > 9999:
        raise DomainError("份数应为 1 至 9999。", field="copies")
    if unit is None or not inspection.units.filter(pk=unit.pk).exists():
        raise DomainError("提供单位应为本次巡察的被巡察单位。", field="unit")
    _check_date(borrowed_on, "调阅日期", field="borrowed_on")
    material = BorrowedMaterial.objects.create(
        inspection=inspection,
        unit=unit,
        material_title=title[:200],
        copies=copies,
        borrowed_on=borrowed_on,
        handler=handler[:50],
        material_note=(note or "").strip()[:200],
        logged_by=actor,
    )
    record(
        actor=actor,
        action=Action.CREATE,
        obj=material,
        summary=f"登记调阅材料：{material.material_title}（{unit.name}，{copies}份）",
        changes={"inspection": inspection.pk, "borrowed_on": str(borrowed_on)},
    )
    return material


CLEAR_STATES = {
    "returned": BorrowedMaterial.State.RETURNED,
    "destroyed": BorrowedMaterial.State.DESTROYED,
}


@transaction.atomic
def material_clear(*, material, how, cleared_on, note, actor) -> BorrowedMaterial:
    """Record that a borrowed material was returned to the unit or destroyed (清退)."""
    locked = BorrowedMaterial.objects.select_for_update().get(pk=material.pk)
    _require_office(actor, locked.inspection.office_id, "登记清退")
    if locked.state != BorrowedMaterial.State.OUTSTANDING:
        raise DomainError(
            f"《{locked.material_title}》已{locked.get_state_display()[1:]}，不能重复登记。"
        )
    if how not in CLEAR_STATES:
        raise DomainError("清退方式应为“退还”或“销毁”。", field="how")
    _check_date(cleared_on, "清退日期", not_before=locked.borrowed_on, field="cleared_on")
    note = (note or "").strip()
    if not note:
        who = "接收人" if how == "returned" else "监销人"
        raise DomainError(f"请在说明中写明{who}。", field="note")
    locked.state = CLEAR_STATES[how]
    locked.cleared_on = cleared_on
    locked.cleared_note = note[:200]
    locked.cleared_by = actor
    locked.save(update_fields=["state", "cleared_on", "cleared_note", "cleared_by"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=locked,
        summary=f"调阅材料清退：{locked.material_title}（{locked.get_state_display()}）",
        changes={"state": ["outstanding", locked.state], "cleared_on": str(cleared_on)},
    )
    material.__dict__.update(locked.__dict__)
    return locked


# --------------------------------------------------------------------------- archiving


def _json(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, cls=DjangoJSONEncoder)


def _number(inspection, archived_on) -> str:
    return f"XC{inspection.office_id:03d}-{archived_on.year}-{inspection.pk:05d}"


@transaction.atomic
def archive_create(*, inspection, actor) -> Archive:
    """立卷归档: freeze the index of every record and file; move the stage to 归档.

    Refused while a borrowed material is outstanding, before 评估, or by anyone but the
    office admin of the inspection's office; nothing is saved then."""
    from xuncha.inspections.services import inspection_transition

    locked = Inspection.objects.select_for_update().select_related("office").get(pk=inspection.pk)
    _require_office(actor, locked.office_id, "立卷归档", admin=True)
    if Archive.objects.filter(inspection=locked).exists():
        raise DomainError("该巡察已立卷归档，不能重复归档。")
    if locked.stage not in ARCHIVABLE_STAGES:
        raise DomainError(
            f"巡察当前处于“{locked.get_stage_display()}”阶段：整改评估完成、进入“评估”阶段后"
            "才能立卷归档。"
        )
    blocked = outstanding_message(locked)
    if blocked:
        raise DomainError(blocked)
    if locked.stage == Stage.EVALUATION:
        inspection_transition(
            inspection=locked, target=Stage.ARCHIVED, actor=actor, note="立卷归档"
        )
    archived_on = timezone.localdate()
    entries = collect.collect(locked)
    materials = list(
        BorrowedMaterial.objects.filter(inspection=locked).select_related("unit").order_by("pk")
    )
    if materials:
        entries.append(
            collect.Entry(
                RecordKind.BORROWED,
                f"调阅材料清退登记（{len(materials)} 项）",
                materials[0],
                max(m.cleared_on or m.borrowed_on for m in materials),
                {"rows": [collect.fields_of(m) | {"unit_name": m.unit.name} for m in materials]},
            )
        )
    missing = [
        f.name for e in entries for f in e.files if not default_storage.exists(f.storage_name)
    ]
    if missing:
        raise DomainError(
            f"文件库中缺少 {len(missing)} 个附件（{'、'.join(missing[:5])}），不能归档，"
            "请联系系统管理员恢复后再试。"
        )
    archive = Archive.objects.create(
        inspection=locked,
        number=_number(locked, archived_on),
        archived_on=archived_on,
        archived_by=actor,
        index_sha256="",
    )
    # The audit excerpt comes last, so it holds the archiving's own stage change.
    excerpt = collect.audit_excerpt(entries)
    entries.append(
        collect.Entry(
            RecordKind.AUDIT,
            f"审计日志摘录（{len(excerpt)} 条）",
            archive,
            archived_on,
            {"entries": excerpt},
        )
    )
    rules = retention_for(locked.office_id)
    items, seq = [], 0
    for entry in entries:
        seq += 1
        retention = rules[str(entry.kind)]
        body = _json(entry.content)
        data = body.encode("utf-8")
        parent = seq
        items.append(
            ArchiveItem(
                archive=archive,
                seq=seq,
                kind=entry.kind,
                item_title=entry.title[:300],
                record_type=entry.record_type[:60],
                record_id=entry.record_id[:40],
                record_date=entry.record_date,
                path=f"records/{seq:04d}-{entry.kind}.json",
                snapshot=body,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                retention=retention,
                expires_on=expiry(retention, archived_on),
            )
        )
        for f in entry.files:
            seq += 1
            name = download_name(f.name, f.content_type)
            items.append(
                ArchiveItem(
                    archive=archive,
                    seq=seq,
                    kind=entry.kind,
                    item_title=f"附件：{f.name}"[:300],
                    record_type=entry.record_type[:60],
                    record_id=entry.record_id[:40],
                    record_date=entry.record_date,
                    is_file=True,
                    parent_seq=parent,
                    path=f"files/{seq:04d}-{name}"[:300],
                    storage_name=f.storage_name,
                    content_type=f.content_type[:120],
                    size=f.size,
                    sha256=f.sha256,
                    retention=retention,
                    expires_on=expiry(retention, archived_on),
                )
            )
    ArchiveItem.objects.bulk_create(items, batch_size=500)
    index = "\n".join(f"{i.seq}\t{i.path}\t{i.sha256}\t{i.size}" for i in items)
    archive.index_sha256 = hashlib.sha256(index.encode()).hexdigest()
    archive.item_count = sum(1 for i in items if not i.is_file)
    archive.file_count = sum(1 for i in items if i.is_file)
    archive.total_bytes = sum(i.size for i in items)
    archive.save(update_fields=["index_sha256", "item_count", "file_count", "total_bytes"])
    record(
        actor=actor,
        action=Action.CREATE,
        obj=archive,
        summary=f"立卷归档：{archive.number}（{archive.item_count} 件，{archive.file_count} 个附件）",
        changes={
            "inspection": locked.pk,
            "items": archive.item_count,
            "files": archive.file_count,
            "index_sha256": archive.index_sha256,
        },
    )
    inspection.stage = locked.stage
    return archive


def archive_export_audit(*, archive, actor, watermark: str) -> None:
    """The audit entry of a package download, naming every item it carries (written
    before the first byte leaves): one export entry, like a list page's one read entry."""
    kept = ArchiveItem.objects.filter(archive=archive, state=ArchiveItem.State.KEPT)
    ids = [str(pk) for pk in kept.order_by("seq").values_list("pk", flat=True)]
    with transaction.atomic():
        record(
            actor=actor,
            action=Action.EXPORT,
            obj=archive,
            summary=f"导出归档包：{archive.number}（{len(ids)} 件）",
            changes={
                "read": {"archive.archiveitem": ids},
                "fields": {"archive.archiveitem": list(ArchiveItem.CONFIDENTIAL_FIELDS)},
                "watermark": watermark,
                "files": archive.file_count,
                "bytes": archive.total_bytes,
            },
        )


# --------------------------------------------------------------------------- retention


@transaction.atomic
def retention_set(*, office, table: dict, actor) -> list[str]:
    """Set the office's retention class per kind of record; returns the kinds changed.

    Applies to archives made from now on: an archived item keeps the class it was filed under."""
    _require_office(actor, office.pk, "设置保管期限", admin=True)
    valid = set(Retention.values)
    kinds = set(RecordKind.values)
    for kind, retention in table.items():
        if kind not in kinds:
            raise DomainError(f"档案类别“{kind}”不存在。", field="kind")
        if retention not in valid:
            raise DomainError(
                f"“{RecordKind(kind).label}”的保管期限应为永久、30年或10年。", field=kind
            )
    current = retention_for(office.pk)
    changed = {k: [current[k], v] for k, v in table.items() if current[k] != v}
    for kind, (_old, new) in changed.items():
        RetentionRule.objects.update_or_create(
            office=office,
            kind=kind,
            defaults={"retention": new, "updated_by": actor, "updated_at": timezone.now()},
        )
    if changed:
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=office,
            summary="修改档案保管期限设置",
            changes={"retention": changed},
        )
    return sorted(changed)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def disposal_decide(
    *, items, decision, reason, actor, extend_years=None, today=None
) -> DisposalDecision:
    """处置决定 for archive items past retention: destroy (the archive copy) or keep longer.

    Every item must be past its retention date and still kept, all of one office whose
    admin decides; otherwise nothing is saved. Destroyed items stay in the index, marked,
    with the decision; only their archived copy is emptied."""
    today = today or timezone.localdate()
    items = list(
        ArchiveItem.objects.select_for_update()
        .filter(pk__in=[i.pk for i in items])
        .select_related("archive__inspection")
        .order_by("archive_id", "seq")
    )
    if not items:
        raise DomainError("请选择要处置的案卷条目。", field="items")
    offices = {i.archive.inspection.office_id for i in items}
    if len(offices) != 1:
        raise DomainError("一次处置决定只能处置同一巡察机构的案卷。", field="items")
    office_id = offices.pop()
    _require_office(actor, office_id, "作出档案处置决定", admin=True)
    if decision not in DisposalDecision.Decision.values:
        raise DomainError("处置决定应为“销毁”或“延长保管”。", field="decision")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写处置理由。", field="reason")
    done = [i for i in items if i.state != ArchiveItem.State.KEPT]
    if done:
        raise DomainError(
            f"{'、'.join(f'{i.archive.number}第{i.seq}件' for i in done[:5])}已销毁，不能再处置。",
            field="items",
        )
    early = [i for i in items if i.expires_on is None or i.expires_on > today]
    if early:
        listed = "、".join(
            f"{i.archive.number}第{i.seq}件（"
            + ("永久保管" if i.expires_on is None else f"保管至{i.expires_on:%Y年%m月%d日}")
            + "）"
            for i in early[:10]
        )
        raise DomainError(f"以下案卷条目保管期限未满，不能作出处置决定：{listed}。", field="items")
    if decision == DisposalDecision.Decision.EXTEND:
        if extend_years not in EXTEND_CHOICES:
            raise DomainError("延长保管年限应为 10 年或 30 年。", field="extend_years")
    else:
        extend_years = None
    row = DisposalDecision.objects.create(
        office_id=office_id,
        decision=decision,
        extend_years=extend_years,
        reason=reason,
        decided_by=actor,
    )
    row.items.set(items)
    for item in items:
        if decision == DisposalDecision.Decision.EXTEND:
            item.expires_on = _add_years(max(item.expires_on, today), extend_years)
            item.save(update_fields=["expires_on"])
        else:
            item.state = ArchiveItem.State.DESTROYED
            item.snapshot = ""
            item.save(update_fields=["state", "snapshot"])
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=row,
        summary=f"档案处置决定：{row.get_decision_display()} {len(items)} 件",
        changes={
            "decision": decision,
            "extend_years": extend_years,
            "reason": reason[:300],
            "items": [f"{i.archive.number}#{i.seq}" for i in items],
        },
    )
    return row
