from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "xuncha.core"
    label = "core"
    verbose_name = "基础"

    def ready(self):
        from xuncha.core import checks  # noqa: F401 - registers the deploy checks
