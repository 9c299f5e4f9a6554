"""区县地图: the pure check of an office's district GeoJSON (no database, no Django models).

`parse(data)` takes the uploaded bytes and returns a `DistrictMapData` — the districts' names,
the property they were read from and a cleaned FeatureCollection (each feature keeps its
geometry and one property, `name`, so the stored text holds nothing else the sender put in
it) — or raises `DomainError` with a Chinese message that says what is wrong and where
(第 N 个要素…). `compare(names, districts)` tells which map names match no unit district
and which districts have no shape on the map.

Accepted: a FeatureCollection of Features whose geometry is a Polygon or a MultiPolygon
(RFC 7946): every ring closed, at least four positions, every position two or three
numbers with the longitude in [-180, 180] and the latitude in [-90, 90]; the district name
in the property `name` (or, failing that, `NAME`, `Name`, `名称`), one name per feature.
"""

import json
import math
from dataclasses import dataclass

from xuncha.core.errors import DomainError

MAX_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 2000
MAX_NAME = 60  # Unit.district's length
NAME_PROPERTIES = ("name", "NAME", "Name", "名称")
GEOMETRIES = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class DistrictMapData:
    name_property: str
    names: list[str]  # in the file's order
    text: str  # the cleaned FeatureCollection, compact JSON

    @property
    def feature_count(self) -> int:
        return len(self.names)


def _refuse_constant(value):
    raise DomainError(f"文件不是有效的 GeoJSON：坐标中含有 {value}，坐标应为数字。")


def _load(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError("文件不是 UTF-8 编码的文本，无法作为 GeoJSON 读取。") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as e:
        raise DomainError(
            f"文件不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列附近有格式错误）。"
        ) from None
    except RecursionError:
        raise DomainError("文件不是有效的 GeoJSON：嵌套层次过深。") from None


def _name_property(features) -> str:
    """The first of NAME_PROPERTIES that the first feature carries."""
    if not isinstance(features[0], dict) or features[0].get("type") != "Feature":
        raise DomainError("第 1 个要素不是 Feature（要素）。")
    first = features[0].get("properties")
    if isinstance(first, dict):
        for key in NAME_PROPERTIES:
            if key in first:
                return key
    wanted = "、".join(NAME_PROPERTIES)
    raise DomainError(
        f"第 1 个要素没有区县名称属性：请在每个要素的 properties 中用 name（或 {wanted} 之一）"
        "填写区县名称。"
    )


def _is_number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_ring(ring, where: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise DomainError(f"{where}的环至少应有 4 个坐标点（首尾相同）。")
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) not in (2, 3)
            or not all(_is_number(v) for v in point)
        ):
            raise DomainError(f"{where}含有无效坐标 {_short(point)}：坐标应为 [经度, 纬度] 数字。")
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise DomainError(
                f"{where}的坐标 {_short(point)} 超出经纬度范围"
                "（经度 -180～180，纬度 -90～90；请使用 WGS84 经纬度坐标，而不是投影坐标）。"
            )
    if ring[0][:2] != ring[-1][:2]:
        raise DomainError(f"{where}的环没有闭合：首尾坐标应相同。")


def _check_polygon(rings, where: str) -> None:
    if not isinstance(rings, list) or not rings:
        raise DomainError(f"{where}的多边形坐标为空。")
    for ring in rings:
        _check_ring(ring, where)


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:40] + "…"


def _check_geometry(geometry, where: str) -> None:
    if not isinstance(geometry, dict):
        raise DomainError(f"{where}没有几何图形（geometry）。")
    kind = geometry.get("type")
    if kind not in GEOMETRIES:
        raise DomainError(
            f"{where}的几何类型为 {_short(kind)}，区县地图只接受面（Polygon 或 MultiPolygon）。"
        )
    coordinates = geometry.get("coordinates")
    if kind == "Polygon":
        _check_polygon(coordinates, where)
    else:
        if not isinstance(coordinates, list) or not coordinates:
            raise DomainError(f"{where}的多面（MultiPolygon）坐标为空。")
        for polygon in coordinates:
            _check_polygon(polygon, where)


def parse(data: bytes) -> DistrictMapData:
    """The checked districts of an uploaded GeoJSON; DomainError (Chinese) if refused."""
    if len(data) > MAX_BYTES:
        raise DomainError(f"文件超过上限 {MAX_BYTES // 1048576} MB。")
    doc = _load(data)
    if not isinstance(doc, dict):
        raise DomainError("文件不是 GeoJSON：最外层应为一个对象（FeatureCollection）。")
    if "UTF8Encoding" in doc:
        raise DomainError(
            "这是 ECharts 压缩格式的地图文件（UTF8Encoding），请上传未压缩的标准 GeoJSON。"
        )
    if doc.get("type") != "FeatureCollection":
        raise DomainError(
            f"文件的 type 为 {_short(doc.get('type'))}，应为 FeatureCollection（要素集合）。"
        )
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise DomainError("FeatureCollection 中没有任何要素（features 为空）。")
    if len(features) > MAX_FEATURES:
        raise DomainError(f"要素过多（{len(features)} 个），上限为 {MAX_FEATURES} 个。")
    key = _name_property(features)
    names, seen, duplicates, clean = [], set(), [], []
    for i, feature in enumerate(features, start=1):
        where = f"第 {i} 个要素"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DomainError(f"{where}不是 Feature（要素）。")
        props = feature.get("properties")
        name = props.get(key) if isinstance(props, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise DomainError(f"{where}缺少区县名称（属性“{key}”应为非空文字）。")
        name = " ".join(name.split())
        if len(name) > MAX_NAME:
            raise DomainError(f"{where}的名称“{name[:20]}…”超过 {MAX_NAME} 个字。")
        where = f"第 {i} 个要素（{name}）"
        _check_geometry(feature.get("geometry"), where)
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
        names.append(name)
        geometry = feature["geometry"]
        clean.append(
            {
                "type": "Feature",
                "properties": {"name": name},
                "geometry": {"type": geometry["type"], "coordinates": geometry["coordinates"]},
            }
        )
    if duplicates:
        raise DomainError(
            f"区县名称重复：{'、'.join(duplicates)}。每个区县只能有一个要素"
            "（一个区县由多块组成时，请合并为一个 MultiPolygon）。"
        )
    text = json.dumps(
        {"type": "FeatureCollection", "features": clean},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return DistrictMapData(name_property=key, names=names, text=text)


@dataclass(frozen=True)
class Comparison:
    unmatched: list[str]  # map names that are no unit's district
    missing: list[str]  # unit districts with no shape on the map


def compare(names, districts) -> Comparison:
    names, districts = list(names), {d for d in districts if d}
    known = set(names)
    return Comparison(
        unmatched=[n for n in names if n not in districts],
        missing=sorted(districts - known),
    )
