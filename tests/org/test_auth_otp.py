"""Two-factor login (TOTP, django-otp): mandatory for administrators, configurable for others."""

import base64
import re

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cast import PASSWORD
from xuncha.audit.models import Action, AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each wrong code makes django-otp refuse the next one for a growing delay; the tests
    # try a wrong code and then the right one at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def code_for(device, offset=0) -> str:
    """The current TOTP code of `device`, as the user's phone shows it."""
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0,
        digits=device.digits,
        drift=device.drift + offset,
    )
    return f"{value:0{device.digits}d}"


def password_login(username) -> Client:
    client = Client()
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_office_admin_needs_totp_before_reaching_anything(cast):
    device = TOTPDevice.objects.create(user=cast.office_admin, name="手机", confirmed=True)
    client = password_login("office_admin")
    # Password alone: every page sends the admin to the code page.
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/otp/verify/"
    units = client.get("/units/")
    assert units["Location"].startswith("/otp/verify/?next=")
    assert client.get("/password/")["Location"].startswith("/otp/verify/")
    # ... nor may it enrol a second authenticator to get round the first.
    assert client.get("/otp/setup/")["Location"] == "/otp/verify/"
    # ... nor read data through the API with the same session.
    api = client.get("/api/v1/org/me")
    assert api.status_code == 403
    assert "双因素" in api.json()["detail"]

    page = client.get("/otp/verify/")
    assert page.status_code == 200
    assert "6 位动态验证码" in page.content.decode()

    wrong = client.post("/otp/verify/", {"token": code_for(device, offset=5)})
    assert wrong.status_code == 200
    assert "验证码不正确" in wrong.content.decode()
    assert client.get("/")["Location"] == "/otp/verify/"
    assert AuditEntry.objects.filter(
        action=Action.LOGIN_FAILED, summary="双因素验证码错误"
    ).exists()

    not_digits = client.post("/otp/verify/", {"token": "12ab56"})
    assert "6 位数字" in not_digits.content.decode()
    for short in ("123", ""):  # Django's generic "确保该变量至少包含 6 字符" is not for people
        page = client.post("/otp/verify/", {"token": short}).content.decode()
        assert "请输入 6 位动态验证码。" in page
        assert "确保该变量" not in page and "这个字段是必填项" not in page

    ok = client.post("/otp/verify/", {"token": code_for(device)})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/org/me").status_code == 200
    assert AuditEntry.objects.filter(action=Action.OTP, actor=cast.office_admin).exists()


def test_verify_returns_to_the_page_asked_for_but_not_elsewhere(cast):
    device = TOTPDevice.objects.create(user=cast.office_admin, name="手机", confirmed=True)
    client = password_login("office_admin")
    target = client.get("/units/")["Location"]
    response = client.post(target, {"token": code_for(device)})
    assert response["Location"] == "/units/"

    other = password_login("office_admin")
    evil = other.post("/otp/verify/?next=https://evil.example/", {"token": code_for(device, 1)})
    assert evil.status_code == 302
    assert evil["Location"] == "/"


def test_first_login_of_an_admin_enrols_an_authenticator(cast):
    client = password_login("sysadmin")
    assert client.get("/")["Location"] == "/otp/setup/"
    assert client.get("/otp/verify/")["Location"] == "/otp/setup/"
    page = client.get("/otp/setup/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "data:image/svg+xml;base64," in text  # the QR code, rendered locally
    key = re.search(r'data-testid="otp-key">([A-Z2-7]+)<', text).group(1)
    device = TOTPDevice.objects.get(user=cast.sysadmin, confirmed=False)
    assert key.rstrip("=") in base64.b32encode(device.bin_key).decode()
    # Reloading the page keeps the same secret (the phone already scanned it).
    assert key in client.get("/otp/setup/").content.decode()

    bad = client.post("/otp/setup/", {"token": code_for(device, offset=7)})
    assert "验证码不正确" in bad.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    done = client.post("/otp/setup/", {"token": code_for(device)})
    assert done.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action=Action.OTP, summary="绑定双因素验证器").exists()

    # The next login asks for a code from that device.
    # Codes are single-use, so the second login uses the next time step's code.
    again = password_login("sysadmin")
    assert again.get("/")["Location"] == "/otp/verify/"
    assert again.post("/otp/verify/", {"token": code_for(device, 1)}).status_code == 302
    assert again.get("/").status_code == 200


def test_staff_need_no_second_factor_by_default(cast):
    client = password_login("office_staff")
    assert client.get("/").status_code == 200


def test_second_factor_for_other_roles_is_configurable(cast, settings):
    settings.OTP_REQUIRED_ROLES = ["office_admin", "sysadmin", "office_staff"]
    client = password_login("office_staff")
    assert client.get("/")["Location"] == "/otp/setup/"
    # Roles not listed still pass.
    assert password_login("auditor").get("/").status_code == 200


def test_logout_is_possible_before_the_second_factor(cast):
    client = password_login("office_admin")
    response = client.post("/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
