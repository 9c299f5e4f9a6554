"""The menu each role sees. Apps add their entries here as they land."""

from django.urls import NoReverseMatch, reverse

from xuncha.org.access import role_keys
from xuncha.org.models import Role

# (label, url name, roles that see it; None = every signed-in user). A role set may also
# hold access.TEAM ("team"): members of an inspection team.
MENU = [
    ("工作台", "org:home", None),
    (
        "单位管理",
        "org:unit_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN},
    ),
    ("计划管理", "plans:plan_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    ("巡察干部库", "plans:inspector_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    ("覆盖情况", "plans:coverage", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    (
        "巡察工作",
        "inspections:inspection_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN, "team"},
    ),
    ("立行立改", "inspections:fix_notice_list", {Role.UNIT_LIAISON}),
    ("来信来访登记", "petitions:register", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, "team"}),
    ("巡察公告", "petitions:announcement_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, "team"}),
    ("来信来访统计", "petitions:stats", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    ("身份查看审批", "petitions:custodian", {Role.CUSTODIAN}),
    (
        "问题线索",
        "clues:clue_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, "team"},
    ),
    ("移交办理", "clues:handover_list", {Role.HANDOVER_RECIPIENT}),
    (
        "巡察文书",
        "reports:index",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.UNIT_LIAISON, "team"},
    ),
    (
        "整改监督",
        "rectification:overview",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN, "team"},
    ),
    ("整改落实", "rectification:plan_list", {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}),
    ("巡察机构", "org:office_list", {Role.OFFICE_ADMIN, Role.SYSADMIN}),
    ("用户管理", "org:user_list", {Role.OFFICE_ADMIN, Role.SYSADMIN}),
    ("审计日志", "audit:entry_list", {Role.AUDITOR, Role.SYSADMIN}),
    ("系统管理", "admin:index", {Role.SYSADMIN}),
    ("运行状态", "system_status", {Role.SYSADMIN}),
]


def menu_for(user):
    keys = role_keys(user)
    items = []
    for label, url_name, allowed in MENU:
        if allowed is not None and not (keys & {str(r) for r in allowed}):
            continue
        try:
            items.append({"label": label, "url": reverse(url_name)})
        except NoReverseMatch:
            continue
    items.append({"label": "API 令牌", "url": reverse("org:token_list")})
    return items
