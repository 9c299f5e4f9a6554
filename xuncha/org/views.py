import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.org import access, home
from xuncha.org.forms import LoginForm, OtpTokenForm, PasswordChangeForm
from xuncha.org.models import Unit
from xuncha.org.passwords import password_set


class LoginView(auth_views.LoginView):
    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request, credentials=None, *args, **kwargs):
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    return render(
        request,
        "org/login.html",
        {
            "form": LoginForm(request),
            "lockout_message": (
                f"登录失败次数过多，账号已被锁定 {minutes} 分钟。请稍后再试，或联系管理员解锁。"
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
    return render(request, "org/home.html", {"panels": home.panels_for(request.user)})


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        password_set(request.user, form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)
        record(actor=request.user, action=Action.PASSWORD, obj=request.user, summary="修改密码")
        messages.success(request, "密码已修改。")
        return redirect("org:home")
    return render(request, "org/password_change.html", {"form": form})


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


@login_required
def otp_setup(request):
    """Enrol a TOTP authenticator: show its QR code, confirm with a first code."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "手机验证器"}
    )
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            otp_login(request, device)
            record(
                actor=request.user, action=Action.OTP, obj=request.user, summary="绑定双因素验证器"
            )
            messages.success(request, "双因素认证已启用。")
            return redirect("org:home")
        form.add_error("token", "验证码不正确，请确认手机时间准确后重试。")
    uri = device.config_url.replace(
        "otpauth://totp/", f"otpauth://totp/{settings.OTP_TOTP_ISSUER}:", 1
    )
    return render(
        request,
        "org/otp_setup.html",
        {"form": form, "qr": _qr_svg(uri), "key": base64.b32encode(device.bin_key).decode()},
    )


@login_required
def otp_verify(request):
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in TOTPDevice.objects.filter(user=request.user, confirmed=True):
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                record(
                    actor=request.user,
                    action=Action.OTP,
                    obj=request.user,
                    summary="双因素验证通过",
                )
                return redirect(request.GET.get("next") or "org:home")
        record(
            actor=request.user,
            action=Action.LOGIN_FAILED,
            obj=request.user,
            summary="双因素验证码错误",
        )
        form.add_error("token", "验证码不正确。")
    return render(request, "org/otp_verify.html", {"form": form})


@login_required
def unit_list(request):
    units = access.visible(Unit.objects.select_related("office", "parent"), request.user)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        units = units.filter(name__contains=q)
    kind = request.GET.get("kind", "")
    if kind in Unit.Kind.values:
        units = units.filter(kind=kind)
    page = Paginator(units.order_by("path"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/unit_list.html",
        {"page": page, "q": q, "kind": kind, "kinds": Unit.Kind.choices},
    )
