"""Account management by office administrators, API tokens and unit pages, over HTTP."""

import re

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.cast import make_user
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.org import services
from xuncha.org.models import ApiToken, Role, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    # Argon2 costs ~0.7 s per cast account on a loaded box, and WhiteNoise with
    # USE_FINDERS rescans every static file for each new test Client; neither is
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


def _last_entry():
    return AuditEntry.objects.order_by("-seq").first()


def _lock(user, settings):
    AccessAttempt.objects.create(
        username=user.username,
        ip_address="10.0.0.1",
        user_agent="test",
        failures_since_start=settings.AXES_FAILURE_LIMIT,
        get_data="",
        post_data="",
        http_accept="",
        path_info="/login/",
    )


# ---------------------------------------------------------------- list and create


def test_user_list_search_and_scope(cast, login):
    client = login(cast.office_admin)
    page = client.get("/users/").content.decode()
    assert "用户管理" in page and "office_staff" in page and "unit_liaison" in page
    assert "county_staff" not in page and "outsider" not in page
    found = client.get("/users/", {"q": "李干"}).content.decode()
    assert "office_staff" in found and "leading_group" not in found


def test_user_list_menu_entry(cast, login):
    assert "用户管理" in login(cast.office_admin).get("/").content.decode()
    assert "用户管理" in login(cast.sysadmin).get("/").content.decode()
    assert "用户管理" not in login(cast.office_staff).get("/").content.decode()


def test_create_user_shows_password_once_and_forces_change(cast, login):
    client = login(cast.office_admin)
    response = client.post(
        "/users/new/",
        {"username": "zhang_san", "full_name": "张三", "office": cast.city.pk},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'id="initial-password">([^<]+)<', response.content.decode()).group(1)
    user = User.objects.get(username="zhang_san")
    assert user.office == cast.city and user.must_change_password
    assert user.check_password(password)
    entry = _last_entry()
    assert entry.action == "create" and entry.actor == cast.office_admin
    assert password not in str(entry.changes) and password not in entry.summary
    # the new user logs in and is sent to change the password first
    fresh = Client()
    assert fresh.post("/login/", {"username": "zhang_san", "password": password}).status_code == 302
    assert fresh.get("/").url.startswith("/password/")
    # the page is not shown again
    assert password not in client.get(f"/users/{user.pk}/").content.decode()


def test_create_user_in_a_managed_unit(cast, login):
    response = login(cast.office_admin).post(
        "/users/new/",
        {"username": "liaison2", "full_name": "联络员二", "unit": cast.units["bureau"].pk},
    )
    assert response.status_code == 200
    assert User.objects.get(username="liaison2").unit == cast.units["bureau"]


@pytest.mark.parametrize(
    "data, error",
    [
        ({"username": "", "full_name": "某"}, "必填"),
        ({"username": "office_staff", "full_name": "重名"}, "已被使用"),
        ({"username": "a b", "full_name": "空格"}, "用户名只能包含"),
        ({"username": "x1", "full_name": "无归属", "office": ""}, "二者选一"),
    ],
)
def test_create_user_bad_input(cast, login, data, error):
    data = {"office": cast.city.pk, **data}
    response = login(cast.office_admin).post("/users/new/", data)
    assert response.status_code == 200
    assert error in response.content.decode() or "这个字段是必填项" in response.content.decode()
    assert User.objects.count() == 14


def test_create_user_in_another_office_is_refused(cast, login):
    response = login(cast.office_admin).post(
        "/users/new/", {"username": "x2", "full_name": "某", "office": cast.county_a.pk}
    )
    # the county office is not a choice for the city administrator
    assert response.status_code == 200 and not User.objects.filter(username="x2").exists()


def test_script_strings_come_back_escaped(cast, login):
    client = login(cast.office_admin)
    client.post(
        "/users/new/",
        {"username": "evil", "full_name": "<script>alert(1)</script>", "office": cast.city.pk},
    )
    page = client.get("/users/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# ---------------------------------------------------------------- account actions


def test_deactivate_and_reactivate(cast, login):
    client = login(cast.office_admin)
    target = cast.office_staff
    staff_client = login(target)
    assert client.post(f"/users/{target.pk}/active/", {"active": "0"}).status_code == 302
    target.refresh_from_db()
    assert not target.is_active
    assert _last_entry().changes == {"is_active": [True, False]}
    assert staff_client.get("/").status_code == 302  # the open session is gone
    client.post(f"/users/{target.pk}/active/", {"active": "1"})
    target.refresh_from_db()
    assert target.is_active


def test_admin_cannot_deactivate_self_or_a_sysadmin(cast, login):
    client = login(cast.office_admin)
    assert client.post(f"/users/{cast.office_admin.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/users/{cast.sysadmin.pk}/active/", {"active": "0"}).status_code == 404
    assert User.objects.get(pk=cast.sysadmin.pk).is_active


def test_unlock_a_locked_account(cast, login, settings):
    _lock(cast.office_staff, settings)
    client = login(cast.office_admin)
    assert "已锁定" in client.get("/users/", {"locked": "1"}).content.decode()
    assert "被锁定的账号" in client.get("/").content.decode()  # the home to-do
    response = client.post(f"/users/{cast.office_staff.pk}/unlock/", follow=True)
    assert "已解除登录锁定" in response.content.decode()
    assert not AccessAttempt.objects.filter(username="office_staff").exists()
    assert _last_entry().summary == "解除账号 office_staff 的登录锁定"


def test_reset_totp_device(cast, login):
    target = cast.leading_group
    TOTPDevice.objects.create(user=target, name="手机", confirmed=True)
    client = login(cast.office_admin)
    client.post(f"/users/{target.pk}/otp-reset/")
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert _last_entry().action == "otp"


def test_reset_password(cast, login):
    target = cast.office_staff
    response = login(cast.office_admin).post(f"/users/{target.pk}/password-reset/")
    password = re.search(r'id="initial-password">([^<]+)<', response.content.decode()).group(1)
    target.refresh_from_db()
    assert target.check_password(password) and target.must_change_password


def test_edit_user(cast, login):
    client = login(cast.office_admin)
    response = client.post(
        f"/users/{cast.office_staff.pk}/edit/", {"full_name": "李干事（借调）", "email": ""}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=cast.office_staff.pk).full_name == "李干事（借调）"
    assert _last_entry().changes["full_name"] == ["李干事", "李干事（借调）"]


# ---------------------------------------------------------------- roles


def test_grant_and_revoke_office_role(cast, login):
    client = login(cast.office_admin)
    target = cast.team_member
    client.post(f"/users/{target.pk}/roles/", {"role": "office_staff", "office": cast.city.pk})
    grant = RoleAssignment.objects.get(user=target)
    assert grant.role == Role.OFFICE_STAFF and grant.office == cast.city
    assert _last_entry().changes["role"] == "office_staff"
    client.post(f"/roles/{grant.pk}/revoke/")
    assert not RoleAssignment.objects.filter(user=target).exists()
    assert _last_entry().action == "delete"


def test_grant_unit_role_only_for_managed_units(cast):
    target = cast.team_member
    services.role_grant(
        user=target, role=Role.UNIT_LIAISON, unit=cast.units["bureau"], actor=cast.office_admin
    )
    county_user = make_user("county_admin", office=cast.county_a, roles=[Role.OFFICE_ADMIN])
    with pytest.raises(services.PermissionDenied):
        services.role_grant(
            user=target, role=Role.UNIT_LIAISON, unit=cast.units["bureau"], actor=county_user
        )


@pytest.mark.parametrize(
    "role, scope",
    [("sysadmin", None), ("office_staff", "county_a"), ("unit_liaison", "township_a")],
)
def test_office_admin_cannot_grant_outside_its_scope(cast, login, role, scope):
    data = {"role": role}
    if scope == "county_a":
        data["office"] = cast.county_a.pk
    elif scope:
        data["unit"] = cast.units[scope].pk
    response = login(cast.office_admin).post(f"/users/{cast.team_member.pk}/roles/", data)
    assert response.status_code in (302, 403)
    assert not RoleAssignment.objects.filter(user=cast.team_member).exists()


def test_sysadmin_can_grant_sysadmin(cast, login):
    login(cast.sysadmin).post(f"/users/{cast.office_staff.pk}/roles/", {"role": "sysadmin"})
    assert cast.office_staff.roles.filter(role="sysadmin", office=None).exists()


def test_duplicate_grant_is_a_clear_error(cast, login):
    response = login(cast.office_admin).post(
        f"/users/{cast.office_staff.pk}/roles/",
        {"role": "office_staff", "office": cast.city.pk},
        follow=True,
    )
    assert "已有该角色" in response.content.decode()


# ---------------------------------------------------------------- tokens


def test_token_page_creates_lists_and_revokes(cast, login):
    client = login(cast.unit_liaison)
    response = client.post("/tokens/", {"name": "整改同步"})
    html = response.content.decode()
    secret = re.search(r'id="token-secret">([^<]+)<', html).group(1)
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(user=cast.unit_liaison)
    assert token.digest == services.digest_token(secret)
    listing = client.get("/tokens/").content.decode()
    assert "整改同步" in listing and secret not in listing and token.prefix in listing
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert api.get("/api/v1/org/me").json()["username"] == "unit_liaison"
    client.post(f"/tokens/{token.pk}/revoke/")
    assert api.get("/api/v1/org/me").status_code == 401


def test_cannot_revoke_someone_elses_token(cast, login):
    token, _ = services.token_create(name="别人的", actor=cast.office_staff)
    assert login(cast.outsider).post(f"/tokens/{token.pk}/revoke/").status_code == 404
    assert not ApiToken.objects.get(pk=token.pk).revoked


# ---------------------------------------------------------------- units


def test_unit_pages(cast, login):
    client = login(cast.office_staff)
    bureau = cast.units["bureau"]
    detail = client.get(f"/units/{bureau.pk}/").content.decode()
    assert "江州市公路事业发展中心" in detail and "调整隶属关系" in detail
    response = client.post(
        "/units/new/",
        {"name": "江州市审计局", "kind": "department", "office": cast.city.pk, "parent": ""},
    )
    unit = Unit.objects.get(name="江州市审计局")
    assert response.status_code == 302 and response.url == f"/units/{unit.pk}/"
    client.post(f"/units/{unit.pk}/move/", {"parent": bureau.pk})
    assert Unit.objects.get(pk=unit.pk).parent == bureau
    client.post(f"/units/{unit.pk}/rename/", {"name": "江州市审计中心"})
    assert Unit.objects.get(pk=unit.pk).name == "江州市审计中心"
    client.post(f"/units/{unit.pk}/edit/", {"kind": "other", "district": "江州市"})
    assert Unit.objects.get(pk=unit.pk).kind == "other"
    client.post("/units/merge/", {"units": [unit.pk], "into": cast.units["discipline"].pk})
    assert Unit.objects.get(pk=unit.pk).successor == cast.units["discipline"]
    merged = client.get(f"/units/{cast.units['discipline'].pk}/").content.decode()
    assert "合并前单位" in merged and "江州市审计中心" in merged


def test_unit_move_into_own_subtree_is_a_form_error(cast, login):
    bureau = cast.units["bureau"]
    response = login(cast.office_staff).post(
        f"/units/{bureau.pk}/move/", {"parent": cast.units["bureau_child"].pk}
    )
    assert response.status_code == 200  # not a valid choice: the form says so
    assert Unit.objects.get(pk=bureau.pk).parent is None


def test_sysadmin_cannot_deactivate_itself(cast):
    with pytest.raises(DomainError):
        services.user_set_active(user=cast.sysadmin, active=False, actor=cast.sysadmin)


# ---------------------------------------------------------------- home page and admin


@pytest.mark.parametrize(
    "username, text",
    [
        ("office_admin", "这里将显示待审批的计划"),
        ("unit_liaison", "本单位的反馈问题"),
        ("team_member", "巡察组的工作"),
        ("outsider", "尚未分配角色"),
    ],
)
def test_home_panels_per_role(cast, login, username, text):
    response = login(cast.users[username]).get("/")
    assert text in response.content.decode()


def test_home_registry_takes_app_functions(cast, login, monkeypatch):
    from xuncha.org import home

    monkeypatch.setattr(
        home, "TODOS", [*home.TODOS, (Role.UNIT_LIAISON, "tests.org.test_users.sample_todos")]
    )
    page = login(cast.unit_liaison).get("/").content.decode()
    assert "整改措施即将到期" in page and "badge text-bg-warning" in page


def sample_todos(user):
    return [{"label": "整改措施即将到期", "url": "/", "badge": 2, "badge_class": "warning"}]


def test_admin_changes_are_audited_and_tree_fields_read_only(cast, login):
    client = login(cast.sysadmin)
    unit = cast.units["bureau_child"]
    page = client.get(f"/admin/org/unit/{unit.pk}/change/").content.decode()
    assert 'name="parent"' not in page  # re-parenting goes through the unit pages
    response = client.post(
        f"/admin/org/unit/{unit.pk}/change/",
        {
            "name": "江州市公路事业发展中心（新）",
            "kind": "other",
            "office": cast.city.pk,
            "district": "江州市",
            "status": "active",
            "successor": "",
            "status_changed_on": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.filter(object_type="org.unit").order_by("-seq").first()
    assert entry.actor == cast.sysadmin and entry.object_id == str(unit.pk), [
        (e.action, e.object_type, e.summary, e.changes) for e in AuditEntry.objects.all()[:5]
    ]
    assert entry.changes["fields"]["name"][1] == "江州市公路事业发展中心（新）"
    assert Unit.objects.get(pk=unit.pk).parent == cast.units["bureau"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_account_pages_in_a_browser(live_server, settings):
    """An office administrator creates an account and a token; screenshots for review."""
    import os
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from tests.cast import build_cast, client_for

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    cast = build_cast()
    session = client_for(cast.office_admin).cookies[settings.SESSION_COOKIE_NAME].value
    shots = Path("test-results/screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args, headless=True)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        page = context.new_page()
        page.goto(f"{live_server.url}/users/")
        assert page.locator("h1").inner_text() == "用户管理"
        page.screenshot(path=str(shots / "org-user-list.png"), full_page=True)
        page.click("text=新建账号")
        page.fill("input[name=username]", "wang_wu")
        page.fill("input[name=full_name]", "王五")
        page.select_option("select[name=office]", str(cast.city.pk))
        page.click("button[type=submit]")
        assert page.locator("#initial-password").inner_text().strip()
        page.screenshot(path=str(shots / "org-user-created.png"), full_page=True)
        page.click("text=返回账号详情")
        assert "王五" in page.locator("h1").inner_text()
        page.screenshot(path=str(shots / "org-user-detail.png"), full_page=True)
        page.goto(f"{live_server.url}/tokens/")
        page.fill("input[name=name]", "整改数据同步")
        page.click("text=新建令牌")
        assert page.locator("#token-secret").inner_text().startswith("xc_")
        page.screenshot(path=str(shots / "org-tokens.png"), full_page=True)
        page.goto(f"{live_server.url}/units/{cast.units['bureau'].pk}/")
        page.screenshot(path=str(shots / "org-unit-detail.png"), full_page=True)
        browser.close()
