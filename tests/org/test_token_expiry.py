"""API bearer tokens expire, record their last use cheaply, and stop with their account."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.cast import client_for
from xuncha.org import services
from xuncha.org.models import ApiToken

pytestmark = pytest.mark.django_db


def _client(secret):
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _refused(secret):
    response = _client(secret).get("/api/v1/org/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert "未认证" in response.json()["detail"]


def test_a_new_token_expires_after_the_configured_days(cast, settings):
    settings.API_TOKEN_DAYS = 30
    token, secret = services.token_create(name="同步脚本", actor=cast.office_staff)
    assert token.expires_at - token.created_at == timedelta(days=30)
    assert _client(secret).get("/api/v1/org/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _refused(secret)


def test_tokens_from_before_expiry_expire_by_their_age(cast, settings):
    settings.API_TOKEN_DAYS = 90
    token, secret = services.token_create(name="旧令牌", actor=cast.office_staff)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=None, created_at=timezone.now() - timedelta(days=91)
    )
    _refused(secret)


def test_disabled_account_stops_its_tokens(cast):
    _token, secret = services.token_create(name="脚本", actor=cast.office_staff)
    cast.office_staff.is_active = False
    cast.office_staff.save()
    _refused(secret)


def test_password_change_owed_stops_its_tokens(cast):
    _token, secret = services.token_create(name="脚本", actor=cast.office_staff)
    cast.office_staff.must_change_password = True
    cast.office_staff.save()
    _refused(secret)
    cast.office_staff.must_change_password = False
    cast.office_staff.save()
    assert _client(secret).get("/api/v1/org/me").status_code == 200


def test_expired_password_stops_its_tokens(cast, settings):
    from xuncha.org.passwords import password_expired

    _token, secret = services.token_create(name="脚本", actor=cast.office_staff)
    settings.PASSWORD_MAX_AGE_DAYS = 1
    user = cast.office_staff
    type(user).objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=2)
    )
    user.refresh_from_db()
    assert password_expired(user)
    _refused(secret)


def test_last_use_is_written_at_most_once_a_minute(cast):
    token, secret = services.token_create(name="脚本", actor=cast.office_staff)
    client = _client(secret)
    client.get("/api/v1/org/me")
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    client.get("/api/v1/org/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get("/api/v1/org/me")
    assert ApiToken.objects.get(pk=token.pk).last_used_at > first


def test_token_page_shows_expiry_and_last_use(cast, settings):
    settings.API_TOKEN_DAYS = 90
    token, secret = services.token_create(name="整改同步", actor=cast.office_staff)
    old, _ = services.token_create(name="过期的", actor=cast.office_staff)
    ApiToken.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    _client(secret).get("/api/v1/org/me")
    page = client_for(cast.office_staff).get("/tokens/").content.decode()
    expiry = timezone.localtime(token.expires_at).strftime("%Y-%m-%d %H:%M")
    assert "有效期至" in page and expiry in page
    assert "已过期" in page
    assert "从未使用" in page  # the expired one
    api = _client(secret).get("/api/v1/org/tokens").json()
    mine = {t["name"]: t for t in api}
    assert mine["过期的"]["expired"] is True and mine["整改同步"]["expired"] is False
    assert mine["整改同步"]["expires_at"].startswith(token.expires_at.date().isoformat()[:4])


def test_tokens_live_90_days_unless_configured():
    """The default lifetime of the issue (90 days) when XUNCHA_API_TOKEN_DAYS is unset."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "XUNCHA_API_TOKEN_DAYS"}
    env["DJANGO_SETTINGS_MODULE"] = "xuncha.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.API_TOKEN_DAYS)"
    out = subprocess.run(  # noqa: S603  (our own interpreter, a fixed program)
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert out.stdout.strip() == "90", out.stderr
