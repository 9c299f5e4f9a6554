"""区县地图: the GeoJSON check (every refusal in Chinese, nothing saved), the upload, replace and
remove through the page and the API, and the dashboard's choropleth versus the ranked bar."""

import json
import random
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.cast import client_for
from tests.stats.maps import CAST_MAP, collection, feature, raw, square, upload
from tests.stats.test_dashboard import ref_districts
from tests.stats.world import build_world
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.stats import dashboard, geo, services
from xuncha.stats.demo import grid_geojson
from xuncha.stats.models import DistrictMap

CJK = re.compile(r"[\u4e00-\u9fff]")


# --------------------------------------------------------------------------- the check (pure)


def test_a_valid_map_is_read_and_cleaned():
    doc = collection(adcode=360100, secret="不应保存")
    doc["features"][1]["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": [[square(116.0, 28.0)], [square(116.5, 28.5)]],
    }
    doc["crs"] = {"type": "name"}
    parsed = geo.parse(raw(doc))
    assert parsed.names == list(CAST_MAP)
    assert parsed.name_property == "name"
    clean = json.loads(parsed.text)
    assert clean["type"] == "FeatureCollection" and "crs" not in clean
    assert [f["properties"] for f in clean["features"]] == [{"name": n} for n in CAST_MAP]
    assert clean["features"][1]["geometry"]["type"] == "MultiPolygon"
    assert "不应保存" not in parsed.text


def test_the_name_property_used_is_reported_and_names_are_trimmed():
    doc = collection(names=(" 临川县 ", "安平区"), key="NAME")
    parsed = geo.parse(raw(doc))
    assert parsed.name_property == "NAME"
    assert parsed.names == ["临川县", "安平区"]
    assert json.loads(parsed.text)["features"][0]["properties"] == {"name": "临川县"}
    # a UTF-8 byte-order mark is no problem (Windows editors write one)
    assert geo.parse(b"\xef\xbb\xbf" + raw(collection())).names == list(CAST_MAP)


def _with(mutate):
    doc = collection()
    mutate(doc)
    return raw(doc)


def _geometry(i, geometry):
    def mutate(doc):
        doc["features"][i]["geometry"] = geometry

    return mutate


REFUSED = [
    ("not_utf8", "临川县".encode("gb18030") + b"\xff", "不是 UTF-8 编码"),
    ("not_json", b'{"type": "FeatureCollection", "features": [', "不是有效的 JSON（第 1 行"),
    ("deep", b"[" * 100_000, "嵌套层次过深"),
    ("list", b"[1, 2]", "最外层应为一个对象"),
    ("feature", raw(feature("临川县")), "应为 FeatureCollection"),
    ("empty", raw({"type": "FeatureCollection", "features": []}), "没有任何要素"),
    ("compressed", raw({"UTF8Encoding": True, "type": "FeatureCollection"}), "压缩格式"),
    (
        "point",
        _with(_geometry(1, {"type": "Point", "coordinates": [115.0, 28.0]})),
        '第 2 个要素（安平区）的几何类型为 "Point"，区县地图只接受面',
    ),
    ("no_geometry", _with(_geometry(0, None)), "第 1 个要素（临川县）没有几何图形"),
    (
        "text_coordinate",
        _with(_geometry(2, {"type": "Polygon", "coordinates": [[["115", "28"]] * 4]})),
        "第 3 个要素（江城区）含有无效坐标",
    ),
    (
        "bool_coordinate",
        _with(_geometry(0, {"type": "Polygon", "coordinates": [[[True, 28.0]] * 4]})),
        "含有无效坐标",
    ),
    (
        "longitude",
        _with(_geometry(0, {"type": "Polygon", "coordinates": [square(200.0, 28.0)]})),
        "超出经纬度范围",
    ),
    (
        "projected",
        _with(_geometry(0, {"type": "Polygon", "coordinates": [square(12958000.0, 4853000.0)]})),
        "请使用 WGS84 经纬度坐标",
    ),
    ("nan", raw(collection()).replace(b"115.0", b"NaN", 1), "坐标中含有 NaN"),
    (
        "open_ring",
        _with(_geometry(0, {"type": "Polygon", "coordinates": [square(115.0, 28.0)[:4] * 1]})),
        "没有闭合",
    ),
    (
        "short_ring",
        _with(
            _geometry(0, {"type": "Polygon", "coordinates": [[[115, 28], [116, 28], [115, 28]]]})
        ),
        "至少应有 4 个坐标点",
    ),
    ("empty_polygon", _with(_geometry(0, {"type": "Polygon", "coordinates": []})), "坐标为空"),
    (
        "no_name",
        _with(lambda d: d["features"][1]["properties"].update(name="  ")),
        "第 2 个要素缺少区县名称（属性“name”",
    ),
    (
        "no_name_property",
        _with(lambda d: d["features"][0].update(properties={"adcode": 1})),
        "第 1 个要素没有区县名称属性",
    ),
    (
        "duplicate",
        raw(collection(names=("临川县", "安平区", "临川县", "安平区"))),
        "区县名称重复：临川县、安平区",
    ),
    (
        "not_a_feature",
        _with(lambda d: d["features"].append(["not", "a", "feature"])),
        "第 4 个要素不是 Feature",
    ),
]


@pytest.mark.parametrize("data,message", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_malformed_maps_are_refused_with_a_clear_chinese_message(data, message):
    with pytest.raises(DomainError) as refused:
        geo.parse(data)
    assert message in refused.value.message, refused.value.message


names = st.lists(
    st.text(alphabet="东西南北江河山湖平安临川县区市镇", min_size=1, max_size=8),
    min_size=1,
    max_size=12,
    unique=True,
)


@given(names=names, lon=st.floats(-179.5, 179.5), lat=st.floats(-89.5, 89.5))
def test_any_grid_of_named_polygons_is_accepted_with_its_names(names, lon, lat):
    doc = {
        "type": "FeatureCollection",
        "features": [
            feature(
                n, lon, lat, geometry={"type": "Polygon", "coordinates": [square(lon, lat, 0.4)]}
            )
            for n in names
        ],
    }
    parsed = geo.parse(raw(doc))
    assert parsed.names == names
    assert geo.parse(parsed.text.encode()).text == parsed.text  # cleaning is stable


@given(names=names, data=st.data())
def test_one_position_out_of_range_refuses_the_file_and_names_its_feature(names, data):
    doc = {"type": "FeatureCollection", "features": [feature(n, 110.0, 30.0) for n in names]}
    i = data.draw(st.integers(0, len(names) - 1))
    corner = data.draw(st.integers(1, 3))  # not the first/last: the ring stays closed
    bad = data.draw(
        st.one_of(
            st.tuples(st.floats(180.001, 1e9), st.floats(-90, 90)),
            st.tuples(st.floats(-180, 180), st.floats(-1e9, -90.001)),
        )
    )
    doc["features"][i]["geometry"]["coordinates"][0][corner] = list(bad)
    with pytest.raises(DomainError) as refused:
        geo.parse(raw(doc))
    assert f"第 {i + 1} 个要素（{names[i]}）" in refused.value.message
    assert "超出经纬度范围" in refused.value.message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries({"type": st.just("FeatureCollection"), "features": json_values}),
        st.fixed_dictionaries(
            {
                "type": st.just("FeatureCollection"),
                "features": st.lists(
                    st.fixed_dictionaries(
                        {
                            "type": st.just("Feature"),
                            "properties": json_values,
                            "geometry": json_values,
                        }
                    ),
                    min_size=1,
                    max_size=3,
                ),
            }
        ),
    )
)
def test_any_json_is_either_a_map_or_a_chinese_refusal(body):
    try:
        parsed = geo.parse(raw(body))
    except DomainError as refused:
        assert CJK.search(refused.message)
    else:
        assert parsed.names and len(set(parsed.names)) == len(parsed.names)


def test_compare_lists_unmatched_names_and_missing_districts():
    c = geo.compare(["临川县", "江城区"], ["江州市", "临川县", "", "安平区"])
    assert c.unmatched == ["江城区"]
    assert c.missing == ["安平区", "江州市"]


def test_the_demo_grid_is_a_valid_map_of_its_names():
    names = ["江城区", "安平区", "云溪区", "临川县", "清河县", "白石县"]
    parsed = geo.parse(raw(grid_geojson(names, random.Random(1))))
    assert parsed.names == names
    # neighbours share their border: the first two cells have common points
    shapes = json.loads(parsed.text)["features"]
    a, b = ({tuple(p) for p in f["geometry"]["coordinates"][0]} for f in shapes[:2])
    assert len(a & b) >= 2


# --------------------------------------------------------------------------- the service


def _entries():
    return AuditEntry.objects.filter(object_type="stats.districtmap").count()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "file,message",
    [
        (upload(data=b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, name="map.png"), "GeoJSON 文本文件"),
        (upload(data=b""), "是空文件"),
        (upload(data=b"{" + b" " * geo.MAX_BYTES), "超过上限 5 MB"),
        (upload(data=b'{"type": "Topology"}'), "应为 FeatureCollection"),
    ],
    ids=["binary", "empty", "too_large", "topojson"],
)
def test_a_refused_upload_saves_nothing(cast, file, message):
    services.district_map_upload(office=cast.city, uploaded=upload(), actor=cast.office_admin)
    before = DistrictMap.objects.get(owner=cast.city)
    entries = _entries()
    with pytest.raises(DomainError) as refused:
        services.district_map_upload(office=cast.city, uploaded=file, actor=cast.office_admin)
    assert message in refused.value.message
    after = DistrictMap.objects.get(owner=cast.city)
    assert (after.sha256, after.names, after.geojson) == (
        before.sha256,
        before.names,
        before.geojson,
    )
    assert _entries() == entries


@pytest.mark.django_db
def test_upload_replace_and_remove_are_audited_and_report_against_the_units(cast):
    report = services.district_map_upload(
        office=cast.city, uploaded=upload(), actor=cast.office_admin
    )
    assert not report.replaced
    assert report.district_map.filename == "区县.geojson"  # not 区县.geojson.geojson
    assert report.comparison.unmatched == ["江城区"]
    assert report.comparison.missing == ["江州市"]
    assert any("江城区" in m for m in report.messages)
    assert any("江州市" in m for m in report.messages)
    first = report.district_map.sha256
    again = services.district_map_upload(
        office=cast.city,
        uploaded=upload(collection(names=("临川县", "安平区", "江州市"))),
        actor=cast.office_admin,
    )
    assert again.replaced and again.messages == []
    assert DistrictMap.objects.filter(owner=cast.city).count() == 1
    assert again.district_map.sha256 != first
    services.district_map_remove(office=cast.city, actor=cast.office_admin)
    assert not DistrictMap.objects.exists()
    actions = list(
        AuditEntry.objects.filter(object_type="stats.districtmap")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    with pytest.raises(DomainError, match="尚未上传区县地图"):
        services.district_map_remove(office=cast.city, actor=cast.office_admin)


# --------------------------------------------------------------------------- page and API


@pytest.mark.django_db
def test_the_page_uploads_warns_replaces_and_removes(cast):
    client = client_for(cast.office_admin)
    page = client.get("/stats/district-map/")
    assert page.status_code == 200 and "尚未上传区县地图" in page.content.decode()
    done = client.post("/stats/district-map/", {"file": upload()}, follow=True)
    html = done.content.decode()
    assert "已上传区县地图：3 个区县，区县名称取自属性“name”" in html
    assert "江城区" in html and "江州市" in html  # the two warnings
    assert DistrictMap.objects.get(owner=cast.city).names == list(CAST_MAP)
    bad = client.post("/stats/district-map/", {"file": upload(data=b"{not json")})
    assert bad.status_code == 400
    assert "文件不是有效的 JSON" in bad.content.decode()
    assert DistrictMap.objects.get(owner=cast.city).names == list(CAST_MAP)
    none = client.post("/stats/district-map/", {})
    assert none.status_code == 400 and "请选择要上传的 GeoJSON 文件" in none.content.decode()
    replaced = client.post(
        "/stats/district-map/", {"file": upload(collection(names=("临川县",)))}, follow=True
    )
    assert "已更换区县地图：1 个区县" in replaced.content.decode()
    gone = client.post("/stats/district-map/remove/", {"office": cast.city.pk}, follow=True)
    assert "已删除区县地图" in gone.content.decode()
    assert not DistrictMap.objects.exists()


@pytest.mark.django_db
def test_the_menu_links_the_page_for_the_office_admin_only(cast):
    assert 'href="/stats/district-map/"' in client_for(cast.office_admin).get("/").content.decode()
    assert (
        'href="/stats/district-map/"' not in client_for(cast.office_staff).get("/").content.decode()
    )


@pytest.mark.django_db
def test_the_api_uploads_reads_serves_and_deletes(cast):
    client = client_for(cast.office_admin)
    url = f"/api/v1/stats/district-maps/{cast.city.pk}"
    assert client.get(url).status_code == 404
    created = client.post(url, {"file": upload(collection(adcode=1))})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["names"] == list(CAST_MAP) and body["name_property"] == "name"
    assert body["unmatched"] == ["江城区"] and body["missing"] == ["江州市"]
    assert body["replaced"] is False and len(body["warnings"]) == 2
    read = client_for(cast.office_staff).get(url)
    assert read.status_code == 200 and read.json()["feature_count"] == 3
    served = client_for(cast.leading_group).get(body["geojson_url"])
    assert served.status_code == 200 and served["Content-Type"] == "application/geo+json"
    shapes = json.loads(served.content)
    assert [f["properties"] for f in shapes["features"]] == [{"name": n} for n in CAST_MAP]
    # the other county's staff reads neither the description nor the file
    assert client_for(cast.county_b_staff).get(url).status_code == 404
    assert client_for(cast.county_b_staff).get(body["geojson_url"]).status_code == 404
    bad = client.post(url, {"file": upload(collection(names=("临川县", "临川县")))})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("区县名称重复：临川县")
    assert client.get(url).json()["names"] == list(CAST_MAP)  # the refusal changed nothing
    denied = client_for(cast.office_staff).post(url, {"file": upload()})
    assert denied.status_code == 403 and "巡察机构管理员" in denied.json()["detail"]
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    again = client.delete(url)
    assert again.status_code == 400 and "尚未上传区县地图" in again.json()["detail"]


# --------------------------------------------------------------------------- dashboard


def _districts_chart(user):
    return dashboard.problems_by_district(type(user).objects.get(pk=user.pk))


@pytest.mark.django_db
def test_the_dashboard_draws_a_choropleth_where_the_office_has_a_map(cast):
    build_world(cast, random.Random(4), n=8)
    bar = _districts_chart(cast.office_staff)
    assert bar["type"] == "hbar" and "map" not in bar
    services.district_map_upload(office=cast.city, uploaded=upload(), actor=cast.office_admin)
    chart = _districts_chart(cast.office_staff)
    assert chart["type"] == "map"
    values = {r["name"]: r["value"] for r in chart["rows"]}
    ref = ref_districts(cast.office_staff)
    assert {k: v for k, v in values.items() if v} == ref
    assert set(CAST_MAP) <= set(values)  # every district of the map, with none counted too
    assert values["江城区"] == 0
    assert chart["map"]["max"] == max([values[n] for n in CAST_MAP] + [1])  # not 江州市's
    # the same records link as the bar: the statistics filtered by district
    row = next(r for r in chart["rows"] if r["name"] == "临川县")
    assert row["url"] == "/stats/?district=%E4%B8%B4%E5%B7%9D%E5%8E%BF"
    assert chart["map"]["url"] == services.district_map_url(DistrictMap.objects.get())
    if "江州市" in ref:
        assert "地图上没有的区县（见表格）：江州市" in chart["note"]
    # a county reads its own office's statistics: no map uploaded there, the bar stays
    assert _districts_chart(cast.county_staff)["type"] == "hbar"
    # only the office's admin gets the link to the map's settings
    assert "settings_url" not in chart
    admin = _districts_chart(cast.office_admin)
    assert admin["settings_url"] == f"/stats/district-map/?office={cast.city.pk}"


@pytest.mark.django_db
def test_the_home_page_renders_the_map_card_with_its_table(cast):
    build_world(cast, random.Random(5), n=4)
    services.district_map_upload(office=cast.city, uploaded=upload(), actor=cast.office_admin)
    response = client_for(cast.office_staff).get("/")
    html = response.content.decode()
    assert 'id="chart-districts"' in html and 'id="table-districts"' in html
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    chart = next(c for c in data if c["id"] == "districts")
    assert chart["type"] == "map" and chart["map"]["url"].startswith("/api/v1/stats/district-maps/")


@pytest.mark.django_db
def test_the_demo_city_gets_its_district_map():
    from xuncha.core.demo import DemoContext, build_all
    from xuncha.org.models import Office, User

    build_all(DemoContext(seed=3, log=lambda *a: None), apps=["org", "stats"])
    city = Office.objects.get(level=Office.Level.CITY)
    report = services.district_map_report(DistrictMap.objects.get(owner=city))
    counties = [o.region for o in Office.objects.filter(parent=city).order_by("pk")]
    assert report.district_map.names == counties and len(counties) == 6
    assert report.comparison.unmatched == []  # every shape is a district of the units
    assert report.comparison.missing == ["江州市"]  # the city's own departments
    staff = User.objects.get(username="office_staff")
    assert dashboard.problems_by_district(staff)["type"] == "map"
