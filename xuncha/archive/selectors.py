"""Reads other apps use: what keeps an inspection from being archived."""

from xuncha.archive.models import BorrowedMaterial


def outstanding_materials(inspection) -> list[BorrowedMaterial]:
    return list(
        BorrowedMaterial.objects.filter(
            inspection=inspection, state=BorrowedMaterial.State.OUTSTANDING
        )
        .select_related("unit")
        .order_by("borrowed_on", "pk")
    )


def outstanding_message(inspection) -> str | None:
    """None when every borrowed material was returned or destroyed; else the Chinese refusal."""
    rows = outstanding_materials(inspection)
    if not rows:
        return None
    listed = "、".join(f"《{m.material_title}》（{m.unit.name}，{m.copies}份）" for m in rows[:20])
    more = f"等 {len(rows)} 项" if len(rows) > 20 else f"共 {len(rows)} 项"
    return f"尚有调阅材料未清退，不能归档：{listed}，{more}。请先登记退还或销毁（清退）。"
