"""/api/v1/saved-views/: the caller's own saved views (list, create, check, delete).

Same services as the pages; another user's view is a 404 (its existence does not
leak); errors are JSON with a Chinese `detail`.
"""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from xuncha.core.apitypes import PageNumberPagination
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.api import ERRORS
from xuncha.savedviews import pages, services
from xuncha.savedviews.models import SavedView

router = Router(tags=["我的视图"])


class SavedViewOut(Schema):
    id: int
    name: str
    page: str
    page_label: str
    query: str
    url: str
    created_at: datetime

    @staticmethod
    def resolve_page_label(obj):
        return pages.label(obj.page)

    @staticmethod
    def resolve_url(obj):
        return services.page_url(obj.page, obj.query)


class SavedViewIn(Schema):
    name: str = Field(..., max_length=200)
    page: str = Field(..., max_length=80)
    query: str = Field("", max_length=2000)


class SavedViewCheckOut(Schema):
    valid: bool
    url: str
    detail: str


@router.get("", response=list[SavedViewOut], summary="我的视图")
@paginate(PageNumberPagination, page_size=50)
def saved_view_list(request, for_page: str = ""):
    qs = access.visible(SavedView.objects.all(), request.user)
    return qs.filter(page=for_page) if for_page else qs


@router.post("", response={201: SavedViewOut, **ERRORS}, summary="保存视图")
def saved_view_create(request, data: SavedViewIn):
    try:
        view = services.saved_view_create(
            owner=request.user, page=data.page, query=data.query, name=data.name
        )
    except DomainError as e:
        return Status(400, {"detail": e.message})
    return Status(201, view)


@router.get(
    "/{view_id}/check", response={200: SavedViewCheckOut, **ERRORS}, summary="检查视图是否仍可用"
)
def saved_view_check(request, view_id: int):
    view = access.get_for_user(SavedView, request.user, view_id)
    url, error = services.saved_view_apply(view=view, user=request.user)
    return {"valid": not error, "url": url, "detail": error}


@router.delete("/{view_id}", response={204: None, **ERRORS}, summary="删除视图")
def saved_view_delete(request, view_id: int):
    view = access.get_for_user(SavedView, request.user, view_id, "delete")
    services.saved_view_delete(view=view, actor=request.user)
    return Status(204, None)
