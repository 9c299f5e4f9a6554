"""District GeoJSON for the tests: squares on a lon/lat grid, one per name."""

import json

from django.core.files.uploadedfile import SimpleUploadedFile

# The cast's districts are 江州市 (the city's own units), 临川县 and 安平区; 江城区 is on the
# map but no unit lies there.
CAST_MAP = ("临川县", "安平区", "江城区")


def square(lon, lat, size=0.2):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(name, lon=115.0, lat=28.0, *, key="name", geometry=None, **props):
    return {
        "type": "Feature",
        "properties": {key: name, **props},
        "geometry": geometry or {"type": "Polygon", "coordinates": [square(lon, lat)]},
    }


def collection(names=CAST_MAP, **kw) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [feature(n, 115.0 + 0.3 * i, 28.0, **kw) for i, n in enumerate(names)],
    }


def raw(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False).encode()


def upload(doc=None, name="区县.geojson", data=None) -> SimpleUploadedFile:
    body = data if data is not None else raw(doc if doc is not None else collection())
    return SimpleUploadedFile(name, body, content_type="application/geo+json")
