from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "xuncha.analytics"
    verbose_name = "群众反映分析"
    default_auto_field = "django.db.models.BigAutoField"
