from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from xuncha.org import access
from xuncha.org.models import Office, Unit

router = Router(tags=["组织"])


class OfficeOut(Schema):
    id: int
    name: str
    level: str
    parent_id: int | None
    region: str


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    office_id: int
    district: str
    status: str


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[str]
    office_id: int | None
    unit_id: int | None


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "roles": sorted(user.role_set()),
        "office_id": user.office_id,
        "unit_id": user.unit_id,
    }


@router.get("/offices", response=list[OfficeOut], summary="可见的巡察机构")
def office_list(request):
    return access.visible(Office.objects.all(), request.user)


@router.get("/units", response=list[UnitOut], summary="可见的被巡察单位")
@paginate(PageNumberPagination, page_size=100)
def unit_list(request, q: str = "", kind: str = ""):
    units = access.visible(Unit.objects.all(), request.user).order_by("path")
    if q:
        units = units.filter(name__contains=q[:50])
    if kind:
        units = units.filter(kind=kind)
    return units


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def unit_detail(request, unit_id: int):
    return access.get_for_user(Unit, request.user, unit_id)
