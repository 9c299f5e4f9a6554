from django import forms
from django.utils.translation import gettext_lazy as _

from xuncha.reports.models import ReportDraft


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=_("文书类型"), choices=ReportDraft.Kind.choices)
    recipient = forms.CharField(label=_("主送"), max_length=200, required=False)
    topic = forms.CharField(
        label=_("分类代码"),
        max_length=20,
        required=False,
        help_text=_("专题报告/建议书涉及的监督内容分类代码，如 B4；留空为全部问题"),
    )


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
