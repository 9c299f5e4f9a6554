"""全文检索与热点问题 API: the same services and access rules as the pages."""

from datetime import date

from django.core.exceptions import PermissionDenied
from ninja import Field, Query, Router, Schema

from xuncha.analytics import hot, search
from xuncha.analytics.views_search import may_search
from xuncha.org import access
from xuncha.plans.models import Inspection

router = Router(tags=["全文检索"])
hot_router = Router(tags=["热点问题"])


class FacetOut(Schema):
    key: str
    label: str
    count: int


class HitOut(Schema):
    kind: str
    kind_label: str
    title: str
    url: str
    date: date
    state: str
    snippet_html: str


class SearchOut(Schema):
    words: list[str]
    total: int
    page: int
    pages: int
    more: bool = Field(False, description="可见结果超过上限：计数与分页只覆盖最新的若干条")
    facets: dict[str, list[FacetOut]]
    results: list[HitOut]


class SearchIn(Schema):
    q: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    office: int | None = None
    unit: int | None = None
    state: str = ""
    page: int = 1


@router.get("/", response=SearchOut, summary="全文检索（仅返回本人有权查阅的记录）")
def search_records(request, params: Query[SearchIn]):
    if not may_search(request.user):
        raise PermissionDenied("只有巡察机构工作人员和巡察组成员可以使用全文检索。")
    filters = search.Filters(
        kind=params.kind if params.kind in search.KINDS else "",
        date_from=params.date_from,
        date_to=params.date_to,
        office=params.office,
        unit=params.unit,
        state=params.state[:16],
    )
    result = search.run(request.user, params.q[: search.MAX_QUERY], filters, page=params.page)
    items = search.present(request.user, result)
    return {
        "words": result.words,
        "total": result.total,
        "page": result.page,
        "pages": result.pages,
        "more": result.more,
        "facets": {
            name: [{"key": str(k), "label": str(label), "count": n} for k, label, n in rows]
            for name, rows in result.facets.items()
        },
        "results": [{**i, "snippet_html": str(i.pop("snippet"))} for i in items],
    }


class HotIssueOut(Schema):
    topic_id: int
    label: str
    unit: str
    reporters: int
    recent: int
    score: float
    surge: bool
    weekly: list[int]


@hot_router.get(
    "/inspections/{inspection_id}/", response=list[HotIssueOut], summary="一次巡察的热点问题"
)
def inspection_hot_issues(request, inspection_id: int):
    inspection = access.get_for_user(Inspection, request.user, inspection_id)
    if not hot.may_see_hot(request.user):
        raise PermissionDenied("无权查看热点问题。")
    return [
        {**i.__dict__, "unit": i.unit_name}
        for i in hot.issues(request.user, inspection=inspection, limit=50)
    ]
