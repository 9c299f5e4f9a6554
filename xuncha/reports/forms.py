from django import forms
from django.utils.translation import gettext_lazy as _

from xuncha.reports.models import ReportDraft


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("文书类型"), choices=ReportDraft.Kind.choices)
    unit = forms.ModelChoiceField(
        label=_("被反馈单位"),
        queryset=None,
        required=False,
        empty_label=_("全部被巡察单位（每个单位一份）"),
        help_text=_("反馈意见按被巡察党组织分别出具，只列该单位的问题"),
    )
    recipient = forms.CharField(label=_("主送"), max_length=200, required=False)
    topic = forms.CharField(
        label=_("分类代码"),
        max_length=20,
        required=False,
        help_text=_("专题报告/建议书涉及的监督内容分类代码，如 B4；留空为全部问题"),
    )

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = inspection.units.order_by("pk")


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(
        label=_("送达日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    delivered_by = forms.CharField(
        label=_("送达人"), max_length=100, help_text=_("如巡察组组长姓名")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control form-control-sm")


class DraftForm(forms.ModelForm):
    class Meta:
        model = ReportDraft
        fields = ["title", "recipient", "doc_number", "secrecy", "issuer", "doc_date", "cc"]
        widgets = {"doc_date": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            f.widget.attrs.setdefault("class", "form-control")


class ImportForm(forms.Form):
    package = forms.FileField(label=_("离线数据包"), help_text=_("由离线机导出的 .xcfk 文件"))
