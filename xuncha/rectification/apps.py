from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "xuncha.rectification"
    label = "rectification"
    verbose_name = "整改落实"

    def ready(self):
        from xuncha.inspections.reviews import review_decided
        from xuncha.rectification.results import on_review_decided

        review_decided.connect(on_review_decided, dispatch_uid="rectification.results")
