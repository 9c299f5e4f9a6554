from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "xuncha.stats"
    label = "stats"
    verbose_name = "统计与上下联动"
