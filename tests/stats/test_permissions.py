"""Every statistics page and API operation × every cast user (tests/matrix.py), and what the
figures reveal: county B never sees county A's, the city sees all its counties', units and
teams see no office statistics."""

import pytest

from tests.cast import client_for
from tests.matrix import EVERYONE, case, check_all
from tests.stats.conftest import COUNTY_A_KEY, package, raw
from tests.stats.maps import upload
from xuncha.stats import services

pytestmark = pytest.mark.django_db

READERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "county_staff",
    "county_b_staff",
}
WORKERS = READERS - {"leading_group"}
CITY_READERS = {"sysadmin", "office_admin", "office_staff", "leading_group"}


@pytest.fixture
def world(cast):
    cast.cp = services.counterpart_register(
        owner=cast.city,
        direction="lower",
        name="临川县委巡察办（独立部署）",
        public_key=COUNTY_A_KEY.public,
        office=cast.county_a,
        actor=cast.office_admin,
    )
    services.district_map_upload(office=cast.city, uploaded=upload(), actor=cast.office_admin)
    return cast


def _pkg(c):
    return {"content": raw(package(COUNTY_A_KEY)).decode()}


def _county_a(c):
    return c.county_a.pk


def _map_api(c, tail=""):
    return f"/api/v1/stats/district-maps/{c.city.pk}{tail}"


CASES = [
    case("index", "get", lambda c: "/stats/", READERS, denied={403}),
    case("index_filtered", "get", lambda c: "/stats/?year=2026&quarter=1", READERS, denied={403}),
    case(
        "index_county_a",
        "get",
        lambda c: f"/stats/?office={_county_a(c)}",
        READERS - {"county_b_staff"},
        denied={400, 403},
    ),
    case("table_xlsx", "get", lambda c: "/stats/table.xlsx?year=2026", READERS, denied={403}),
    case(
        "table_xlsx_county_a",
        "get",
        lambda c: f"/stats/table.xlsx?office={_county_a(c)}",
        READERS - {"county_b_staff"},
        denied={400, 403},
    ),
    case("rollup", "get", lambda c: "/stats/rollup/?period=2026Q1", READERS, denied={403}),
    case(
        "package_import", "post", lambda c: "/stats/packages/import/", WORKERS, ok=302, denied={403}
    ),
    case(
        "package_export",
        "post",
        lambda c: "/stats/packages/export/",
        WORKERS,
        data=lambda c: {"period": "2026Q1"},
        denied={403},
    ),
    case("counterparts", "get", lambda c: "/stats/counterparts/", READERS, denied={403}),
    case(
        "counterpart_register",
        "post",
        lambda c: "/stats/counterparts/",
        {"office_admin"},
        ok=302,
        data=lambda c: {
            "direction": "lower",
            "name": "安平区（独立部署）",
            "public_key": "ab" * 32,
            "office": c.county_b.pk,
        },
        denied={403},
    ),
    case(
        "counterpart_active",
        "post",
        lambda c: f"/stats/counterparts/{c.cp.pk}/active/",
        {"office_admin", "sysadmin"},
        ok=302,
        data=lambda c: {"active": "0"},
        hidden=READERS - {"office_admin", "sysadmin"},
    ),
    case("rules", "get", lambda c: "/stats/rules/", READERS, denied={403}),
    case("rules_export", "post", lambda c: "/stats/rules/export/", WORKERS, denied={403}),
    case("rules_made", "get", lambda c: "/stats/rules-made/", WORKERS, denied={403}),
    # 区县地图: the city office's admin uploads, replaces and removes; the city's readers
    # read it (the dashboard fetches the file); nobody else learns whether there is one.
    case("district_map", "get", lambda c: "/stats/district-map/", {"office_admin"}, denied={403}),
    case(
        "district_map_upload",
        "post",
        lambda c: "/stats/district-map/",
        {"office_admin"},
        ok=302,
        data=lambda c: {"file": upload()},
        denied={403},
    ),
    case(
        "district_map_remove",
        "post",
        lambda c: "/stats/district-map/remove/",
        {"office_admin"},
        ok=302,
        denied={403},
    ),
    case(
        "api_district_map",
        "get",
        _map_api,
        CITY_READERS,
        schema_path="/api/v1/stats/district-maps/{office_id}",
        hidden=EVERYONE - CITY_READERS,
    ),
    case(
        "api_district_map_geojson",
        "get",
        lambda c: _map_api(c, "/geojson"),
        CITY_READERS,
        api=True,
        hidden=EVERYONE - CITY_READERS,
    ),
    case(
        "api_district_map_upload",
        "post",
        _map_api,
        {"office_admin"},
        ok=201,
        data=lambda c: {"file": upload()},
        schema_path="/api/v1/stats/district-maps/{office_id}",
        denied={403},
    ),
    case(
        "api_district_map_delete",
        "delete",
        _map_api,
        {"office_admin"},
        ok=204,
        api=True,
        denied={403},
    ),
    case(
        "api_indicators",
        "get",
        lambda c: "/api/v1/stats/indicators?year=2026",
        READERS,
        schema_path="/api/v1/stats/indicators",
        denied={403},
    ),
    case(
        "api_indicators_county_a",
        "get",
        lambda c: f"/api/v1/stats/indicators?office={_county_a(c)}",
        READERS - {"county_b_staff"},
        schema_path="/api/v1/stats/indicators",
        denied={400, 403},
    ),
    case(
        "api_rollup",
        "get",
        lambda c: "/api/v1/stats/rollup?period=2026Q1",
        READERS,
        schema_path="/api/v1/stats/rollup",
        denied={403},
    ),
    case(
        "api_counterparts",
        "get",
        lambda c: "/api/v1/stats/counterparts",
        EVERYONE,
        schema_path="/api/v1/stats/counterparts",
    ),
    case(
        "api_counterpart_create",
        "post",
        lambda c: "/api/v1/stats/counterparts",
        {"office_admin"},
        ok=201,
        data=lambda c: {"direction": "lower", "name": "某区", "public_key": "cd" * 32},
        schema_path="/api/v1/stats/counterparts",
        denied={403},
    ),
    case(
        "api_package_import",
        "post",
        lambda c: "/api/v1/stats/packages",
        {"office_admin", "office_staff", "sysadmin"},
        ok=201,
        data=_pkg,
        schema_path="/api/v1/stats/packages",
        denied={400, 403},
    ),
    case(
        "api_packages",
        "get",
        lambda c: "/api/v1/stats/packages",
        EVERYONE,
        schema_path="/api/v1/stats/packages",
    ),
    case(
        "api_export",
        "post",
        lambda c: "/api/v1/stats/exports",
        WORKERS,
        ok=201,
        data=lambda c: {"period": "2026Q1"},
        schema_path="/api/v1/stats/exports",
        denied={403},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)


def _columns(user, url="/api/v1/stats/indicators"):
    response = client_for(user).get(url)
    assert response.status_code == 200, response.content
    return [c["label"] for c in response.json()["columns"]]


def test_each_level_sees_its_own_and_the_levels_below_only(world):
    cast = world
    assert _columns(cast.office_staff) == [
        "江州市委巡察办（本级）",
        "临川县委巡察办",
        "安平区委巡察办",
    ]
    assert _columns(cast.leading_group) == _columns(cast.office_staff)
    assert _columns(cast.county_b_staff) == ["安平区委巡察办（本级）"]
    assert _columns(cast.county_staff) == ["临川县委巡察办（本级）"]
    page = client_for(cast.county_b_staff).get("/stats/").content.decode()
    assert "临川县" not in page.split('id="stats-table"')[1]
    # county B asking for county A's figures is refused without a figure
    response = client_for(cast.county_b_staff).get(
        f"/api/v1/stats/indicators?office={cast.county_a.pk}"
    )
    assert response.status_code == 400 and "统计范围" in response.json()["detail"]
    # county B's roll-up is its own office; the city's counterparts and packages stay hidden
    client_for(cast.office_staff).post(
        "/api/v1/stats/packages", _pkg(cast), content_type="application/json"
    )
    assert client_for(cast.county_b_staff).get("/api/v1/stats/packages").json() == []
    assert client_for(cast.county_b_staff).get("/api/v1/stats/counterparts").json() == []
    rollup = client_for(cast.county_b_staff).get("/stats/rollup/?period=2026Q1").content.decode()
    assert "临川县委巡察办（独立部署）" not in rollup
    city = client_for(cast.office_staff).get("/api/v1/stats/rollup?period=2026Q1").json()
    assert "临川县委巡察办" in [c["label"] for c in city["columns"]]


def test_units_and_teams_see_no_statistics(world):
    cast = world
    for user in (
        cast.unit_liaison,
        cast.handover_recipient,
        cast.team_leader,
        cast.team_member,
        cast.custodian,
        cast.auditor,
        cast.outsider,
    ):
        assert client_for(user).get("/stats/").status_code == 403
        assert client_for(user).get("/api/v1/stats/indicators").status_code == 403
        assert client_for(user).get("/stats/table.xlsx").status_code == 403
        menu = client_for(user).get("/").content.decode()
        assert 'href="/stats/' not in menu  # no link (the page loads /static/stats/ JS)


def test_impossible_filters_get_clear_chinese_messages(world):
    cast = world
    client = client_for(cast.office_staff)
    other_round = cast.round.pk
    for query, message in [
        ("quarter=2", "选择季度时须同时选择年度"),
        (f"year=2019&term={cast.term.pk}", "不在所选届期内"),
        (f"year=2025&round={other_round}", "所选轮次不属于所选年度"),
        (f"office={cast.county_a.pk}&round={other_round}", "所选轮次不属于所选巡察机构"),
        ("category=Z", "监督内容分类"),
        ("kind=nonsense", "巡察类型"),
        ("year=abc", "年度"),
        ("office=999999", "不在您的统计范围内"),
        ("basis=received", "统计口径“received”不存在"),
    ]:
        page = client.get(f"/stats/?{query}")
        assert page.status_code == 400, query
        assert message in page.content.decode(), (query, message)
        api = client.get(f"/api/v1/stats/indicators?{query}")
        assert api.status_code in (400, 422), query
        assert api.json()["detail"], query
        if api.status_code == 400:
            assert message in api.json()["detail"], (query, api.json())
    api = client.get("/api/v1/stats/indicators?category=Z").json()["detail"]
    assert "监督内容分类代码不存在" in api
    xlsx = client.get("/stats/table.xlsx?quarter=2")
    assert xlsx.status_code == 400 and "选择季度时须同时选择年度" in xlsx.content.decode()
    bad = client.get("/api/v1/stats/rollup?period=2026Q7")
    assert bad.status_code == 400 and "统计期间" in bad.json()["detail"]
    bad = client.post(
        "/api/v1/stats/packages", {"content": "不是数据包"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "JSON" in bad.json()["detail"]
    bad = client.post(
        "/api/v1/stats/packages", {"content_base64": "***"}, content_type="application/json"
    )
    assert bad.status_code == 400 and "base64" in bad.json()["detail"]
    page = client.post("/stats/packages/import/", {"file": _upload(b"garbage")}, follow=True)
    assert "导入失败：数据包格式错误" in page.content.decode()


def _upload(data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.json", data, content_type="application/json")


def test_rules_made_recorded_and_counted(world):
    from tests.rectification.conftest import make_feedback_problem
    from xuncha.rectification.models import RectificationPlan

    cast = world
    inspection = cast.inspections["a"]
    make_feedback_problem(cast, inspection, cast.units["bureau"], "001", "问题")
    plan = RectificationPlan.objects.create(
        office=cast.city,
        inspection=inspection,
        unit=cast.units["bureau"],
        feedback_date="2026-06-01",
        due_date="2026-06-30",
        report_due_date="2026-07-31",
    )
    client = client_for(cast.office_staff)
    assert (
        client.post("/stats/rules-made/", {"plan": plan.pk, "rules_made": "-1"}, follow=True)
        .content.decode()
        .count("0–10000")
    )
    client.post("/stats/rules-made/", {"plan": plan.pk, "rules_made": "4"})
    table = client.get("/api/v1/stats/indicators?year=2026").json()
    row = next(r for r in table["rows"] if r["code"] == "rules_made")
    assert row["values"][0] == 4 and row["total"] == 4
    # another office's staff cannot record on this plan
    assert (
        client_for(cast.county_staff)
        .post("/stats/rules-made/", {"plan": plan.pk, "rules_made": "9"})
        .status_code
        == 404
    )
