from django import forms

from xuncha.archive.models import DisposalDecision

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"})
TEXT = {"class": "form-control form-control-sm"}


class MaterialForm(forms.Form):
    title = forms.CharField(label="材料名称", max_length=200, widget=forms.TextInput(TEXT))
    unit = forms.ModelChoiceField(
        label="提供单位",
        queryset=None,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    copies = forms.IntegerField(
        label="份数", min_value=1, max_value=9999, initial=1, widget=forms.NumberInput(TEXT)
    )
    borrowed_on = forms.DateField(label="调阅日期", widget=DATE)
    handler = forms.CharField(label="经手人", max_length=50, widget=forms.TextInput(TEXT))
    note = forms.CharField(
        label="备注", max_length=200, required=False, widget=forms.TextInput(TEXT)
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ClearForm(forms.Form):
    how = forms.ChoiceField(
        label="清退方式",
        choices=[("returned", "退还单位"), ("destroyed", "销毁")],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    cleared_on = forms.DateField(label="清退日期", widget=DATE)
    note = forms.CharField(label="接收人/监销人", max_length=200, widget=forms.TextInput(TEXT))


class DisposalForm(forms.Form):
    decision = forms.ChoiceField(
        label="处置决定",
        choices=DisposalDecision.Decision.choices,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    extend_years = forms.TypedChoiceField(
        label="延长年限",
        choices=[("", "—"), (10, "10年"), (30, "30年")],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    reason = forms.CharField(
        label="理由", max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class SubmissionRetentionForm(forms.Form):
    years = forms.IntegerField(
        label="保管年限（年）",
        widget=forms.NumberInput({**TEXT, "min": 1, "max": 50}),
        error_messages={"required": "请填写保管年限。", "invalid": "保管年限应为整数（年）。"},
    )


class SubmissionDisposalForm(forms.Form):
    reason = forms.CharField(
        label="销毁理由",
        max_length=2000,
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        error_messages={"required": "请填写处置理由。"},
    )
