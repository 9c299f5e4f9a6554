from django import forms

from xuncha.clues.models import Clue, Handover
from xuncha.rectification.forms import BootstrapForm
from xuncha.savedviews.forms import PageFilterForm, choice, flag


class ClueForm(BootstrapForm):
    inspection = forms.ModelChoiceField(label="巡察", queryset=None)
    unit = forms.ModelChoiceField(label="涉及单位", queryset=None)
    source = forms.ChoiceField(label="来源", choices=Clue.Source.choices)
    problem = forms.ModelChoiceField(label="来源问题", queryset=None, required=False)
    submission = forms.ModelChoiceField(
        label="来源信访件",
        queryset=None,
        required=False,
        help_text="仅列出您有权查看的本次巡察信访件（只显示编号、日期、类型和状态）",
        error_messages={"invalid_choice": "来源信访件不存在、不属于本次巡察或您无权查看。"},
    )
    people_concerned = forms.CharField(
        label="反映对象",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="姓名、单位、职务，每行一人",
    )
    facts = forms.CharField(label="主要问题线索", widget=forms.Textarea(attrs={"rows": 5}))
    proposed_handling = forms.ChoiceField(label="拟处理意见", choices=Clue.Handling.choices)

    def __init__(self, *args, inspections, units, problems, submissions, **kwargs):
        from xuncha.clues.services import submission_summary

        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["unit"].queryset = units
        self.fields["problem"].queryset = problems
        self.fields["submission"].queryset = submissions
        self.fields["submission"].label_from_instance = submission_summary


class EvidenceForm(BootstrapForm):
    title = forms.CharField(label="证据名称", max_length=120)
    extract = forms.CharField(
        label="证据摘录", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    file = forms.FileField(label="证据文件", required=False)


class HandoverForm(BootstrapForm):
    inspection = forms.ModelChoiceField(label="巡察", queryset=None)
    recipient = forms.ModelChoiceField(label="接收单位", queryset=None)
    kind = forms.ChoiceField(label="移交类型", choices=Handover.Kind.choices)
    subject = forms.CharField(label="事由", max_length=200)
    clues = forms.ModelMultipleChoiceField(label="问题线索", queryset=None, required=False)
    problems = forms.ModelMultipleChoiceField(label="问题", queryset=None, required=False)
    evidence = forms.ModelMultipleChoiceField(
        label="随附证据摘录（仅所选内容对接收单位可见）", queryset=None, required=False
    )
    letter_body = forms.CharField(
        label="移交函正文", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, inspections, recipients, clues, problems, evidence, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        self.fields["recipient"].queryset = recipients
        self.fields["clues"].queryset = clues
        self.fields["problems"].queryset = problems
        self.fields["evidence"].queryset = evidence
        self.fields["evidence"].label_from_instance = lambda e: f"{e.clue.number} · {e.title}"


class OutcomeForm(BootstrapForm):
    outcome = forms.ChoiceField(label="处置方式", choices=Handover.Outcome.choices)
    note = forms.CharField(label="办理结果", widget=forms.Textarea(attrs={"rows": 3}))
    people_disciplined = forms.IntegerField(label="处理人数", min_value=0, initial=0)
    money_recovered = forms.DecimalField(
        label="挽回(追缴)经济损失(万元)", min_value=0, initial=0, decimal_places=2
    )


class AuditFindingForm(BootstrapForm):
    title = forms.CharField(label="审计发现", max_length=200)
    facts = forms.CharField(
        label="具体情况", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    report_number = forms.CharField(label="审计报告(意见)文号", max_length=60, required=False)
    amount = forms.DecimalField(
        label="涉及金额(万元)", min_value=0, initial=0, decimal_places=2, max_digits=14
    )
    problems = forms.ModelMultipleChoiceField(
        label="关联问题（本次移交的问题）",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["problems"].queryset = problems
        self.fields["problems"].label_from_instance = lambda p: f"{p.number} {p.title}"


class HandoverListFilter(PageFilterForm):
    """The handover list's filters (a saved view is checked against them)."""

    state = choice("状态", Handover.State.choices, "状态")
    outcome = choice("办理结果", Handover.Outcome.choices, "办理结果")
    overdue = flag("逾期未反馈")
