"""`{% saved_views %}`: the 保存当前筛选 / 我的视图 control of a filterable page."""

from django import template

from xuncha.org import access
from xuncha.savedviews import pages
from xuncha.savedviews.models import SavedView

register = template.Library()


@register.inclusion_tag("savedviews/_control.html", takes_context=True)
def saved_views(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    page = match.view_name if match else ""
    user = getattr(request, "user", None)
    if page not in pages.PAGES or not getattr(user, "is_authenticated", False):
        return {"show": False}
    views = access.visible(SavedView.objects.all(), user).filter(page=page).only("pk", "name")
    return {
        "show": True,
        "page": page,
        "query": pages.normalise(request.GET),
        "views": list(views),
        "csrf_token": context.get("csrf_token"),
    }
