"""我的视图: save the current filter of a page, open a saved one, delete one's own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.savedviews import pages, services
from xuncha.savedviews.models import SavedView


@login_required
@require_POST
def save(request):
    page = request.POST.get("page", "")
    query = request.POST.get("query", "")
    if page not in pages.PAGES:
        messages.error(request, "该页面不支持保存视图。")
        return redirect("org:home")
    try:
        view = services.saved_view_create(
            owner=request.user, page=page, query=query, name=request.POST.get("name", "")
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect(services.page_url(page, pages.normalise(query)))
    messages.success(request, f"已保存视图“{view.name}”。")
    return redirect(services.page_url(page, view.query))


@login_required
def open_view(request, pk):
    view = access.get_for_user(SavedView, request.user, pk)
    url, error = services.saved_view_apply(view=view, user=request.user)
    if error:
        messages.error(request, error)
    return redirect(url)


@login_required
@require_POST
def delete(request, pk):
    view = access.get_for_user(SavedView, request.user, pk, "delete")
    page = view.page
    services.saved_view_delete(view=view, actor=request.user)
    messages.success(request, f"已删除视图“{view.name}”。")
    return redirect(services.page_url(page))
