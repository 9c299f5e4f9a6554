"""Every login, failed login and logout goes to the audit log (等保 2.0 security audit)."""

from xuncha.audit.models import Action
from xuncha.audit.services import record


def _ip(request):
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def on_login(sender, request, user, **kwargs):
    record(actor=user, action=Action.LOGIN, obj=user, summary="登录成功", ip=_ip(request))


def on_logout(sender, request, user, **kwargs):
    if user is not None:
        record(actor=user, action=Action.LOGOUT, obj=user, summary="退出登录", ip=_ip(request))


def on_failure(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    record(
        actor=username or "未知用户",
        action=Action.LOGIN_FAILED,
        object_type="org.user",
        object_id=username,
        summary=f"登录失败：{username}",
        ip=_ip(request),
    )
