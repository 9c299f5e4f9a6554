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


# --------------------------------------------------------------------------- submissions

# 来信来访保管期限: closed submissions (办结 / 不予受理 / 转办, with a closing date) are kept
# for the office's period, then an office admin's recorded decision crypto-shreds them.
SUBMISSION_CLOSED_STATES = ("closed", "rejected", "transferred")


@transaction.atomic
def submission_retention_set(*, office, years, actor) -> bool:
    """Set the office's retention period of closed submissions (years); True if changed."""
    from django.conf import settings

    from xuncha.archive.models import (
        SUBMISSION_YEARS_MAX,
        SUBMISSION_YEARS_MIN,
        SubmissionRetention,
        submission_years,
    )

    _require_office(actor, office.pk, "设置来信来访保管期限", admin=True)
    if isinstance(years, str):
        years = years.strip()
        years = int(years) if years.isascii() and years.isdigit() else None
    if (
        not isinstance(years, int)
        or isinstance(years, bool)
        or not SUBMISSION_YEARS_MIN <= years <= SUBMISSION_YEARS_MAX
    ):
        raise DomainError(
            f"保管年限应为 {SUBMISSION_YEARS_MIN} 至 {SUBMISSION_YEARS_MAX} 之间的整数（年）。",
            field="years",
        )
    current = submission_years(office.pk)
    if current == years and SubmissionRetention.objects.filter(office=office).exists():
        return False
    SubmissionRetention.objects.update_or_create(
        office=office,
        defaults={"years": years, "updated_by": actor, "updated_at": timezone.now()},
    )
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=office,
        summary=f"修改来信来访保管期限：{current}年 → {years}年",
        changes={
            "submission_retention": [current, years],
            "default": settings.SUBMISSION_RETENTION_YEARS,
        },
    )
    return current != years


def submissions_due(user, today=None, action="retention"):
    """Closed submissions past their office's retention period that the user may see
    (`retention`) or dispose of (`dispose`), not yet shredded; a SQL filter."""
    from django.db.models import Q

    from xuncha.archive.models import submission_due_before, submission_years
    from xuncha.org import access
    from xuncha.petitions.models import Submission

    today = today or timezone.localdate()
    roles = OFFICE_WORK if action == "retention" else {Role.OFFICE_ADMIN}
    due = Q(pk__in=[])
    for office in access.user_offices(user, roles):
        cutoff = submission_due_before(submission_years(office.pk), today)
        due |= Q(office_id=office.pk, closed_on__lt=cutoff)
    return access.visible(Submission.objects.all(), user, action).filter(
        due, state__in=SUBMISSION_CLOSED_STATES, closed_on__isnull=False
    )


def submission_open_links(submissions) -> dict[int, list[str]]:
    """{submission id: ["问题线索 … （已移交）", …]}: the open clues, problems and handovers
    each submission is still linked to (by a link, or as a clue's source)."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from xuncha.clues.models import Clue, Handover
    from xuncha.inspections.models import Problem
    from xuncha.petitions.models import SubmissionLink
    from xuncha.rectification.models import Measure

    ids = [s.pk for s in submissions]
    clue_ct = ContentType.objects.get_for_model(Clue)
    problem_ct = ContentType.objects.get_for_model(Problem)
    clues: dict[int, set[int]] = {i: set() for i in ids}
    problems: dict[int, set[int]] = {i: set() for i in ids}
    for sub_id, ct, obj in SubmissionLink.objects.filter(submission_id__in=ids).values_list(
        "submission_id", "content_type_id", "object_id"
    ):
        if not obj.isdigit():
            continue
        if ct == clue_ct.pk:
            clues[sub_id].add(int(obj))
        elif ct == problem_ct.pk:
            problems[sub_id].add(int(obj))
    for clue_id, sub_id in Clue.objects.filter(submission_id__in=ids).values_list(
        "pk", "submission_id"
    ):
        clues[sub_id].add(clue_id)
    all_clues = set().union(*clues.values()) if clues else set()
    all_problems = set().union(*problems.values()) if problems else set()
    open_clues = {
        c.pk: f"问题线索 {c.number}（{c.get_state_display()}）"
        for c in Clue.objects.filter(pk__in=all_clues).exclude(state=Clue.State.CONCLUDED)
    }
    unfinished = set(
        Measure.objects.filter(problem_id__in=all_problems)
        .exclude(state=Measure.State.CLOSED)
        .values_list("problem_id", flat=True)
    )
    open_problems = {}
    for p in Problem.objects.filter(pk__in=all_problems):
        if p.state == Problem.State.DRAFT:
            open_problems[p.pk] = f"问题 {p.number}（{p.get_state_display()}）"
        elif p.pk in unfinished:
            open_problems[p.pk] = f"问题 {p.number}（整改尚未销号）"
    handovers = (
        Handover.objects.filter(Q(clues__in=all_clues) | Q(problems__in=all_problems))
        .exclude(state=Handover.State.CONCLUDED)
        .prefetch_related("clues", "problems")
        .distinct()
    )
    out: dict[int, list[str]] = {}
    for sub_id in ids:
        reasons = [open_clues[c] for c in sorted(clues[sub_id]) if c in open_clues]
        reasons += [open_problems[p] for p in sorted(problems[sub_id]) if p in open_problems]
        for h in handovers:
            if {c.pk for c in h.clues.all()} & clues[sub_id] or {
                p.pk for p in h.problems.all()
            } & problems[sub_id]:
                reasons.append(f"移交 {h.number}（{h.get_state_display()}）")
        if reasons:
            out[sub_id] = reasons
    return out


def _shred_file(path):
    """Overwrite an (already encrypted) attachment file once, then unlink it."""
    from pathlib import Path

    from django.conf import settings

    target = Path(settings.MEDIA_ROOT) / path
    try:
        size = target.stat().st_size
        with open(target, "r+b") as f:
            f.write(b"\0" * size)
            f.flush()
        target.unlink()
    except FileNotFoundError:
        pass


@transaction.atomic
def submission_dispose(*, submissions, reason, actor, today=None) -> DisposalDecision:
    """处置决定 (销毁) for closed submissions past retention, then crypto-shredding.

    All of one office whose admin decides; each closed, past its period, not linked to an
    open clue, problem or handover; otherwise nothing is saved. The wrapped data key and
    every sealed blob (content, identity, messages, attachment files and names) are
    destroyed, with every derived analytics row; the submission row stays as a tombstone
    (receipt digest, dates, category, office, inspection, unit, the decision)."""
    from xuncha.analytics import models as am
    from xuncha.archive.models import submission_expiry, submission_years
    from xuncha.petitions.models import (
        Attachment,
        IdentityRequest,
        Message,
        Submission,
        SubmissionEvent,
    )

    today = today or timezone.localdate()
    rows = list(
        Submission.objects.select_for_update()
        .filter(pk__in=[s.pk for s in submissions])
        .order_by("pk")
    )
    if not rows:
        raise DomainError("请选择要销毁的来信来访。", field="submissions")
    offices = {s.office_id for s in rows}
    if len(offices) != 1:
        raise DomainError("一次处置决定只能处置同一巡察机构登记的来信来访。", field="submissions")
    office_id = offices.pop()
    _require_office(actor, office_id, "作出来信来访销毁决定", admin=True)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("请填写处置理由。", field="reason")
    gone = [s for s in rows if s.shredded_on is not None]
    if gone:
        raise DomainError(
            f"{'、'.join(s.number for s in gone[:10])}已销毁，不能再处置。", field="submissions"
        )
    still_open = [s for s in rows if s.state not in SUBMISSION_CLOSED_STATES or s.closed_on is None]
    if still_open:
        listed = "、".join(f"{s.number}（{s.get_state_display()}）" for s in still_open[:10])
        raise DomainError(f"以下来信来访尚未办结，不能销毁：{listed}。", field="submissions")
    years = submission_years(office_id)
    early = [s for s in rows if submission_expiry(s.closed_on, years) > today]
    if early:
        listed = "、".join(
            f"{s.number}（保管至{submission_expiry(s.closed_on, years):%Y年%m月%d日}）"
            for s in early[:10]
        )
        raise DomainError(f"以下来信来访保管期限未满，不能销毁：{listed}。", field="submissions")
    linked = submission_open_links(rows)
    if linked:
        listed = "；".join(
            f"{s.number}关联的{'、'.join(linked[s.pk])}" for s in rows if s.pk in linked
        )
        raise DomainError(
            f"以下来信来访仍关联未办结的事项，不能销毁：{listed}。请待其办结后再处置。",
            field="submissions",
        )
    decision = DisposalDecision.objects.create(
        office_id=office_id,
        decision=DisposalDecision.Decision.DESTROY,
        subject=DisposalDecision.Subject.SUBMISSIONS,
        reason=reason,
        decided_by=actor,
    )
    ids = [s.pk for s in rows]
    units = dict(
        am.Suggestion.objects.filter(
            submission_id__in=ids, unit__isnull=False, unit_state=am.Suggestion.State.ACCEPTED
        ).values_list("submission_id", "unit_id")
    )
    for sub_id, unit_id in am.TopicMember.objects.filter(
        submission_id__in=ids, unit__isnull=False
    ).values_list("submission_id", "unit_id"):
        units.setdefault(sub_id, unit_id)
    paths = list(Attachment.objects.filter(submission_id__in=ids).values_list("path", flat=True))
    counts = {
        "messages": Message.objects.filter(submission_id__in=ids).count(),
        "attachments": len(paths),
    }
    # derived analytics: blind tokens, keyed fingerprints, sealed passages, suggestions
    am.SearchDoc.objects.filter(kind="submission", object_id__in=ids).delete()
    am.DuplicateGroup.objects.filter(anchor_id__in=ids).delete()
    am.DuplicateMember.objects.filter(submission_id__in=ids).delete()
    for model in (am.Fingerprint, am.SpamFlag, am.Suggestion, am.TopicMember):
        model.objects.filter(submission_id__in=ids).delete()
    Attachment.objects.filter(submission_id__in=ids).delete()
    Message.objects.filter(submission_id__in=ids).delete()
    IdentityRequest.objects.filter(submission_id__in=ids).delete()
    SubmissionEvent.objects.filter(submission_id__in=ids).delete()
    for s in rows:
        Submission.objects.filter(pk=s.pk).update(
            key_id="",
            wrapped_key=b"",
            content_sealed=b"",
            identity_sealed=None,
            reason="",
            competent_body="",
            unread=False,
            shredded_on=today,
            disposal=decision,
            shredded_unit_id=units.get(s.pk),
        )
        record(
            actor=actor,
            action=Action.DELETE,
            obj=s,
            summary=f"保管期满销毁来信来访 {s.number}（密钥与密文已销毁）",
            changes={"decision": decision.pk, "closed_on": str(s.closed_on), "years": years},
        )
    record(
        actor=actor,
        action=Action.UPDATE,
        obj=decision,
        summary=f"来信来访处置决定：销毁 {len(rows)} 件",
        changes={
            "decision": "destroy",
            "subject": "submissions",
            "reason": reason[:300],
            "submissions": [s.number for s in rows],
            "years": years,
            **counts,
        },
    )
    # The encrypted files go only once the destruction is committed.
    transaction.on_commit(lambda: [_shred_file(p) for p in paths])
    return decision
