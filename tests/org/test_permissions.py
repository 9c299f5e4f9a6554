"""Every org page and API operation × every cast user: allowed, denied, not visible (404).

The pattern (tests/matrix.py) is meant to be copied by the other apps. Query counts of
the list pages are asserted at the end: they must not grow with the number of rows.
"""

import pytest

from tests.cast import make_user
from tests.matrix import EVERYONE, case, check_all
from xuncha.org.models import Role, Unit

pytestmark = pytest.mark.django_db

CITY_OFFICE = {"sysadmin", "office_admin", "office_staff", "leading_group", "custodian", "auditor"}
ACCOUNT_ADMINS = {"sysadmin", "office_admin"}
UNIT_EDITORS = {"sysadmin", "office_admin", "office_staff", "county_staff", "county_b_staff"}
CITY_UNIT_EDITORS = {"sysadmin", "office_admin", "office_staff"}
BUREAU_VIEWERS = CITY_OFFICE | {"unit_liaison", "team_leader", "team_member"}
TOWNSHIP_B_VIEWERS = CITY_OFFICE | {"county_b_staff"}


@pytest.fixture(autouse=True)
def _fast(settings):
    # Argon2 costs ~0.7 s per cast account on a loaded box, and WhiteNoise with
    # USE_FINDERS rescans every static file for each new test Client; neither is
    # what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


def _bureau(c):
    return c.units["bureau"].pk


def _township_b(c):
    return c.units["township_b"].pk


PAGES = [
    case("home", "get", lambda c: "/", EVERYONE),
    case("office_list", "get", lambda c: "/offices/", EVERYONE),
    case("token_list", "get", lambda c: "/tokens/", EVERYONE),
    case("token_create", "post", lambda c: "/tokens/", EVERYONE, data=lambda c: {"name": "脚本"}),
    case("unit_list", "get", lambda c: "/units/", EVERYONE),
    case(
        "unit_detail",
        "get",
        lambda c: f"/units/{_bureau(c)}/",
        BUREAU_VIEWERS,
        hidden=EVERYONE - BUREAU_VIEWERS,
    ),
    case(
        "unit_detail_other_county",
        "get",
        lambda c: f"/units/{_township_b(c)}/",
        TOWNSHIP_B_VIEWERS,
        hidden=EVERYONE - TOWNSHIP_B_VIEWERS,
    ),
    case("unit_create_form", "get", lambda c: "/units/new/", UNIT_EDITORS, denied={403}),
    case("unit_merge_form", "get", lambda c: "/units/merge/", UNIT_EDITORS, denied={403}),
    case(
        "unit_edit_form",
        "get",
        lambda c: f"/units/{_bureau(c)}/edit/",
        CITY_UNIT_EDITORS,
        hidden={"county_staff", "county_b_staff"},  # editors, but of other offices
        denied={403},
    ),
    case(
        "unit_rename",
        "post",
        lambda c: f"/units/{_bureau(c)}/rename/",
        CITY_UNIT_EDITORS,
        ok=302,
        hidden={"county_staff", "county_b_staff"},
        denied={403},
        data=lambda c: {"name": "江州市交通运输和港航局"},
    ),
    case(
        "unit_move",
        "post",
        lambda c: f"/units/{_township_b(c)}/move/",
        {"sysadmin", "county_b_staff"},
        ok=302,
        hidden={"office_admin", "office_staff", "county_staff"},  # a city cannot move it
        denied={403},
        data=lambda c: {"parent": ""},
    ),
    case("user_list", "get", lambda c: "/users/", ACCOUNT_ADMINS, denied={403}),
    case("user_create_form", "get", lambda c: "/users/new/", ACCOUNT_ADMINS, denied={403}),
    case(
        "user_detail",
        "get",
        lambda c: f"/users/{c.office_staff.pk}/",
        ACCOUNT_ADMINS | {"office_staff"},  # one's own account too
        hidden=EVERYONE - ACCOUNT_ADMINS - {"office_staff"},
    ),
    case(
        "user_detail_other_county",
        "get",
        lambda c: f"/users/{c.county_staff.pk}/",
        {"sysadmin", "county_staff"},
        hidden=EVERYONE - {"sysadmin", "county_staff"},
    ),
    case(
        "user_deactivate",
        "post",
        lambda c: f"/users/{c.office_staff.pk}/active/",
        ACCOUNT_ADMINS,
        ok=302,
        denied={403},
        data=lambda c: {"active": "0"},
    ),
    case(
        "user_unlock_other_county",
        "post",
        lambda c: f"/users/{c.county_staff.pk}/unlock/",
        {"sysadmin"},
        ok=302,
        hidden={"office_admin"},
        denied={403},
    ),
    case(
        "user_otp_reset",
        "post",
        lambda c: f"/users/{c.leading_group.pk}/otp-reset/",
        ACCOUNT_ADMINS,
        ok=302,
        denied={403},
    ),
    case(
        "user_password_reset",
        "post",
        lambda c: f"/users/{c.leading_group.pk}/password-reset/",
        ACCOUNT_ADMINS,
        denied={403},
    ),
    case(
        "role_grant",
        "post",
        lambda c: f"/users/{c.team_member.pk}/roles/",
        ACCOUNT_ADMINS,
        ok=302,
        denied={403},
        data=lambda c: {"role": "office_staff", "office": c.city.pk},
    ),
    case(
        "role_revoke",
        "post",
        lambda c: f"/roles/{c.office_staff.roles.get().pk}/revoke/",
        ACCOUNT_ADMINS,
        ok=302,
        denied={403},
    ),
]

API = [
    case("api_me", "get", lambda c: "/api/v1/org/me", EVERYONE, schema_path="/api/v1/org/me"),
    case(
        "api_offices",
        "get",
        lambda c: "/api/v1/org/offices",
        EVERYONE,
        schema_path="/api/v1/org/offices",
    ),
    case(
        "api_office_detail",
        "get",
        lambda c: f"/api/v1/org/offices/{c.county_b.pk}",
        CITY_OFFICE | {"county_b_staff"},
        hidden=EVERYONE - CITY_OFFICE - {"county_b_staff"},
        schema_path="/api/v1/org/offices/{office_id}",
    ),
    case(
        "api_units",
        "get",
        lambda c: "/api/v1/org/units",
        EVERYONE,
        schema_path="/api/v1/org/units",
    ),
    case(
        "api_unit_detail",
        "get",
        lambda c: f"/api/v1/org/units/{_township_b(c)}",
        TOWNSHIP_B_VIEWERS,
        hidden=EVERYONE - TOWNSHIP_B_VIEWERS,
        schema_path="/api/v1/org/units/{unit_id}",
    ),
    case(
        "api_unit_create",
        "post",
        lambda c: "/api/v1/org/units",
        CITY_UNIT_EDITORS,
        ok=201,
        data=lambda c: {"name": "江州市审计局", "kind": "department", "office_id": c.city.pk},
        schema_path="/api/v1/org/units",
    ),
    case(
        "api_unit_rename",
        "post",
        lambda c: f"/api/v1/org/units/{_bureau(c)}/rename",
        CITY_UNIT_EDITORS,
        hidden=EVERYONE - CITY_UNIT_EDITORS,
        data=lambda c: {"name": "江州市交通运输和港航局"},
        schema_path="/api/v1/org/units/{unit_id}/rename",
    ),
    case(
        "api_users",
        "get",
        lambda c: "/api/v1/org/users",
        ACCOUNT_ADMINS,
        denied={403},
        schema_path="/api/v1/org/users",
    ),
    case(
        "api_user_detail",
        "get",
        lambda c: f"/api/v1/org/users/{c.county_staff.pk}",
        {"sysadmin", "county_staff"},
        hidden=EVERYONE - {"sysadmin", "county_staff"},
        schema_path="/api/v1/org/users/{user_id}",
    ),
    case(
        "api_user_create",
        "post",
        lambda c: "/api/v1/org/users",
        ACCOUNT_ADMINS,
        ok=201,
        denied={403},
        data=lambda c: {"username": "new_user", "full_name": "新用户", "office_id": c.city.pk},
        schema_path="/api/v1/org/users",
    ),
    case(
        "api_role_grant",
        "post",
        lambda c: f"/api/v1/org/users/{c.team_member.pk}/roles",
        ACCOUNT_ADMINS,
        ok=201,
        hidden=EVERYONE - ACCOUNT_ADMINS,
        data=lambda c: {"role": "office_staff", "office_id": c.city.pk},
        schema_path="/api/v1/org/users/{user_id}/roles",
    ),
    case(
        "api_role_revoke",
        "delete",
        lambda c: f"/api/v1/org/roles/{c.office_staff.roles.get().pk}",
        ACCOUNT_ADMINS,
        ok=204,
        hidden=EVERYONE - ACCOUNT_ADMINS,
        schema_path="/api/v1/org/roles/{role_id}",
    ),
    case(
        "api_tokens",
        "get",
        lambda c: "/api/v1/org/tokens",
        EVERYONE,
        schema_path="/api/v1/org/tokens",
    ),
]


@pytest.mark.parametrize("case", PAGES + API, ids=lambda c: c.name)
def test_permission_matrix(cast, case):
    check_all(case, cast)


def test_matrix_names_are_unique():
    names = [c.name for c in PAGES + API]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------- query counts


def _grow(cast, units: int, users: int):
    for i in range(units):
        parent = cast.units["bureau"] if i % 2 else None
        Unit.objects.create(
            name=f"测试单位{i:03d}", kind=Unit.Kind.OTHER, office=cast.city, parent=parent
        )
    for i in range(users):
        make_user(f"extra{i:03d}", office=cast.city, roles=[Role.OFFICE_STAFF])


@pytest.mark.parametrize("username", ["office_staff", "team_member", "sysadmin"])
def test_unit_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries, username):
    client = login(cast.users[username])
    client.get("/units/")  # warm the session
    _grow(cast, units=60, users=0)
    with django_assert_max_num_queries(12):
        response = client.get("/units/")
    assert response.status_code == 200


def test_user_list_query_count_does_not_grow(cast, login, django_assert_max_num_queries):
    client = login(cast.office_admin)
    client.get("/users/")
    _grow(cast, units=0, users=40)
    with django_assert_max_num_queries(12):
        response = client.get("/users/")
    assert response.status_code == 200
    assert "extra000" in response.content.decode()


def test_office_list_counts(cast, login, django_assert_max_num_queries):
    client = login(cast.office_staff)
    client.get("/offices/")
    with django_assert_max_num_queries(10):
        response = client.get("/offices/")
    counts = {o.name: (o.unit_count, o.user_count) for o in response.context["offices"]}
    assert counts == {
        "江州市委巡察办": (3, 9),
        "临川县委巡察办": (2, 1),
        "安平区委巡察办": (1, 1),
    }
