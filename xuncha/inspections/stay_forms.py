"""Forms of the stay records and the review chain (validation of shape only; rules in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from xuncha.inspections.models import LeadingGroupReview
from xuncha.inspections.stay_models import ResultDecision
from xuncha.plans.models import Inspection

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            css = (
                "form-check-input" if isinstance(f.widget, forms.CheckboxInput) else "form-control"
            )
            if isinstance(f.widget, forms.Select):
                css = "form-select"
            if isinstance(f.widget, forms.CheckboxSelectMultiple):
                continue
            f.widget.attrs.setdefault("class", css)


class MobilisationForm(_Styled):
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.CharField(
        label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    speech = forms.CharField(
        label=_("动员讲话要点"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    announcement_id = forms.TypedChoiceField(
        label=_("会上公布的巡察公告"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, announcements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["announcement_id"].choices = [(pk, t) for pk, t in announcements] or [
            ("", "（本次巡察无已发布公告）")
        ]


class TeamMeetingForm(_Styled):
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    topic = forms.CharField(label=_("议题"), max_length=200)
    attendees = forms.CharField(
        label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    resolutions = forms.CharField(
        label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10000
    )
    assignments = forms.CharField(
        label=_("任务分工"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        required=False,
    )


class ImportantReportForm(_Styled):
    title = forms.CharField(label=_("标题（关于……的重要情况报告）"), max_length=200)
    reported_on = forms.DateField(label=_("报告日期"), widget=DATE)
    doc_number = forms.CharField(label=_("文号"), max_length=60, required=False)
    situation = forms.CharField(
        label=_("情况内容"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000
    )
    proposal = forms.CharField(
        label=_("处理建议"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        required=False,
    )


class ReceiveForm(_Styled):
    note = forms.CharField(label=_("签收意见"), max_length=300, required=False)


class WeeklyReportForm(_Styled):
    week_start = forms.DateField(label=_("本周起始日"), widget=DATE)
    progress = forms.CharField(
        label=_("工作进展"), widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    next_plan = forms.CharField(
        label=_("下周安排"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10000,
        required=False,
    )


class ReviewDecisionForm(_Styled):
    """A review and, per problem of the report, the chosen uses (checkbox fields dec_<pk>)."""

    body = forms.ChoiceField(label=_("会议"), choices=LeadingGroupReview.Body.choices)
    held_on = forms.DateField(label=_("会议日期"), widget=DATE)
    decision = forms.CharField(
        label=_("审议意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=10000
    )

    def __init__(self, *args, problems=(), initial_kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.problems = list(problems)
        for p in self.problems:
            self.fields[f"dec_{p.pk}"] = forms.MultipleChoiceField(
                label=f"{p.number} {p.title}（{p.unit.name}）",
                choices=ResultDecision.Kind.choices,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                required=False,
                initial=(initial_kinds or {}).get(p.pk, []),
            )

    def decisions(self) -> dict[int, list[str]]:
        return {p.pk: self.cleaned_data.get(f"dec_{p.pk}") or [] for p in self.problems}


class ReviewSettingsForm(forms.Form):
    leading_group_kinds = forms.MultipleChoiceField(
        label=_("须经巡察工作领导小组会议审议的巡察类型"),
        choices=Inspection.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    secretary_kinds = forms.MultipleChoiceField(
        label=_("须经书记专题会审议的巡察类型"),
        choices=Inspection.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
