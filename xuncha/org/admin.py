"""The Django admin: system administrators only (changes are audited by audit/admin.py).

Tree fields are read-only once a row exists: re-parenting must rewrite the whole
subtree's materialised path, which the unit pages do through `services.unit_move`.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from xuncha.org.access import is_sysadmin
from xuncha.org.models import ApiToken, Office, RoleAssignment, Unit, User


def _sysadmin_only(request):
    return request.user.is_active and is_sysadmin(request.user)


admin.site.has_permission = _sysadmin_only


class SysadminAdmin(admin.ModelAdmin):
    """The system-administrator role grants the admin; Django's per-model permissions are
    not used (a sysadmin need not be a superuser). Admin changes reach the audit chain
    through xuncha/audit/admin.py, which wraps every ModelAdmin."""

    def has_module_permission(self, request):
        return _sysadmin_only(request)

    def has_view_permission(self, request, obj=None):
        return _sysadmin_only(request)

    def has_add_permission(self, request):
        return _sysadmin_only(request)

    def has_change_permission(self, request, obj=None):
        return _sysadmin_only(request)

    def has_delete_permission(self, request, obj=None):
        return _sysadmin_only(request)


class TreeAdmin(SysadminAdmin):
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "parent"] if obj is not None else readonly


class RoleInline(admin.TabularInline):
    model = RoleAssignment

    def has_view_permission(self, request, obj=None):
        return _sysadmin_only(request)

    has_add_permission = has_change_permission = has_delete_permission = has_view_permission
    extra = 0
    autocomplete_fields = ["office", "unit"]


@admin.register(User)
class XunchaUserAdmin(SysadminAdmin, UserAdmin):
    list_display = ["username", "full_name", "office", "unit", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("归属", {"fields": ["full_name", "office", "unit", "must_change_password"]}),
    ]
    inlines = [RoleInline]
    autocomplete_fields = ["office", "unit"]


@admin.register(Office)
class OfficeAdmin(TreeAdmin):
    list_display = ["name", "level", "parent", "region"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(TreeAdmin):
    list_display = ["name", "kind", "office", "district", "status"]
    list_filter = ["kind", "status", "office"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "successor"]


@admin.register(ApiToken)
class ApiTokenAdmin(SysadminAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked"]
    list_filter = ["revoked"]
    search_fields = ["name", "user__username"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False  # tokens are created by their owner, so that the secret is shown once
