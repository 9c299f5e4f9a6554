from django import forms

from xuncha.rectification import deadlines
from xuncha.rectification.models import (
    Measure,
    PlanOpinion,
    RectificationPlan,
    Report,
    TeamRating,
    Verification,
)
from xuncha.savedviews.forms import PageFilterForm, choice

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


def _bootstrap(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
    return form


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class PlanOpenForm(BootstrapForm):
    inspection = forms.ModelChoiceField(label="巡察", queryset=None)
    unit = forms.ModelChoiceField(
        label="被巡察单位",
        queryset=None,
        help_text="须已向该单位送达反馈意见；整改自送达之日起计，期限按本机构整改工作设置（工作日）",
    )
    main_leader = forms.CharField(label="主要负责人", max_length=50, required=False)

    def __init__(self, *args, inspections, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["unit"].queryset = units


class PlanEditForm(BootstrapForm):
    main_leader = forms.CharField(label="主要负责人", max_length=50, required=False)
    summary = forms.CharField(
        label="整改工作总体安排", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


class MeasureForm(BootstrapForm):
    content = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}))
    responsible_leader = forms.CharField(label="责任领导", max_length=50)
    lead_department = forms.CharField(label="牵头部门", max_length=80)
    responsible_person = forms.CharField(label="责任人", max_length=50)
    deadline = forms.DateField(
        label="完成时限", widget=DATE, help_text="须为工作日，且不早于反馈日期"
    )
    expected_outcome = forms.CharField(
        label="预期成效", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    long_term = forms.BooleanField(label="长期坚持", required=False)


class ProgressForm(BootstrapForm):
    text = forms.CharField(
        label="整改进展",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写整改进展（做了什么、完成到什么程度）。"},
    )
    files = forms.FileField(label="佐证材料", required=False)
    request_verification = forms.BooleanField(label="整改已完成，申请核验销号", required=False)


class VerifyForm(BootstrapForm):
    decision = forms.ChoiceField(
        label="核验结论",
        choices=[("", "请选择…"), *Verification.Decision.choices],
        error_messages={"required": "请选择核验结论。", "invalid_choice": "请选择核验结论。"},
    )
    reason = forms.CharField(
        label="核验意见",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写核验意见。"},
    )


class OpinionForm(BootstrapForm):
    decision = forms.ChoiceField(label="会审意见", choices=PlanOpinion.Decision.choices)
    comment = forms.CharField(
        label="意见", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ReportForm(BootstrapForm):
    kind = forms.ChoiceField(label="报告类型", choices=Report.Kind.choices)
    text = forms.CharField(label="报告内容", widget=forms.Textarea(attrs={"rows": 8}))


class SupervisionForm(BootstrapForm):
    measures = forms.ModelMultipleChoiceField(label="督办事项", queryset=Measure.objects.none())
    requirement = forms.CharField(label="督办要求", widget=forms.Textarea(attrs={"rows": 3}))
    reply_by = forms.DateField(label="回复期限", widget=DATE)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measures"].queryset = plan.measures.exclude(state=Measure.State.CLOSED)
        self.fields["measures"].label_from_instance = lambda m: (
            f"{m.problem.number} {m.content[:40]}（{m.deadline:%Y-%m-%d}）"
        )


class TeamRatingForm(BootstrapForm):
    discipline = forms.ChoiceField(label="遵守纪律", choices=TeamRating.Level.choices)
    professionalism = forms.ChoiceField(label="工作作风", choices=TeamRating.Level.choices)
    integrity = forms.ChoiceField(label="廉洁自律", choices=TeamRating.Level.choices)
    comment = forms.CharField(
        label="意见建议", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ImportForm(BootstrapForm):
    file = forms.FileField(label="整改台账 (.xlsx)")


ACCOUNT_OUT_OF_SCOPE = "所选账号不属于本单位或已停用，不能指定为责任人账号。"


class ResponsibleAccountForm(BootstrapForm):
    responsible_user = forms.ModelChoiceField(
        label="责任人账号",
        queryset=None,
        required=False,
        empty_label="（不指定：提醒发给本单位联络员）",
        help_text="只能选择本单位的账号；临近期限的提醒将发给该账号。",
        error_messages={"invalid_choice": ACCOUNT_OUT_OF_SCOPE},
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = accounts
        self.fields["responsible_user"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.username}）"
        )


class ConfigForm(forms.ModelForm):
    """整改工作设置; the limits and cross-field rules are the service's (rectification.config)."""

    class Meta:
        from xuncha.rectification.models import RectificationConfig

        model = RectificationConfig
        fields = [
            "plan_due_working_days",
            "report_due_working_days",
            "handover_due_months",
            "yellow_days",
            "red_days",
            "report_reminder_days",
            "disclosure_due_working_days",
            "internal_approver",
            "public_approver",
            "co_reviewers",
        ]

    def __init__(self, *args, co_reviewer_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["co_reviewers"].queryset = co_reviewer_choices
        self.fields["co_reviewers"].required = False
        _bootstrap(self)


class OverviewFilter(PageFilterForm):
    """The overview's filters (a saved view is checked against them)."""

    unit = forms.IntegerField(
        label="单位", required=False, error_messages={"invalid": "单位编号应为数字。"}
    )
    state = choice("状态", Measure.State.choices, "状态")
    light = choice(
        "红黄绿灯",
        [(k, deadlines.LIGHT_LABELS[k]) for k in [*deadlines.LIGHTS, deadlines.CLOSED]],
        "灯色",
    )
    q = forms.CharField(label="关键词", required=False, max_length=100)

    def clean_unit(self):
        from xuncha.org import access
        from xuncha.org.models import Unit

        pk = self.cleaned_data["unit"]
        if (
            pk is not None
            and not access.visible(Unit.objects.all(), self.user).filter(pk=pk).exists()
        ):
            raise forms.ValidationError("所选单位不存在或您无权查看。")
        return pk


class PlanListFilter(PageFilterForm):
    state = choice("状态", RectificationPlan.State.choices, "状态")
