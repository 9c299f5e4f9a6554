"""Forms of the rules library pages."""

from django import forms

from xuncha.library.models import Rule
from xuncha.org import access


def styled(form):
    """Bootstrap classes on every widget (selects and inputs)."""
    for field in form.fields.values():
        widget = field.widget
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件", help_text="Word（.docx）、带文字层的 PDF 或纯文本（.txt），不超过 20 MB"
    )
    office = forms.ModelChoiceField(label="所属巡察机构", queryset=None, required=False)
    title = forms.CharField(
        label="名称", max_length=200, required=False, help_text="留空则取文件首行"
    )
    issuer = forms.CharField(label="制定机关", max_length=120, required=False)
    doc_number = forms.CharField(label="文号", max_length=80, required=False)
    issued_on = forms.DateField(
        label="印发日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label="效力状态", choices=Rule.Status.choices, required=False)
    superseded_by = forms.ModelChoiceField(label="替代规定", queryset=None, required=False)

    def __init__(self, *args, user, rule=None, offices=(), **kwargs):
        super().__init__(*args, **kwargs)
        from xuncha.org.models import Office

        self.rule = rule
        self.fields["office"].queryset = Office.objects.filter(pk__in=[o.pk for o in offices])
        if len(offices) == 1:
            self.fields["office"].initial = offices[0].pk
        self.fields["superseded_by"].queryset = access.visible(Rule.objects.all(), user)
        if rule is not None:
            for name in ("office", "title", "status", "superseded_by"):
                del self.fields[name]
        styled(self)

    def clean(self):
        data = super().clean()
        if self.rule is None and not data.get("office"):
            self.add_error("office", "请选择所属巡察机构。")
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="效力状态", choices=Rule.Status.choices)
    superseded_by = forms.ModelChoiceField(label="替代规定", queryset=None, required=False)

    def __init__(self, *args, rule, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].initial = rule.status
        self.fields["superseded_by"].initial = rule.superseded_by_id
        self.fields["superseded_by"].queryset = access.visible(Rule.objects.all(), user).exclude(
            pk=rule.pk
        )
        styled(self)


class CaseForm(forms.Form):
    title = forms.CharField(label="案例名称", max_length=200)
    summary = forms.CharField(label="案情及处理", widget=forms.Textarea(attrs={"rows": 4}))
    lesson = forms.CharField(
        label="警示意义", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        styled(self)
