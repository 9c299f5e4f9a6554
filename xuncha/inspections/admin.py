"""Admin for reference data only: the taxonomy code table and deadline settings.

Confidential fieldwork (interviews, papers, problems) is deliberately not registered: the
admin would bypass the access rules and the read audit.
"""

from django.contrib import admin

from xuncha.inspections.models import (
    FieldworkSettings,
    TaxonomyCategory,
    TaxonomyTheme,
    TaxonomyVersion,
)


class CategoryInline(admin.TabularInline):
    model = TaxonomyCategory
    fields = ["code", "name", "level", "parent", "sort"]
    extra = 0


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "effective_from"]
    inlines = [CategoryInline]


@admin.register(TaxonomyTheme)
class TaxonomyThemeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "round", "category"]
    list_select_related = ["round__plan", "category"]


@admin.register(FieldworkSettings)
class FieldworkSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "office",
        "cutoff_before_end",
        "report_after_end",
        "feedback_after_review",
        "letter_reply_days",
        "fix_notice_days",
        "early_stationing_days",
    ]
