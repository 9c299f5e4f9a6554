"""Forms of the fieldwork pages: field validation only; the rules live in services."""

from django import forms

from xuncha.inspections.models import (
    Activity,
    DocumentRequest,
    LeadingGroupReview,
    PreInspectionLetter,
    Problem,
    SurveyQuestion,
    TaxonomyCategory,
    TaxonomyVersion,
)
from xuncha.plans.models import Inspection
from xuncha.savedviews.forms import PageFilterForm, choice

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", "附件")
        kwargs.setdefault("help_text", "可多选；文件类型按内容判断，单个文件不超过上限。")
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def team_choices(inspection):
    members = inspection.team.members.select_related("inspector").order_by("role", "pk")
    return [("", "—")] + [
        (m.inspector_id, f"{m.inspector.name}（{m.get_role_display()}）") for m in members
    ]


class TransitionForm(StyledForm):
    target = forms.ChoiceField(choices=[], widget=forms.HiddenInput)
    note = forms.CharField(label="说明", required=False, max_length=300)
    feedback_date = forms.DateField(label="反馈日期", required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        from xuncha.plans.models import Inspection

        super().__init__(*args, **kwargs)
        self.fields["target"].choices = Inspection.Stage.choices


class ActivityForm(StyledForm):
    title = forms.CharField(label="标题", max_length=200)
    held_on = forms.DateField(label="日期", widget=DATE)
    place = forms.CharField(label="地点", max_length=100, required=False)
    summary = forms.CharField(
        label="情况记录", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    files = MultipleFileField()


class InterviewForm(ActivityForm):
    interviewee = forms.CharField(label="谈话对象", max_length=50)
    interviewee_position = forms.CharField(label="职务", max_length=100, required=False)
    interviewee_category = forms.ChoiceField(
        label="谈话对象类别", choices=Activity.IntervieweeCategory.choices
    )
    interviewer_id = forms.TypedChoiceField(label="主谈人", coerce=int, choices=[])
    recorder_id = forms.TypedChoiceField(label="记录人", coerce=int, choices=[])
    outline = forms.CharField(
        label="谈话提纲", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    field_order = [
        "title",
        "held_on",
        "place",
        "interviewee",
        "interviewee_position",
        "interviewee_category",
        "interviewer_id",
        "recorder_id",
        "outline",
        "summary",
        "files",
    ]

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = team_choices(inspection)
        self.fields["interviewer_id"].choices = choices
        self.fields["recorder_id"].choices = choices
        self.fields["summary"].label = "谈话记录"


class DocumentReviewForm(ActivityForm):
    requested_on = forms.DateField(label="调阅日期", widget=DATE, required=False)
    received_on = forms.DateField(label="收到日期", widget=DATE, required=False)
    returned_on = forms.DateField(label="退还日期", widget=DATE, required=False)


class IntakeForm(ActivityForm):
    submission_ids = forms.CharField(
        label="关联来信来访编号",
        required=False,
        help_text="来信来访登记簿中的编号，多个用逗号分隔。",
    )

    def clean_submission_ids(self):
        raw = self.cleaned_data["submission_ids"].replace("，", ",")
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError("编号须为数字，多个用逗号分隔。") from None


class SurveyForm(StyledForm):
    title = forms.CharField(label="问卷名称", max_length=200)
    held_on = forms.DateField(label="发放日期", widget=DATE)
    closes_on = forms.DateField(label="截止日期", widget=DATE, required=False)
    intro = forms.CharField(
        label="填写说明", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    likert = forms.CharField(
        label="评价题（五级）",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="每行一题，答题人选择 1（很不满意）至 5（很满意）。",
    )
    text = forms.CharField(
        label="文字意见题",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="每行一题。",
    )

    def questions(self):
        out = [
            (SurveyQuestion.Kind.LIKERT, line) for line in self.cleaned_data["likert"].splitlines()
        ]
        out += [(SurveyQuestion.Kind.TEXT, line) for line in self.cleaned_data["text"].splitlines()]
        return out


def category_choices():
    version = TaxonomyVersion.objects.filter(active=True).first()
    rows = TaxonomyCategory.objects.filter(version=version, is_active=True).select_related("parent")
    groups: dict[str, list] = {}
    for c in rows:
        if c.level == 2:
            groups.setdefault(str(c.parent), []).append((c.code, f"{c.code} {c.name}"))
    return [("", "—"), *list(groups.items())]


class ProblemForm(StyledForm):
    title = forms.CharField(label="问题概述", max_length=200)
    description = forms.CharField(
        label="具体表现", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    category_code = forms.CharField(label="监督内容分类", widget=forms.Select)
    theme_code = forms.ChoiceField(label="专项主题", required=False, choices=[])
    unit_id = forms.TypedChoiceField(label="问题单位", coerce=int, choices=[])
    discipline = forms.ChoiceField(
        label="违反纪律类型", required=False, choices=[("", "—"), *Problem.Discipline.choices]
    )
    nature = forms.ChoiceField(
        label="问题性质", required=False, choices=[("", "—"), *Problem.Nature.choices]
    )
    severity = forms.ChoiceField(label="严重程度", choices=Problem.Severity.choices)
    responsible_posts = forms.CharField(label="责任岗位", max_length=200, required=False)

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The code is validated by the service (a code that does not exist → Chinese error).
        self.fields["category_code"].widget.choices = category_choices()
        themes = inspection.round.taxonomy_themes.all()
        self.fields["theme_code"].choices = [("", "—")] + [(t.code, str(t)) for t in themes]
        units = list(inspection.units.all())
        self.fields["unit_id"].choices = [(u.pk, u.name) for u in units]
        _wording_suggestions(self.fields["title"])


def _wording_suggestions(field):
    """Standard phrasing (巡察话语) offered under the title as the user types (htmx)."""
    from django.apps import apps
    from django.urls import reverse

    if not apps.is_installed("xuncha.analytics"):
        return
    field.widget.attrs.update(
        {
            "hx-get": reverse("analytics:wording"),
            "hx-trigger": "keyup changed delay:500ms, load",
            "hx-target": "#wording-suggest",
            "hx-include": "[name=category_code]",
        }
    )
    field.help_text = '<div id="wording-suggest"></div>'


class PaperForm(StyledForm):
    title = forms.CharField(label="底稿标题", max_length=200)
    facts = forms.CharField(
        label="事实摘要", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    evidence = forms.CharField(
        label="证据清单",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="每行一项",
    )
    policy_basis = forms.CharField(
        label="定性依据", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    source_ids = forms.TypedMultipleChoiceField(
        label="来源（了解情况记录）", coerce=int, required=False, choices=[]
    )
    source_submission_ids = forms.CharField(
        label="来源来信来访编号", required=False, help_text="多个用逗号分隔"
    )
    files = MultipleFileField(label="证据附件")

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        acts = Activity.objects.filter(inspection=inspection).order_by("-held_on", "-pk")[:300]
        self.fields["source_ids"].choices = [
            (a.pk, f"{a.held_on} {a.get_kind_display()}：{a.title}") for a in acts
        ]
        self.fields["source_ids"].widget.attrs["size"] = 8

    def clean_source_submission_ids(self):
        raw = self.cleaned_data["source_submission_ids"].replace("，", ",")
        try:
            return [int(x) for x in raw.split(",") if x.strip()]
        except ValueError:
            raise forms.ValidationError("编号须为数字，多个用逗号分隔。") from None


class CommentForm(StyledForm):
    comment = forms.CharField(
        label="意见", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class LetterForm(StyledForm):
    recipient = forms.ChoiceField(label="函询对象", choices=PreInspectionLetter.Recipient.choices)
    recipient_name = forms.CharField(label="单位名称", max_length=100, required=False)
    subject = forms.CharField(label="函询事项", max_length=200)
    sent_on = forms.DateField(label="发函日期", widget=DATE)
    due_on = forms.DateField(
        label="回复期限", widget=DATE, required=False, help_text="留空按本机构设置的工作日计算"
    )
    files = MultipleFileField(label="函件")


class LetterReplyForm(StyledForm):
    reply_on = forms.DateField(label="回复日期", widget=DATE)
    reply_text = forms.CharField(label="回复内容", widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField(label="回复函件")


class DocumentRequestForm(StyledForm):
    title = forms.CharField(label="资料名称", max_length=200)
    detail = forms.CharField(
        label="具体要求", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    requested_on = forms.DateField(label="提出日期", widget=DATE)
    due_on = forms.DateField(label="提供期限", widget=DATE, required=False)


class DocumentRequestMarkForm(StyledForm):
    state = forms.ChoiceField(label="状态", choices=DocumentRequest.State.choices)


class ReviewForm(StyledForm):
    body = forms.ChoiceField(label="审议机构", choices=LeadingGroupReview.Body.choices)
    held_on = forms.DateField(label="会议日期", widget=DATE)
    decision = forms.CharField(label="审议意见", widget=forms.Textarea(attrs={"rows": 5}))


class NoProblemsForm(StyledForm):
    note = forms.CharField(
        label="未发现问题说明", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class FixNoticeForm(StyledForm):
    title = forms.CharField(label="事项", max_length=200)
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 4}))
    unit_id = forms.TypedChoiceField(label="责任单位", coerce=int, choices=[])
    deadline = forms.DateField(
        label="整改期限", widget=DATE, required=False, help_text="留空按默认工作日计算"
    )

    def __init__(self, *args, inspection=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit_id"].choices = [(u.pk, u.name) for u in inspection.units.all()]


class FixReplyForm(StyledForm):
    reply = forms.CharField(label="书面回复", widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label="佐证材料")


class WithdrawForm(StyledForm):
    reason = forms.CharField(label="撤销理由", widget=forms.Textarea(attrs={"rows": 3}))


class ThemeForm(StyledForm):
    name = forms.CharField(label="专项主题", max_length=100, help_text="如：安全生产、营商环境")
    code = forms.CharField(
        label="代码", max_length=16, required=False, help_text="留空自动编号（F1-01…）"
    )


class SurveyQuestionForm(StyledForm):
    kind = forms.ChoiceField(label="题型", choices=SurveyQuestion.Kind.choices)
    text = forms.CharField(label="题目", max_length=300)


class FieldworkSettingsForm(StyledForm):
    cutoff_before_end = forms.IntegerField(label="受理截止日早于结束日（工作日）")
    report_after_end = forms.IntegerField(label="结束后报送巡察报告期限（工作日）")
    feedback_after_review = forms.IntegerField(label="审议后反馈期限（工作日）")
    letter_reply_days = forms.IntegerField(label="巡前函询回复期限（工作日）")
    fix_notice_days = forms.IntegerField(label="立行立改默认期限（工作日）")
    early_stationing_days = forms.IntegerField(
        label="提前进驻须说明理由（早于进驻日期超过几个工作日）"
    )


class TaxonomyVersionForm(StyledForm):
    code = forms.CharField(label="版本代码", max_length=20, help_text="如 2026")
    name = forms.CharField(label="版本名称", max_length=100)


class TaxonomyCategoryForm(StyledForm):
    parent_code = forms.CharField(
        label="所属一级分类代码", max_length=10, required=False, help_text="留空则新增一级分类"
    )
    code = forms.CharField(label="分类代码", max_length=10)
    name = forms.CharField(label="分类名称", max_length=200)


class TaxonomyRenameForm(StyledForm):
    name = forms.CharField(label="分类名称", max_length=200)


class InspectionListFilter(PageFilterForm):
    """The inspection list's filters (a saved view is checked against them)."""

    stage = choice("阶段", Inspection.Stage.choices, "阶段")
