"""Login and sessions (等保 2.0): password policy, lockout, forced change, idle timeout, login log."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.cast import PASSWORD, make_user
from xuncha.audit.models import Action, AuditEntry
from xuncha.org.models import PasswordHistory, Role
from xuncha.org.passwords import CharacterClassValidator, character_classes, password_set

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    # Argon2 with production parameters costs ~0.5 s per hash on a busy CI machine; the
    # policy under test does not depend on the hasher (test_argon2_is_the_default checks it).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_argon2_is_the_default():
    from xuncha import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


NEW_PASSWORDS = ["Qingshan#2027", "Liuxi@2028ab", "Donghu!2029cd", "Anping$2030ef", "Linchuan%31gh"]


def _login(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Password policy ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("Ab1!x", "password_too_short"),  # 5 characters
        ("abcdefgh12", "password_classes"),  # two classes
        ("ABCDEFGH!!", "password_classes"),
        ("Wq7#Lp2$", None),  # eight characters, four classes
        ("wq7#lp2$zz", None),  # three classes: lower, digit, symbol
    ],
)
def test_password_length_and_classes(cast, password, code):
    user = cast.office_staff
    if code is None:
        password_validation.validate_password(password, user)
        return
    with pytest.raises(ValidationError) as info:
        password_validation.validate_password(password, user)
    assert code in {e.code for e in info.value.error_list}
    assert any("密码" in str(m) or "字符" in str(m) for m in info.value.messages)


def test_minimum_length_is_a_setting(cast, settings):
    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "xuncha.org.passwords.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
    ]
    with pytest.raises(ValidationError):
        password_validation.validate_password("Wq7#Lp2$abc", cast.office_staff)
    password_validation.validate_password("Wq7#Lp2$abcd", cast.office_staff)


@given(st.text(min_size=0, max_size=30))
@hsettings(max_examples=200, deadline=None)
def test_character_class_rule_matches_its_definition(password):
    validator = CharacterClassValidator()
    classes = sum(
        [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
    )
    assert character_classes(password) == classes
    if classes >= 3:
        validator.validate(password)
    else:
        with pytest.raises(ValidationError):
            validator.validate(password)


def test_last_five_passwords_cannot_be_reused(cast):
    user = cast.office_staff
    for new in NEW_PASSWORDS:
        password_validation.validate_password(new, user)
        password_set(user, new)
    # The current password and the four before it are refused ...
    for reused in NEW_PASSWORDS:
        with pytest.raises(ValidationError) as info:
            password_validation.validate_password(reused, user)
        assert "最近 5 次" in info.value.messages[0]
    # ... the sixth-latest (the cast's original password) may come back.
    password_validation.validate_password(PASSWORD, user)
    assert user.password_history.count() == 5  # history stays bounded


def test_every_password_change_path_records_history(cast):
    user = cast.county_staff
    before = PasswordHistory.objects.filter(user=user).count()
    # The admin and other apps call set_password() + save() directly.
    user.set_password("Qingshan#2027")
    user.save()
    assert PasswordHistory.objects.filter(user=user).count() == before + 1
    with pytest.raises(ValidationError):
        password_validation.validate_password("Qingshan#2027", user)
    # changepassword-style form paths also go through save().
    call_command("unlock", user.username)  # unrelated command must not touch history
    assert PasswordHistory.objects.filter(user=user).count() == before + 1


def test_password_change_page_enforces_policy_and_logs(cast, login):
    user = cast.office_staff
    client = login(user)
    entries = AuditEntry.objects.count()
    history = PasswordHistory.objects.filter(user=user).count()
    bad = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    assert bad.status_code == 200
    assert "不能使用最近 5 次用过的密码" in bad.content.decode()
    weak = client.post(
        "/password/",
        {"old_password": PASSWORD, "new_password1": "abcdefgh", "new_password2": "abcdefgh"},
    )
    assert "三类" in weak.content.decode()
    wrong_old = client.post(
        "/password/",
        {
            "old_password": "nope",
            "new_password1": "Qingshan#2027",
            "new_password2": "Qingshan#2027",
        },
    )
    assert "当前密码不正确" in wrong_old.content.decode()
    # Nothing stored half-way by the refused attempts.
    assert AuditEntry.objects.count() == entries
    assert PasswordHistory.objects.filter(user=user).count() == history
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

    ok = client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Qingshan#2027",
            "new_password2": "Qingshan#2027",
        },
    )
    assert ok.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qingshan#2027")
    assert not user.must_change_password
    assert AuditEntry.objects.filter(action=Action.PASSWORD, actor=user).count() == 1
    assert client.get("/").status_code == 200  # session survives the change


def test_first_login_forces_password_change(cast):
    user = make_user("newcomer", office=cast.city, roles=[Role.OFFICE_STAFF])
    user.must_change_password = True
    user.save()
    client = Client()
    assert _login(client, "newcomer", PASSWORD).status_code == 302
    for path in ("/", "/units/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == "/password/"
    page = client.get("/password/")
    assert "首次登录" in page.content.decode()
    client.post(
        "/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Qingshan#2027",
            "new_password2": "Qingshan#2027",
        },
    )
    assert client.get("/").status_code == 200


def test_password_expires_after_max_age(cast, login, settings):
    user = cast.office_staff
    user.password_changed_at = timezone.now() - timedelta(days=91)
    user.save()
    client = login(user)
    assert client.get("/")["Location"] == "/password/"
    settings.PASSWORD_MAX_AGE_DAYS = 120  # configurable
    assert client.get("/").status_code == 200


# --- Lockout -------------------------------------------------------------------------


def test_lockout_after_five_failures_refuses_the_right_password(cast):
    client = Client()
    for attempt in range(1, 5):
        response = _login(client, "office_staff", f"wrong-{attempt}")
        assert response.status_code == 200
        assert "用户名或密码错误" in response.content.decode()
    fifth = _login(client, "office_staff", "wrong-5")
    assert fifth.status_code == 403
    assert "账号已被锁定" in fifth.content.decode()
    sixth = _login(client, "office_staff", PASSWORD)
    assert sixth.status_code == 403
    text = sixth.content.decode()
    assert "登录失败次数过多，账号已被锁定 30 分钟" in text
    assert not _logged_in(client)
    # Another client (another colleague's browser) is refused too: the account is locked.
    assert _login(Client(), "office_staff", PASSWORD).status_code == 403
    # Other accounts are not affected.
    assert _login(Client(), "county_staff", PASSWORD).status_code == 302

    failures = AuditEntry.objects.filter(action=Action.LOGIN_FAILED, object_id="office_staff")
    assert failures.count() == 7
    assert AuditEntry.objects.filter(action=Action.LOCKOUT, object_id="office_staff").exists()
    assert failures.filter(summary__contains="账号已锁定").exists()

    # An administrator unlocks from the console: `xuncha unlock office_staff`.
    call_command("unlock", "office_staff")
    assert _login(client, "office_staff", PASSWORD).status_code == 302
    assert _logged_in(client)
    assert AuditEntry.objects.filter(summary__contains="解除登录锁定").exists()


def test_unlock_unknown_user_fails(cast):
    with pytest.raises(CommandError, match="用户不存在"):
        call_command("unlock", "nobody")


def test_success_resets_failure_count(cast):
    client = Client()
    for _ in range(4):
        _login(client, "office_staff", "wrong")
    assert _login(client, "office_staff", PASSWORD).status_code == 302
    client.post("/logout/")
    for _ in range(4):
        assert _login(client, "office_staff", "wrong").status_code == 200


# --- Login log -----------------------------------------------------------------------


def test_login_failure_and_logout_are_logged(cast):
    client = Client(REMOTE_ADDR="10.1.2.3")
    _login(client, "office_staff", "wrong")
    failed = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert failed.actor_id is None
    assert failed.object_id == "office_staff"
    assert failed.ip == "10.1.2.3"
    _login(client, "office_staff", PASSWORD)
    login_entry = AuditEntry.objects.get(action=Action.LOGIN)
    assert login_entry.actor_id == cast.office_staff.pk
    assert login_entry.ip == "10.1.2.3"
    response = client.post("/logout/")
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.LOGOUT, actor=cast.office_staff).count() == 1
    assert not _logged_in(client)


def test_logout_needs_post(cast, login):
    client = login(cast.office_staff)
    assert client.get("/logout/").status_code == 405
    assert _logged_in(client)


def test_login_redirect_ignores_foreign_next(cast):
    client = Client()
    response = client.post(
        "/login/?next=https://evil.example/",
        {"username": "office_staff", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil" not in response["Location"]


# --- Idle timeout --------------------------------------------------------------------


def _age_session(client, seconds):
    session = client.session
    session["last_seen"] = int(time.time()) - seconds
    session.save()


def test_idle_session_times_out(cast, login):
    client = login(cast.office_staff)
    assert client.get("/").status_code == 200
    _age_session(client, 29 * 60)
    assert client.get("/").status_code == 200  # 29 minutes idle: still in
    _age_session(client, 31 * 60)
    response = client.get("/units/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")
    assert not _logged_in(client)
    entry = AuditEntry.objects.filter(action=Action.LOGOUT).latest("seq")
    assert entry.summary == "会话超时自动退出"
    page = client.get(response["Location"])
    assert "分钟未操作，请重新登录" in page.content.decode()


def test_idle_timeout_is_configurable(cast, login, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client = login(cast.office_staff)
    client.get("/")
    _age_session(client, 6 * 60)
    assert client.get("/").status_code == 302
    assert not _logged_in(client)


def test_idle_timeout_applies_to_api_session(cast, login):
    client = login(cast.office_staff)
    client.get("/")
    assert client.get("/api/v1/org/me").status_code == 200
    _age_session(client, 31 * 60)
    response = client.get("/api/v1/org/me")
    assert response.status_code == 401
    assert "分钟未操作" in response.json()["detail"]


def test_login_page_tells_where_the_public_channel_is(client):
    page = client.get("/login/").content.decode()
    assert 'href="/public/"' in page and "群众反映问题无需登录" in page
