import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core import cache
from xuncha.org import home
from xuncha.org.forms import LoginForm, OtpTokenForm, PasswordChangeForm
from xuncha.org.passwords import password_expired, password_set


class LoginView(auth_views.LoginView):
    """Password step of the login; axes counts failures and locks the account."""

    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request, original_response=None, credentials=None, *args, **kwargs):
    """AXES_LOCKOUT_CALLABLE: the Chinese lockout page (HTTP 403)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "org/login.html",
        {
            "form": LoginForm(request),
            "lockout_message": (
                f"登录失败次数过多，账号已被锁定 {minutes} 分钟。请稍后再试，或联系系统管理员解锁。"
            ),
        },
        status=403,
    )


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "您已安全退出。")
    return redirect("org:login")


@login_required
def home_view(request):
    user = request.user
    dashboard = home.dashboard_for(user)

    def fragments():
        # The charts' cards and tables are most of the page's rendering time: rendered
        # once per user and data version, like the figures they show.
        return tuple(
            render_to_string("org/_dashboard.html", {"dashboard": dashboard, "part": part})
            for part in ("kpis", "charts")
        )

    kpis_html, charts_html = cache.per_user(user, "dashboard-html", fragments, shared=False)
    return render(
        request,
        "org/home.html",
        {
            "panels": home.panels_for(user),
            "dashboard": dashboard,
            "dashboard_kpis_html": mark_safe(kpis_html),
            "dashboard_html": mark_safe(charts_html),
        },
    )


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            password_set(request.user, form.cleaned_data["new_password1"])
            record(actor=request.user, action=Action.PASSWORD, obj=request.user, summary="修改密码")
        update_session_auth_hash(request, request.user)
        messages.success(request, "密码已修改。")
        return redirect("org:home")
    return render(
        request,
        "org/password_change.html",
        {
            "form": form,
            "title": "修改密码",
            "submit_label": "修改密码",
            "expired": request.user.must_change_password or password_expired(request.user),
        },
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def _safe_next(request, default="org:home"):
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: show its QR code, confirm with a first code.

    A session that has not passed the second factor must not enrol a new device while
    the account already has one: that would let a stolen password replace the phone.
    """
    user = request.user
    if not user.is_verified() and user.totpdevice_set.filter(confirmed=True).exists():
        return redirect("org:otp_verify")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, confirmed=False, name="手机验证器")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            with transaction.atomic():
                device.confirmed = True
                device.save()
                record(actor=user, action=Action.OTP, obj=user, summary="绑定双因素验证器")
            otp_login(request, device)
            messages.success(request, "双因素认证已启用。")
            return redirect(_safe_next(request))
        form.add_error("token", "验证码不正确，请确认手机时间准确后重试。")
    # django-otp builds the otpauth:// URI with OTP_TOTP_ISSUER as issuer and label prefix.
    uri = device.config_url
    return render(
        request,
        "org/otp_setup.html",
        {
            "form": form,
            "title": "启用双因素认证",
            "submit_label": "验证并启用",
            "qr": _qr_svg(uri),
            "key": base64.b32encode(device.bin_key).decode(),
        },
    )


@login_required
def otp_verify(request):
    """Second step of the login: a code from the enrolled authenticator."""
    user = request.user
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    if not devices:
        return redirect("org:otp_setup")
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                record(actor=user, action=Action.OTP, obj=user, summary="双因素验证通过")
                return redirect(_safe_next(request))
        record(actor=user, action=Action.LOGIN_FAILED, obj=user, summary="双因素验证码错误")
        form.add_error("token", "验证码不正确或尝试过于频繁，请稍候再试。")
    return render(
        request,
        "org/otp_verify.html",
        {"form": form, "title": "双因素认证", "submit_label": "验证"},
    )
