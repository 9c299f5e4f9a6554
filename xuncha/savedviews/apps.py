from django.apps import AppConfig


class SavedViewsConfig(AppConfig):
    name = "xuncha.savedviews"
    label = "savedviews"
    verbose_name = "我的视图"
