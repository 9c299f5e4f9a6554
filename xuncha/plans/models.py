"""Terms, annual plans, rounds, inspections (team-to-unit assignments), teams, inspectors."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Office, Unit

PLAN_ROLES = {"office_admin", "office_staff", "leading_group"}
EDIT_ROLES = {"office_admin", "office_staff"}


def reader_q(user, field="office") -> Q:
    """Rows of offices that named one of the user's units (纪委监委/组织部, through its
    `handover_recipient` liaison) as a reader in the office's settings (协作查阅单位).
    Readers read approved plans and final reports and feedback opinions, audited."""
    from xuncha.org import access
    from xuncha.org.models import Role

    units = [u.pk for u in access.user_units(user, {Role.HANDOVER_RECIPIENT})]
    if not units:
        return Q(pk__in=[])
    # A subquery of office ids, not a join: no row is repeated, no DISTINCT needed.
    offices = PlanSettings.objects.filter(readers__in=units).values("office_id")
    return Q(**{f"{field}__in": offices})


def is_reader(user) -> bool:
    """Whether some office named one of the user's units as a reader."""
    return PlanSettings.objects.filter(reader_q(user, field="office")).exists()


class TermQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            # A higher office reads its subordinates' terms (coverage statistics).
            return self.filter(access.office_q(user, PLAN_ROLES, subtree=True) | reader_q(user))
        return self.filter(access.office_q(user, EDIT_ROLES))


class Term(models.Model):
    """届: the five-year party-committee term of an office; coverage is counted per term."""

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="terms"
    )
    name = models.CharField(_("名称"), max_length=60)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    objects = TermQuerySet.as_manager()

    class Meta:
        verbose_name = _("届")
        verbose_name_plural = _("届")
        ordering = ["office", "-start"]

    def __str__(self):
        return self.name


class AnnualPlanQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            own = access.office_q(user, PLAN_ROLES, field="term__office")
            # An approved county plan is filed with (readable by) the offices above it.
            filed = access.office_q(user, PLAN_ROLES, field="term__office", subtree=True) & Q(
                state=AnnualPlan.State.APPROVED
            )
            # 纪委监委/组织部 named as readers read the office's approved plans.
            readers = reader_q(user, field="term__office") & Q(state=AnnualPlan.State.APPROVED)
            return self.filter(own | filed | readers)
        if action == "approve":
            return self.filter(access.office_q(user, {"leading_group"}, field="term__office"))
        return self.filter(access.office_q(user, EDIT_ROLES, field="term__office"))


class AnnualPlan(models.Model):
    """年度计划: the year's plan of rounds, approved by the leading group."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已报审")
        APPROVED = "approved", _("已批准")

    term = models.ForeignKey(
        Term, verbose_name=_("届"), on_delete=models.PROTECT, related_name="plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.DRAFT)
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("报审时间"), null=True, blank=True)
    summary = models.TextField(_("计划说明"), blank=True)
    # 书记审批: recorded by the office where its settings require the secretary's approval.
    secretary_approved_on = models.DateField(_("党委书记审批日期"), null=True, blank=True)
    secretary_name = models.CharField(_("审批书记"), max_length=50, blank=True)

    objects = AnnualPlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度计划")
        verbose_name_plural = _("年度计划")
        constraints = [
            models.UniqueConstraint(fields=["term", "year"], name="one_plan_per_term_year")
        ]

    def __str__(self):
        return f"{self.year}年度巡察工作计划"


class RoundQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        plans = AnnualPlan.objects.for_user(user, action)
        return self.filter(plan__in=plans.values("pk"))


class Round(models.Model):
    """轮次: one batch of inspections run at the same time."""

    plan = models.ForeignKey(
        AnnualPlan, verbose_name=_("年度计划"), on_delete=models.PROTECT, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField(_("轮次"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    name = models.CharField(_("轮次说明"), max_length=100, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("轮次")
        verbose_name_plural = _("轮次")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="unique_round_number")
        ]

    def __str__(self):
        return f"{self.plan.year}年第{self.number}轮"


class InspectorQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        if action == "view":
            return self.filter(access.office_q(user, PLAN_ROLES) | Q(user=user))
        return self.filter(access.office_q(user, EDIT_ROLES))


class Inspector(models.Model):
    """巡察干部: a cadre in the inspector pool who can be drawn into teams."""

    EXPERTISE = ["纪检监察", "组织", "财务", "审计", "法律", "信访", "工程建设", "农村工作"]

    office = models.ForeignKey(
        Office, verbose_name=_("所属巡察机构"), on_delete=models.PROTECT, related_name="inspectors"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inspector",
    )
    name = models.CharField(_("姓名"), max_length=50)
    home_unit = models.ForeignKey(
        Unit,
        verbose_name=_("工作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rank = models.CharField(_("职级"), max_length=40, blank=True)
    expertise = models.JSONField(_("专长"), default=list, blank=True)
    active = models.BooleanField(_("在库"), default=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)

    objects = InspectorQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察干部")
        verbose_name_plural = _("巡察干部")
        ordering = ["office", "name"]

    def __str__(self):
        return self.name


def team_inspections(user):
    """The inspections whose team the user is on, as a subquery (no join, no DISTINCT)."""
    return Inspection.objects.filter(team__members__inspector__user=user).values("pk")


class InspectionQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        if action == "view":
            office = access.office_q(
                user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF, Role.LEADING_GROUP}
            )
            return self.filter(office | models.Q(pk__in=team_inspections(user)))
        if action == "liaise":
            # The inspected unit's liaison: its own inspections only (to ask for a member's
            # replacement before stationing); sees nothing of the fieldwork.
            units = [u.pk for u in access.user_units(user, {Role.UNIT_LIAISON})]
            return self.filter(pk__in=Inspection.objects.filter(units__in=units).values("pk"))
        office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF})
        return self.filter(office)


class Inspection(models.Model):
    """巡察 (一次): one team inspecting one or more units in one round."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("常规巡察")
        SPECIAL = "special", _("专项巡察")
        RAPID = "rapid", _("机动巡察")
        ESCALATED = "escalated", _("提级巡察")
        CROSS = "cross", _("交叉巡察")
        JOINT = "joint", _("联动巡察")
        REVISIT = "revisit", _("巡察“回头看”")
        VILLAGE = "village", _("村(社区)巡察")

    class Stage(models.TextChoices):
        PREPARATION = "preparation", _("准备")
        STATIONING = "stationing", _("进驻")
        INVESTIGATION = "investigation", _("了解")
        REPORT = "report", _("报告")
        REVIEW = "review", _("审议")
        FEEDBACK = "feedback", _("反馈")
        RECTIFICATION = "rectification", _("移交/整改")
        EVALUATION = "evaluation", _("评估")
        ARCHIVED = "archived", _("归档")

    office = models.ForeignKey(
        Office, verbose_name=_("巡察机构"), on_delete=models.PROTECT, related_name="inspections"
    )
    round = models.ForeignKey(
        Round, verbose_name=_("轮次"), on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(
        _("巡察类型"), max_length=16, choices=Kind.choices, default=Kind.REGULAR
    )
    theme = models.CharField(_("专项主题"), max_length=100, blank=True)
    units = models.ManyToManyField(Unit, verbose_name=_("被巡察单位"), related_name="inspections")
    # 交叉巡察: the county office below the organiser whose inspector pool staffs the team
    # (the team inspects another county's units); empty for every other kind.
    team_office = models.ForeignKey(
        Office,
        verbose_name=_("巡察组来源"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revisits = models.ForeignKey(
        "self",
        verbose_name=_("回头看对象"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisited_by",
    )
    start = models.DateField(_("进驻日期"))
    end = models.DateField(_("结束日期"))
    stage = models.CharField(
        _("阶段"), max_length=16, choices=Stage.choices, default=Stage.PREPARATION, db_index=True
    )
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察")
        verbose_name_plural = _("巡察")
        ordering = ["-start", "pk"]
        indexes = [
            # Coverage and suggestions select a term's or a year's inspections by date.
            models.Index(fields=["start"], name="inspection_start_idx"),
            models.Index(fields=["feedback_date"], name="inspection_feedback_idx"),
        ]

    def __str__(self):
        names = "、".join(u.name for u in self.units.all()[:3])
        return f"{self.round} · {names or '未指定单位'}"

    def direction(self) -> str:
        """交叉巡察：临川县巡察组 → 安平区 / 提级巡察：江州市委巡察办 → 临川县; "" otherwise.

        Reads `units.all()` (prefetch `units__office` on lists) and `team_office`."""
        if self.kind not in (Inspection.Kind.CROSS, Inspection.Kind.ESCALATED):
            return ""
        targets = []
        for unit in self.units.all():
            name = _place(unit.office)
            if name not in targets:
                targets.append(name)
        target = "、".join(targets) or "未指定单位"
        if self.kind == Inspection.Kind.CROSS:
            source = f"{_place(self.team_office)}巡察组" if self.team_office_id else "巡察组"
            return f"交叉巡察：{source} → {target}"
        return f"提级巡察：{self.office.name} → {target}"


def _place(office) -> str:
    """The county's name as people say it (临川县), from the office's region or its name."""
    return office.region or office.name.removesuffix("委巡察办").removesuffix("巡察办")


class Team(models.Model):
    """巡察组: the team sent to one inspection; the leader is appointed for this assignment only."""

    inspection = models.OneToOneField(
        Inspection, verbose_name=_("巡察"), on_delete=models.CASCADE, related_name="team"
    )
    name = models.CharField(_("组名"), max_length=40)
    appointment_number = models.CharField(_("授权文号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("巡察组")
        verbose_name_plural = _("巡察组")

    def __str__(self):
        return self.name


def team_labels(inspection_ids) -> dict[int, str]:
    """Human labels for inspections' teams, e.g. 2026年第1轮 · 第一巡察组（组长 张三）: two queries."""
    ids = [pk for pk in inspection_ids if pk]
    rows = Inspection.objects.filter(pk__in=ids).values_list(
        "pk", "round__plan__year", "round__number", "team__name"
    )
    leaders = dict(
        TeamMember.objects.filter(team__inspection_id__in=ids, role="leader").values_list(
            "team__inspection_id", "inspector__name"
        )
    )
    labels = {}
    for pk, year, number, team in rows:
        label = f"{year}年第{number}轮 · {team or '巡察组'}"
        labels[pk] = f"{label}（组长 {leaders[pk]}）" if pk in leaders else label
    return labels


class TeamMember(models.Model):
    """A member of a team, with the role held in it (组长 / 副组长 / 成员)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("组长")
        DEPUTY = "deputy", _("副组长")
        MEMBER = "member", _("成员")

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("组内职务"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("巡察组成员")
        verbose_name_plural = _("巡察组成员")
        constraints = [
            models.UniqueConstraint(fields=["team", "inspector"], name="unique_team_member")
        ]

    def __str__(self):
        return f"{self.team} {self.get_role_display()} {self.inspector}"


# --- Added by the planning work: settings, history, pool details, recusal, calendar ------


class PlanSettings(models.Model):
    """本机构的计划与回避规则设置 (one row per office; defaults follow common practice)."""

    office = models.OneToOneField(
        Office, verbose_name=_("巡察机构"), on_delete=models.CASCADE, related_name="plan_settings"
    )
    rule_worked_in_unit = models.BooleanField(_("近年在被巡察单位工作须回避"), default=True)
    worked_years = models.PositiveSmallIntegerField(_("工作经历回避年限"), default=3)
    rule_relative = models.BooleanField(_("配偶或近亲属在被巡察单位工作须回避"), default=True)
    rule_superior = models.BooleanField(_("与被巡察单位领导存在上下级关系须回避"), default=True)
    superior_years = models.PositiveSmallIntegerField(_("上下级关系回避年限"), default=3)
    rule_home_unit = models.BooleanField(_("本人所在单位须回避"), default=True)
    rule_own_county = models.BooleanField(_("交叉巡察回避本县(区)"), default=True)
    coverage_kinds = models.JSONField(
        _("计入覆盖的巡察类型"), default=list, blank=True, help_text=_("留空时使用默认值")
    )
    revisit_after_months = models.PositiveSmallIntegerField(
        _("反馈后多少个月应安排回头看"), default=12
    )
    requires_secretary_approval = models.BooleanField(
        _("年度计划和任务分工须经党委书记审批"), default=False
    )
    readers = models.ManyToManyField(
        Unit,
        verbose_name=_("协作查阅单位"),
        blank=True,
        related_name="+",
        help_text=_(
            "如纪委监委、组织部：其移交接收联络员可查阅本机构已批准的巡察计划、"
            "已定稿的巡察报告和反馈意见，每次查阅均记入审计日志"
        ),
    )
    # {kind: [min_days, max_days]}; kinds left out use DEFAULT_DURATIONS.
    durations = models.JSONField(_("各类巡察的一般时长（天）"), default=dict, blank=True)

    DEFAULT_COVERAGE_KINDS = ("regular", "escalated", "cross", "village")
    CONFIGURABLE_KINDS = ("regular", "escalated", "cross", "village", "special", "rapid", "joint")
    # Common practice: a village round stays 20–35 days; other kinds warn once the office sets them.
    DEFAULT_DURATIONS = {"village": [20, 35]}

    class Meta:
        verbose_name = _("计划与回避设置")
        verbose_name_plural = _("计划与回避设置")

    def __str__(self):
        return f"{self.office} 设置"

    def counting_kinds(self) -> list[str]:
        kinds = self.coverage_kinds or list(self.DEFAULT_COVERAGE_KINDS)
        # 回头看 never adds coverage, whatever is stored.
        return [k for k in kinds if k != Inspection.Kind.REVISIT]

    def duration_range(self, kind: str) -> tuple[int, int] | None:
        """The office's usual (min, max) days of stationing for a kind of inspection, if any."""
        value = {**self.DEFAULT_DURATIONS, **(self.durations or {})}.get(kind)
        return (int(value[0]), int(value[1])) if value else None

    @classmethod
    def for_office(cls, office):
        obj = cls.objects.filter(office=office).first()
        return obj or cls(office=office)


class TermDueUnit(models.Model):
    """届内规划: a unit the term plan says must be inspected in the term."""

    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="due")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    planned_year = models.PositiveSmallIntegerField(_("计划年度"), null=True, blank=True)

    class Meta:
        verbose_name = _("届内规划单位")
        verbose_name_plural = _("届内规划单位")
        constraints = [models.UniqueConstraint(fields=["term", "unit"], name="unique_due_unit")]

    def __str__(self):
        return f"{self.term} {self.unit}"


class PlanEvent(models.Model):
    """A history row of an annual plan: a state transition or a change after approval."""

    plan = models.ForeignKey(AnnualPlan, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    summary = models.CharField(_("事项"), max_length=200)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("计划流转记录")
        verbose_name_plural = _("计划流转记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return self.summary


class InspectorRelation(models.Model):
    """A relative of an inspector, declared with where they work (for 回避)."""

    class Kind(models.TextChoices):
        SPOUSE = "spouse", _("配偶")
        PARENT = "parent", _("父母")
        CHILD = "child", _("子女")
        SIBLING = "sibling", _("兄弟姐妹")
        IN_LAW = "in_law", _("配偶父母/子女配偶")
        OTHER = "other", _("其他近亲属")

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="relations")
    kind = models.CharField(_("关系"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("姓名"), max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name=_("工作单位"), null=True, blank=True, on_delete=models.SET_NULL
    )
    position = models.CharField(_("职务"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("亲属关系")
        verbose_name_plural = _("亲属关系")

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"


class EmploymentRecord(models.Model):
    """A past or current job of an inspector (unit, from, to)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="employment")
    unit = models.ForeignKey(Unit, verbose_name=_("单位"), on_delete=models.CASCADE)
    position = models.CharField(_("职务"), max_length=60, blank=True)
    start = models.DateField(_("起始"))
    end = models.DateField(_("截止"), null=True, blank=True, help_text=_("留空表示至今"))

    class Meta:
        verbose_name = _("工作经历")
        verbose_name_plural = _("工作经历")
        ordering = ["-start"]

    def __str__(self):
        return f"{self.unit} {self.start}~{self.end or '至今'}"


class SuperiorTie(models.Model):
    """A superior–subordinate tie between an inspector and a leader of a unit."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="ties")
    person = models.CharField(_("对方姓名"), max_length=50)
    unit = models.ForeignKey(
        Unit, verbose_name=_("对方现任领导职务的单位"), on_delete=models.CASCADE
    )
    inspector_was_superior = models.BooleanField(_("本人曾为其上级"), default=False)
    start = models.DateField(_("起始"))
    end = models.DateField(_("截止"), null=True, blank=True)

    class Meta:
        verbose_name = _("上下级关系")
        verbose_name_plural = _("上下级关系")

    def __str__(self):
        return f"{self.inspector} — {self.person}"


class DeclarationQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        own = Q(member__inspector__user=user)
        if action == "view":
            return self.filter(
                own | access.office_q(user, PLAN_ROLES, "member__team__inspection__office")
            )
        return self.filter(own)


class Declaration(models.Model):
    """回避申请/声明: a team member's conflict-of-interest declaration, pre-filled."""

    member = models.OneToOneField(TeamMember, on_delete=models.CASCADE, related_name="declaration")
    known_conflicts = models.JSONField(_("系统识别的回避情形"), default=list, blank=True)
    statement = models.TextField(_("本人声明"), blank=True)
    has_conflict = models.BooleanField(_("本人申报存在回避情形"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    override_reason = models.TextField(_("特批理由"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("特批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("巡察办审核时间"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DeclarationQuerySet.as_manager()

    class Meta:
        verbose_name = _("回避声明")
        verbose_name_plural = _("回避声明")

    def __str__(self):
        return f"{self.member} 回避声明"


class WorkdayOverrideQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(access.office_q(user, PLAN_ROLES if action == "view" else EDIT_ROLES))


class WorkdayOverride(models.Model):
    """An office's own working-day entry (a newly published 调休 or a local day off)."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="workday_overrides")
    day = models.DateField(_("日期"))
    is_working = models.BooleanField(_("上班"), default=False)
    note = models.CharField(_("说明"), max_length=60, blank=True)

    objects = WorkdayOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day"], name="one_override_per_day")
        ]

    def __str__(self):
        return f"{self.day} {'上班' if self.is_working else '休息'}"


# --- 村(社区)巡察: village grades ---------------------------------------------------------


class VillageGradeQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        roles = PLAN_ROLES if action == "view" else EDIT_ROLES
        return self.filter(access.office_q(user, roles, field="unit__office"))


class VillageGrade(models.Model):
    """村(社区)分级: the office grades a village 重点/关注/一般 with a reason; rows are history."""

    class Grade(models.TextChoices):
        KEY = "key", _("重点")
        WATCH = "watch", _("关注")
        GENERAL = "general", _("一般")

    unit = models.ForeignKey(
        Unit, verbose_name=_("村(社区)"), on_delete=models.PROTECT, related_name="village_grades"
    )
    grade = models.CharField(_("等级"), max_length=8, choices=Grade.choices)
    reason = models.TextField(_("评定理由"))
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    graded_at = models.DateTimeField(_("评定时间"), auto_now_add=True)

    objects = VillageGradeQuerySet.as_manager()

    class Meta:
        verbose_name = _("村(社区)分级")
        verbose_name_plural = _("村(社区)分级")
        ordering = ["unit", "-graded_at", "-pk"]
        indexes = [models.Index(fields=["unit", "-graded_at"], name="village_grade_unit_idx")]

    def __str__(self):
        return f"{self.unit} {self.get_grade_display()}"
