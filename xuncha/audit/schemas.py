"""API output schemas of confidential rows: serialising one is an audited read.

    class ClueOut(ConfidentialOut):      # instead of ninja.Schema
        facts: str                       # a field in Clue.CONFIDENTIAL_FIELDS

Each model object validated into a `ConfidentialOut` whose fields include some of the
model's `CONFIDENTIAL_FIELDS` is noted on the request (also when nested, e.g. the clues
of a handover, and for every item of a paginated list); the API root
(`xuncha.api.AuditedAPI.create_response`) then writes ONE read entry per response through
`audit.services.confidential`. An operation cannot forget the audit: it happens where
the fields are written out. tests/audit/test_confidential.py checks that every schema
that outputs a confidential field name derives from this class, and walks every API
operation and page asserting the entry.
"""

from ninja import Schema
from pydantic import model_validator

from xuncha.audit.services import confidential, confidential_fields

_NOTES = "_xuncha_confidential_reads"


class ConfidentialOut(Schema):
    @model_validator(mode="wrap")
    @classmethod
    def _note_confidential_read(cls, value, handler, info):
        result = handler(value)
        request = (info.context or {}).get("request")
        if request is not None and hasattr(value, "_meta"):
            shown = _shown_fields(cls, value)
            if shown:
                request.__dict__.setdefault(_NOTES, []).append((value, shown))
        return result


def _shown_fields(schema, obj) -> list[str]:
    declared = confidential_fields(obj)
    if not declared:
        return []
    sources = set()
    for name, field in schema.model_fields.items():
        sources.add(name)
        if field.alias:
            sources.add(field.alias.split(".")[0])
    return [f for f in declared if f in sources]


def flush_reads(request) -> None:
    """Write the one audited read of this response (called by the API root)."""
    notes = request.__dict__.pop(_NOTES, None)
    if not notes:
        return
    fields: dict[str, list[str]] = {}
    for obj, shown in notes:
        have = fields.setdefault(obj._meta.label_lower, [])
        have.extend(f for f in shown if f not in have)
    confidential([obj for obj, _ in notes], actor=request.user, fields=fields)
