"""The menu each role sees. Apps add their entries here as they land."""

from django.urls import NoReverseMatch, reverse

from xuncha.org.access import is_sysadmin
from xuncha.org.models import Role

# (label, url name, roles that see it; None = every signed-in user)
MENU = [
    ("工作台", "org:home", None),
    ("单位管理", "org:unit_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    ("审计日志", "audit:entry_list", {Role.AUDITOR}),
    ("系统管理", "admin:index", {Role.SYSADMIN}),
]


def menu_for(user):
    roles = user.role_set()
    items = []
    for label, url_name, allowed in MENU:
        if allowed is not None and not (roles & {str(r) for r in allowed}):
            if not (is_sysadmin(user) and Role.SYSADMIN in allowed):
                continue
        try:
            items.append({"label": label, "url": reverse(url_name)})
        except NoReverseMatch:
            continue
    return items
