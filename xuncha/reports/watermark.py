"""Reader watermarks for exported files: who exported it and when.

    text = watermark_text(request.user)                 # “李干事（office_staff） 2026-11-26 15:30 导出 · 仅限本人阅看”
    OfficialDocument(..., watermark=text)               # .docx: header line + diagonal watermark
    watermark_xlsx(workbook, text)                      # .xlsx: page header/footer + file properties
    found = xlsx_watermark(xlsx_bytes)                  # for tests

Every confidential download goes through one of the two generic helpers, which put the
reader's watermark in the file AND write the audited export naming what it contains:

    data = confidential_docx(doc, actor=user, objs=[handover, *clues])   # any OfficialDocument
    core.sheets.Sheets(watermark=watermark_text(user))                   # any .xlsx
"""

import dataclasses

from django.utils import timezone

from xuncha.core.sheets import watermark_xlsx, xlsx_watermark  # noqa: F401  (the .xlsx side)


def watermark_text(user, when=None) -> str:
    """The reader's line: 姓名（账号） · 单位 · 时间 导出 · 仅限本人阅看."""
    when = timezone.localtime(when or timezone.now())
    name = getattr(user, "full_name", "") or user.get_username()
    place = getattr(user, "office", None) or getattr(user, "unit", None)
    where = f" · {place}" if place else ""
    return f"{name}（{user.get_username()}）{where} {when:%Y-%m-%d %H:%M} 导出 · 仅限本人阅看"


def confidential_docx(doc, *, actor, objs, summary: str = "") -> bytes:
    """Render `doc` (an `officialdoc.OfficialDocument`) for `actor`: the reader's watermark on
    every page, and one audited export entry naming `objs` (the rows whose content it carries)."""
    from xuncha.audit.models import Action
    from xuncha.audit.services import confidential
    from xuncha.reports.officialdoc import render_document

    text = watermark_text(actor)
    data = render_document(dataclasses.replace(doc, watermark=text))
    confidential(
        objs,
        actor=actor,
        action=Action.EXPORT,
        summary=summary,
        changes={"format": "docx", "watermark": text},
    )
    return data


def docx_watermark(data: bytes) -> list[str]:
    """The watermark texts found in a .docx (header lines and the diagonal WordArt), for tests."""
    from xuncha.reports.officialdoc import layout_of

    return layout_of(data)["watermark"]
