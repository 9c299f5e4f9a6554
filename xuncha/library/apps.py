from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "xuncha.library"
    verbose_name = "法规制度库"
    default_auto_field = "django.db.models.BigAutoField"
