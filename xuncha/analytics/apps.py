from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "xuncha.analytics"
    verbose_name = "群众反映分析"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Load the text core and its libraries (numpy, rjieba's dictionary) with the
        # process, not in the first intake request of a fresh worker.
        from xuncha.analytics import dedup, text  # noqa: F401

        text.add_words(["巡察"])
