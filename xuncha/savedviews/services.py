"""Save, open and delete a user's views (saved filters); every change is audited."""

from django.db import IntegrityError, transaction
from django.urls import reverse

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.savedviews import pages
from xuncha.savedviews.models import SavedView

MAX_PER_USER = 200


def saved_view_create(*, owner, page: str, query: str, name: str) -> SavedView:
    """Save `query` (normalised, checked against the page's filter) under `name`."""
    name = (name or "").strip()
    if not name:
        raise DomainError("请填写视图名称。", field="name")
    if len(name) > 60:
        raise DomainError("视图名称不能超过 60 个字。", field="name")
    if page not in pages.PAGES:
        raise DomainError("该页面不支持保存视图。", field="page")
    query = pages.normalise(query)
    if not query:
        raise DomainError("当前页面没有筛选条件，请先筛选再保存。", field="query")
    if len(query) > 1000:
        raise DomainError("筛选条件过长（超过 1000 个字符），无法保存。", field="query")
    error = pages.problem(owner, page, query)
    if error:
        raise DomainError(f"筛选条件无效：{error}", field="query")
    with transaction.atomic():
        mine = SavedView.objects.for_user(owner)
        if mine.filter(page=page, name=name).exists():
            raise DomainError(f"本页面已有名为“{name}”的视图，请换一个名称。", field="name")
        if mine.count() >= MAX_PER_USER:
            raise DomainError(f"每人最多保存 {MAX_PER_USER} 个视图，请先删除不用的视图。")
        try:
            with transaction.atomic():
                view = SavedView.objects.create(owner=owner, page=page, query=query, name=name)
        except IntegrityError:
            raise DomainError(
                f"本页面已有名为“{name}”的视图，请换一个名称。", field="name"
            ) from None
        record(
            actor=owner,
            action=Action.CREATE,
            obj=view,
            summary=f"保存视图：{pages.label(page)} · {name}",
            changes={"page": page, "query": query},
        )
    return view


def saved_view_delete(*, view: SavedView, actor) -> None:
    with transaction.atomic():
        record(
            actor=actor,
            action=Action.DELETE,
            obj=view,
            summary=f"删除视图：{pages.label(view.page)} · {view.name}",
            changes={"page": view.page, "query": view.query},
        )
        view.delete()


def page_url(page: str, query: str = "") -> str:
    url = reverse(page)
    return f"{url}?{query}" if query else url


def saved_view_apply(*, view: SavedView, user) -> tuple[str, str]:
    """(url, error): the page with the saved filter, or the bare page and why the filter
    no longer applies (a round deleted, an office out of scope, a state renamed ...)."""
    error = pages.problem(user, view.page, view.query)
    if error:
        return page_url(view.page), (
            f"视图“{view.name}”的筛选条件已失效：{error}。请重新筛选后另存，并删除该视图。"
        )
    return page_url(view.page, view.query), ""
