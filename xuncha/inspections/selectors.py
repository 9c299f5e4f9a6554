"""Read helpers other apps use with the fieldwork (exports, documents)."""

from django.utils import timezone


def reader_info(user, at=None) -> dict:
    """Who is reading or exporting, for the watermark of a confidential export."""
    at = timezone.localtime(at or timezone.now())
    office = getattr(user, "office", None) or getattr(user, "unit", None)
    return {
        "name": getattr(user, "display_name", str(user)),
        "username": user.get_username(),
        "office": str(office) if office else "",
        "at": at.strftime("%Y-%m-%d %H:%M"),
    }


def watermark_text(user, at=None) -> str:
    """The watermark line: 姓名（账号）· 单位 · 时间 · 巡察工作秘密."""
    info = reader_info(user, at)
    parts = [
        f"{info['name']}（{info['username']}）",
        info["office"],
        info["at"],
        "巡察工作秘密 严禁外传",
    ]
    return " · ".join(p for p in parts if p)
