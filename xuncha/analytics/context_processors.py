def search_box(request):
    """Whether the top bar shows the search box (staff roles and team members)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_search": False}
    from xuncha.analytics.views_search import may_search

    return {"nav_search": may_search(user)}
