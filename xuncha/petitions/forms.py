from django import forms

from xuncha.petitions.models import Announcement, Submission
from xuncha.savedviews.forms import PageFilterForm, choice, flag

_DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = [
            "title",
            "team_name",
            "units_text",
            "period_start",
            "period_end",
            "scope",
            "not_accepted",
            "phone",
            "hours",
            "postal_box",
            "email",
            "online",
            "cutoff",
            "elsewhere",
            "body",
        ]
        widgets = {
            "period_start": _DATE,
            "period_end": _DATE,
            "cutoff": _DATE,
            "scope": forms.Textarea(attrs={"rows": 4}),
            "not_accepted": forms.Textarea(attrs={"rows": 2}),
            "body": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name != "online":
                field.widget.attrs.setdefault("class", "form-control")
        # One rule, one source: the cut-off follows the office's setting (see
        # services.rule_cutoff), shown here for reference and never taken from the post.
        cutoff = self.fields["cutoff"]
        cutoff.disabled, cutoff.required = True, False
        cutoff.help_text = (
            "按本机构“受理截止日早于结束日（工作日）”设置自动计算，与巡察工作台一致。"
        )


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EntryForm(forms.Form):
    """A letter, call or visit entered by staff."""

    channel = forms.ChoiceField(
        label="渠道",
        choices=[c for c in Submission.Channel.choices if c[0] != "online"],
    )
    inspection = forms.ModelChoiceField(label="巡察", queryset=None, required=False)
    received_on = forms.DateField(label="收到日期", widget=_DATE)
    kind = forms.ChoiceField(label="类别", choices=Submission.Kind.choices)
    category = forms.ChoiceField(label="反映问题类型", choices=Submission.Category.choices)
    unit = forms.CharField(label="被反映单位", required=False, max_length=200)
    people = forms.CharField(label="被反映人及职务", required=False, max_length=500)
    text = forms.CharField(label="反映的主要问题", widget=forms.Textarea(attrs={"rows": 6}))
    name = forms.CharField(label="反映人姓名（实名时填写）", required=False, max_length=50)
    contact = forms.CharField(label="联系方式", required=False, max_length=100)
    files = forms.FileField(
        label="附件",
        required=False,
        widget=MultiFileInput(),
    )

    def __init__(self, *args, inspections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspection"].queryset = inspections
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            )


class RegisterFilter(PageFilterForm):
    """The register's filters (a saved view is checked against them)."""

    state = choice("状态", Submission.State.choices, "状态")
    channel = choice("渠道", Submission.Channel.choices, "渠道")
    inspection = forms.IntegerField(
        label="巡察", required=False, error_messages={"invalid": "巡察编号应为数字。"}
    )
    overdue = flag("逾期")
    tab = choice("分页签", [("received", "待受理"), ("spam", "疑似垃圾")], "分页签")
    spam = choice("疑似垃圾", [("0", "否"), ("1", "是")], "取值")

    def clean_inspection(self):
        from xuncha.org import access
        from xuncha.plans.models import Inspection

        pk = self.cleaned_data["inspection"]
        if pk is not None and not (
            access.visible(Inspection.objects.all(), self.user).filter(pk=pk).exists()
        ):
            raise forms.ValidationError("所选巡察不存在或您无权查看。")
        return pk
