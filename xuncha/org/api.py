"""/api/v1/org/: the signed-in user, offices, units, accounts, role grants, API tokens.

Thin over `org.services` and `org.access`: reads go through `access.visible` /
`access.get_for_user` (404 for what the user may not see), writes through the services
(DomainError -> 400, PermissionDenied -> 403)."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xuncha.core.apitypes import PageNumberPagination
from xuncha.org import access, services
from xuncha.org.models import ApiToken, Office, RoleAssignment, Unit, User

router = Router(tags=["组织"])


class ErrorOut(Schema):
    """The body of every 4xx answer; other app routers may reuse it."""

    detail: str
    field: str | None = None


ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def file_response(description: str, content_type: str = "application/octet-stream") -> dict:
    """`openapi_extra` of an operation whose 200 answer is a file (download, export)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {"responses": {200: {"description": description, "content": {content_type: binary}}}}


class OfficeOut(Schema):
    id: int
    name: str
    level: str
    parent_id: int | None
    region: str
    depth: int


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    office_id: int
    district: str
    status: str
    successor_id: int | None
    depth: int


class UnitCreateIn(Schema):
    name: str = Field(max_length=120)
    kind: str
    office_id: int
    parent_id: int | None = None
    district: str = Field("", max_length=60)


class UnitMoveIn(Schema):
    parent_id: int | None = None


class UnitRenameIn(Schema):
    name: str = Field(max_length=120)
    on: date | None = None


class UnitMergeIn(Schema):
    unit_ids: list[int] = Field(min_length=1, max_length=50)
    into_id: int | None = None
    name: str = Field("", max_length=120)
    kind: str = ""
    on: date | None = None


class RoleOut(Schema):
    id: int
    role: str
    office_id: int | None
    unit_id: int | None


class RoleIn(Schema):
    role: str
    office_id: int | None = None
    unit_id: int | None = None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    roles: list[str]
    office_id: int | None
    unit_id: int | None


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    email: str
    office_id: int | None
    unit_id: int | None
    is_active: bool
    must_change_password: bool
    roles: list[RoleOut]

    @staticmethod
    def resolve_roles(obj):
        return list(obj.roles.all())


class UserCreateIn(Schema):
    username: str = Field(max_length=150)
    full_name: str = Field(max_length=50)
    email: str = Field("", max_length=254)
    office_id: int | None = None
    unit_id: int | None = None


class UserCreatedOut(Schema):
    user: UserOut
    initial_password: str = Field(description="初始密码，仅此一次显示；首次登录须修改")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: str
    expires_at: str = Field(description="失效时间")
    last_used_at: str | None = Field(description="最近使用时间（每分钟至多更新一次）")
    revoked: bool
    expired: bool

    @staticmethod
    def resolve_created_at(obj):
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_expires_at(obj):
        return obj.expires.isoformat()

    @staticmethod
    def resolve_last_used_at(obj):
        return obj.last_used_at.isoformat() if obj.last_used_at else None


class TokenIn(Schema):
    name: str = Field(max_length=60)


class TokenCreatedOut(Schema):
    token: TokenOut
    secret: str = Field(description="令牌明文，仅此一次显示，请妥善保存")


def _require_account_admin(user):
    if not access.manages_accounts(user):
        raise PermissionDenied("只有巡察办管理员或系统管理员可以管理账号。")


def _users():
    return User.objects.select_related("office", "unit").prefetch_related(
        Prefetch("roles", queryset=RoleAssignment.objects.order_by("pk"))
    )


# ---------------------------------------------------------------- me, offices


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
    return access.visible(Office.objects.all(), request.user).order_by("path")


@router.get("/offices/{office_id}", response={200: OfficeOut, **ERRORS}, summary="巡察机构详情")
def office_detail(request, office_id: int):
    return access.get_for_user(Office, request.user, office_id)


# ---------------------------------------------------------------- units


@router.get("/units", response=list[UnitOut], summary="可见的被巡察单位")
@paginate(PageNumberPagination, page_size=100)
def unit_list(
    request,
    q: str = "",
    kind: str = "",
    status: str = "",
    office_id: int | None = None,
    under: int | None = None,
):
    """可见的被巡察单位，分页；`under` 只列出该单位及其下级单位。"""
    units = access.visible(Unit.objects.all(), request.user).order_by("path")
    if q:
        units = units.filter(name__contains=q[:50])
    if kind:
        units = units.filter(kind=kind)
    if status:
        units = units.filter(status=status)
    if office_id is not None:
        units = units.filter(office_id=office_id)
    if under is not None:
        root = access.get_for_user(Unit, request.user, under)
        units = units.subtree(root)
    return units


@router.post("/units/merge", response={200: UnitOut, **ERRORS}, summary="单位合并")
def unit_merge(request, data: UnitMergeIn):
    units = [access.get_for_user(Unit, request.user, pk, access.CHANGE) for pk in data.unit_ids]
    into = (
        access.get_for_user(Unit, request.user, data.into_id, access.CHANGE)
        if data.into_id
        else None
    )
    return services.unit_merge(
        units=units, into=into, name=data.name, kind=data.kind, on=data.on, actor=request.user
    )


@router.get("/units/{unit_id}", response={200: UnitOut, **ERRORS}, summary="单位详情")
def unit_detail(request, unit_id: int):
    return access.get_for_user(Unit, request.user, unit_id)


@router.post("/units", response={201: UnitOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def unit_create(request, data: UnitCreateIn):
    """新建被巡察单位（本机构管理范围内）。"""
    office = access.get_for_user(Office, request.user, data.office_id)
    parent = access.get_for_user(Unit, request.user, data.parent_id) if data.parent_id else None
    unit = services.unit_create(
        name=data.name,
        kind=data.kind,
        office=office,
        parent=parent,
        district=data.district,
        actor=request.user,
    )
    return Status(201, unit)


@router.post("/units/{unit_id}/move", response={200: UnitOut, **ERRORS}, summary="调整隶属关系")
def unit_move(request, unit_id: int, data: UnitMoveIn):
    unit = access.get_for_user(Unit, request.user, unit_id, access.CHANGE)
    parent = access.get_for_user(Unit, request.user, data.parent_id) if data.parent_id else None
    return services.unit_move(unit=unit, new_parent=parent, actor=request.user)


@router.post("/units/{unit_id}/rename", response={200: UnitOut, **ERRORS}, summary="单位更名")
def unit_rename(request, unit_id: int, data: UnitRenameIn):
    unit = access.get_for_user(Unit, request.user, unit_id, access.CHANGE)
    return services.unit_rename(unit=unit, name=data.name, on=data.on, actor=request.user)


# ---------------------------------------------------------------- users and roles


@router.get("/users", response=list[UserOut], summary="账号列表（管理员）")
@paginate(PageNumberPagination, page_size=50)
def user_list(request, q: str = "", active: bool | None = None):
    _require_account_admin(request.user)
    users = access.visible(_users(), request.user).order_by("username")
    if q:
        q = q[:50]
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    if active is not None:
        users = users.filter(is_active=active)
    return users


@router.get("/users/{user_id}", response={200: UserOut, **ERRORS}, summary="账号详情")
def user_detail(request, user_id: int):
    return access.get_for_user(_users(), request.user, user_id)


@router.post("/users", response={201: UserCreatedOut, **ERRORS}, summary="新建账号")
def user_create(request, data: UserCreateIn):
    _require_account_admin(request.user)
    office = access.get_for_user(Office, request.user, data.office_id) if data.office_id else None
    unit = access.get_for_user(Unit, request.user, data.unit_id) if data.unit_id else None
    user, password = services.user_create(
        username=data.username,
        full_name=data.full_name,
        email=data.email,
        office=office,
        unit=unit,
        actor=request.user,
    )
    user = access.get_for_user(_users(), request.user, user.pk)
    return Status(201, {"user": user, "initial_password": password})


@router.get("/users/{user_id}/roles", response={200: list[RoleOut], **ERRORS}, summary="角色授权")
def role_list(request, user_id: int):
    user = access.get_for_user(User, request.user, user_id)
    return access.visible(RoleAssignment.objects.filter(user=user), request.user).order_by("pk")


@router.post("/users/{user_id}/roles", response={201: RoleOut, **ERRORS}, summary="授予角色")
def role_grant(request, user_id: int, data: RoleIn):
    user = access.get_for_user(User, request.user, user_id, access.CHANGE)
    office = access.get_for_user(Office, request.user, data.office_id) if data.office_id else None
    unit = access.get_for_user(Unit, request.user, data.unit_id) if data.unit_id else None
    grant = services.role_grant(
        user=user, role=data.role, office=office, unit=unit, actor=request.user
    )
    return Status(201, grant)


@router.delete("/roles/{role_id}", response={204: None, **ERRORS}, summary="撤销角色")
def role_revoke(request, role_id: int):
    grant = access.get_for_user(RoleAssignment, request.user, role_id, access.CHANGE)
    services.role_revoke(assignment=grant, actor=request.user)
    return Status(204, None)


# ---------------------------------------------------------------- API tokens


@router.get("/tokens", response=list[TokenOut], summary="我的 API 令牌")
def token_list(request):
    mine = ApiToken.objects.filter(user=request.user)
    return access.visible(mine, request.user).order_by("-pk")


@router.post("/tokens", response={201: TokenCreatedOut, **ERRORS}, summary="新建 API 令牌")
def token_create(request, data: TokenIn):
    token, secret = services.token_create(name=data.name, actor=request.user)
    return Status(201, {"token": token, "secret": secret})


@router.delete("/tokens/{token_id}", response={204: None, **ERRORS}, summary="吊销 API 令牌")
def token_revoke(request, token_id: int):
    token = access.get_for_user(ApiToken, request.user, token_id, access.CHANGE)
    services.token_revoke(token=token, actor=request.user)
    return Status(204, None)
