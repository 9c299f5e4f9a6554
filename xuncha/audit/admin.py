"""Changes made through the Django admin land in the audit log too.

Every ModelAdmin (whoever registered it) reports its additions, changes and deletions
through `log_addition`, `log_change` and `log_deletions`, inside the admin's own
transaction. We wrap those three methods once, here, so that each also appends an audit
entry; `save_model` is wrapped to remember the row as it was before the change, which
gives the entry its before/after values. The audit log itself is not in the admin.
"""

from django.contrib.admin import ModelAdmin

from xuncha.audit.models import Action
from xuncha.audit.services import record

_SECRET_FIELDS = {"password", "digest", "key", "bin_key", "secret"}


def _snapshot(obj) -> dict:
    values = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname, None)
        if field.name in _SECRET_FIELDS:
            value = "******" if value else ""
        values[field.attname] = value if value is None else str(value)
    return values


def _message_text(message) -> str:
    if isinstance(message, list):
        parts = []
        for item in message:
            for verb, detail in item.items():
                fields = detail.get("fields") or [detail.get("name", "")]
                parts.append(f"{verb}: {', '.join(str(f) for f in fields)}")
        return "; ".join(parts)
    return str(message or "")


def _wrap():
    original_save = ModelAdmin.save_model
    original_add = ModelAdmin.log_addition
    original_change = ModelAdmin.log_change
    original_deletions = ModelAdmin.log_deletions

    if getattr(original_add, "_xuncha_audited", False):
        return

    def save_model(self, request, obj, form, change):
        if change and obj.pk is not None:
            before = type(obj)._base_manager.filter(pk=obj.pk).first()
            obj._audit_before = _snapshot(before) if before is not None else {}
        return original_save(self, request, obj, form, change)

    def log_addition(self, request, obj, message):
        result = original_add(self, request, obj, message)
        record(
            actor=request.user,
            action=Action.CREATE,
            obj=obj,
            summary=f"系统管理后台新建：{obj}"[:300],
            changes={"after": _snapshot(obj), "via": "admin"},
        )
        return result

    def log_change(self, request, obj, message):
        result = original_change(self, request, obj, message)
        before = getattr(obj, "_audit_before", None)
        after = _snapshot(obj)
        changes = {"via": "admin", "message": _message_text(message)}
        if before is not None:
            changes["fields"] = {
                k: [before.get(k), v] for k, v in after.items() if before.get(k) != v
            }
        record(
            actor=request.user,
            action=Action.UPDATE,
            obj=obj,
            summary=f"系统管理后台修改：{obj}"[:300],
            changes=changes,
        )
        return result

    def log_deletions(self, request, queryset):
        result = original_deletions(self, request, queryset)
        for obj in queryset:
            record(
                actor=request.user,
                action=Action.DELETE,
                obj=obj,
                summary=f"系统管理后台删除：{obj}"[:300],
                changes={"before": _snapshot(obj), "via": "admin"},
            )
        return result

    log_addition._xuncha_audited = True
    ModelAdmin.save_model = save_model
    ModelAdmin.log_addition = log_addition
    ModelAdmin.log_change = log_change
    ModelAdmin.log_deletions = log_deletions


_wrap()
