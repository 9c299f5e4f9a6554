"""/api/v1/: authentication (token and session), the OpenAPI document, the org endpoints."""

import json

import pytest
from django.test import Client
from openapi_spec_validator import validate

from tests.api_schema import assert_matches_schema, openapi_schema
from xuncha.audit.models import AuditEntry
from xuncha.org import services
from xuncha.org.models import ApiToken, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    # Argon2 costs ~0.7 s per cast account on a loaded box, and WhiteNoise with
    # USE_FINDERS rescans every static file for each new test Client; neither is
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


def bearer(user, name="脚本"):
    _token, secret = services.token_create(name=name, actor=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


# ---------------------------------------------------------------- schema


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    assert document["openapi"].startswith("3.")
    assert "/api/v1/org/units/{unit_id}" in document["paths"]
    assert document == openapi_schema()


# ---------------------------------------------------------------- authentication


def test_missing_token_is_401_in_chinese(client):
    response = client.get("/api/v1/org/me")
    assert response.status_code == 401
    assert "未认证" in response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer xc_not-a-real-token",
        "Bearer ",
        "Bearer " + "x" * 500,
        "Token abc",
        "Bearer 令牌",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_bad_tokens_are_401(cast, header):
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/org/me")
    assert response.status_code == 401
    assert response.json()["detail"].startswith("未认证")


def test_token_auth_works_and_is_recorded(cast):
    client = bearer(cast.office_staff)
    response = client.get("/api/v1/org/me")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/org/me")
    assert response.json()["username"] == "office_staff"
    assert response.json()["roles"] == ["office_staff"]
    assert ApiToken.objects.get(user=cast.office_staff).last_used_at is not None


def test_only_the_digest_is_stored(cast):
    token, secret = services.token_create(name="同步", actor=cast.office_staff)
    row = ApiToken.objects.get(pk=token.pk)
    assert secret not in (row.digest, row.prefix, row.name)
    assert row.digest == services.digest_token(secret) and len(row.digest) == 64
    assert secret not in json.dumps([e.changes for e in AuditEntry.objects.all()])


def test_revoked_token_and_inactive_user_are_refused(cast):
    token, secret = services.token_create(name="同步", actor=cast.office_staff)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert client.get("/api/v1/org/me").status_code == 200
    services.token_revoke(token=token, actor=cast.office_staff)
    assert client.get("/api/v1/org/me").status_code == 401
    client = bearer(cast.office_staff, "另一个")
    services.user_set_active(user=cast.office_staff, active=False, actor=cast.office_admin)
    assert client.get("/api/v1/org/me").status_code == 401


def test_session_auth_works_and_needs_csrf_for_writes(cast, login):
    client = login(cast.office_staff)
    assert client.get("/api/v1/org/me").json()["username"] == "office_staff"
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(cast.office_staff)
    response = post_json(csrf_client, "/api/v1/org/tokens", {"name": "x"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"] and "校验失败" in response.json()["detail"]
    # a bearer token needs no CSRF token
    response = post_json(bearer(cast.office_staff), "/api/v1/org/tokens", {"name": "x"})
    assert response.status_code == 201


def test_session_owing_a_password_change_cannot_use_the_api(cast, login):
    cast.office_staff.must_change_password = True
    cast.office_staff.save()
    response = login(cast.office_staff).get("/api/v1/org/me")
    assert response.status_code in (401, 403)


def test_malformed_json_is_a_chinese_error(cast):
    client = bearer(cast.office_admin)
    response = client.post("/api/v1/org/units", "{not json", content_type="application/json")
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


# ---------------------------------------------------------------- offices and units


def test_office_list_by_role(cast):
    city = bearer(cast.office_staff).get("/api/v1/org/offices")
    assert_matches_schema(city, "/api/v1/org/offices")
    assert {o["name"] for o in city.json()} == {
        "江州市委巡察办",
        "临川县委巡察办",
        "安平区委巡察办",
    }
    county = bearer(cast.county_staff).get("/api/v1/org/offices").json()
    assert [o["name"] for o in county] == ["临川县委巡察办"]
    assert bearer(cast.outsider).get("/api/v1/org/offices").json() == []
    response = bearer(cast.county_staff).get(f"/api/v1/org/offices/{cast.city.pk}")
    assert response.status_code == 404
    assert_matches_schema(response, "/api/v1/org/offices/{office_id}")


def test_unit_list_is_paginated_filtered_and_scoped(cast):
    client = bearer(cast.office_staff)
    response = client.get("/api/v1/org/units")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/org/units")
    body = response.json()
    assert body["count"] == Unit.objects.count()  # the city sees its counties' units too
    village = client.get("/api/v1/org/units", {"kind": "village"}).json()
    assert [u["name"] for u in village["items"]] == ["临川县青石镇柳溪村"]
    under = client.get("/api/v1/org/units", {"under": cast.units["bureau"].pk}).json()
    assert {u["name"] for u in under["items"]} == {"江州市交通运输局", "江州市公路事业发展中心"}
    searched = client.get("/api/v1/org/units", {"q": "青石"}).json()
    assert searched["count"] == 2
    county = bearer(cast.county_staff).get("/api/v1/org/units").json()
    assert {u["name"] for u in county["items"]} == {"临川县青石镇", "临川县青石镇柳溪村"}
    liaison = bearer(cast.unit_liaison).get("/api/v1/org/units").json()
    assert [u["name"] for u in liaison["items"]] == ["江州市交通运输局"]
    # `under` a unit the user cannot see is a 404, not an empty page
    hidden = bearer(cast.county_staff).get("/api/v1/org/units", {"under": cast.units["bureau"].pk})
    assert hidden.status_code == 404


def test_unit_detail_404_out_of_scope(cast):
    unit = cast.units["township_b"]
    ok = bearer(cast.county_b_staff).get(f"/api/v1/org/units/{unit.pk}")
    assert ok.status_code == 200
    assert_matches_schema(ok, "/api/v1/org/units/{unit_id}")
    for user in (cast.county_staff, cast.unit_liaison, cast.outsider, cast.team_member):
        response = bearer(user).get(f"/api/v1/org/units/{unit.pk}")
        assert response.status_code == 404
        assert_matches_schema(response, "/api/v1/org/units/{unit_id}")
    assert bearer(cast.office_staff).get("/api/v1/org/units/999999").status_code == 404


def test_unit_create_move_rename_merge_over_api(cast):
    client = bearer(cast.office_staff)
    response = post_json(
        client,
        "/api/v1/org/units",
        {"name": "江州市审计局", "kind": "department", "office_id": cast.city.pk},
    )
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "/api/v1/org/units", "post")
    new_id = response.json()["id"]
    moved = post_json(
        client, f"/api/v1/org/units/{new_id}/move", {"parent_id": cast.units["bureau"].pk}
    )
    assert moved.status_code == 200 and moved.json()["depth"] == 1
    assert_matches_schema(moved, "/api/v1/org/units/{unit_id}/move", "post")
    renamed = post_json(client, f"/api/v1/org/units/{new_id}/rename", {"name": "江州市审计中心"})
    assert renamed.json()["name"] == "江州市审计中心"
    merged = post_json(
        client,
        "/api/v1/org/units/merge",
        {"unit_ids": [new_id], "into_id": cast.units["discipline"].pk},
    )
    assert merged.status_code == 200 and merged.json()["id"] == cast.units["discipline"].pk
    assert_matches_schema(merged, "/api/v1/org/units/merge", "post")
    assert Unit.objects.get(pk=new_id).successor_id == cast.units["discipline"].pk
    again = post_json(client, f"/api/v1/org/units/{new_id}/rename", {"name": "再改名"})
    assert again.status_code == 400
    assert_matches_schema(again, "/api/v1/org/units/{unit_id}/rename", "post")
    assert "正常状态" in again.json()["detail"]


def test_unit_create_bad_input(cast):
    client = bearer(cast.office_staff)
    bad_kind = post_json(
        client, "/api/v1/org/units", {"name": "某局", "kind": "zzz", "office_id": cast.city.pk}
    )
    assert bad_kind.status_code == 400 and bad_kind.json()["field"] == "kind"
    script = "<script>alert(1)</script>'; DROP TABLE org_unit; --"
    response = post_json(
        client, "/api/v1/org/units", {"name": script, "kind": "other", "office_id": cast.city.pk}
    )
    assert response.status_code == 201
    assert Unit.objects.get(pk=response.json()["id"]).name == script
    county = post_json(
        client,
        "/api/v1/org/units",
        {"name": "县局", "kind": "other", "office_id": cast.county_a.pk},
    )
    assert county.status_code == 403  # visible office, but not one this user maintains
    hidden = post_json(
        bearer(cast.county_staff),
        "/api/v1/org/units",
        {"name": "市局", "kind": "other", "office_id": cast.city.pk},
    )
    assert hidden.status_code == 404


# ---------------------------------------------------------------- users and roles


def test_user_list_for_office_admin_only(cast):
    response = bearer(cast.office_admin).get("/api/v1/org/users")
    assert response.status_code == 200
    assert_matches_schema(response, "/api/v1/org/users")
    names = {u["username"] for u in response.json()["items"]}
    assert "office_staff" in names and "unit_liaison" in names  # the bureau is a city unit
    assert "county_staff" not in names and "outsider" not in names
    for user in (cast.office_staff, cast.leading_group, cast.outsider):
        denied = bearer(user).get("/api/v1/org/users")
        assert denied.status_code == 403
        assert_matches_schema(denied, "/api/v1/org/users")
    everyone = bearer(cast.sysadmin).get("/api/v1/org/users").json()
    assert everyone["count"] == User.objects.count()


def test_user_detail_scope(cast):
    target = cast.county_staff
    assert bearer(cast.office_admin).get(f"/api/v1/org/users/{target.pk}").status_code == 404
    own = bearer(cast.county_staff).get(f"/api/v1/org/users/{target.pk}")
    assert own.status_code == 200
    assert_matches_schema(own, "/api/v1/org/users/{user_id}")


def test_user_create_and_roles_over_api(cast):
    client = bearer(cast.office_admin)
    response = post_json(
        client,
        "/api/v1/org/users",
        {"username": "new_staff", "full_name": "新干事", "office_id": cast.city.pk},
    )
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "/api/v1/org/users", "post")
    body = response.json()
    user = User.objects.get(username="new_staff")
    assert user.check_password(body["initial_password"]) and user.must_change_password
    grant = post_json(
        client,
        f"/api/v1/org/users/{user.pk}/roles",
        {"role": "office_staff", "office_id": cast.city.pk},
    )
    assert grant.status_code == 201
    assert_matches_schema(grant, "/api/v1/org/users/{user_id}/roles", "post")
    listed = client.get(f"/api/v1/org/users/{user.pk}/roles")
    assert_matches_schema(listed, "/api/v1/org/users/{user_id}/roles")
    assert [r["role"] for r in listed.json()] == ["office_staff"]
    denied = post_json(client, f"/api/v1/org/users/{user.pk}/roles", {"role": "sysadmin"})
    assert denied.status_code == 403
    revoke = client.delete(f"/api/v1/org/roles/{grant.json()['id']}")
    assert revoke.status_code == 204
    assert not RoleAssignment.objects.filter(user=user).exists()


def test_role_grant_out_of_scope_is_404(cast):
    client = bearer(cast.office_admin)
    response = post_json(
        client,
        f"/api/v1/org/users/{cast.county_staff.pk}/roles",
        {"role": "office_staff", "office_id": cast.county_a.pk},
    )
    assert response.status_code == 404
    county_grant = RoleAssignment.objects.get(user=cast.county_staff)
    assert client.delete(f"/api/v1/org/roles/{county_grant.pk}").status_code == 404


# ---------------------------------------------------------------- tokens


def test_tokens_over_api(cast):
    client = bearer(cast.team_member, "第一个")
    created = post_json(client, "/api/v1/org/tokens", {"name": "第二个"})
    assert created.status_code == 201
    assert_matches_schema(created, "/api/v1/org/tokens", "post")
    assert created.json()["secret"].startswith("xc_")
    listed = client.get("/api/v1/org/tokens")
    assert_matches_schema(listed, "/api/v1/org/tokens")
    assert [t["name"] for t in listed.json()] == ["第二个", "第一个"]
    assert all("secret" not in t and "digest" not in t for t in listed.json())
    other = ApiToken.objects.create(user=cast.other_member, name="别人的", digest="0" * 64)
    assert client.delete(f"/api/v1/org/tokens/{other.pk}").status_code == 404
    own_id = created.json()["token"]["id"]
    assert client.delete(f"/api/v1/org/tokens/{own_id}").status_code == 204
    assert ApiToken.objects.get(pk=own_id).revoked
    empty = post_json(client, "/api/v1/org/tokens", {"name": "  "})
    assert empty.status_code == 400
    assert_matches_schema(empty, "/api/v1/org/tokens", "post")
