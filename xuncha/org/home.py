"""What each role has to do, for the home page. Apps add panels as they land."""

from xuncha.org.models import Role


def panels_for(user) -> list[dict]:
    roles = user.role_set()
    panels = []
    labels = dict(Role.choices)
    for role in sorted(roles):
        panels.append(
            {
                "title": f"{labels.get(role, role)}的工作",
                "items": [],
                "empty": EMPTY_TEXT.get(role, "暂无待办事项。"),
            }
        )
    if not panels:
        panels.append(
            {
                "title": "待办事项",
                "items": [],
                "empty": "您的账号尚未分配角色，请联系本单位管理员。",
            }
        )
    return panels


EMPTY_TEXT = {
    Role.OFFICE_ADMIN: "这里将显示待审批的计划、待复核的整改销号和逾期督办事项。",
    Role.OFFICE_STAFF: "这里将显示待受理的来信来访、待分办事项和本轮巡察进度。",
    Role.LEADING_GROUP: "这里将显示待审议的巡察计划和巡察报告。",
    Role.CUSTODIAN: "这里将显示待审批的举报人身份查阅申请。",
    Role.AUDITOR: "这里将显示最近的审计日志与审计链校验结果。",
    Role.UNIT_LIAISON: "这里将显示本单位的反馈问题、整改任务和即将到期的整改措施。",
    Role.HANDOVER_RECIPIENT: "这里将显示移交给本机关的问题线索及办理期限。",
    Role.SYSADMIN: "这里将显示系统运行状态与后台任务情况。",
}
