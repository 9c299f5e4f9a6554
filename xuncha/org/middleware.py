"""Session rules: idle timeout, forced password change, mandatory two-factor login."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from xuncha.org.passwords import password_expired

_EXEMPT_PREFIXES = ("/static/", "/public/", "/ping", "/api/", "/favicon")


def otp_required(user) -> bool:
    return user.is_superuser or user.has_role(*settings.OTP_REQUIRED_ROLES)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or request.path.startswith(_EXEMPT_PREFIXES):
            return self.get_response(request)
        now = int(time.time())
        last = request.session.get("last_seen")
        if last and now - last > settings.SESSION_IDLE_TIMEOUT_MINUTES * 60:
            logout(request)
            messages.info(
                request,
                f"您已超过 {settings.SESSION_IDLE_TIMEOUT_MINUTES} 分钟未操作，请重新登录。",
            )
            return redirect(f"{reverse('org:login')}?next={request.path}")
        request.session["last_seen"] = now
        allowed = {
            reverse("org:logout"),
            reverse("org:password_change"),
            reverse("org:otp_setup"),
            reverse("org:otp_verify"),
        }
        if request.path in allowed:
            return self.get_response(request)
        if otp_required(user) and not user.is_verified():
            target = (
                "org:otp_verify"
                if user.totpdevice_set.filter(confirmed=True).exists()
                else "org:otp_setup"
            )
            return redirect(target)
        if user.must_change_password or password_expired(user):
            return redirect("org:password_change")
        return self.get_response(request)
