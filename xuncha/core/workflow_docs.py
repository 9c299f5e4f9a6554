"""Generate docs/workflow.md from the workflow tables in the code.

Each app keeps its workflow as data (a TRANSITIONS table). This module reads those tables,
the state choices of the models and the access actions they name, and renders one Mermaid
`stateDiagram-v2` block plus a table (who may take each step, what is required) per
workflow. `xuncha workflow_docs` writes the file; `--check` (and a test) fails when the
file no longer matches the code. Checks that live only in a service body (not in a table)
are listed in SERVICE_CHECKS below, next to the name of the service that enforces them.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings


@dataclass(frozen=True)
class Step:
    source: str
    target: str
    label: str
    who: str
    requires: tuple = ()
    backward: bool = False


@dataclass(frozen=True)
class Workflow:
    key: str
    title: str
    model: type
    state_field: str
    table: str  # where the table lives, for the reader
    service: str  # the one transition service that applies it
    steps: tuple
    intro: str = ""
    notes: tuple = field(default=())

    def labels(self) -> dict:
        return {str(k): str(v) for k, v in self.model._meta.get_field(self.state_field).choices}

    def initial(self) -> str:
        return str(self.model._meta.get_field(self.state_field).default)


# Requirements enforced inside a transition service rather than in its table.
SERVICE_CHECKS = {
    ("annual_plan", "draft", "submitted"): ("计划至少有一个轮次，且每轮都已安排被巡察单位",),
    ("announcement", "submitted", "approved"): ("审批人不是起草人（两人原则）",),
    ("submission", "received", "merged"): ("合并目标是同一巡察机构登记的其他件",),
    ("submission", "accepted", "merged"): ("合并目标是同一巡察机构登记的其他件",),
    ("handover", "acknowledged", "concluded"): (
        "选择处置方式，填写办理结果；处理人数、挽回损失为非负数",
    ),
    ("rectification_plan", "draft", "submitted"): ("每个反馈问题至少一项整改措施",),
    ("rectification_plan", "returned", "submitted"): ("每个反馈问题至少一项整改措施",),
    ("rectification_plan", "submitted", "adopted"): ("每个会审单位（纪委监委/组织部）均已同意",),
    ("rectification_plan", "adopted", "completed"): ("非长期整改措施均已销号",),
    ("measure", "open", "pending"): ("整改方案已通过；报送进展并上传佐证材料",),
    ("measure", "returned", "pending"): ("报送补充进展并上传佐证材料",),
    ("measure", "pending", "returned"): ("任一核验方不同意，须写理由",),
    ("measure", "pending", "closed"): ("巡察机构和每个会审单位在本轮均核验同意；单位不能自行销号",),
    ("result_item", "decided", "sent"): ("已确定承办单位；建议书、抄告单随之发出",),
    ("result_item", "sent", "replied"): (
        "建议书、抄告单已发出；回复日期不早于交办日期、不晚于今天",
    ),
}


def _inspection() -> Workflow:
    from xuncha.inspections import workflow as wf
    from xuncha.plans.models import Inspection

    steps = tuple(
        Step(
            str(t.source),
            str(t.target),
            t.label,
            " / ".join(
                wf.CAPACITY_LABELS[c] for c in sorted(t.who, key=list(wf.CAPACITY_LABELS).index)
            ),
            tuple(wf.REQUIREMENT_LABELS[r] for r in t.requires),
            t.backward,
        )
        for t in wf.TRANSITIONS
    )
    return Workflow(
        "inspection",
        "巡察 Inspection stages",
        Inspection,
        "stage",
        "xuncha/inspections/workflow.py `TRANSITIONS`",
        "xuncha.inspections.services.inspection_transition",
        steps,
        "The lifecycle of one inspection (一次巡察). 巡察办 = office_admin/office_staff of the "
        "inspection's office; 组长 = the team leader (TeamMember role leader). A system "
        "administrator may take every step.",
    )


def _annual_plan() -> Workflow:
    from xuncha.org.models import Role
    from xuncha.plans import services
    from xuncha.plans.models import AnnualPlan

    def who(roles):
        order = list(Role.values)
        return " / ".join(str(Role(r).label) for r in sorted(map(str, roles), key=order.index))

    steps = tuple(
        Step(
            str(t.source),
            str(t.target),
            t.label,
            who(t.roles),
            ("填写理由",) if t.needs_reason else (),
            t.source == AnnualPlan.State.SUBMITTED and t.target == AnnualPlan.State.DRAFT,
        )
        for t in services.TRANSITIONS
    )
    return Workflow(
        "annual_plan",
        "年度巡察计划 Annual plan approval",
        AnnualPlan,
        "state",
        "xuncha/plans/services.py `TRANSITIONS`",
        "xuncha.plans.services.plan_transition",
        steps,
        "The roles are held in the plan's own office (not an office above it).",
    )


_ANNOUNCEMENT_WHO = {
    "change": "巡察办（管理员/工作人员）或本巡察组",
    "approve": "巡察办（管理员/工作人员）",
}


def _announcement() -> Workflow:
    from xuncha.petitions import services
    from xuncha.petitions.models import Announcement

    steps = tuple(
        Step(src, dst, label, _ANNOUNCEMENT_WHO[action], (), dst == "draft")
        for (src, dst), (label, action) in services.ANNOUNCEMENT_TRANSITIONS.items()
    )
    return Workflow(
        "announcement",
        "巡察公告 Announcement",
        Announcement,
        "state",
        "xuncha/petitions/services.py `ANNOUNCEMENT_TRANSITIONS`",
        "xuncha.petitions.services.announcement_transition",
        steps,
        "A published announcement is a precondition for 进驻 (see the inspection stages) and "
        "opens the public channel of that inspection.",
    )


def _submission() -> Workflow:
    from xuncha.petitions import services
    from xuncha.petitions.models import Submission

    who = "登记机构巡察办（管理员/工作人员）或本巡察组"
    steps = tuple(
        Step(
            str(src),
            str(dst),
            label,
            who,
            tuple(f"填写{services.REQUIRED_LABEL[r]}" for r in req),
        )
        for (src, dst), (label, req) in services.TRANSITIONS.items()
    )
    return Workflow(
        "submission",
        "来信来访 Submission register",
        Submission,
        "state",
        "xuncha/petitions/services.py `TRANSITIONS`",
        "xuncha.petitions.services.submission_transition",
        steps,
        "Every step needs the `change` action on the submission (xuncha/petitions/models.py); "
        "unit roles, other teams and the system administrator never see submissions.",
    )


_HANDOVER_WHO = {
    "change": "巡察办（管理员/工作人员）",
    "receive": "接收单位联络员 handover_recipient",
}


def _handover() -> Workflow:
    from xuncha.clues import services
    from xuncha.clues.models import Handover

    steps = tuple(
        Step(str(t.source), str(t.target), t.label, _HANDOVER_WHO[t.who])
        for t in services.HANDOVER_TRANSITIONS
    )
    return Workflow(
        "handover",
        "问题线索移交 Handover",
        Handover,
        "state",
        "xuncha/clues/services.py `HANDOVER_TRANSITIONS`",
        "xuncha.clues.services.handover_transition",
        steps,
        "Sending sets the due date for the recipient's reply (office setting, in months) and "
        "marks the clues 已移交; concluding marks them 已办结. 巡审联动: a handover of kind "
        "审计机关 (`audit`) goes to the audit office, whose liaison records 审计发现 "
        "(`AuditFinding`, `xuncha.clues.services.audit_finding_create`) once it is sent, each "
        "linked to the handed-over problems it concerns; the office reads them on the handover "
        "and on each problem. The audit office co-reviews rectification when the office names "
        "it among the co-reviewers (整改工作设置).",
    )


_RECT_WHO = {
    "edit": "被巡察单位联络员 unit_liaison",
    "review": "巡察办（管理员/工作人员）",
    "verify": "巡察办（管理员/工作人员）及各会审单位",
    "reply": "巡察办（管理员/工作人员）或承办单位联络员",
}


def _rect(key, title, model, table_name, service, intro, module="services") -> Workflow:
    from importlib import import_module

    services = import_module(f"xuncha.rectification.{module}")

    steps = tuple(
        Step(
            str(t.source),
            str(t.target),
            t.label,
            _RECT_WHO[t.who],
            ("填写意见",) if t.needs_comment else (),
            str(t.target) == "returned" or (t.source, t.target) == ("replied", "sent"),
        )
        for t in getattr(services, table_name)
    )
    return Workflow(
        key,
        title,
        model,
        "state",
        f"xuncha/rectification/{module}.py `{table_name}`",
        service,
        steps,
        intro,
    )


def _rect_plan() -> Workflow:
    from xuncha.rectification.models import RectificationPlan

    return _rect(
        "rectification_plan",
        "整改方案 Rectification plan",
        RectificationPlan,
        "PLAN_TRANSITIONS",
        "xuncha.rectification.services.plan_transition",
        "A plan opens only from the feedback opinion delivered to that unit (one per inspected "
        "unit, final, with a delivery record): it starts on the delivery date, lists exactly "
        "the problems of that letter and takes its deadlines from the delivery record (the "
        "office's rule in working days, the dates printed in the letter). The unit writes "
        "its plan; the inspection's office reviews it. Co-reviewing bodies named in the "
        "office's settings give their opinion before adoption.",
    )


def _measure() -> Workflow:
    from xuncha.rectification.models import Measure

    return _rect(
        "measure",
        "整改措施销号 Measure verification",
        Measure,
        "MEASURE_TRANSITIONS",
        "xuncha.rectification.services.progress_add / measure_verify",
        "The unit asks for verification with evidence (progress_add); each verifying party "
        "signs (measure_verify). The measure closes when every party agreed.",
    )


def _disclosure() -> Workflow:
    from xuncha.rectification.models import Disclosure

    return _rect(
        "disclosure",
        "整改情况公开 Disclosure",
        Disclosure,
        "DISCLOSURE_TRANSITIONS",
        "xuncha.rectification.services.disclosure_transition",
        "The unit drafts the public text once its plan is adopted; the office approves and "
        "publishes it.\nOn time: the deadline is `disclosure_due_working_days` working days "
        "(office calendar, holidays) after the concentrated-rectification report. Two versions, "
        "党内通报 and 社会公开, are approved separately by the office or the leading group "
        "(`internal_approver`/`public_approver`), and every withheld item needs an approved "
        "exemption with a reason; publishing is refused until all exist "
        "(`xuncha/rectification/disclosure.py`). The daily sweep reminds the unit before the "
        "deadline and escalates to unit, office and (seriously late) the leading group, on "
        "working days only. The public page shows the publication date.",
    )


def _result_item() -> Workflow:
    from xuncha.rectification.models import ResultItem

    return _rect(
        "result_item",
        "成果运用事项 Use of results",
        ResultItem,
        "RESULT_TRANSITIONS",
        "xuncha.rectification.results.result_transition / result_reply",
        "Each decision of the review (handover, 巡察建议书, 抄告, 约谈, referral to the "
        "organisation department or to the discipline commission for accountability) is one "
        "item with its recipient and a due date in working days on the office's calendar; the "
        "daily rectification sweep reminds and escalates it until it is answered. A reply to "
        "a 巡察建议书 or 抄告 is recorded against its letter and refused while the letter was "
        "never sent. A talk (约谈) is handed over on the day it is held; escalating it makes an "
        "accountability item of its own.",
        module="results",
    )


def workflows() -> list[Workflow]:
    """Every workflow, in the order of the work."""
    return [
        _annual_plan(),
        _announcement(),
        _inspection(),
        _submission(),
        _handover(),
        _rect_plan(),
        _measure(),
        _disclosure(),
        _result_item(),
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _mermaid_label(text: str) -> str:
    # Mermaid ends a transition label at a colon or a semicolon; use full-width forms.
    return text.replace(":", "：").replace(";", "；").replace("\n", " ")


def render_workflow(wf: Workflow) -> str:
    labels = wf.labels()
    used = []
    for s in wf.steps:
        for state in (s.source, s.target):
            if state not in used:
                used.append(state)
    order = list(labels)
    used.sort(key=lambda s: order.index(s) if s in order else len(order))
    lines = [f"## {wf.title}", ""]
    if wf.intro:
        lines += [wf.intro, ""]
    lines += [f"Table: {wf.table}; applied by `{wf.service}`.", ""]
    lines += ["```mermaid", "stateDiagram-v2"]
    for state in used:
        lines.append(f'    state "{_mermaid_label(labels.get(state, state))}" as {state}')
    initial = wf.initial()
    if initial in used:
        lines.append(f"    [*] --> {initial}")
    for s in wf.steps:
        lines.append(f"    {s.source} --> {s.target}: {_mermaid_label(s.label)}")
    lines += ["```", ""]
    lines += ["| from | to | step | who may | required |", "|---|---|---|---|---|"]
    for s in wf.steps:
        required = list(s.requires) + list(SERVICE_CHECKS.get((wf.key, s.source, s.target), ()))
        name = s.label + ("（退回）" if s.backward and "退回" not in s.label else "")
        lines.append(
            "| "
            + " | ".join(
                _cell(x)
                for x in (
                    f"{labels.get(s.source, s.source)} `{s.source}`",
                    f"{labels.get(s.target, s.target)} `{s.target}`",
                    name,
                    s.who,
                    "；".join(required) or "—",
                )
            )
            + " |"
        )
    lines.append("")
    return "\n".join(lines)


HEADER = """# Workflows 工作流程

<!-- Generated by `xuncha workflow_docs` from the TRANSITIONS tables; do not edit by hand.
     tests/core/test_workflow_docs.py fails when this file is out of date. -->

Every workflow in Xuncha is data: a table of steps (from, to, who may, what is required)
applied by one transition service under `select_for_update()`, which writes a history row
and an audit entry; the buttons on the pages are drawn from the same table. A step not in
the table is refused, whoever asks. "Who may" names the access action the service checks
through `xuncha.org.access` (see docs/permissions.md); a system administrator may take
every step except on submissions (来信来访), which it never sees. "Required" lists what
the service checks before the step is taken; a missing requirement answers with a Chinese
message and changes nothing.

"""


# Recorded steps that are not state machines, described by hand (kept short).
NOTES = """
## 村(社区)巡察 Village inspections

- **分级**: the office (巡察办管理员/工作人员 of the village's own office) grades a village
  (`Unit.kind = village`) 重点 / 关注 / 一般 with a reason (`xuncha.plans.villages.grade_village`;
  page `/plans/villages/`, API `POST /api/v1/plans/villages/{id}/grades`). Each grading is a
  `VillageGrade` row and an audit entry; the newest row is the grade. Grading a village again
  with its current grade is refused (“等级未变化，不重复评定”), nothing saved.
- **时长**: each office sets the usual days of stationing per inspection kind
  (`PlanSettings.durations`; default 村(社区)巡察 20–35 days). An inspection outside its range
  shows a warning on the plan page, after assigning or adjusting it, and in the API
  (`duration_warning`); it never blocks.
- **巡镇带村**: one inspection whose units are the township and its villages; problems,
  feedback opinions (one per unit), delivery and rectification plans are per unit, so each
  village gets its own, and each village's liaison reads only its own.
- **覆盖**: the coverage page counts villages covered / total per township and by grade.

## 交叉巡察 and 提级巡察 Cross and escalated inspections

- **安排**: the city office assigns them on its own plan (page `/plans/rounds/<id>/assign/`,
  API `POST /api/v1/plans/rounds/{id}/inspections`, `PATCH /api/v1/plans/inspections/{id}`).
  A 提级巡察 inspects a unit a county below manages, with a team from the city's own pool.
  A 交叉巡察 names the county whose inspectors form the team (`Inspection.team_office`,
  交叉巡察组来源, an office below the city) and inspects the units of **one other** county
  below the city. Refused in Chinese, nothing saved: no source county (“交叉巡察须选择巡察组
  来源”), a source outside the city's tree, units of the source county itself, units of two
  counties, units the city or an office outside its tree manages (“…不在江州市委巡察办下级县(区)
  的范围内”), a source named for any other kind.
- **组建巡察组**: a cross team is drawn from the source county's pool only
  (`plans.suggest.pool_for`; suggestions, the team page and `team_compose` alike); anyone
  else — a member of the inspected county's pool, a city cadre — is refused by name
  (“…不在交叉巡察组来源…的巡察干部库中”). A member of the source county who works in the
  inspected county is a 回避 conflict (`rule_own_county`), overridable by the office
  administrator with a reason. Changing the source while members of the old pool sit on the
  team is refused.
- **查阅**: the team reads that inspection's records as any team does (workspace, activities,
  problems, papers, submissions, the inspected units) and nothing else of the inspected county;
  the inspected county's office sees the inspection on its coverage page, not its fieldwork
  (docs/permissions.md).
- **覆盖**: once stationed, the inspection counts toward the inspected county's term (the unit is
  the county's; under the county's own counting kinds). The county's coverage page lists it
  marked 计入 (“交叉巡察：临川县巡察组 → 安平区”, counted or why not yet); the city's lists the
  inspections it ran for its counties with the county each is credited to
  (`plans.coverage.credit_lists`; API `credited`, `organised`).

## 巡察“回头看”

A 回头看 inspection (`Inspection.kind = revisit`, `revisits` = the original) opens its
checklist from the workspace (“回头看”核查清单, `/rectification/revisits/<id>/`). Starting it
(`rectification.revisits.revisit_start`) requires feedback delivered for the original
(otherwise “原巡察尚未向被巡察单位送达反馈意见，无法开展“回头看”。”) and builds one item per
original feedback problem with a snapshot of its measures, closure status and evidence count.
Each item gets one finding (整改到位 / 基本到位 / 未到位 / 虚假整改 / 敷衍整改) with the
check's text and an optional evidence file (stored through `inspections.services.attachment_store`).
未到位, 虚假整改 and 敷衍整改 create a new problem of the revisit (with its working paper),
linked to the original (`RevisitItem.new_problem`); closed measures of that problem reopen
(`MeasureReopen`, a `PlanHistory` line “回头看：问题 … 重新整改”, a completed plan returns to
已通过). A finding on an item not in the checklist is refused. The report needs every item
checked; the page and the .docx report (`reports.officialdoc`) list the original problems
still open. Office admin/staff and the revisit's team work on it; the unit liaison reads
its own unit's findings only after the report. API: `/api/v1/rectification/revisits/{id}`
(GET, `/start`, `/findings` (JSON), `/findings/upload` (multipart, with the evidence file),
`/items/{item}/evidence` (the file), `/report`). Every change and read is audited.
"""


def render() -> str:
    return HEADER + "\n".join(render_workflow(wf) for wf in workflows()) + NOTES


def doc_path() -> Path:
    return Path(settings.BASE_DIR) / "docs" / "workflow.md"
