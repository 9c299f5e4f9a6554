from django.utils.functional import SimpleLazyObject

from xuncha.core import cache
from xuncha.org.navigation import menu_for, menu_html


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_menu": [], "nav_menu_html": ""}
    menu = menu_for(user)
    return {
        "nav_menu": menu,
        # Cached like the menu itself, per page (the current entry is marked active).
        "nav_menu_html": SimpleLazyObject(
            lambda: cache.per_user(
                user,
                f"menu-html:{request.path}",
                lambda: menu_html(menu, request.path),
                shared=False,
            )
        ),
    }
