from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "xuncha.notifications"
    label = "notifications"
    verbose_name = "通知"

    def ready(self):
        from xuncha.notifications import sources

        sources.connect()
