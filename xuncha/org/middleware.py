"""Session rules: idle timeout, mandatory two-factor login, forced password change.

Order matters: a session that has only passed the password step may do nothing but
finish the second factor (or log out); only then is a forced password change asked for,
so a stolen password alone can neither change the password nor reach any data. The
same rules hold for the JSON API when it is called with the browser's session.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from xuncha.org.passwords import password_expired

_SKIP_PREFIXES = ("/static/", "/public/", "/ping", "/favicon")
# Refreshing the timestamp on every request would write the session row every time;
# a minute's resolution is plenty for a 30-minute rule.
_TOUCH_EVERY_SECONDS = 60
LAST_SEEN_KEY = "last_seen"


def otp_required(user) -> bool:
    return user.is_superuser or user.has_role(*settings.OTP_REQUIRED_ROLES)


def otp_pending(user) -> bool:
    """The user must pass the second factor and has not yet in this session."""
    return otp_required(user) and not user.is_verified()


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self._paths = None

    def _exempt_paths(self):
        if self._paths is None:
            self._paths = {
                name: reverse(f"org:{name}")
                for name in ("logout", "password_change", "otp_setup", "otp_verify")
            }
        return self._paths

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(_SKIP_PREFIXES):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        now = int(time.time())
        last = request.session.get(LAST_SEEN_KEY)
        if last and now - last > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            request.xuncha_logout_reason = "会话超时自动退出"
            logout(request)
            text = f"您已超过 {settings.SESSION_IDLE_TIMEOUT_MINUTES} 分钟未操作，请重新登录。"
            if is_api:
                return JsonResponse({"detail": text}, status=401)
            messages.info(request, text)
            return redirect(f"{reverse('org:login')}?{urlencode({'next': request.path})}")
        if not last or now - last >= _TOUCH_EVERY_SECONDS:
            request.session[LAST_SEEN_KEY] = now

        paths = self._exempt_paths()
        if request.path == paths["logout"]:
            return self.get_response(request)
        if otp_pending(user):
            if is_api:
                return JsonResponse({"detail": "请先在网页上完成双因素认证。"}, status=403)
            if request.path in (paths["otp_setup"], paths["otp_verify"]):
                return self.get_response(request)
            has_device = user.totpdevice_set.filter(confirmed=True).exists()
            target = paths["otp_verify"] if has_device else paths["otp_setup"]
            if request.method == "GET" and request.path != "/":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        if request.path in paths.values():
            return self.get_response(request)
        if user.must_change_password or password_expired(user):
            if is_api:
                return JsonResponse({"detail": "密码须先修改：请在网页上修改密码。"}, status=403)
            return redirect(paths["password_change"])
        return self.get_response(request)
