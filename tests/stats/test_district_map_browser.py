"""Browser: the office administrator opens 区县地图设置 from the dashboard's per-district card,
a malformed GeoJSON is refused with its Chinese message, a valid one is uploaded, and the
dashboard then draws the districts as an ECharts map (a click on a district opens its
statistics). Screenshots: test-results/screenshots/district-map-*.png."""

import json
import os
import random

import pytest

from tests.cast import client_for
from tests.stats.maps import CAST_MAP, collection, raw
from tests.stats.test_dashboard_browser import ARGS, SHOTS, _watch
from tests.stats.world import build_world
from xuncha.stats.demo import grid_geojson


def _centre(shapes, name) -> list[float]:
    """The mean of a district's outline points: inside it for the grid's convex-ish cells."""
    ring = next(f for f in shapes["features"] if f["properties"]["name"] == name)
    points = ring["geometry"]["coordinates"][0][:-1]
    return [sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)]


def _file(name, data: bytes) -> dict:
    return {"name": name, "mimeType": "application/geo+json", "buffer": data}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_admin_uploads_a_district_map_and_the_dashboard_draws_it(live_server, cast):
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import expect, sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    build_world(cast, random.Random(11), n=8)
    shapes = grid_geojson([*CAST_MAP, "江州市"], random.Random(1))
    cookie = client_for(cast.office_admin).cookies["sessionid"].value
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
        page = context.new_page()
        errors = _watch(page)

        # Before: the ranked bar, with the way to the settings on its card.
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#chart-districts[data-ready='1'] canvas")
        kind = "echarts.getInstanceByDom(document.getElementById('chart-districts')).getOption().series[0].type"
        assert page.evaluate(kind) == "bar"
        card = page.locator("section[aria-labelledby='t-districts']")
        card.get_by_role("link", name="区县地图设置").click()
        expect(page.locator("h1")).to_have_text("区县地图设置")

        # A malformed file: refused in Chinese, nothing stored.
        duplicate = collection(names=("临川县", "安平区", "临川县"))
        page.set_input_files("#id_file", _file("重复.geojson", raw(duplicate)))
        page.get_by_role("button", name="上传").click()
        expect(page.locator("#district-map-error")).to_contain_text("区县名称重复：临川县")
        expect(page.locator(".xc-empty-state")).to_contain_text("尚未上传区县地图")
        page.set_input_files("#id_file", _file("坏.geojson", b'{"type": "FeatureCollection", '))
        page.get_by_role("button", name="上传").click()
        expect(page.locator("#district-map-error")).to_contain_text("文件不是有效的 JSON")
        page.screenshot(path=str(SHOTS / "district-map-refused.png"), full_page=True)
        assert [e for e in errors if "HTTP 400" not in e] == [], errors  # the refusals
        errors.clear()

        # A valid one: stored, the property used and the warnings said.
        page.set_input_files("#id_file", _file("江州市区县.geojson", raw(shapes)))
        page.get_by_role("button", name="上传").click()
        expect(page.locator(".alert-success").first).to_contain_text(
            "已上传区县地图：4 个区县，区县名称取自属性“name”"
        )
        expect(page.locator(".alert-warning").first).to_contain_text("江城区")
        expect(page.locator("#map-names")).to_have_text("临川县、安平区、江城区、江州市")
        page.screenshot(path=str(SHOTS / "district-map-uploaded.png"), full_page=True)

        # The dashboard: an ECharts map of the four districts, drawn on a canvas.
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#chart-districts[data-ready='1'] canvas")
        option = page.evaluate(
            """() => {
              const el = document.getElementById('chart-districts');
              const o = echarts.getInstanceByDom(el).getOption();
              return { type: o.series[0].type, map: o.series[0].map, visualMap: o.visualMap.length,
                       names: o.series[0].data.map((d) => d.name), fallback: el.dataset.fallback || '',
                       registered: !!echarts.getMap(o.series[0].map) };
            }"""
        )
        assert option["type"] == "map" and option["registered"], option
        assert option["visualMap"] == 1 and option["fallback"] == ""
        assert set(CAST_MAP) <= set(option["names"])
        # the canvas is painted: some pixels of the map are neither white nor transparent
        painted = page.evaluate(
            """() => {
              const c = document.querySelector('#chart-districts canvas');
              const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i + 3] && (d[i] < 230 || d[i + 2] < 230)) n++;
              return n;
            }"""
        )
        assert painted > 2000, painted
        assert errors == [], errors
        card = page.locator("section[aria-labelledby='t-districts']")
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(SHOTS / "district-map-dashboard-card.png"))
        page.screenshot(path=str(SHOTS / "district-map-dashboard.png"), full_page=True)

        # A click on 临川县 opens its statistics, like a bar of the ranked chart.
        point = page.evaluate(
            """([lon, lat]) => {
              const el = document.getElementById('chart-districts');
              const [x, y] = echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [lon, lat]);
              const box = el.getBoundingClientRect();
              return { x: box.left + x, y: box.top + y };
            }""",
            _centre(shapes, "临川县"),
        )
        page.mouse.click(point["x"], point["y"])
        page.wait_for_url("**/stats/?district=*")
        assert "district=%E4%B8%B4%E5%B7%9D%E5%8E%BF" in page.url
        expect(page.locator("h1")).to_contain_text("统计")

        # The office's staff sees the same map on its dashboard; the table view stays.
        staff = client_for(cast.office_staff).cookies["sessionid"].value
        context.add_cookies([{"name": "sessionid", "value": staff, "url": live_server.url}])
        page.goto(f"{live_server.url}/")
        page.wait_for_selector("#chart-districts[data-ready='1'] canvas")
        assert page.evaluate(kind) == "map"
        page.locator("section[aria-labelledby='t-districts'] summary").click()
        expect(page.locator("#table-districts")).to_contain_text("江城区")
        assert json.loads(page.locator("#dashboard-data").text_content())
        browser.close()
