from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from xuncha.org.access import is_sysadmin
from xuncha.org.models import Office, RoleAssignment, Unit, User


def _sysadmin_only(request):
    return request.user.is_active and is_sysadmin(request.user)


admin.site.has_permission = _sysadmin_only


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    autocomplete_fields = ["office", "unit"]


@admin.register(User)
class XunchaUserAdmin(UserAdmin):
    list_display = ["username", "full_name", "office", "unit", "is_active"]
    search_fields = ["username", "full_name"]
    fieldsets = [
        *UserAdmin.fieldsets,
        ("归属", {"fields": ["full_name", "office", "unit", "must_change_password"]}),
    ]
    inlines = [RoleInline]
    autocomplete_fields = ["office", "unit"]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "region"]
    search_fields = ["name"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "office", "district", "status"]
    list_filter = ["kind", "status", "office"]
    search_fields = ["name"]
    autocomplete_fields = ["parent", "successor"]
