from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xuncha.org"
    label = "org"
    verbose_name = "组织与用户"

    def ready(self):
        from django.contrib.auth import signals

        from xuncha.org import login_log

        signals.user_logged_in.connect(login_log.on_login, dispatch_uid="org_login")
        signals.user_logged_out.connect(login_log.on_logout, dispatch_uid="org_logout")
        signals.user_login_failed.connect(login_log.on_failure, dispatch_uid="org_login_failed")
