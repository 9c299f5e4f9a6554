"""The inspection lifecycle as data: which stage may follow which, who may move it, what must exist.

准备 → 进驻 → 了解 → 报告 → 审议 → 反馈 → 移交/整改 → 评估 → 归档, plus two returns
(报告 → 了解 for more fact-finding, 审议 → 报告 when the leading group sends the report back).
The transition service (`services.inspection_transition`) and the workspace buttons both read
`TRANSITIONS`; nothing else decides whether a stage may change.
"""

from dataclasses import dataclass, field
from datetime import date

from django.apps import apps
from django.db.models import Q

from xuncha.plans.models import Inspection, TeamMember

Stage = Inspection.Stage

# Who may act, as actor "capacities" computed per inspection by `capacities()`.
OFFICE = "office"  # office_admin / office_staff of the inspection's office
OFFICE_ADMIN = "office_admin"
LEADER = "leader"  # the team leader of this inspection
DEPUTY = "deputy"
MEMBER = "member"
LEADING_GROUP = "leading_group"
SYSADMIN = "sysadmin"

CAPACITY_LABELS = {
    OFFICE: "巡察办",
    OFFICE_ADMIN: "巡察办管理员",
    LEADER: "巡察组组长",
    DEPUTY: "巡察组副组长",
    MEMBER: "巡察组成员",
    LEADING_GROUP: "领导小组",
    SYSADMIN: "系统管理员",
}


# --- Requirements: each returns None when met, or the Chinese reason it is not ---------


def announcement_published(inspection) -> str | None:
    if not apps.is_installed("xuncha.petitions") or not hasattr(inspection, "announcements"):
        return None  # the public channel is not part of this installation
    if inspection.announcements.filter(state="published").exists():
        return None
    return "巡察公告尚未发布，不能进驻。请先起草公告并经巡察办审批发布。"


def team_has_leader(inspection) -> str | None:
    if TeamMember.objects.filter(team__inspection=inspection, role=TeamMember.Role.LEADER).exists():
        return None
    return "巡察组尚未确定组长（一次一授权），不能进驻。"


def declared_conflicts_resolved(inspection) -> str | None:
    """A member who declared a conflict of interest keeps the team out until the office acts."""
    from xuncha.plans.models import Declaration

    names = list(
        Declaration.objects.filter(
            member__team__inspection=inspection, has_conflict=True, override_reason=""
        )
        .order_by("member__inspector__name")
        .values_list("member__inspector__name", flat=True)
    )
    if not names:
        return None
    return (
        f"巡察组成员{'、'.join(names)}申报存在回避情形，巡察办尚未处理，不能进驻。"
        "请更换人员，或由巡察办管理员在回避声明页填写特批理由。"
    )


def _member_names(qs) -> str:
    return "、".join(qs.order_by("inspector__name").values_list("inspector__name", flat=True))


def work_plan_approved(inspection) -> str | None:
    """巡察工作方案: approved by the leading group; the secretary's approval recorded where the
    office requires it; a county's plan filed with the office above."""
    from xuncha.inspections.prep import work_plan_missing

    missing = work_plan_missing(inspection)
    return f"{missing}，不能进驻。" if missing else None


def pledges_signed(inspection) -> str | None:
    names = _member_names(
        TeamMember.objects.filter(team__inspection=inspection, pledge__isnull=True)
    )
    return f"巡察组成员{names}尚未签署保密承诺书，不能进驻。" if names else None


def declarations_checked(inspection) -> str | None:
    """Every member's 回避 declaration submitted and checked by the office."""
    members = TeamMember.objects.filter(team__inspection=inspection)
    unsent = _member_names(
        members.filter(Q(declaration__isnull=True) | Q(declaration__submitted_at__isnull=True))
    )
    unchecked = _member_names(
        members.filter(
            declaration__submitted_at__isnull=False, declaration__checked_at__isnull=True
        )
    )
    parts = []
    if unsent:
        parts.append(f"巡察组成员{unsent}尚未提交回避声明")
    if unchecked:
        parts.append(f"巡察组成员{unchecked}的回避声明尚未经巡察办审核")
    return "，".join(parts) + "，不能进驻。" if parts else None


def no_replacement_pending(inspection) -> str | None:
    from xuncha.inspections.prep_models import ReplacementRequest

    names = list(
        ReplacementRequest.objects.filter(
            inspection=inspection, state=ReplacementRequest.State.PENDING
        )
        .order_by("member_name")
        .values_list("member_name", flat=True)
    )
    if not names:
        return None
    return f"被巡察单位申请更换巡察组成员{'、'.join(names)}，巡察办尚未决定，不能进驻。"


def branch_recorded(inspection) -> str | None:
    from xuncha.inspections.prep_models import TemporaryBranch

    branch = TemporaryBranch.objects.filter(inspection=inspection).values("secretary").first()
    if branch is None:
        return "尚未登记巡察组临时党支部及其书记，不能进驻。"
    if branch["secretary"] is None:
        return "临时党支部书记已退出巡察组，请重新登记支部书记后再进驻。"
    return None


def problems_ready_for_report(inspection) -> str | None:
    from xuncha.inspections.models import Fieldwork, Problem

    if Problem.objects.filter(inspection=inspection).for_report().exists():
        return None
    note = Fieldwork.objects.filter(inspection=inspection).values_list(
        "no_problems_note", flat=True
    )
    if note and (note[0] or "").strip():
        return None
    return "尚无经组长签批底稿并核定的问题，也未填写“未发现问题说明”，不能进入报告阶段。"


def no_paper_in_review(inspection) -> str | None:
    from xuncha.inspections.models import WorkingPaper

    pending = WorkingPaper.objects.filter(
        inspection=inspection,
        problem__state="approved",
        state__in=[WorkingPaper.State.DEPUTY_REVIEW, WorkingPaper.State.LEADER_REVIEW],
    ).count()
    if not pending:
        return None
    return f"尚有 {pending} 份已核定问题的底稿在审核中，请先完成审签。"


def review_recorded(inspection) -> str | None:
    from xuncha.inspections.models import LeadingGroupReview

    if LeadingGroupReview.objects.filter(inspection=inspection).exists():
        return None
    return "领导小组尚未审议巡察报告（请先登记审议记录），不能反馈。"


def mobilisation_held(inspection) -> str | None:
    from xuncha.inspections.stay_models import MobilisationMeeting

    if MobilisationMeeting.objects.filter(inspection=inspection).exists():
        return None
    return "尚未登记巡察动员会（日期、参会人员、动员讲话、公布的巡察公告），不能开始了解情况。"


def reviews_decided(inspection) -> str | None:
    from xuncha.inspections.reviews import reviews_decided as check

    return check(inspection)


def open_fix_notices_closed(inspection) -> str | None:
    from xuncha.inspections.models import FixNotice

    open_count = (
        FixNotice.objects.filter(inspection=inspection)
        .exclude(state__in=[FixNotice.State.CLOSED, FixNotice.State.DRAFT])
        .count()
    )
    if not open_count:
        return None
    return f"尚有 {open_count} 件立行立改事项未销号。"


def feedback_completed(inspection) -> str | None:
    """Each inspected unit got its feedback: the opinion delivered, the main leader told in
    person (向主要负责人反馈), the feedback meeting (反馈会) held and the unit's signed
    receipt filed. Handover and rectification follow the feedback, never precede it."""
    from xuncha.reports.models import ReportDraft

    done = {}
    rows = ReportDraft.objects.filter(
        inspection=inspection, kind=ReportDraft.Kind.FEEDBACK, delivery__isnull=False
    ).values_list("unit_id", "leader_feedback__pk", "feedback_meeting__pk", "delivery__receipt__pk")
    for unit_id, leader, meeting, receipt in rows:
        done[unit_id] = [
            label
            for label, present in (
                ("向主要负责人反馈", leader),
                ("反馈会", meeting),
                ("签收回执", receipt),
            )
            if present is None
        ]
    missing = []
    for unit_id, name in inspection.units.order_by("path").values_list("pk", "name"):
        if unit_id not in done:
            missing.append(f"{name}（反馈意见未送达）")
        elif done[unit_id]:
            missing.append(f"{name}（缺{'、'.join(done[unit_id])}）")
    if not missing:
        return None
    shown = "；".join(missing[:5]) + (f" 等 {len(missing)} 个单位" if len(missing) > 5 else "")
    return f"反馈尚未完成：{shown}。"


def papers_filed(inspection) -> str | None:
    from xuncha.inspections.models import WorkingPaper

    unfiled = (
        WorkingPaper.objects.filter(inspection=inspection)
        .exclude(state=WorkingPaper.State.FILED)
        .exclude(problem__state="withdrawn")
        .count()
    )
    if not unfiled:
        return None
    return f"尚有 {unfiled} 份底稿未向巡察办归档，不能归档。"


def borrowed_materials_cleared(inspection) -> str | None:
    """Materials borrowed from the unit are returned or destroyed (清退) before archiving."""
    if not apps.is_installed("xuncha.archive"):
        return None  # no archive app in this installation
    from xuncha.archive.selectors import outstanding_message

    return outstanding_message(inspection)


REQUIREMENT_LABELS = {
    announcement_published: "巡察公告已发布",
    team_has_leader: "已确定组长",
    declared_conflicts_resolved: "成员申报的回避情形已处理（更换人员或特批）",
    work_plan_approved: "巡察工作方案已批准（按设置经书记审批；县级已报上级备案）",
    pledges_signed: "每名成员已签署保密承诺书",
    declarations_checked: "每名成员的回避声明已提交并经巡察办审核",
    no_replacement_pending: "被巡察单位的更换成员申请均已决定",
    branch_recorded: "已登记临时党支部及其书记",
    problems_ready_for_report: "有已签批并核定的问题，或已说明未发现问题",
    no_paper_in_review: "已核定问题的底稿均已审签",
    review_recorded: "已登记领导小组审议",
    mobilisation_held: "已登记巡察动员会",
    reviews_decided: "巡察办要求的审议（领导小组会议、书记专题会）均已登记，并对每个问题作出成果运用决定",
    feedback_completed: "每个被巡察单位均已送达反馈意见，并登记向主要负责人反馈、反馈会和签收回执",
    open_fix_notices_closed: "立行立改事项均已销号",
    papers_filed: "底稿均已归档",
    borrowed_materials_cleared: "调阅材料均已清退（退还或销毁）",
}


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    who: frozenset
    requires: tuple = field(default=())
    label: str = ""
    backward: bool = False


def _t(source, target, who, requires=(), label="", backward=False):
    return Transition(source, target, frozenset(who), tuple(requires), label, backward)


TRANSITIONS: list[Transition] = [
    _t(
        Stage.PREPARATION,
        Stage.STATIONING,
        {OFFICE, LEADER},
        (
            team_has_leader,
            work_plan_approved,
            declarations_checked,
            declared_conflicts_resolved,
            no_replacement_pending,
            pledges_signed,
            branch_recorded,
            announcement_published,
        ),
        "进驻",
    ),
    _t(
        Stage.STATIONING,
        Stage.INVESTIGATION,
        {OFFICE, LEADER},
        (mobilisation_held,),
        "开始了解情况",
    ),
    _t(
        Stage.INVESTIGATION,
        Stage.REPORT,
        {LEADER},
        (problems_ready_for_report, no_paper_in_review),
        "进入报告阶段",
    ),
    _t(Stage.REPORT, Stage.INVESTIGATION, {LEADER, OFFICE}, (), "退回补充了解", backward=True),
    _t(Stage.REPORT, Stage.REVIEW, {LEADER, OFFICE}, (no_paper_in_review,), "报送审议"),
    _t(Stage.REVIEW, Stage.REPORT, {OFFICE}, (), "审议退回修改报告", backward=True),
    _t(Stage.REVIEW, Stage.FEEDBACK, {OFFICE}, (reviews_decided,), "反馈"),
    _t(Stage.FEEDBACK, Stage.RECTIFICATION, {OFFICE}, (feedback_completed,), "移交与整改"),
    _t(Stage.RECTIFICATION, Stage.EVALUATION, {OFFICE}, (open_fix_notices_closed,), "整改评估"),
    _t(
        Stage.EVALUATION,
        Stage.ARCHIVED,
        {OFFICE_ADMIN},
        (papers_filed, borrowed_materials_cleared),
        "归档",
    ),
]

STAGE_ORDER = [s.value for s in Stage]


def transitions_from(stage: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == stage]


def find(source: str, target: str) -> Transition | None:
    for t in TRANSITIONS:
        if t.source == source and t.target == target:
            return t
    return None


def capacities(inspection, user) -> set[str]:
    """What the user is in this inspection: office, office admin, leader, deputy, member, …"""
    from xuncha.org import access
    from xuncha.org.models import Role

    if not getattr(user, "is_authenticated", False):
        return set()
    caps = set()
    if access.is_sysadmin(user):
        caps.add(SYSADMIN)
    for a in access._assignments(user):
        if a.office_id != inspection.office_id:
            continue
        if a.role in {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}:
            caps.add(OFFICE)
        if a.role == Role.OFFICE_ADMIN:
            caps.add(OFFICE_ADMIN)
        if a.role == Role.LEADING_GROUP:
            caps.add(LEADING_GROUP)
    roles = TeamMember.objects.filter(
        team__inspection=inspection, inspector__user=user
    ).values_list("role", flat=True)
    for role in roles:
        caps.add({"leader": LEADER, "deputy": DEPUTY, "member": MEMBER}[role])
    return caps


def may_act(transition: Transition, caps: set[str]) -> bool:
    if SYSADMIN in caps:
        return True
    who = set(transition.who)
    if OFFICE in who:
        who.add(OFFICE_ADMIN)
    return bool(caps & who)


def blocking_reasons(transition: Transition, inspection) -> list[str]:
    return [r for r in (check(inspection) for check in transition.requires) if r]


def reason_needed(transition: Transition, inspection, today: date | None = None) -> str | None:
    """A step that may go ahead only with a written reason (recorded in history and audit):
    进驻 more than the office's number of working days before the scheduled start."""
    from django.utils import timezone

    from xuncha.inspections.models import FieldworkSettings

    if transition.target != Stage.STATIONING:
        return None
    today = today or timezone.localdate()
    days = FieldworkSettings.for_office(
        inspection.office_id and inspection.office
    ).early_stationing_days
    earliest = _calendar()(inspection.office_id, inspection.start, -days)
    if today >= earliest:
        return None
    return (
        f"提前进驻：计划进驻日期为{inspection.start:%Y年%m月%d日}，"
        f"提前超过 {days} 个工作日进驻须在“说明”中填写理由。"
    )


@dataclass
class NextStep:
    transition: Transition
    allowed: bool
    reasons: list[str]
    reason_needed: str | None = None

    @property
    def target_label(self) -> str:
        return Stage(self.transition.target).label


def next_steps(inspection, user, caps: set[str] | None = None) -> list[NextStep]:
    """The transitions out of the current stage the user may take, each with what blocks it.

    Steps the user has no capacity for are left out entirely: the UI shows only what this
    user could do, and says why a step is not yet possible."""
    caps = capacities(inspection, user) if caps is None else caps
    steps = []
    for t in transitions_from(inspection.stage):
        if not may_act(t, caps):
            continue
        reasons = blocking_reasons(t, inspection)
        steps.append(NextStep(t, not reasons, reasons, reason_needed(t, inspection)))
    return steps


# --- Deadlines on the working-day calendar --------------------------------------------


_MEMO: dict = {}  # (start, n, overrides) -> date; the statutory calendar does not change at runtime


def _calendar():
    """add(office, start, n) on the office's calendar (planning's overrides when installed)."""
    from xuncha.core import workdays

    try:
        from xuncha.plans.calendar import overrides_for
    except ImportError:  # pragma: no cover - planning calendar not installed

        def overrides_for(office):
            return {}

    cache: dict = {}

    def add(office, start, n):
        key = getattr(office, "pk", office)
        if key not in cache:
            cache[key] = overrides_for(key)  # one query per office, not per date
        overrides = cache[key]
        memo_key = (start, n, tuple(sorted(overrides.items())))
        if memo_key not in _MEMO:
            if len(_MEMO) > 4096:
                _MEMO.clear()
            _MEMO[memo_key] = workdays.add_working_days(start, n, overrides)
        return _MEMO[memo_key]

    return add


def deadlines(inspection, review_date: date | None = None) -> dict[str, date | None]:
    """The inspection's key dates from the office's settings, on working days."""
    from xuncha.inspections.models import FieldworkSettings, LeadingGroupReview

    add = _calendar()
    s = FieldworkSettings.for_office(inspection.office_id and inspection.office)
    if review_date is None:
        review_date = (
            LeadingGroupReview.objects.filter(inspection=inspection)
            .order_by("-held_on")
            .values_list("held_on", flat=True)
            .first()
        )
    office = inspection.office_id
    return {
        "cutoff": add(office, inspection.end, -s.cutoff_before_end),
        "report_due": add(office, inspection.end, s.report_after_end),
        "feedback_due": add(office, review_date, s.feedback_after_review) if review_date else None,
    }


DEADLINE_LABELS = {
    "cutoff": "信访受理截止日",
    "report_due": "巡察报告报送期限",
    "feedback_due": "反馈期限",
}
