"""Demo archives: city inspections filed with their index, borrowed materials returned or
destroyed first, one inspection at 评估 still waiting for a borrowed material, and an
older archive whose 10-year items are due for a disposal decision (one already extended)."""

from datetime import date, timedelta

from xuncha.archive import services
from xuncha.archive.models import Archive, ArchiveItem, BorrowedMaterial, expiry
from xuncha.org.models import Role, User
from xuncha.plans.models import Inspection

MATERIALS = [
    ("年度财务会计凭证", 12),
    ("党组（党委）会议记录本", 2),
    ("干部人事档案（复印件）", 5),
    ("政府采购项目合同及验收资料", 8),
    ("“三重一大”事项决策台账", 1),
    ("工程项目招投标资料", 6),
]
HANDLERS = ["刘建国", "陈晓燕", "张伟", "李娜", "王磊"]


def _log_materials(ctx, inspection, actor, *, outstanding=0):
    unit = inspection.units.order_by("pk").first()
    if unit is None:
        return 0
    start = inspection.start or ctx.today
    picks = ctx.rng.sample(MATERIALS, k=3)
    for n, (title, copies) in enumerate(picks):
        borrowed = min(start + timedelta(days=ctx.rng.randint(3, 20)), ctx.today)
        material = services.material_log(
            inspection=inspection,
            unit=unit,
            title=title,
            copies=copies,
            borrowed_on=borrowed,
            handler=ctx.rng.choice(HANDLERS),
            actor=actor,
        )
        if n >= len(picks) - outstanding:
            continue
        how = "destroyed" if "复印件" in title else "returned"
        services.material_clear(
            material=material,
            how=how,
            cleared_on=min(borrowed + timedelta(days=ctx.rng.randint(20, 60)), ctx.today),
            note="监销人：巡察办 李干事" if how == "destroyed" else f"{unit.name}办公室签收",
            actor=actor,
        )
    return len(picks)


def build(ctx):
    admin = User.objects.filter(username="office_admin").first()
    if admin is None or not admin.roles.filter(role=Role.OFFICE_ADMIN).exists():
        ctx.log("  立卷归档：没有巡察办管理员账号，跳过")
        return
    office_id = admin.roles.filter(role=Role.OFFICE_ADMIN).values_list("office_id", flat=True)[0]
    city = Inspection.objects.filter(office_id=office_id)
    archived = list(city.filter(stage=Inspection.Stage.ARCHIVED).order_by("start", "pk"))
    archived = archived[: max(3, ctx.n(3))]
    archives = []
    for inspection in archived:
        if Archive.objects.filter(inspection=inspection).exists():
            continue
        _log_materials(ctx, inspection, admin)
        archives.append(services.archive_create(inspection=inspection, actor=admin))
    waiting = city.filter(stage=Inspection.Stage.EVALUATION).order_by("start", "pk").first()
    if waiting is not None and not BorrowedMaterial.objects.filter(inspection=waiting).exists():
        _log_materials(ctx, waiting, admin, outstanding=1)
    if archives:
        # The oldest archive as if filed in 2015: its 10-year items are due now.
        old = archives[0]
        filed = date(2015, 12, 28)
        Archive.objects.filter(pk=old.pk).update(archived_on=filed)
        for retention in ("y10", "y30"):
            ArchiveItem.objects.filter(archive=old, retention=retention).update(
                expires_on=expiry(retention, filed)
            )
        due = list(
            ArchiveItem.objects.filter(
                archive=old, state=ArchiveItem.State.KEPT, expires_on__lte=ctx.today
            ).order_by("seq")
        )
        if due:
            services.disposal_decide(
                items=due[:1],
                decision="extend",
                extend_years=10,
                reason="该巡察发现问题的整改仍在“回头看”中，相关材料延长保管。",
                actor=admin,
                today=ctx.today,
            )
    items = ArchiveItem.objects.filter(archive__in=archives).count()
    ctx.log(
        f"  立卷归档：{len(archives)} 个案卷（{items} 件），"
        f"调阅材料 {BorrowedMaterial.objects.count()} 项，"
        f"其中未清退 {BorrowedMaterial.objects.filter(state='outstanding').count()} 项"
    )
