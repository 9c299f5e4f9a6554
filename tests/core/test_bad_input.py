"""Bad input (issue 2): wrong passwords, malformed tokens, oversize and non-UTF-8 bodies,
unknown ids, SQL and script strings; and the Chinese 403/404/500 pages."""

import hashlib

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.cast import PASSWORD, client_for
from xuncha.audit.models import AuditEntry
from xuncha.org.models import ApiToken, PasswordHistory, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


SCRIPT = "<script>alert('xss')</script>"
SQL = "'; DROP TABLE org_unit; --"

# --- Wrong passwords ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("office_staff", "wrong"),
        ("no_such_user", PASSWORD),
        (SQL, SQL),
        (SCRIPT, "x"),
        ("office_staff", ""),
        ("x" * 500, "y" * 5000),
    ],
)
def test_wrong_credentials_get_a_chinese_message_and_no_session(cast, username, password):
    client = Client()
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 200
    text = response.content.decode()
    assert (
        "用户名或密码错误" in text
        or "这个字段是必填项" in text
        or "用户名不能超过 150 个字符" in text
    )
    assert "_auth_user_id" not in client.session
    assert SCRIPT not in text
    assert Unit.objects.count() == 6  # the SQL string did nothing


# --- Bearer tokens -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer " + "a" * 5000,
        "Bearer 令牌令牌",
        "Bearer \x00\x01\x02",
        f"Bearer {SQL}",
        "bearer",
    ],
)
def test_malformed_bearer_tokens_get_401_in_chinese(cast, header):
    response = Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert "未认证" in response.json()["detail"]


def test_valid_and_revoked_tokens(cast):
    raw = "xc_" + "k" * 40
    token = ApiToken.objects.create(
        user=cast.office_staff,
        name="对接",
        digest=hashlib.sha256(raw.encode()).hexdigest(),
        prefix=raw[:8],
    )
    ok = Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert ok.status_code == 200
    assert ok.json()["username"] == "office_staff"
    token.revoked = True
    token.save()
    assert Client().get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


# --- Oversize and non-UTF-8 bodies ---------------------------------------------------


def test_oversize_form_body_is_refused_in_chinese(cast, settings):
    body = "username=a&password=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    response = Client().post("/login/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    assert not AuditEntry.objects.exists()  # not even a failed login was processed


def test_oversize_api_body_is_refused_with_json(cast, settings):
    client = client_for(cast.office_admin)
    body = '{"name": "' + "长" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + '"}'
    response = client.post("/api/v1/org/units", data=body, content_type="application/json")
    assert response.status_code == 413
    assert "提交的内容过大" in response.json()["detail"]


def test_oversize_upload_limit_is_larger_but_still_enforced(cast, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = Client().post(
        "/login/",
        data=b"x" * (2 * 1024 * 1024 + 10),
        content_type="multipart/form-data; boundary=xx",
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/login/", "application/x-www-form-urlencoded"),
        ("/api/v1/org/units", "application/json"),
        ("/password/", "text/plain"),
    ],
)
def test_non_utf8_body_is_refused_in_chinese(cast, path, content_type):
    client = client_for(cast.office_admin)
    body = "username=王主任&password=x".encode("gbk")
    response = client.post(path, data=body, content_type=content_type)
    assert response.status_code == 400
    text = response.content.decode()
    assert "不是有效的 UTF-8 文本" in text
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("length", ["abc", "-5", "1e9"])
def test_invalid_content_length_is_refused(cast, length):
    response = Client().generic(
        "POST",
        "/login/",
        data=b"username=a",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=length,
    )
    assert response.status_code == 400
    assert "请求长度无效" in response.content.decode()


def test_non_utf8_query_string_does_not_break_pages(cast, login):
    client = login(cast.office_staff)
    response = client.get("/units/", QUERY_STRING="q=%B9%FA%BC%D2")  # GBK bytes
    assert response.status_code == 200


# --- Unknown ids ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/audit/99999999/", "/audit/0/", "/no-such-page/", "/audit/99999999999999999999/"]
)
def test_unknown_ids_and_pages_get_the_chinese_404(cast, path, settings):
    settings.DEBUG = False
    response = client_for(cast.auditor).get(path)
    assert response.status_code == 404
    text = response.content.decode()
    assert "页面不存在" in text
    assert "您访问的页面或记录不存在" in text


# --- SQL and script strings in text fields -------------------------------------------


@pytest.mark.parametrize("query", [SQL, SCRIPT, '" onmouseover="alert(1)', "%", "_", "\\"])
def test_unit_search_is_escaped_and_harmless(cast, login, query):
    client = login(cast.office_staff)
    response = client.get("/units/", {"q": query})
    assert response.status_code == 200
    text = response.content.decode()
    assert SCRIPT not in text
    assert 'onmouseover="alert' not in text
    assert Unit.objects.count() == 6
    if query == SCRIPT:
        assert "&lt;script&gt;" in text


def test_stored_script_in_a_name_comes_back_escaped(cast, login):
    Unit.objects.create(name=SCRIPT, kind=Unit.Kind.OTHER, office=cast.city)
    text = login(cast.office_staff).get("/units/").content.decode()
    assert SCRIPT not in text
    assert "&lt;script&gt;alert(&#x27;xss&#x27;)&lt;/script&gt;" in text


@given(st.text(max_size=60).map(lambda t: "<xq" + t))
@hsettings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_search_text_is_answered_safely(cast, query):
    client = client_for(cast.office_staff)
    response = client.get("/units/", {"q": query})
    if "\x00" in query:
        # NUL can be neither stored nor searched (PostgreSQL refuses it): a clear refusal.
        assert response.status_code == 400
        assert "空字符" in response.content.decode()
        return
    assert response.status_code == 200
    assert "<xq" not in response.content.decode()  # echoed, but escaped


def test_nul_characters_are_refused_in_chinese_before_any_view(cast, login):
    client = login(cast.office_staff)
    assert client.get("/units/", {"q": "青石\x00镇"}).status_code == 400
    response = client.post(
        "/password/",
        data="old_password=a%00b&new_password1=x&new_password2=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "空字符" in response.content.decode()
    api = client.post(
        "/api/v1/org/units", data='{"name": "a\\u0000b"}', content_type="application/json"
    )
    assert api.status_code == 400
    assert "空字符" in api.json()["detail"]


def test_password_change_with_bad_input_stores_nothing(cast, login):
    client = login(cast.office_staff)
    before = (AuditEntry.objects.count(), PasswordHistory.objects.count())
    for data in [
        {"old_password": PASSWORD, "new_password1": SCRIPT, "new_password2": SCRIPT + "x"},
        {"old_password": SQL, "new_password1": "Qingshan#2027", "new_password2": "Qingshan#2027"},
        {"old_password": PASSWORD, "new_password1": "短", "new_password2": "短"},
        {},
    ]:
        response = client.post("/password/", data)
        assert response.status_code == 200
        assert SCRIPT not in response.content.decode()
    assert (AuditEntry.objects.count(), PasswordHistory.objects.count()) == before
    cast.office_staff.refresh_from_db()
    assert cast.office_staff.check_password(PASSWORD)


def test_otp_code_field_rejects_junk(cast):
    client = client_for(cast.office_admin)
    for token in [SCRIPT, SQL, "1" * 100, "١٢٣٤٥٦"]:
        response = client.post("/otp/setup/", {"token": token})
        assert response.status_code in (200, 302)
        assert SCRIPT not in response.content.decode()


# --- The Chinese 403/404/500 pages with DEBUG off ------------------------------------


def _boom(request):
    raise RuntimeError("测试用的故障")


def _ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("boom/", _boom),
    path("ok/", _ok),
    path("", include("xuncha.urls")),
]
handler403 = "xuncha.core.views.error_403"
handler404 = "xuncha.core.views.error_404"
handler500 = "xuncha.core.views.error_500"


def test_error_pages_in_chinese(cast, settings):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client = client_for(cast.office_staff)
    client.raise_request_exception = False

    server_error = client.get("/boom/")
    assert server_error.status_code == 500
    text = server_error.content.decode()
    assert "系统错误" in text
    assert "测试用的故障" not in text  # no internals leak

    not_found = client.get("/nothing-here/")
    assert not_found.status_code == 404
    assert "页面不存在" in not_found.content.decode()

    forbidden = client.get("/audit/")
    assert forbidden.status_code == 403
    assert "无权访问" in forbidden.content.decode()
    assert '<html lang="zh-CN">' in forbidden.content.decode()


def test_csrf_failure_page_in_chinese(cast):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "office_staff", "password": PASSWORD})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


@pytest.mark.django_db
def test_too_many_form_fields_get_the_chinese_400_page(client, settings):
    settings.DEBUG = False
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{i}=x" for i in range(50))
    response = client.post("/login/", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "请求有误" in response.content.decode()
