"""Forms of the 进驻准备 pages: field validation only; the rules live in `prep.py`."""

from django import forms

from xuncha.inspections.forms import StyledForm

# ISO value so a date input shows its initial value (today) whatever the locale's format.
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

TEXT = {"rows": 3}


class WorkPlanForm(StyledForm):
    targets = forms.CharField(label="巡察对象", widget=forms.Textarea(attrs=TEXT))
    focus = forms.CharField(label="巡察重点", widget=forms.Textarea(attrs={"rows": 4}))
    division = forms.CharField(label="组织分工（任务分工）", widget=forms.Textarea(attrs=TEXT))
    schedule = forms.CharField(label="时间安排", widget=forms.Textarea(attrs=TEXT))
    channels = forms.CharField(label="信访受理渠道", widget=forms.Textarea(attrs=TEXT))
    mobilisation_on = forms.DateField(label="进驻动员会日期", widget=DATE, required=False)


class ApproveForm(StyledForm):
    approved_on = forms.DateField(label="批准日期", widget=DATE)


class ReturnForm(StyledForm):
    reason = forms.CharField(label="退回理由", widget=forms.Textarea(attrs=TEXT))


class SecretaryForm(StyledForm):
    secretary_name = forms.CharField(label="审批书记", max_length=50)
    approved_on = forms.DateField(label="书记审批日期", widget=DATE)


class PledgeForm(StyledForm):
    signature = forms.CharField(label="签名（填写本人姓名）", max_length=50, required=False)
    signed_on = forms.DateField(label="签署日期", widget=DATE, required=False)


class DecideForm(StyledForm):
    grant = forms.TypedChoiceField(
        label="决定",
        choices=[("1", "同意更换"), ("0", "不予更换")],
        coerce=lambda v: v == "1",
    )
    decision = forms.CharField(label="决定意见", widget=forms.Textarea(attrs=TEXT))


class ReplacementForm(StyledForm):
    member = forms.TypedChoiceField(label="申请更换的成员", coerce=int)
    reason = forms.CharField(label="申请理由", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = [
            (m.pk, f"{m.inspector.name}（{m.get_role_display()}）") for m in members
        ]


class BranchForm(StyledForm):
    name = forms.CharField(label="支部名称", max_length=80)
    secretary = forms.TypedChoiceField(label="支部书记（一般由组长担任）", coerce=int)
    established_on = forms.DateField(label="成立日期", widget=DATE)
    approval_number = forms.CharField(label="批复文号", max_length=60, required=False)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["secretary"].choices = [
            (m.pk, f"{m.inspector.name}（{m.get_role_display()}）") for m in members
        ]
