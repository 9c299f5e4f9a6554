from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "xuncha.training"
    label = "training"
    verbose_name = "培训与考核"
