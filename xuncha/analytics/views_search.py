"""The search page (/search/): results, facets and highlights, all behind the access rules."""

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from xuncha.analytics import search
from xuncha.org.access import is_team_member
from xuncha.org.models import Role

SEARCH_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}


def may_search(user) -> bool:
    return user.has_role(*SEARCH_ROLES) or is_team_member(user)


def _date(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value):
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def filters_from(params) -> search.Filters:
    kind = params.get("kind", "")
    return search.Filters(
        kind=kind if kind in search.KINDS else "",
        date_from=_date(params.get("from", "")),
        date_to=_date(params.get("to", "")),
        office=_int(params.get("office", "")),
        unit=_int(params.get("unit", "")),
        state=params.get("state", "")[:16],
    )


@login_required
def index(request):
    if not may_search(request.user):
        raise PermissionDenied("只有巡察机构工作人员和巡察组成员可以使用全文检索。")
    query = request.GET.get("q", "")[: search.MAX_QUERY]
    filters = filters_from(request.GET)
    page = _int(request.GET.get("page", "")) or 1
    result = search.run(request.user, query, filters, page=page)
    return render(
        request,
        "analytics/search.html",
        {
            "q": query,
            "f": filters,
            "result": result,
            "items": search.present(request.user, result),
            "kinds": [(k.key, k.label) for k in search.KINDS.values()],
            "params": {k: v for k, v in request.GET.items() if k != "page"},
        },
    )
