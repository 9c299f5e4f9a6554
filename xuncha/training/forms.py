from django import forms

from xuncha.training.models import Appraisal

DATE = {"type": "date", "class": "form-control"}
TEXT = {"class": "form-control"}


class TrainingForm(forms.Form):
    inspector = forms.ModelChoiceField(
        label="巡察干部", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    course = forms.CharField(label="培训课程", max_length=120, widget=forms.TextInput(TEXT))
    organiser = forms.CharField(label="主办单位", max_length=100, widget=forms.TextInput(TEXT))
    start = forms.DateField(label="开始日期", widget=forms.DateInput(DATE))
    end = forms.DateField(label="结束日期", widget=forms.DateInput(DATE))
    hours = forms.DecimalField(
        label="学时",
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput({"class": "form-control", "step": "0.5"}),
    )
    certificate = forms.FileField(
        label="结业证书（可选）",
        required=False,
        help_text="PDF、OFD 或图片（JPG/PNG/WEBP）",
        widget=forms.ClearableFileInput(TEXT),
    )

    def __init__(self, *args, inspectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors


class AppraisalForm(forms.Form):
    """The rating, one score per active indicator (score_<id>), comments; a reason to correct."""

    rating = forms.ChoiceField(
        label="考核等次", choices=Appraisal.Rating.choices, widget=forms.RadioSelect
    )
    comments = forms.CharField(
        label="评语",
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, indicators, correcting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[f"score_{indicator.pk}"] = forms.IntegerField(
                label=f"{indicator.name}（满分{indicator.max_score}）",
                min_value=0,
                max_value=indicator.max_score,
                widget=forms.NumberInput({"class": "form-control", "style": "max-width:8rem"}),
            )
        if correcting:
            self.fields["reason"] = forms.CharField(
                label="更正理由",
                max_length=2000,
                widget=forms.Textarea({"rows": 2, "class": "form-control"}),
            )

    def score_fields(self):
        return [self[f"score_{i.pk}"] for i in self.indicators]

    def scores(self) -> dict:
        return {i.pk: self.cleaned_data[f"score_{i.pk}"] for i in self.indicators}


class SettingsForm(forms.Form):
    show_own = forms.BooleanField(label="允许巡察干部本人查看自己已定档的考核结果", required=False)
    indicators = forms.CharField(
        label="考核指标（每行一项：指标名称 满分）",
        widget=forms.Textarea({"rows": 7, "class": "form-control"}),
    )
