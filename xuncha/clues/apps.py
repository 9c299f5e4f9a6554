from django.apps import AppConfig


class CluesConfig(AppConfig):
    name = "xuncha.clues"
    label = "clues"
    verbose_name = "问题线索"
