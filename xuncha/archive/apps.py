from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "xuncha.archive"
    label = "archive"
    verbose_name = "立卷归档"
