"""Forms of the feedback delivery records (shape only; the rules are in `delivery`)."""

from django import forms
from django.utils.translation import gettext_lazy as _

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control form-control-sm")


class FeedbackMeetingForm(_Styled):
    held_on = forms.DateField(label=_("反馈会日期"), widget=DATE)
    place = forms.CharField(label=_("地点"), max_length=100, required=False)
    attendees = forms.CharField(
        label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    delivered_by = forms.CharField(label=_("反馈人"), max_length=100, help_text=_("如巡察组组长"))


class LeaderFeedbackForm(_Styled):
    held_on = forms.DateField(label=_("反馈日期"), widget=DATE)
    leader_name = forms.CharField(label=_("主要负责人"), max_length=100)
    delivered_by = forms.CharField(label=_("反馈人"), max_length=100)
    notes = forms.CharField(
        label=_("反馈情况"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )


class ReceiptForm(_Styled):
    signed_on = forms.DateField(label=_("签收日期"), widget=DATE)
    signed_by = forms.CharField(label=_("签收人"), max_length=100)
    file = forms.FileField(
        label=_("签收回执扫描件"), help_text=_("单位主要负责人签字并加盖公章的回执，PDF 或图片")
    )
