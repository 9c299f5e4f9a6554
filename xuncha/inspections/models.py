"""Fieldwork of one inspection: stage history, preparation, activities, working papers, problems.

Everything here except the survey answers and the immediate-fix notices is confidential:
only the own team, the office (admin/staff of the inspection's office) and the leading group
read it (see `_fieldwork_q`). The inspected unit sees only its own immediate-fix notices.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xuncha.org.models import Unit
from xuncha.plans.models import Inspection, Inspector, Round

User = settings.AUTH_USER_MODEL


def _fieldwork_q(user, action="view", field="inspection") -> Q:
    """Rows of inspections the user works on (team) or supervises (office, leading group)."""
    from xuncha.org import access
    from xuncha.org.models import Role

    prefix = f"{field}__" if field else ""
    office_roles = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
    if action in ("view", "fieldwork"):
        office_roles |= {Role.LEADING_GROUP}
    team = Inspection.objects.filter(team__members__inspector__user=user).values("pk")
    own = Q(**{f"{field}__in" if field else "pk__in": team})
    return access.office_q(user, office_roles, field=f"{prefix}office") | own


class FieldworkQuerySet(models.QuerySet):
    """Confidential fieldwork rows: own team, the inspection's office and the leading group."""

    inspection_field = "inspection"

    def for_user(self, user, action="view"):
        from xuncha.org import access

        if access.is_sysadmin(user):
            return self
        return self.filter(_fieldwork_q(user, action, self.inspection_field))


def _via(field: str):
    """A fieldwork queryset for a model that reaches its inspection through `field`."""
    return type(f"FieldworkQuerySet_{field}", (FieldworkQuerySet,), {"inspection_field": field})


# --- Lifecycle -----------------------------------------------------------------


class StageChange(models.Model):
    """One move of an inspection from a stage to the next, with who and why."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="stage_changes"
    )
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=Inspection.Stage.choices)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=Inspection.Stage.choices)
    actor = models.ForeignKey(User, verbose_name=_("操作人"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("阶段变更")
        verbose_name_plural = _("阶段变更")
        ordering = ["inspection", "at", "pk"]

    def __str__(self):
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"


class Fieldwork(models.Model):
    """The team's per-inspection record: the "no problems found" note and report/feedback facts."""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="fieldwork"
    )
    no_problems_note = models.TextField(
        _("未发现问题说明"),
        blank=True,
        help_text=_("未发现需写入报告的问题时，须写明情况，方可进入报告阶段"),
    )
    papers_filed_at = models.DateTimeField(_("底稿归档时间"), null=True, blank=True)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡察工作记录")
        verbose_name_plural = _("巡察工作记录")

    def __str__(self):
        return f"{self.inspection_id}"


class LeadingGroupReview(models.Model):
    """审议: the leading group's (and secretary's meeting) hearing of the report, with decisions."""

    class Body(models.TextChoices):
        LEADING_GROUP = "leading_group", _("巡察工作领导小组会议")
        SECRETARY = "secretary", _("书记专题会")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="reviews")
    body = models.CharField(
        _("审议机构"), max_length=16, choices=Body.choices, default=Body.LEADING_GROUP
    )
    held_on = models.DateField(_("会议日期"))
    decision = models.TextField(_("审议意见"))
    recorded_by = models.ForeignKey(User, verbose_name=_("记录人"), on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("审议记录")
        verbose_name_plural = _("审议记录")
        ordering = ["inspection", "held_on", "pk"]

    def __str__(self):
        return f"{self.get_body_display()} {self.held_on}"


# --- Taxonomy ------------------------------------------------------------------


class TaxonomyQuerySet(models.QuerySet):
    def for_user(self, user, action="view"):
        from xuncha.org import access

        if action == "view":
            return self  # the code table is reference data, readable by every signed-in user
        if access.is_sysadmin(user):
            return self
        if action == "manage" and _is_top_office_admin(user):
            return self  # one code table for the whole system, kept by the top office's admin
        return self.none()


def _is_top_office_admin(user) -> bool:
    """Office admin of a top-level office (the city office that keeps the shared code table)."""
    from xuncha.org import access
    from xuncha.org.models import Role

    return any(o.parent_id is None for o in access.user_offices(user, {Role.OFFICE_ADMIN}))


class TaxonomyVersion(models.Model):
    """A version of the supervision taxonomy (e.g. 四个落实 2024); problems keep their version."""

    code = models.CharField(_("版本代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    active = models.BooleanField(_("当前使用"), default=False)
    effective_from = models.DateField(_("启用日期"), null=True, blank=True)
    activated_at = models.DateTimeField(
        _("启用时间"), null=True, blank=True, help_text=_("从未启用的版本为草稿，可以修改分类")
    )

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        verbose_name = _("监督内容分类版本")
        verbose_name_plural = _("监督内容分类版本")
        ordering = ["-effective_from", "code"]

    def __str__(self):
        return self.name

    @property
    def is_draft(self) -> bool:
        return not self.active and self.activated_at is None


class TaxonomyCategory(models.Model):
    """One code of the taxonomy: level 1 (A–F) or level 2 (A1, B4, …)."""

    version = models.ForeignKey(
        TaxonomyVersion, on_delete=models.CASCADE, related_name="categories"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    code = models.CharField(_("代码"), max_length=10)
    name = models.CharField(_("名称"), max_length=200)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        verbose_name = _("监督内容分类")
        verbose_name_plural = _("监督内容分类")
        ordering = ["version", "sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="unique_taxonomy_code")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class TaxonomyTheme(models.Model):
    """A per-round custom subcategory (专项主题, e.g. 安全生产), filed under a level-2 code (F1)."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="taxonomy_themes")
    category = models.ForeignKey(
        TaxonomyCategory,
        verbose_name=_("所属分类"),
        on_delete=models.PROTECT,
        related_name="themes",
    )
    code = models.CharField(_("代码"), max_length=16)
    name = models.CharField(_("主题"), max_length=100)

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        verbose_name = _("专项主题分类")
        verbose_name_plural = _("专项主题分类")
        ordering = ["round", "code"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="unique_theme_code_in_round")
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


# --- Preparation -----------------------------------------------------------------


class PreInspectionLetter(models.Model):
    """巡前函询: a letter asking a body what it holds on the unit, and its reply."""

    class Recipient(models.TextChoices):
        DISCIPLINE = "discipline", _("纪委监委")
        ORGANIZATION = "organization", _("组织部")
        AUDIT = "audit", _("审计局")
        PETITIONS = "petitions", _("信访局")
        FINANCE = "finance", _("财政局")
        OTHER = "other", _("其他部门")

    class State(models.TextChoices):
        SENT = "sent", _("已发函")
        REPLIED = "replied", _("已回复")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="pre_letters")
    recipient = models.CharField(_("函询对象"), max_length=16, choices=Recipient.choices)
    recipient_name = models.CharField(_("单位名称"), max_length=100, blank=True)
    subject = models.CharField(_("函询事项"), max_length=200)
    sent_on = models.DateField(_("发函日期"))
    due_on = models.DateField(_("回复期限"), null=True, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.SENT)
    reply_on = models.DateField(_("回复日期"), null=True, blank=True)
    reply_text = models.TextField(_("回复内容"), blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("巡前函询")
        verbose_name_plural = _("巡前函询")
        ordering = ["inspection", "sent_on", "pk"]

    def __str__(self):
        return f"致{self.recipient_name or self.get_recipient_display()}：{self.subject}"


class DocumentRequest(models.Model):
    """One item of the list of documents the unit must provide to the team."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("已提出")
        PROVIDED = "provided", _("已提供")
        RETURNED = "returned", _("已退还")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="document_requests"
    )
    title = models.CharField(_("资料名称"), max_length=200)
    detail = models.TextField(_("具体要求"), blank=True)
    requested_on = models.DateField(_("提出日期"))
    due_on = models.DateField(_("提供期限"), null=True, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.REQUESTED
    )
    provided_on = models.DateField(_("提供日期"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("调取资料清单")
        verbose_name_plural = _("调取资料清单")
        ordering = ["inspection", "pk"]

    def __str__(self):
        return self.title


# --- Activities ------------------------------------------------------------------


class Activity(models.Model):
    """One way the team learned something: interview, document review, visit, survey, …"""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", _("个别谈话")
        DOCUMENT_REVIEW = "document_review", _("调阅资料")
        VISIT = "visit", _("走访/下沉")
        DISCUSSION = "discussion", _("座谈")
        MEETING = "meeting", _("列席会议")
        DECLARATION_CHECK = "declaration_check", _("个人事项抽查")
        SURVEY = "survey", _("问卷/民主测评")
        INTAKE = "intake", _("来信来电来访受理")
        BRIEFING = "briefing", _("听取汇报")
        OTHER = "other", _("其他")

    class IntervieweeCategory(models.TextChoices):
        LEADER = "leader", _("领导班子成员")
        MIDDLE = "middle", _("中层干部")
        STAFF = "staff", _("一般干部职工")
        RETIRED = "retired", _("离退休干部")
        SUBORDINATE = "subordinate", _("下属单位负责人")
        VILLAGER = "villager", _("村(居)民")
        PETITIONER = "petitioner", _("信访人")
        OTHER = "other", _("其他")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("方式"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=200)
    held_on = models.DateField(_("日期"))
    place = models.CharField(_("地点"), max_length=100, blank=True)
    summary = models.TextField(_("情况记录"), blank=True)
    confidential = models.BooleanField(_("涉密"), default=True)
    # 个别谈话
    interviewee = models.CharField(_("谈话对象"), max_length=50, blank=True)
    interviewee_position = models.CharField(_("职务"), max_length=100, blank=True)
    interviewee_category = models.CharField(
        _("谈话对象类别"), max_length=16, choices=IntervieweeCategory.choices, blank=True
    )
    interviewer = models.ForeignKey(
        Inspector,
        verbose_name=_("主谈人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorder = models.ForeignKey(
        Inspector,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outline = models.TextField(_("谈话提纲"), blank=True)
    # 调阅资料
    requested_on = models.DateField(_("调阅日期"), null=True, blank=True)
    received_on = models.DateField(_("收到日期"), null=True, blank=True)
    returned_on = models.DateField(_("退还日期"), null=True, blank=True)
    # 来信来电来访: the register lives in the petitions app; this is the link point.
    submission_ids = models.JSONField(_("关联来信来访编号"), default=list, blank=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), default=timezone.now)

    objects = FieldworkQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("summary", "interviewee", "interviewee_position", "outline")

    class Meta:
        verbose_name = _("了解情况记录")
        verbose_name_plural = _("了解情况记录")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["inspection", "kind", "held_on"]),
            # The workspace lists an inspection's records newest first, paginated.
            models.Index(fields=["inspection", "-held_on", "-id"], name="activity_timeline"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.title}"


# --- Surveys ---------------------------------------------------------------------


def _survey_token() -> str:
    return secrets.token_urlsafe(24)


class Survey(models.Model):
    """问卷/民主测评: a questionnaire the unit's staff answer anonymously through a link."""

    activity = models.OneToOneField(Activity, on_delete=models.CASCADE, related_name="survey")
    token = models.CharField(max_length=64, unique=True, default=_survey_token, editable=False)
    intro = models.TextField(_("说明"), blank=True)
    open = models.BooleanField(_("开放填写"), default=True)
    closes_on = models.DateField(_("截止日期"), null=True, blank=True)

    objects = _via("activity__inspection").as_manager()

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")

    def __str__(self):
        return self.activity.title


class SurveyQuestion(models.Model):
    """One question of a survey: a 1–5 scale (Likert) or free text."""

    class Kind(models.TextChoices):
        LIKERT = "likert", _("五级评价")
        TEXT = "text", _("文字意见")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=300)

    objects = _via("survey__activity__inspection").as_manager()

    class Meta:
        verbose_name = _("问卷题目")
        verbose_name_plural = _("问卷题目")
        ordering = ["survey", "order", "pk"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    """One anonymous submission of a survey (no account, no address stored)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("问卷答卷")
        verbose_name_plural = _("问卷答卷")

    def __str__(self):
        return f"{self.survey_id}#{self.pk}"


class SurveyAnswer(models.Model):
    """One answer in a response: a score for a Likert question or a text."""

    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(SurveyQuestion, on_delete=models.CASCADE, related_name="answers")
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("问卷答案")
        verbose_name_plural = _("问卷答案")

    def __str__(self):
        return f"{self.question_id}: {self.score or self.text[:20]}"


# --- Problems and working papers ------------------------------------------------


POST_FEEDBACK_STAGES = [
    Inspection.Stage.FEEDBACK,
    Inspection.Stage.RECTIFICATION,
    Inspection.Stage.EVALUATION,
    Inspection.Stage.ARCHIVED,
]


class ProblemQuerySet(FieldworkQuerySet):
    """Fieldwork rule; the unit liaison also reads the problems of the feedback delivered to it."""

    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        q = _fieldwork_q(user, action)
        if action == "view":
            # Only problems listed in a feedback opinion delivered to the liaison's unit.
            delivered = Problem.objects.filter(
                feedback_documents__delivery__isnull=False,
                feedback_documents__unit=models.F("unit"),
            ).values("pk")
            q |= access.unit_q(user, {Role.UNIT_LIAISON}) & Q(
                in_feedback=True, inspection__stage__in=POST_FEEDBACK_STAGES, pk__in=delivered
            )
        return self.filter(q)

    def for_report(self):
        """Problems that may enter the report: approved, with the leader's signature on the paper."""
        return self.filter(
            state=Problem.State.APPROVED,
            paper__state__in=[WorkingPaper.State.SIGNED, WorkingPaper.State.FILED],
        )

    def feedback_list(self):
        """The feedback problem list the rectification work consumes."""
        return self.for_report().filter(in_feedback=True)


class Problem(models.Model):
    """问题: one problem found, classified in the supervision taxonomy."""

    class Severity(models.TextChoices):
        MINOR = "minor", _("一般")
        SERIOUS = "serious", _("较重")
        MAJOR = "major", _("严重")

    class Discipline(models.TextChoices):
        POLITICAL = "political", _("政治纪律")
        ORGANIZATIONAL = "organizational", _("组织纪律")
        INTEGRITY = "integrity", _("廉洁纪律")
        MASS = "mass", _("群众纪律")
        WORK = "work", _("工作纪律")
        LIFE = "life", _("生活纪律")

    class Nature(models.TextChoices):
        RESPONSIBILITY = "responsibility", _("责任问题")
        CORRUPTION = "corruption", _("腐败问题")
        CONDUCT = "conduct", _("作风问题")

    class State(models.TextChoices):
        DRAFT = "draft", _("核实中")
        APPROVED = "approved", _("已核定(可入报告)")
        WITHDRAWN = "withdrawn", _("已撤销")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="problems")
    unit = models.ForeignKey(
        Unit, verbose_name=_("问题单位"), on_delete=models.PROTECT, related_name="problems"
    )
    number = models.CharField(_("编号"), max_length=20)
    title = models.CharField(_("问题概述"), max_length=200)
    description = models.TextField(_("具体表现"), blank=True)
    category = models.ForeignKey(
        TaxonomyCategory,
        verbose_name=_("监督内容分类"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    theme = models.ForeignKey(
        TaxonomyTheme,
        verbose_name=_("专项主题"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    discipline = models.CharField(
        _("违反纪律类型"), max_length=16, choices=Discipline.choices, blank=True
    )
    nature = models.CharField(_("问题性质"), max_length=16, choices=Nature.choices, blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    responsible_posts = models.CharField(_("责任岗位"), max_length=200, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    in_feedback = models.BooleanField(
        _("列入反馈"),
        default=False,
        help_text=_("列入反馈意见的问题，成为被巡察单位的整改问题清单"),
    )
    created_by = models.ForeignKey(
        User, verbose_name=_("发现人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProblemQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("description",)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "number"], name="unique_problem_number")
        ]
        indexes = [models.Index(fields=["inspection", "state"])]

    def __str__(self):
        return f"{self.number} {self.title}"


class WorkingPaper(models.Model):
    """底稿: the evidence record behind one problem, reviewed drafter → deputy → leader."""

    class State(models.TextChoices):
        DRAFTING = "drafting", _("起草中")
        DEPUTY_REVIEW = "deputy_review", _("待副组长审核")
        LEADER_REVIEW = "leader_review", _("待组长审签")
        RETURNED = "returned", _("已退回")
        SIGNED = "signed", _("组长已签批")
        FILED = "filed", _("已归档")

    problem = models.OneToOneField(Problem, on_delete=models.CASCADE, related_name="paper")
    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="working_papers"
    )
    number = models.CharField(_("底稿编号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)
    facts = models.TextField(_("事实摘要"), blank=True)
    evidence = models.TextField(_("证据清单"), blank=True, help_text=_("每行一项证据"))
    policy_basis = models.TextField(_("定性依据"), blank=True)
    sources = models.ManyToManyField(
        Activity, verbose_name=_("来源"), blank=True, related_name="papers"
    )
    source_submission_ids = models.JSONField(_("来源来信来访编号"), default=list, blank=True)
    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.DRAFTING, db_index=True
    )
    drafter = models.ForeignKey(
        User, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    drafted_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    deputy_signed_by = models.ForeignKey(
        User,
        verbose_name=_("副组长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    deputy_signed_at = models.DateTimeField(_("副组长审核时间"), null=True, blank=True)
    leader_signed_by = models.ForeignKey(
        User,
        verbose_name=_("组长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    leader_signed_at = models.DateTimeField(_("组长签批时间"), null=True, blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    filed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)

    objects = FieldworkQuerySet.as_manager()

    # Shown only through audit.services.confidential / audit.schemas.ConfidentialOut.
    CONFIDENTIAL_FIELDS = ("facts", "evidence", "policy_basis")

    class Meta:
        verbose_name = _("工作底稿")
        verbose_name_plural = _("工作底稿")
        ordering = ["inspection", "number"]
        indexes = [models.Index(fields=["inspection", "state"])]

    def __str__(self):
        return f"底稿{self.number} {self.title}"

    @property
    def signed_off(self) -> bool:
        return self.state in {self.State.SIGNED, self.State.FILED}


class PaperStep(models.Model):
    """One step of a paper's review chain: submitted, signed, returned, resubmitted."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("提交审核")
        DEPUTY_SIGN = "deputy_sign", _("副组长审核通过")
        LEADER_SIGN = "leader_sign", _("组长签批")
        RETURN = "return", _("退回修改")
        FILE = "file", _("归档")

    paper = models.ForeignKey(WorkingPaper, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(User, verbose_name=_("签名人"), on_delete=models.PROTECT)
    at = models.DateTimeField(_("日期"), default=timezone.now)
    comment = models.TextField(_("意见"), blank=True)

    objects = _via("paper__inspection").as_manager()

    class Meta:
        verbose_name = _("底稿审核记录")
        verbose_name_plural = _("底稿审核记录")
        ordering = ["paper", "at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


# --- Immediate-fix notices ---------------------------------------------------------


class FixNoticeQuerySet(models.QuerySet):
    """Team/office/leading group as fieldwork; the unit liaison reads and answers its own."""

    def for_user(self, user, action="view"):
        from xuncha.org import access
        from xuncha.org.models import Role

        if access.is_sysadmin(user):
            return self
        liaison = access.unit_q(user, {Role.UNIT_LIAISON}) & ~Q(state=FixNotice.State.DRAFT)
        if action == "reply":
            return self.filter(liaison)
        return self.filter(
            _fieldwork_q(user, action) | (liaison if action == "view" else Q(pk__in=[]))
        )


class FixNotice(models.Model):
    """立行立改: a notice to fix a simple urgent problem by a deadline, with the unit's reply."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("已下发")
        REPLIED = "replied", _("单位已回复")
        CLOSED = "closed", _("已销号")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="fix_notices")
    unit = models.ForeignKey(Unit, verbose_name=_("责任单位"), on_delete=models.PROTECT)
    problem = models.ForeignKey(
        Problem, null=True, blank=True, on_delete=models.SET_NULL, related_name="fix_notices"
    )
    title = models.CharField(_("事项"), max_length=200)
    requirement = models.TextField(_("整改要求"))
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(_("状态"), max_length=10, choices=State.choices, default=State.ISSUED)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(_("下发时间"), default=timezone.now)
    reply = models.TextField(_("单位书面回复"), blank=True)
    replied_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(
        _("逾期督办时间"), null=True, blank=True, help_text=_("逾期未回复时由每日巡检记录一次")
    )

    # What the unit must fix and how it answered describe a problem found: confidential like
    # Problem.description (every read audited).
    CONFIDENTIAL_FIELDS = ("requirement", "reply")

    objects = FixNoticeQuerySet.as_manager()

    class Meta:
        verbose_name = _("立行立改通知")
        verbose_name_plural = _("立行立改通知")
        ordering = ["deadline", "pk"]

    def __str__(self):
        return self.title


# --- Attachments -------------------------------------------------------------------


def _attachment_path(instance, filename):
    return f"inspections/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """证据/附件: a stored file with its SHA-256, attached to one fieldwork record."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=120)
    original_name = models.CharField(_("文件名"), max_length=200)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    paper = models.ForeignKey(
        WorkingPaper, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    letter = models.ForeignKey(
        PreInspectionLetter,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    fix_notice = models.ForeignKey(
        FixNotice, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    uploaded_by = models.ForeignKey(
        User, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    objects = FieldworkQuerySet.as_manager()

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "pk"]

    def __str__(self):
        return self.original_name


# --- Office settings ---------------------------------------------------------------


class FieldworkSettings(models.Model):
    """Per-office deadlines of the fieldwork, in working days (defaults follow common practice)."""

    office = models.OneToOneField(
        "org.Office",
        verbose_name=_("巡察机构"),
        on_delete=models.CASCADE,
        related_name="fieldwork_settings",
    )
    cutoff_before_end = models.PositiveSmallIntegerField(
        _("受理截止日早于结束日(工作日)"), default=5
    )
    report_after_end = models.PositiveSmallIntegerField(
        _("结束后报送巡察报告期限(工作日)"), default=10
    )
    feedback_after_review = models.PositiveSmallIntegerField(
        _("审议后反馈期限(工作日)"), default=15
    )
    letter_reply_days = models.PositiveSmallIntegerField(_("巡前函询回复期限(工作日)"), default=5)
    fix_notice_days = models.PositiveSmallIntegerField(_("立行立改默认期限(工作日)"), default=10)
    early_stationing_days = models.PositiveSmallIntegerField(
        _("提前进驻须说明理由(早于进驻日期超过工作日)"), default=5
    )

    class Meta:
        verbose_name = _("巡察实施期限设置")
        verbose_name_plural = _("巡察实施期限设置")

    def __str__(self):
        return f"{self.office_id} 期限设置"

    @classmethod
    def for_office(cls, office):
        return cls.objects.filter(office=office).first() or cls(office=office)


# The records before stationing live in their own module (imported here so Django finds them).
from xuncha.inspections.prep_models import (  # noqa: E402, F401
    ReplacementRequest,
    SecrecyPledge,
    TemporaryBranch,
    WorkPlan,
)

# During the stay and the review chain live in their own module (imported so Django finds them).
from xuncha.inspections.stay_models import (  # noqa: E402, F401
    ImportantReport,
    MobilisationMeeting,
    ResultDecision,
    ReviewSettings,
    TeamMeeting,
    WeeklyReport,
)
