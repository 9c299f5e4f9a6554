"""The menu each role sees. Apps add their entries here as they land."""

from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from xuncha.org.access import role_keys
from xuncha.org.models import Role

# (label, url name, roles that see it; None = every signed-in user). A role set may also
# hold access.TEAM ("team"): members of an inspection team. Entries are grouped into the
# top menu's dropdowns by GROUPS below; a group with one visible entry shows as a link.
MENU = [
    ("工作台", "org:home", None),
    (
        "计划管理",
        "plans:plan_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.HANDOVER_RECIPIENT},
    ),
    ("覆盖情况", "plans:coverage", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    (
        "村(社区)分级",
        "plans:village_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP},
    ),
    ("巡察干部库", "plans:inspector_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    (
        "培训与考核",
        "training:index",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, "team"},
    ),
    (
        "巡察工作",
        "inspections:inspection_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN, "team"},
    ),
    (
        "巡察文书",
        "reports:index",
        {
            Role.OFFICE_ADMIN,
            Role.OFFICE_STAFF,
            Role.LEADING_GROUP,
            Role.UNIT_LIAISON,
            Role.HANDOVER_RECIPIENT,
            "team",
        },
    ),
    (
        "问题线索",
        "clues:clue_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, "team"},
    ),
    ("立行立改", "inspections:fix_notice_list", {Role.UNIT_LIAISON}),
    ("更换巡察组成员申请", "inspections:replacement_list", {Role.UNIT_LIAISON}),
    (
        "巡察工作方案",
        "inspections:work_plan_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP},
    ),
    ("移交办理", "clues:handover_list", {Role.HANDOVER_RECIPIENT}),
    ("来信来访登记", "petitions:register", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, "team"}),
    ("巡察公告", "petitions:announcement_list", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, "team"}),
    ("来信来访统计", "petitions:stats", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    ("身份查看审批", "petitions:custodian", {Role.CUSTODIAN}),
    (
        "巡察工作统计",
        "stats:index",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN},
    ),
    (
        "上下联动汇总",
        "stats:rollup",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN},
    ),
    ("建章立制登记", "stats:rules_made", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    ("热点问题", "hot:index", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, "team"}),
    (
        "全文检索",
        "search:index",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, "team"},
    ),
    ("群众反映分析", "analytics:overview", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    (
        "法规制度库",
        "library:index",
        {
            Role.OFFICE_ADMIN,
            Role.OFFICE_STAFF,
            Role.LEADING_GROUP,
            Role.CUSTODIAN,
            Role.AUDITOR,
            Role.SYSADMIN,
            "team",
        },
    ),
    (
        "整改监督",
        "rectification:overview",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN, "team"},
    ),
    ("立卷归档", "archive:index", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    ("来信来访保管期限", "archive:submissions", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}),
    ("学习活动", "study:index", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    ("学习统计", "study:stats", {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}),
    # every member of an office without a study role: their own sessions and reflections
    ("我的学习", "study:mine", None),
    ("整改落实", "rectification:plan_list", {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}),
    (
        "成果运用",
        "rectification:result_list",
        {
            Role.OFFICE_ADMIN,
            Role.OFFICE_STAFF,
            Role.LEADING_GROUP,
            Role.SYSADMIN,
            Role.HANDOVER_RECIPIENT,
        },
    ),
    (
        "单位管理",
        "org:unit_list",
        {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP, Role.SYSADMIN},
    ),
    ("巡察机构", "org:office_list", {Role.OFFICE_ADMIN, Role.SYSADMIN}),
    ("实施期限设置", "inspections:fieldwork_settings", {Role.OFFICE_ADMIN}),
    ("整改工作设置", "rectification:config", {Role.OFFICE_ADMIN}),
    ("区县地图设置", "stats:district_map", {Role.OFFICE_ADMIN}),
    # Only an office without a parent edits the (system-wide) taxonomy: see PAGE_CHECKS.
    ("监督内容分类", "inspections:taxonomy_versions", {Role.OFFICE_ADMIN}),
    ("用户管理", "org:user_list", {Role.OFFICE_ADMIN, Role.SYSADMIN}),
    ("审计日志", "audit:entry_list", {Role.AUDITOR, Role.SYSADMIN}),
    ("系统管理", "admin:index", {Role.SYSADMIN}),
    ("运行状态与运维", "system_status", {Role.SYSADMIN}),
    ("API 令牌", "org:token_list", None),
]


def _manages_taxonomy(user) -> bool:
    # the page's own rule (inspections.views._require_manage), asked only of office admins
    from xuncha.inspections.models import TaxonomyVersion
    from xuncha.org.access import visible

    return visible(TaxonomyVersion.objects.all(), user, "manage").exists()


def _studies_own(user) -> bool:
    # 我的学习: a member of an office who does not manage its study (they have 学习活动)
    from xuncha.org.access import is_sysadmin
    from xuncha.study.models import MANAGE_ROLES

    return bool(user.office_id) and not user.has_role(*MANAGE_ROLES) and not is_sysadmin(user)


def _reads_as_partner(user) -> bool:
    # A receiving body's liaison sees plans and documents only where an office named its
    # unit a reader (协作查阅单位); other roles reach these pages by their role.
    from xuncha.plans.models import is_reader

    if role_keys(user) - {str(Role.HANDOVER_RECIPIENT)}:
        return True
    return is_reader(user)


# Entries whose page has a rule beyond the role: shown only to users the page admits.
PAGE_CHECKS = {
    "inspections:taxonomy_versions": _manages_taxonomy,
    "plans:plan_list": _reads_as_partner,
    "reports:index": _reads_as_partner,
    "study:mine": _studies_own,
}

# Top-menu groups, in order: (group label, entry labels). Entries not listed stand alone.
GROUPS = [
    ("巡察计划", ["计划管理", "覆盖情况", "村(社区)分级", "巡察干部库", "培训与考核"]),
    (
        "巡察实施",
        [
            "巡察工作",
            "巡察工作方案",
            "巡察文书",
            "问题线索",
            "法规制度库",
            "立行立改",
            "更换巡察组成员申请",
            "移交办理",
        ],
    ),
    (
        "群众参与",
        [
            "来信来访登记",
            "巡察公告",
            "来信来访统计",
            "群众反映分析",
            "热点问题",
            "全文检索",
            "身份查看审批",
        ],
    ),
    ("整改监督", ["整改监督", "整改落实", "成果运用", "立卷归档", "来信来访保管期限"]),
    ("统计", ["巡察工作统计", "上下联动汇总", "建章立制登记"]),
    ("学习教育", ["学习活动", "学习统计", "我的学习"]),
    (
        "系统",
        [
            "单位管理",
            "巡察机构",
            "用户管理",
            "实施期限设置",
            "整改工作设置",
            "区县地图设置",
            "监督内容分类",
            "审计日志",
            "系统管理",
            "运行状态与运维",
            "API 令牌",
        ],
    ),
]


def _entries_for(user) -> list[dict]:
    keys = role_keys(user)
    items = []
    for label, url_name, allowed in MENU:
        if allowed is not None and not (keys & {str(r) for r in allowed}):
            continue
        if url_name in PAGE_CHECKS and not PAGE_CHECKS[url_name](user):
            continue
        try:
            items.append({"label": label, "url": reverse(url_name)})
        except NoReverseMatch:
            continue
    return items


def menu_for(user) -> list[dict]:
    """The top menu: links, and groups ({"label", "children"}) where several entries show.

    Cached per user until the next audited write (xuncha/core/cache.py)."""
    from xuncha.core import cache

    return cache.per_user(user, "menu", lambda: _menu_for(user), shared=False)


def _menu_for(user) -> list[dict]:
    entries = _entries_for(user)
    by_label = {e["label"]: e for e in entries}
    grouped = {label for _, labels in GROUPS for label in labels}
    menu = [e for e in entries if e["label"] not in grouped]
    for group, labels in GROUPS:
        children = [by_label[label] for label in labels if label in by_label]
        if len(children) == 1:
            menu.append(children[0])
        elif children:
            menu.append({"label": group, "children": children})
    return menu


def menu_html(menu: list[dict], path: str) -> str:
    """The menu's <li> items as HTML (built in Python: the template loop was a third of
    a cached page's rendering time). `path` marks the current page's entry active."""

    def link(item, css):
        active = " active" if path == item["url"] else ""
        return format_html(
            '<a class="{}{}" href="{}">{}</a>', css, active, item["url"], item["label"]
        )

    parts = []
    for item in menu:
        if item.get("children"):
            children = format_html_join(
                "", "<li>{}</li>", ((link(c, "dropdown-item"),) for c in item["children"])
            )
            parts.append(
                format_html(
                    '<li class="nav-item dropdown"><a class="nav-link dropdown-toggle" href="#" '
                    'role="button" data-bs-toggle="dropdown" aria-expanded="false">{}</a>'
                    '<ul class="dropdown-menu">{}</ul></li>',
                    item["label"],
                    children,
                )
            )
        else:
            parts.append(format_html('<li class="nav-item">{}</li>', link(item, "nav-link")))
    return mark_safe("\n".join(parts))
