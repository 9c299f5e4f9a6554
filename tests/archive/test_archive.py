"""Archiving: the index lists every record and file, the package verifies and refuses any
tampering, outstanding borrowed materials block archiving, disposal respects retention."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from xuncha.archive import package, services
from xuncha.archive.models import (
    Archive,
    ArchiveItem,
    BorrowedMaterial,
    DisposalDecision,
    RecordKind,
    Retention,
)
from xuncha.audit.models import Action, AuditEntry
from xuncha.core.errors import DomainError
from xuncha.plans.models import Inspection

pytestmark = pytest.mark.django_db


def _log(arch, title="2025年度财务凭证", copies=3):
    return services.material_log(
        inspection=arch.inspection,
        unit=arch.cast.units["bureau"],
        title=title,
        copies=copies,
        borrowed_on=date(2026, 3, 12),
        handler="吕组员",
        actor=arch.cast.office_staff,
    )


def _package(archive, user, tmp_path, name="pkg.zip"):
    path = tmp_path / name
    with open(path, "wb") as out:
        for chunk in package.stream(archive, actor=user):
            out.write(chunk)
    return path


def _rezip(src, dst, *, change=None, drop=None):
    """Copy a package member by member, changing or dropping one (valid zip, valid CRCs)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            if info.filename == drop:
                continue
            data = zin.read(info.filename)
            if change and info.filename == change[0]:
                data = change[1](data)
            zout.writestr(info, data)
    return dst


def test_archive_lists_every_record_and_file_of_the_inspection(arch):
    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    arch.inspection.refresh_from_db()
    assert arch.inspection.stage == Inspection.Stage.ARCHIVED
    items = list(ArchiveItem.objects.filter(archive=archive))
    kinds = {i.kind for i in items}
    assert {
        RecordKind.ASSIGNMENT,
        RecordKind.STAGE,
        RecordKind.ACTIVITY,
        RecordKind.PROBLEM,
        RecordKind.WORKING_PAPER,
        RecordKind.REVIEW,
        RecordKind.FEEDBACK,
        RecordKind.RECT_PLAN,
        RecordKind.MEASURE,
        RecordKind.AUDIT,
    } <= kinds
    records = {(i.record_type, i.record_id) for i in items}
    for p in arch.inspection.problems.all():
        assert ("inspections.problem", str(p.pk)) in records
        assert ("inspections.workingpaper", str(p.paper.pk)) in records
    for m in arch.rect.plan.measures.all():
        assert ("rectification.measure", str(m.pk)) in records
    files = [i for i in items if i.is_file]
    names = {i.item_title for i in files}
    assert "附件：谈话记录.pdf" in names and "附件：追缴凭证.pdf" in names
    # every file item belongs to the record it was attached to
    by_seq = {i.seq: i for i in items}
    assert all(by_seq[f.parent_seq].record_id == f.record_id for f in files)
    # retention: the feedback permanently, problems 30 years from 1 January after filing
    feedback = next(i for i in items if i.kind == RecordKind.FEEDBACK)
    assert feedback.retention == Retention.PERMANENT and feedback.expires_on is None
    problem = next(i for i in items if i.kind == RecordKind.PROBLEM)
    assert problem.expires_on == date(archive.archived_on.year + 31, 1, 1)
    # the audit excerpt holds the archiving's own stage change
    excerpt = json.loads(next(i for i in items if i.kind == RecordKind.AUDIT).snapshot)
    assert any("归档" in e["summary"] for e in excerpt["entries"])
    assert AuditEntry.objects.filter(action=Action.CREATE, object_type="archive.archive").exists()


def test_package_verifies_and_lists_every_item(arch, tmp_path):
    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    path = _package(archive, cast.office_staff, tmp_path)
    result = package.verify(path)
    assert result.number == archive.number
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist())
    assert len(manifest["items"]) == archive.item_count + archive.file_count
    assert {f["path"] for f in manifest["files"]} == names - {"manifest.json", "manifest.sig"}
    assert "李干事（office_staff）" in manifest["watermark"]
    with zipfile.ZipFile(path) as zf:
        evidence = next(p for p in names if p.endswith("追缴凭证.pdf"))
        assert zf.read(evidence).startswith(b"%PDF")
    out = io.StringIO()
    call_command("archive", "verify", str(path), stdout=out)
    assert "校验通过" in out.getvalue()


@pytest.mark.parametrize(
    "tamper",
    ["file_byte_raw", "file_byte_rezipped", "manifest", "remove_file", "added_file", "signature"],
)
def test_tampered_package_is_refused(arch, tmp_path, tamper):
    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    path = _package(archive, cast.office_staff, tmp_path)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(path) as zf:
        target = next(n for n in zf.namelist() if n.endswith("谈话记录.pdf"))
    if tamper == "file_byte_raw":
        raw = bytearray(path.read_bytes())
        at = raw.find(b"%PDF", raw.find(target.encode()))
        raw[at + 5] ^= 0x01  # one byte inside the stored file, the zip left as it is
        bad.write_bytes(bytes(raw))
    elif tamper == "file_byte_rezipped":
        _rezip(path, bad, change=(target, lambda d: d[:-2] + b"X\n"))
    elif tamper == "manifest":

        def edit(data):
            m = json.loads(data)
            m["watermark"] = "无人导出"
            return json.dumps(m, ensure_ascii=False).encode()

        _rezip(path, bad, change=("manifest.json", edit))
    elif tamper == "remove_file":
        _rezip(path, bad, drop=target)
    elif tamper == "added_file":
        _rezip(path, bad)
        with zipfile.ZipFile(bad, "a") as zf:
            zf.writestr("files/9999-extra.pdf", b"%PDF-1.4 extra")
    else:

        def resign(data):
            s = json.loads(data)
            s["signature"] = "00" * 64
            return json.dumps(s).encode()

        _rezip(path, bad, change=("manifest.sig", resign))
    with pytest.raises(DomainError):
        package.verify(bad)
    with pytest.raises(CommandError, match="校验失败"):
        call_command("archive", "verify", str(bad))


def test_file_changed_in_store_after_archiving_fails_verification(arch, tmp_path):
    from django.core.files.storage import default_storage

    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    item = ArchiveItem.objects.filter(archive=archive, is_file=True).first()
    with default_storage.open(item.storage_name, "wb") as f:
        f.write(b"%PDF-1.4 replaced behind the archive's back")
    path = _package(archive, cast.office_staff, tmp_path)
    with pytest.raises(DomainError, match="SHA-256"):
        package.verify(path)


def test_archiving_refused_while_borrowed_materials_are_outstanding(arch):
    cast = arch.cast
    first = _log(arch)
    _log(arch, title="党组会议记录本", copies=1)
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    message = refused.value.message
    assert "尚有调阅材料未清退" in message
    assert (
        "《2025年度财务凭证》（江州市交通运输局，3份）" in message and "党组会议记录本" in message
    )
    assert not Archive.objects.exists()
    assert AuditEntry.objects.count() == before
    arch.inspection.refresh_from_db()
    assert arch.inspection.stage == Inspection.Stage.EVALUATION
    # the workspace's 归档 step is refused by the same rule
    from xuncha.inspections.services import inspection_transition

    with pytest.raises(DomainError, match="尚有调阅材料未清退"):
        inspection_transition(
            inspection=arch.inspection, target="archived", actor=cast.office_admin
        )
    # returned one, destroyed the other: archiving goes ahead, the register is archived
    today = timezone.localdate()
    services.material_clear(
        material=first,
        how="returned",
        cleared_on=today,
        note="交单位办公室王某签收",
        actor=cast.office_staff,
    )
    second = BorrowedMaterial.objects.get(material_title="党组会议记录本")
    services.material_clear(
        material=second,
        how="destroyed",
        cleared_on=today,
        note="监销人：李干事",
        actor=cast.office_staff,
    )
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    register = ArchiveItem.objects.get(archive=archive, kind=RecordKind.BORROWED)
    assert "党组会议记录本" in register.snapshot and "destroyed" in register.snapshot


def test_material_rules(arch):
    cast = arch.cast
    with pytest.raises(DomainError, match="被巡察单位"):
        services.material_log(
            inspection=arch.inspection,
            unit=cast.units["township_b"],
            title="x",
            copies=1,
            borrowed_on=date(2026, 3, 1),
            handler="甲",
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="巡察办"):
        _log(arch).__class__  # noqa: B018
        services.material_log(
            inspection=arch.inspection,
            unit=cast.units["bureau"],
            title="x",
            copies=1,
            borrowed_on=date(2026, 3, 1),
            handler="甲",
            actor=cast.team_leader,
        )
    material = BorrowedMaterial.objects.get()
    with pytest.raises(DomainError, match="不能早于调阅日期"):
        services.material_clear(
            material=material,
            how="returned",
            cleared_on=date(2026, 3, 1),
            note="王某",
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="接收人"):
        services.material_clear(
            material=material,
            how="returned",
            cleared_on=date(2026, 4, 1),
            note=" ",
            actor=cast.office_staff,
        )
    material.refresh_from_db()
    assert material.state == BorrowedMaterial.State.OUTSTANDING


def test_archiving_needs_the_office_admin_and_the_evaluation_stage(arch):
    cast = arch.cast
    with pytest.raises(DomainError, match="巡察办管理员"):
        services.archive_create(inspection=arch.inspection, actor=cast.office_staff)
    Inspection.objects.filter(pk=arch.inspection.pk).update(stage=Inspection.Stage.RECTIFICATION)
    arch.inspection.refresh_from_db()
    with pytest.raises(DomainError, match="评估"):
        services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    assert not Archive.objects.exists()


def _expire(archive, kind, on):
    ArchiveItem.objects.filter(archive=archive, kind=kind).update(expires_on=on)
    return list(ArchiveItem.objects.filter(archive=archive, kind=kind))


def test_disposal_before_retention_date_is_refused_and_nothing_half_saved(arch):
    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    today = timezone.localdate()
    expired = _expire(archive, RecordKind.PROBLEM, today - timedelta(days=1))
    not_yet = ArchiveItem.objects.filter(archive=archive, kind=RecordKind.MEASURE).first()
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError) as refused:
        services.disposal_decide(
            items=[*expired, not_yet],
            decision="destroy",
            reason="期满销毁",
            actor=cast.office_admin,
        )
    assert "保管期限未满" in refused.value.message
    assert f"第{not_yet.seq}件" in refused.value.message
    assert not DisposalDecision.objects.exists()
    assert AuditEntry.objects.count() == before
    assert all(
        i.state == ArchiveItem.State.KEPT and i.snapshot
        for i in ArchiveItem.objects.filter(pk__in=[x.pk for x in expired])
    )
    # a permanent item never becomes due
    permanent = ArchiveItem.objects.filter(archive=archive, retention=Retention.PERMANENT).first()
    with pytest.raises(DomainError, match="永久保管"):
        services.disposal_decide(
            items=[permanent], decision="destroy", reason="x", actor=cast.office_admin
        )
    # staff may not decide; a reason is required
    with pytest.raises(DomainError, match="巡察办管理员"):
        services.disposal_decide(
            items=expired, decision="destroy", reason="x", actor=cast.office_staff
        )
    with pytest.raises(DomainError, match="理由"):
        services.disposal_decide(
            items=expired, decision="destroy", reason=" ", actor=cast.office_admin
        )


def test_disposal_destroys_or_extends_with_a_record(arch, tmp_path):
    cast = arch.cast
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    today = timezone.localdate()
    problems = _expire(archive, RecordKind.PROBLEM, today)
    papers = _expire(archive, RecordKind.WORKING_PAPER, today - timedelta(days=3))
    row = services.disposal_decide(
        items=problems,
        decision="destroy",
        reason="保管期满，经鉴定无继续保存价值",
        actor=cast.office_admin,
    )
    assert row.decided_by == cast.office_admin and row.items.count() == len(problems)
    for item in ArchiveItem.objects.filter(pk__in=[p.pk for p in problems]):
        assert item.state == ArchiveItem.State.DESTROYED and item.snapshot == ""
    services.disposal_decide(
        items=papers,
        decision="extend",
        extend_years=10,
        reason="涉及未结案件",
        actor=cast.office_admin,
    )
    for item in ArchiveItem.objects.filter(pk__in=[p.pk for p in papers]):
        assert item.expires_on == today.replace(year=today.year + 10)
    with pytest.raises(DomainError, match="已销毁"):
        services.disposal_decide(
            items=problems, decision="destroy", reason="x", actor=cast.office_admin
        )
    # destroyed items stay in the index, leave the package, and the package still verifies
    path = _package(archive, cast.office_staff, tmp_path)
    package.verify(path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    destroyed = [i for i in manifest["items"] if i["state"] == "destroyed"]
    assert len(destroyed) == len(problems) and all(i["path"] is None for i in destroyed)


def test_retention_per_office_applies_to_new_archives(arch):
    cast = arch.cast
    changed = services.retention_set(
        office=cast.city, table={"problem": "permanent", "activity": "y10"}, actor=cast.office_admin
    )
    assert changed == ["activity", "problem"]
    with pytest.raises(DomainError, match="保管期限应为"):
        services.retention_set(office=cast.city, table={"problem": "y5"}, actor=cast.office_admin)
    with pytest.raises(DomainError, match="巡察办管理员"):
        services.retention_set(office=cast.city, table={"problem": "y10"}, actor=cast.office_staff)
    archive = services.archive_create(inspection=arch.inspection, actor=cast.office_admin)
    assert {i.retention for i in archive.items.filter(kind=RecordKind.PROBLEM)} == {"permanent"}
    assert {i.retention for i in archive.items.filter(kind=RecordKind.ACTIVITY)} == {"y10"}


def test_archive_holds_preparation_stay_review_decisions_and_use_of_results(arch):
    """The records of 进驻准备, the stay, the review decisions and 成果运用 are filed too."""
    from xuncha.inspections.prep import prepare_for_stationing
    from xuncha.inspections.stay_models import MobilisationMeeting, ResultDecision, TeamMeeting
    from xuncha.rectification.models import ResultItem

    cast, i = arch.cast, arch.inspection
    prepare_for_stationing(i, cast.office_staff)
    day = i.start
    mob = MobilisationMeeting.objects.create(
        inspection=i,
        held_on=day,
        attendees="全体班子成员",
        speech="动员讲话",
        recorded_by=cast.team_leader,
    )
    meeting = TeamMeeting.objects.create(
        inspection=i,
        held_on=day,
        topic="研究谈话安排",
        attendees="全组",
        resolutions="分三批谈话",
        recorded_by=cast.team_leader,
    )
    import hashlib

    from django.core.files.base import ContentFile

    from xuncha.reports.delivery_models import FeedbackReceipt
    from xuncha.reports.models import FeedbackDelivery

    delivery = FeedbackDelivery.objects.filter(draft__inspection=i).first()
    scan = b"%PDF-1.4\n%%EOF\n"
    receipt = FeedbackReceipt(
        delivery=delivery,
        signed_on=day,
        signed_by="某局主要负责人",
        sha256=hashlib.sha256(scan).hexdigest(),
        size=len(scan),
        content_type="application/pdf",
        original_name="签收回执.pdf",
        uploaded_by=cast.unit_liaison,
    )
    receipt.file.save("r.pdf", ContentFile(scan), save=False)
    receipt.save()
    archive = services.archive_create(inspection=i, actor=cast.office_admin)
    items = list(ArchiveItem.objects.filter(archive=archive))
    records = {(x.record_type, x.record_id): x for x in items}
    feedback = next(x for x in items if x.kind == RecordKind.FEEDBACK and not x.is_file)
    assert json.loads(feedback.snapshot)["receipt"]["signed_by"] == "某局主要负责人"
    assert any(x.is_file and x.sha256 == receipt.sha256 for x in items)
    plan = i.work_plan
    assert records[("inspections.workplan", str(plan.pk))].kind == RecordKind.WORK_PLAN
    assert records[("inspections.workplan", str(plan.pk))].retention == Retention.PERMANENT
    prep = next(x for x in items if x.kind == RecordKind.PREPARATION)
    prep_rows = json.loads(prep.snapshot)["rows"]
    assert {"inspections.secrecypledge", "inspections.temporarybranch"} <= {
        r["_model"] for r in prep_rows
    }
    assert records[("inspections.mobilisationmeeting", str(mob.pk))].kind == RecordKind.STAY
    assert records[("inspections.teammeeting", str(meeting.pk))].kind == RecordKind.STAY
    decided = {d.pk for d in ResultDecision.objects.filter(review__inspection=i)}
    assert decided
    filed = {
        d["id"]
        for x in items
        if x.kind == RecordKind.REVIEW
        for d in json.loads(x.snapshot)["decisions"]
    }
    assert decided == filed
    for item in ResultItem.objects.filter(inspection=i):
        assert records[("rectification.resultitem", str(item.pk))].kind == RecordKind.RESULTS
