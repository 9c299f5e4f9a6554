from django.contrib import admin

from xuncha.plans import models


class EmploymentInline(admin.TabularInline):
    model = models.EmploymentRecord
    extra = 0
    autocomplete_fields = ["unit"]


class RelationInline(admin.TabularInline):
    model = models.InspectorRelation
    extra = 0
    autocomplete_fields = ["unit"]


class TieInline(admin.TabularInline):
    model = models.SuperiorTie
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(models.Inspector)
class InspectorAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "home_unit", "rank", "active"]
    list_filter = ["office", "active"]
    search_fields = ["name"]
    autocomplete_fields = ["home_unit", "user"]
    inlines = [EmploymentInline, RelationInline, TieInline]


@admin.register(models.Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "start", "end"]
    list_filter = ["office"]


admin.site.register(models.PlanSettings)
admin.site.register(models.WorkdayOverride)
