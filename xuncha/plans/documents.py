"""Planning documents: gather (data from the database) then render (officialdoc, pure)."""

from datetime import date

from django.utils import timezone

from xuncha.plans.models import AnnualPlan, Declaration, Inspection, TeamMember
from xuncha.reports.officialdoc import OfficialDocument, Paragraph, Section, Table, render_document
from xuncha.reports.watermark import watermark_text


def _d(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _watermark(user) -> str:
    return watermark_text(user)


_LEVEL_COMMITTEE = {"province": "省委", "city": "市委", "county": "县委"}


def party_committee(office) -> str:
    """The 党委 an office serves, as documents name it: 中共江州市委, 中共临川县委.

    Regions that are 自治区/自治州/自治县 are led by a 党委 (中共广西壮族自治区党委); without a
    region the level alone says 市委/县委.
    """
    region = (office.region or "").strip()
    if not region:
        return "中共" + _LEVEL_COMMITTEE.get(office.level, "党委")
    if region.endswith(("自治区", "自治州", "自治县")):
        return f"中共{region}党委"
    return f"中共{region}委"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in "。！？；" else text + "。"


def work_plan(plan: AnnualPlan, user) -> OfficialDocument:
    office = plan.term.office
    rounds = plan.rounds.prefetch_related(
        "inspections__units", "inspections__team__members__inspector"
    )
    sections = [
        plan.summary
        or f"根据{party_committee(office)}巡察工作规划和{plan.term.name}巡察全覆盖要求，结合工作实际，制定{plan.year}年度巡察工作计划如下。",
    ]
    round_sections = []
    rows = []
    n = 0
    for rnd in rounds:
        paras = [f"时间安排：{_d(rnd.start)}至{_d(rnd.end)}。" + _sentence(rnd.name)]
        tasks = []
        for insp in rnd.inspections.all():
            n += 1
            units = "、".join(u.name for u in insp.units.all())
            team = getattr(insp, "team", None)
            leader = ""
            if team:
                leader = next(
                    (
                        m.inspector.name
                        for m in team.members.all()
                        if m.role == TeamMember.Role.LEADER
                    ),
                    "",
                )
            kind = insp.get_kind_display() + (f"（{insp.theme}）" if insp.theme else "")
            rows.append([str(n), team.name if team else "", units, kind, leader or "待定"])
            tasks.append(f"{team.name if team else '巡察组'}对{units}开展{kind}")
        if tasks:
            paras.append("本轮安排：" + "；".join(tasks) + "。")
        round_sections.append(Section(f"第{rnd.number}轮巡察", paragraphs=paras))
    sections.append(Section("轮次安排", children=round_sections))
    sections.append(
        Section(
            "任务分工",
            children=[
                Table(
                    header=["序号", "巡察组", "被巡察单位", "巡察类型", "组长"],
                    rows=rows,
                    widths=[16, 30, 52, 32, 26],
                )
            ],
        )
    )
    sections.append(
        Section(
            "工作要求",
            paragraphs=[
                "各巡察组要坚持一次一授权，严格执行回避制度，严守保密纪律。",
                Paragraph("巡察期间发现的重要情况及时向领导小组报告。", lead="（一）"),
            ],
        )
    )
    return OfficialDocument(
        title=f"{office.name}{plan.year}年度巡察工作计划",
        sections=sections,
        issuer=office.name,
        date=(plan.approved_at and timezone.localdate(plan.approved_at)) or timezone.localdate(),
        watermark=_watermark(user),
    )


def team_appointment(inspection: Inspection, user) -> OfficialDocument:
    office = inspection.office
    team = inspection.team
    members = list(team.members.select_related("inspector").order_by("role", "pk"))
    units = "、".join(u.name for u in inspection.units.all())
    leader = next((m for m in members if m.role == TeamMember.Role.LEADER), None)
    rows = [
        [m.get_role_display(), m.inspector.name, m.inspector.rank, str(m.inspector.home_unit or "")]
        for m in members
    ]
    return OfficialDocument(
        title=f"关于{team.name}组长授权的通知",
        recipient=team.name,
        sections=[
            f"根据{inspection.round}巡察工作安排，{team.name}对{units}开展{inspection.get_kind_display()}，"
            f"时间为{_d(inspection.start)}至{_d(inspection.end)}。",
            f"经巡察工作领导小组研究，授权{leader.inspector.name if leader else '（待定）'}同志担任{team.name}组长，"
            "负责本次巡察工作。本授权实行一次一授权，仅对本次巡察任务有效，任务结束后自动终止。",
            Section(
                "巡察组组成人员",
                children=[
                    Table(
                        header=["职务", "姓名", "职级", "工作单位"],
                        rows=rows,
                        widths=[30, 28, 38, 60],
                    )
                ],
            ),
        ],
        issuer=f"{office.name}",
        date=timezone.localdate(),
        doc_number=team.appointment_number,
        watermark=_watermark(user),
    )


def declaration_form(declaration: Declaration, user) -> OfficialDocument:
    member = declaration.member
    inspector = member.inspector
    inspection = member.team.inspection
    units = "、".join(u.name for u in inspection.units.all())
    known = declaration.known_conflicts or []
    rows = [
        ["姓名", inspector.name],
        ["工作单位", str(inspector.home_unit or "")],
        ["职级", inspector.rank],
        ["巡察组及职务", f"{member.team.name} {member.get_role_display()}"],
        ["被巡察单位", units],
        ["系统识别的回避情形", "；".join(known) or "无"],
        [
            "本人申报",
            ("存在回避情形：" if declaration.has_conflict else "无回避情形。")
            + declaration.statement,
        ],
        ["特批理由", declaration.override_reason or "—"],
    ]
    return OfficialDocument(
        title="巡察干部回避事项申报表",
        sections=[
            Table(header=["项目", "内容"], rows=rows, widths=[45, 111]),
            "本人承诺以上内容真实、完整，如有隐瞒，愿承担相应责任。",
            Paragraph("本人签字：            日期：", indent=False),
        ],
        issuer=inspection.office.name,
        date=timezone.localdate(declaration.submitted_at)
        if declaration.submitted_at
        else timezone.localdate(),
        watermark=_watermark(user),
    )


def render(doc: OfficialDocument) -> bytes:
    return render_document(doc)
