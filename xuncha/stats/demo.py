"""Demo linkage: 临川县 and 清河县 run installations of their own.

The city office registered both counties' public keys (对口系统); 临川县 sent its signed
statistics package for the previous quarter (figures of its own work in this database,
signed with a key of "its" installation, derived from the seed), then a corrected second
version; 清河县 has not reported, so it shows on the roll-up's "not reported" list. The
office also recorded the rules made (建章立制) for some rectification plans. The city
office uploaded a (synthetic) district map of its six counties, so the dashboard's
per-district chart is a choropleth."""

import hashlib
import json
import math
import random

from django.core.files.base import ContentFile

from xuncha.org.models import Office, User
from xuncha.rectification.models import RectificationPlan
from xuncha.stats import indicators, packages, services
from xuncha.stats.models import PlanFigure


def build(ctx):
    city = Office.objects.filter(level=Office.Level.CITY).first()
    admin = User.objects.filter(username="office_admin").first()
    staff = User.objects.filter(username="office_staff").first()
    if city is None or admin is None or staff is None:
        ctx.log("  跳过：没有市级巡察机构或演示账号")
        return
    plans = list(RectificationPlan.objects.order_by("pk").values_list("pk", flat=True))
    figures = [
        PlanFigure(plan_id=pk, rules_made=ctx.rng.randint(1, 6), recorded_by=staff)
        for pk in plans
        if ctx.rng.random() < 0.6
    ]
    PlanFigure.objects.bulk_create(figures)
    ctx.log(f"  建章立制登记：{len(figures)} 个整改方案")

    period = indicators.Period(ctx.today.year, (ctx.today.month - 1) // 3 + 1).previous()
    reporting, silent = None, None
    for county in Office.objects.filter(parent=city).order_by("pk"):
        if county.name.startswith("临川县"):
            reporting = county
        elif county.name.startswith("清河县"):
            silent = county
    for county in (reporting, silent):
        if county is None:
            continue
        key = packages.KeySigner(
            hashlib.sha256(f"xuncha-demo-county:{ctx.seed}:{county.name}".encode()).digest()
        )
        services.counterpart_register(
            owner=city,
            direction="lower",
            name=f"{county.name}（独立部署）",
            public_key=key.public,
            office=county,
            actor=admin,
        )
        if county is reporting:
            for _version in (1, 2):  # the second is a correction: the latest counts
                _exported, data = packages.stats_export(
                    office=county, period=str(period), actor=None, signer=key
                )
                packages.package_import(owner=city, data=data, actor=staff)
            ctx.log(f"  对口系统：{county.name}已报送{period.label}统计数据包（含一次更正）")
        else:
            ctx.log(f"  对口系统：{county.name}已登记公钥，{period.label}尚未报送")
    names = [c.region or c.name for c in Office.objects.filter(parent=city).order_by("pk")]
    if names:
        # its own random stream: the figures above stay as they were without the map
        shapes = grid_geojson(names, random.Random(f"{ctx.seed}:district-map"))
        data = json.dumps(shapes, ensure_ascii=False).encode()
        report = services.district_map_upload(
            office=city, uploaded=ContentFile(data, name=f"{city.region}区县.geojson"), actor=admin
        )
        ctx.log(f"  区县地图：{len(report.district_map.names)} 个区县（示意图形，非真实边界）")
    # 每周工作汇总: last week's summary is in every office's inbox (the weekly task's run).
    from xuncha.stats import weekly

    result = weekly.weekly_summary(weekly.Week.last(ctx.today))
    ctx.log(
        f"  每周工作汇总：{result['week']}，{result['offices']} 个机构，通知 {result['notified']} 人"
    )


def grid_geojson(names, rng, *, origin=(115.6, 28.4), cell=(0.45, 0.4), cols=3) -> dict:
    """A made-up map: one cell of a jittered grid per name (three a row), neighbours sharing
    the same wavy border, in plausible lon/lat. Not any real place's boundaries."""
    rows = math.ceil(len(names) / cols)
    lon0, lat0 = origin
    dx, dy = cell

    def vertex(i, j):  # lattice point, jittered unless on the outline
        inner = 0 < i < cols and 0 < j < rows
        jx = rng.uniform(-0.18, 0.18) * dx if inner else 0
        jy = rng.uniform(-0.18, 0.18) * dy if inner else 0
        return (lon0 + i * dx + jx, lat0 + (rows - j) * dy + jy)

    points = {(i, j): vertex(i, j) for i in range(cols + 1) for j in range(rows + 1)}
    edges: dict = {}

    def edge(a, b):
        """The wavy line from lattice point a to b (the same line, reversed, for b to a)."""
        key = (min(a, b), max(a, b))
        if key not in edges:
            (x1, y1), (x2, y2) = points[key[0]], points[key[1]]
            line = [(x1, y1)]
            for k in range(1, 5):
                t = k / 5
                wobble = rng.uniform(-0.06, 0.06)
                line.append(
                    (
                        x1 + (x2 - x1) * t - (y2 - y1) * wobble,
                        y1 + (y2 - y1) * t + (x2 - x1) * wobble,
                    )
                )
            line.append((x2, y2))
            edges[key] = line
        line = edges[key]
        return line if key[0] == a else line[::-1]

    features = []
    for n, name in enumerate(names):
        i, j = n % cols, n // cols
        corners = [(i, j + 1), (i + 1, j + 1), (i + 1, j), (i, j)]  # counter-clockwise
        ring = []
        for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
            ring.extend(edge(a, b)[:-1])
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
