from django.apps import AppConfig


class StudyConfig(AppConfig):
    name = "xuncha.study"
    label = "study"
    verbose_name = "学习教育"
