"""The pages a view can be saved for, and the check that a saved query still applies.

Each entry maps a URL name to (label, dotted path of the page's filter): either a
`PageFilterForm` subclass (built with the query and the user) or a function
`fn(user, query) -> str` returning a Chinese error ("" when the query applies). Apps
add a line here when a list page gets filters worth saving.
"""

from inspect import isclass

from django.http import QueryDict
from django.utils.module_loading import import_string

PAGES: dict[str, tuple[str, str]] = {
    "stats:index": ("巡察工作统计", "xuncha.stats.forms.filter_error"),
    "inspections:inspection_list": ("巡察工作", "xuncha.inspections.forms.InspectionListFilter"),
    "petitions:register": ("来信来访登记", "xuncha.petitions.forms.RegisterFilter"),
    "rectification:overview": ("整改监督", "xuncha.rectification.forms.OverviewFilter"),
    "rectification:plan_list": ("整改方案", "xuncha.rectification.forms.PlanListFilter"),
    "clues:handover_list": ("移交台账", "xuncha.clues.forms.HandoverListFilter"),
}

# Query parameters that are not filters (a saved view does not remember the page number).
NOT_FILTERS = {"page"}


def label(page: str) -> str:
    return PAGES[page][0] if page in PAGES else page


def normalise(query) -> str:
    """The query string without paging and empty values, in a stable order."""
    data = query if isinstance(query, QueryDict) else QueryDict(query or "")
    out = QueryDict(mutable=True)
    for key in sorted(data):
        if key in NOT_FILTERS:
            continue
        values = [v for v in data.getlist(key) if v.strip()]
        if values:
            out.setlist(key, values)
    return out.urlencode()


def problem(user, page: str, query: str) -> str:
    """Why `query` does not apply to `page` for `user` (Chinese), or "" when it does."""
    if page not in PAGES:
        return "该页面不支持保存视图。"
    if "%00" in (query or "") or "\x00" in (query or ""):  # every page refuses NUL (middleware)
        return "查询条件含有不允许的控制字符（空字符 NUL），请删除后重试。"
    check = import_string(PAGES[page][1])
    data = QueryDict(query or "")
    if isclass(check):
        form = check(data, user=user)
        if form.is_valid():
            return ""
        return "；".join(
            f"{form.fields[k].label or k}：{' '.join(v)}" if k in form.fields else " ".join(v)
            for k, v in form.errors.items()
        )
    return check(user, data)
