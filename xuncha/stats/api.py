"""统计 API: the same indicators, roll-up, packages and registry as the pages."""

import base64
import binascii
from datetime import date, datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from xuncha.core.apitypes import Limit, Offset
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import file_response
from xuncha.org.models import Office, Role
from xuncha.stats import indicators, packages, services
from xuncha.stats.models import (
    READ_ROLES,
    WORK_ROLES,
    Counterpart,
    DistrictMap,
    RulesPackage,
    StatsPackage,
)
from xuncha.stats.views import _own_office, map_admin_office

router = Router(tags=["统计与上下联动"])


class FilterIn(Schema):
    office: int | None = None
    term: int | None = None
    year: int | None = None
    quarter: int | None = None
    round: int | None = None
    kind: str = ""
    district: str = ""
    unit_kind: str = ""
    category: str = ""
    date_from: date | None = None
    date_to: date | None = None
    basis: str = Field(
        "",
        description="统计口径：inspection（按巡察进驻时间归属，默认，与官方统计表一致）"
        "或 event（按事项发生时间归属）",
    )


class ColumnOut(Schema):
    key: str
    label: str
    office_id: int | None
    source: str


class RowOut(Schema):
    code: str
    section: str
    label: str
    unit: str
    values: list[float | None]
    total: float | None


class TableOut(Schema):
    office: str
    period: str
    basis: str
    basis_label: str
    scope: list[str]
    columns: list[ColumnOut]
    rows: list[RowOut]


def _num(v):
    return None if v is None else float(v)


def _table_out(table) -> dict:
    rows = []
    for section, items in table.rows():
        for code, label, unit, values, total in items:
            rows.append(
                {
                    "code": code,
                    "section": section,
                    "label": label,
                    "unit": unit,
                    "values": [_num(v) for v in values],
                    "total": _num(total),
                }
            )
    return {
        "office": table.filter.root.name,
        "period": table.filter.period_label,
        "basis": table.filter.basis,
        "basis_label": table.filter.basis_label,
        "scope": table.filter.description,
        "columns": [vars(c) for c in table.columns],
        "rows": rows,
    }


def _require_reader(user):
    if indicators.default_root(user) is None:
        raise PermissionDenied("只有巡察机构工作人员、管理员和领导小组成员可查看统计。")


@router.get("/indicators", response=TableOut)
def indicators_get(request, filters: Query[FilterIn]):
    """Every indicator for the filter, by office column (aggregates only)."""
    _require_reader(request.user)
    flt = indicators.make_filter(request.user, **filters.dict())
    return _table_out(indicators.compute(flt))


class RollupOut(TableOut):
    not_reported: list[str]


@router.get("/rollup", response=RollupOut)
def rollup_get(request, period: str, office: int | None = None):
    _require_reader(request.user)
    root = _own_office(request.user, READ_ROLES, office)
    result = services.rollup(root=root, period=period)
    out = _table_out(result.table)
    out["period"] = result.period.label
    out["not_reported"] = [c.name for c in result.not_reported]
    return out


class CounterpartOut(Schema):
    id: int
    owner: str
    direction: str
    name: str
    office_id: int | None
    algorithm: str
    public_key: str
    active: bool


class CounterpartIn(Schema):
    direction: str
    name: str
    public_key: str
    algorithm: str = "ed25519"
    office_id: int | None = None


def _cp_out(c) -> dict:
    return {
        "id": c.pk,
        "owner": c.owner.name,
        "direction": c.direction,
        "name": c.name,
        "office_id": c.office_id,
        "algorithm": c.algorithm,
        "public_key": c.public_key,
        "active": c.active,
    }


@router.get("/counterparts", response=list[CounterpartOut])
def counterpart_list(request, limit: Limit = 100, offset: Offset = 0):
    limit = min(limit, 500)
    rows = access.visible(Counterpart.objects.all(), request.user).select_related("owner")
    return [_cp_out(c) for c in rows.order_by("pk")[offset : offset + limit]]


@router.post("/counterparts", response={201: CounterpartOut})
def counterpart_create(request, data: CounterpartIn):
    owner = _own_office(request.user, {Role.OFFICE_ADMIN}, sysadmin=False)
    office = None
    if data.office_id is not None:
        near = Office.objects.filter(Q(parent=owner) | Q(pk=owner.parent_id or 0))
        office = near.filter(pk=data.office_id).first()
        if office is None:
            raise DomainError("对应机构应为本机构的直接下级或上级机构。", field="office_id")
    cp = services.counterpart_register(
        owner=owner,
        direction=data.direction,
        name=data.name,
        public_key=data.public_key,
        algorithm=data.algorithm,
        office=office,
        actor=request.user,
    )
    return Status(201, _cp_out(cp))


class PackageIn(Schema):
    """The package file: its JSON text, or base64 of its bytes."""

    content: str = ""
    content_base64: str = ""


class PackageOut(Schema):
    id: int
    type: str
    sender_office: str
    period: str
    version: int
    created_at: datetime
    imported_at: datetime


def _pkg_out(p) -> dict:
    return {
        "id": p.pk,
        "type": "rules" if isinstance(p, RulesPackage) else "statistics",
        "sender_office": p.sender_office,
        "period": getattr(p, "period", ""),
        "version": p.version,
        "created_at": p.created_at,
        "imported_at": p.imported_at,
    }


@router.post("/packages", response={201: PackageOut})
def package_create(request, data: PackageIn, office: int | None = None):
    """Import a signed statistics or rules package into the user's office."""
    owner = _own_office(request.user, WORK_ROLES, office)
    if data.content_base64:
        try:
            raw = base64.b64decode(data.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError("数据包格式错误：content_base64 不是有效的 base64。") from None
    else:
        raw = data.content.encode("utf-8", "surrogatepass")
    if not raw:
        raise DomainError("请提供数据包内容（content 或 content_base64）。")
    return Status(201, _pkg_out(packages.package_import(owner=owner, data=raw, actor=request.user)))


@router.get("/packages", response=list[PackageOut])
def package_list(request, limit: Limit = 100, offset: Offset = 0):
    limit = min(limit, 500)
    rows = access.visible(StatsPackage.objects.all(), request.user).order_by("-imported_at")
    return [_pkg_out(p) for p in rows[offset : offset + limit]]


class ExportIn(Schema):
    period: str


class ExportOut(Schema):
    package_id: str
    period: str
    version: int
    content: str


@router.post("/exports", response={201: ExportOut})
def export_create(request, data: ExportIn, office: int | None = None):
    """Sign the user's office figures for a period; the package text comes back."""
    owner = _own_office(request.user, WORK_ROLES, office)
    exported, raw = packages.stats_export(office=owner, period=data.period, actor=request.user)
    return Status(
        201,
        {
            "package_id": exported.package_id,
            "period": exported.period,
            "version": exported.version,
            "content": raw.decode(),
        },
    )


# --------------------------------------------------------------------------- district map


class DistrictMapOut(Schema):
    id: int
    office_id: int
    office: str
    filename: str
    name_property: str
    feature_count: int
    names: list[str]
    uploaded_by: str
    uploaded_at: datetime
    geojson_url: str
    unmatched: list[str]
    missing: list[str]
    warnings: list[str]
    replaced: bool = False


def _map_out(report) -> dict:
    dm = report.district_map
    return {
        "id": dm.pk,
        "office_id": dm.owner_id,
        "office": dm.owner.name,
        "filename": dm.filename,
        "name_property": dm.name_property,
        "feature_count": len(dm.names),
        "names": dm.names,
        "uploaded_by": dm.uploaded_by.display_name,
        "uploaded_at": dm.uploaded_at,
        "geojson_url": services.district_map_url(dm),
        "unmatched": report.comparison.unmatched,
        "missing": report.comparison.missing,
        "warnings": report.messages,
        "replaced": report.replaced,
    }


def _readable_map(user, office_id) -> DistrictMap:
    qs = DistrictMap.objects.filter(owner_id=office_id).select_related("owner", "uploaded_by")
    dm = access.visible(qs, user).first()
    if dm is None:
        raise Http404
    return dm


@router.get(
    "/district-maps/{office_id}",
    response=DistrictMapOut,
    summary="本机构的区县地图：名称属性、区县名称，以及与被巡察单位“所在区县”的对照",
)
def district_map_get(request, office_id: int):
    return _map_out(services.district_map_report(_readable_map(request.user, office_id)))


@router.get(
    "/district-maps/{office_id}/geojson",
    summary="区县地图的 GeoJSON（经过校验与清理：每个要素只保留几何图形与 name 属性）",
    openapi_extra=file_response("区县地图 GeoJSON", "application/geo+json"),
)
def district_map_geojson(request, office_id: int):
    dm = _readable_map(request.user, office_id)
    response = HttpResponse(dm.geojson, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/district-maps/{office_id}",
    response={201: DistrictMapOut},
    summary="上传或更换区县地图（GeoJSON，不超过 5 MB；巡察机构管理员）",
)
def district_map_upload(request, office_id: int, file: File[UploadedFile]):
    office = map_admin_office(request.user, office_id)
    report = services.district_map_upload(office=office, uploaded=file, actor=request.user)
    return Status(201, _map_out(report))


@router.delete(
    "/district-maps/{office_id}",
    response={204: None},
    summary="删除区县地图（工作台改回排名柱状图；巡察机构管理员）",
)
def district_map_delete(request, office_id: int):
    office = map_admin_office(request.user, office_id)
    services.district_map_remove(office=office, actor=request.user)
    return Status(204, None)
