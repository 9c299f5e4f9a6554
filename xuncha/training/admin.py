from django.contrib import admin

from xuncha.training.models import AppraisalIndicator, AppraisalSettings


@admin.register(AppraisalIndicator)
class AppraisalIndicatorAdmin(admin.ModelAdmin):
    list_display = ["office", "name", "max_score", "order", "active"]
    list_filter = ["office", "active"]


@admin.register(AppraisalSettings)
class AppraisalSettingsAdmin(admin.ModelAdmin):
    list_display = ["office", "show_own"]
