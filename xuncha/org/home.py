"""What each role has to do, for the home page.

The page shows one panel per role the user holds (plus one for inspection-team members).
A panel's items come from the functions registered in TODOS: each app adds one line
`(role, "xuncha.<app>.home.<function>")`, and the function takes the user and returns a
list of items `{"label": str, "url": str, "badge": str | int (optional),
"badge_class": "danger" | "warning" | ... (optional)}`, most urgent first, at most a
handful, in one or two queries. Rows must come through `org.access` like anywhere else.
A panel with no items shows its EMPTY_TEXT, which says what will appear there.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from xuncha.core import cache
from xuncha.org import access
from xuncha.org.models import Role

# (role or access.TEAM, dotted path of fn(user) -> list[item]). Apps append here.
TODOS: list[tuple[str, str]] = [
    (Role.OFFICE_ADMIN, "xuncha.org.home.account_todos"),
    (Role.SYSADMIN, "xuncha.org.home.account_todos"),
    (Role.LEADING_GROUP, "xuncha.plans.home.plans_awaiting_approval"),
    (Role.OFFICE_ADMIN, "xuncha.plans.home.plans_awaiting_approval"),
    (access.TEAM, "xuncha.plans.home.declarations_to_file"),
    (Role.OFFICE_STAFF, "xuncha.petitions.home.awaiting_intake"),
    (Role.OFFICE_ADMIN, "xuncha.petitions.home.awaiting_intake"),
    (access.TEAM, "xuncha.petitions.home.awaiting_intake"),
    (Role.OFFICE_ADMIN, "xuncha.petitions.home.announcements_to_approve"),
    (Role.OFFICE_STAFF, "xuncha.petitions.home.announcements_to_approve"),
    (Role.CUSTODIAN, "xuncha.petitions.home.identity_requests"),
    (access.TEAM, "xuncha.inspections.home.papers_to_sign"),
    (Role.UNIT_LIAISON, "xuncha.inspections.home.fix_notices_to_answer"),
    (Role.UNIT_LIAISON, "xuncha.rectification.home.liaison_todos"),
    (Role.OFFICE_ADMIN, "xuncha.rectification.home.office_todos"),
    (Role.OFFICE_STAFF, "xuncha.rectification.home.office_todos"),
    (Role.OFFICE_ADMIN, "xuncha.clues.home.overdue_handovers"),
    (Role.OFFICE_STAFF, "xuncha.clues.home.overdue_handovers"),
    (Role.HANDOVER_RECIPIENT, "xuncha.clues.home.handovers_to_handle"),
    (Role.HANDOVER_RECIPIENT, "xuncha.rectification.home.co_reviewer_todos"),
]

EMPTY_TEXT = {
    Role.OFFICE_ADMIN: "这里将显示待审批的计划、待复核的整改销号和逾期督办事项。",
    Role.OFFICE_STAFF: "这里将显示待受理的来信来访、待分办事项和本轮巡察进度。",
    Role.LEADING_GROUP: "这里将显示待审议的巡察计划和巡察报告。",
    Role.CUSTODIAN: "这里将显示待审批的举报人身份查阅申请。",
    Role.AUDITOR: "这里将显示最近的审计日志与审计链校验结果。",
    Role.UNIT_LIAISON: "这里将显示本单位的反馈问题、整改任务和即将到期的整改措施。",
    Role.HANDOVER_RECIPIENT: "这里将显示移交给本机关的问题线索及办理期限。",
    Role.SYSADMIN: "这里将显示系统运行状态与后台任务情况。",
    access.TEAM: "这里将显示您所在巡察组的谈话安排、待复核底稿和工作进度。",
}

PANEL_TITLES = {access.TEAM: "巡察组的工作"}

# Panels in this order; roles not listed follow alphabetically.
ORDER = [
    Role.SYSADMIN,
    Role.OFFICE_ADMIN,
    Role.OFFICE_STAFF,
    Role.LEADING_GROUP,
    access.TEAM,
    Role.CUSTODIAN,
    Role.AUDITOR,
    Role.UNIT_LIAISON,
    Role.HANDOVER_RECIPIENT,
]


# The charts above the to-dos: fn(user) -> {"kpis": [...], "charts": [...]} (cached).
DASHBOARD = "xuncha.stats.dashboard.for_user"


def dashboard_for(user) -> dict:
    return import_string(DASHBOARD)(user)


def _sources(key: str):
    return [import_string(path) for role, path in TODOS if str(role) == key]


def panels_for(user) -> list[dict]:
    """The user's panels; kept for HOME_TODO_CACHE_SECONDS (and until the next audited
    write, see xuncha/core/cache.py) so the busiest page stays cheap.

    The counts come from a dozen aggregate queries over the register, papers and measures;
    a home page that is a few seconds behind is fine, and every list it links to is live.
    """
    return cache.per_user(
        user, "panels", lambda: _build_panels(user), seconds=settings.HOME_TODO_CACHE_SECONDS
    )


def _build_panels(user) -> list[dict]:
    keys = access.role_keys(user)
    labels = dict(Role.choices)
    rank = {str(k): i for i, k in enumerate(ORDER)}
    panels = []
    for key in sorted(keys, key=lambda k: (rank.get(k, len(rank)), k)):
        items = []
        for source in _sources(key):
            items.extend(source(user) or [])
        panels.append(
            {
                "key": key,
                "title": PANEL_TITLES.get(key, f"{labels.get(key, key)}的工作"),
                "items": items,
                "empty": EMPTY_TEXT.get(key, "暂无待办事项。"),
            }
        )
    if not panels:
        panels.append(
            {
                "key": "",
                "title": "待办事项",
                "items": [],
                "empty": "您的账号尚未分配角色，请联系本单位管理员。",
            }
        )
    return panels


def account_todos(user) -> list[dict]:
    """Locked-out accounts the administrator can unlock."""
    from django.urls import reverse

    from xuncha.org.user_views import locked_users

    count = locked_users(user).count()
    if not count:
        return []
    return [
        {
            "label": "被锁定的账号",
            "url": reverse("org:user_list") + "?locked=1",
            "badge": count,
            "badge_class": "danger",
        }
    ]
