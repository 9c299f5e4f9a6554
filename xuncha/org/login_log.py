"""Every login, failed login, lockout and logout goes to the audit log (等保 2.0 security audit).

The auth signals are connected in OrgConfig.ready(); the axes lockout signal here.
Failures come from Django's `user_login_failed`, which also fires when axes refuses a
locked account, so a refused attempt with the right password is logged as well.
"""

from axes.signals import user_locked_out
from django.dispatch import receiver

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.net import client_address


def _ip(request):
    return client_address(request) if request is not None else ""


def on_login(sender, request, user, **kwargs):
    record(actor=user, action=Action.LOGIN, obj=user, summary="登录成功", ip=_ip(request))


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "xuncha_logout_reason", "退出登录")
        record(actor=user, action=Action.LOGOUT, obj=user, summary=reason, ip=_ip(request))


def on_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    locked = bool(getattr(request, "axes_locked_out", False))
    record(
        actor=username or "未知用户",
        action=Action.LOGIN_FAILED,
        object_type="org.user",
        object_id=username[:64],
        summary=f"登录失败{'（账号已锁定）' if locked else ''}：{username}",
        ip=_ip(request),
    )


@receiver(user_locked_out, dispatch_uid="org_locked_out")
def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    name = str(username or "")[:150]
    record(
        actor=name or "未知用户",
        action=Action.LOCKOUT,
        object_type="org.user",
        object_id=name[:64],
        summary=f"连续登录失败，账号锁定：{name}",
        ip=str(ip_address or _ip(request))[:45],
    )
