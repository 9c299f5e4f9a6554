from django import forms

from xuncha.plans.models import (
    EmploymentRecord,
    Inspection,
    Inspector,
    InspectorRelation,
    PlanSettings,
    SuperiorTie,
)

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"})


class PlanForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    summary = forms.CharField(
        label="计划说明", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class TermForm(forms.Form):
    name = forms.CharField(label="届次名称", max_length=60)
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)


class RoundForm(forms.Form):
    start = forms.DateField(label="开始日期", widget=DATE)
    end = forms.DateField(label="结束日期", widget=DATE)
    name = forms.CharField(label="轮次说明", required=False, max_length=100)
    reason = forms.CharField(label="调整理由（计划已批准时必填）", required=False)


class AssignForm(forms.Form):
    kind = forms.ChoiceField(label="巡察类型", choices=Inspection.Kind.choices)
    units = forms.ModelMultipleChoiceField(label="被巡察单位", queryset=None)
    theme = forms.CharField(label="专项主题", required=False, max_length=100)
    revisits = forms.ModelChoiceField(label="回头看对象", queryset=None, required=False)
    team_office = forms.ModelChoiceField(
        label="交叉巡察组来源（县/区）",
        queryset=None,
        required=False,
        empty_label="（非交叉巡察不选）",
        help_text="交叉巡察：由所选县(区)巡察办的干部组成巡察组，巡察另一县(区)的单位；"
        "提级巡察由本机构组建巡察组，巡察下级管理的单位。两者均计入被巡察单位所在县(区)的届内覆盖。",
    )
    start = forms.DateField(label="进驻日期", required=False, widget=DATE)
    end = forms.DateField(label="结束日期", required=False, widget=DATE)
    team_name = forms.CharField(label="巡察组名称", required=False, max_length=40)
    reason = forms.CharField(label="调整理由（计划已批准时必填）", required=False)

    def __init__(self, *args, units, revisits, team_offices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units
        self.fields["units"].widget.attrs["size"] = 10
        self.fields["revisits"].queryset = revisits
        self.fields["team_office"].queryset = team_offices
        if not team_offices.exists():  # a county office has no county below it to draw on
            del self.fields["team_office"]
        selects = ("kind", "units", "revisits", "team_office")
        for name, field in self.fields.items():
            if name not in ("start", "end"):
                field.widget.attrs.setdefault(
                    "class", "form-select" if name in selects else "form-control"
                )


class WorkdayForm(forms.Form):
    day = forms.DateField(label="日期", widget=DATE)
    is_working = forms.TypedChoiceField(
        label="安排", choices=[("0", "休息"), ("1", "上班")], coerce=lambda v: v == "1"
    )
    note = forms.CharField(label="说明", required=False, max_length=60)


class DeclarationForm(forms.Form):
    has_conflict = forms.TypedChoiceField(
        label="是否存在回避情形",
        choices=[("0", "无回避情形"), ("1", "存在回避情形")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    statement = forms.CharField(
        label="具体说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )


class PlanSettingsForm(forms.ModelForm):
    coverage_kinds = forms.MultipleChoiceField(
        label="计入覆盖的巡察类型",
        choices=[
            (k, label) for k, label in Inspection.Kind.choices if k != Inspection.Kind.REVISIT
        ],
        widget=forms.CheckboxSelectMultiple,
        help_text="“回头看”始终不计入覆盖。",
    )
    durations_text = forms.CharField(
        label="各类巡察的一般时长（天）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一类，如“村(社区)巡察: 20-35”；安排的进驻时长超出范围时给出提醒（不阻止）。",
    )

    class Meta:
        model = PlanSettings
        fields = [
            "rule_home_unit",
            "rule_worked_in_unit",
            "worked_years",
            "rule_relative",
            "rule_superior",
            "superior_years",
            "rule_own_county",
            "coverage_kinds",
            "revisit_after_months",
            "requires_secretary_approval",
            "readers",
        ]

    def __init__(self, *args, reader_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if reader_choices is not None:
            self.fields["readers"].queryset = reader_choices
        self.fields["readers"].required = False
        self.fields["readers"].widget.attrs["class"] = "form-select"


class InspectorForm(forms.ModelForm):
    expertise = forms.MultipleChoiceField(
        label="专长",
        required=False,
        choices=[(t, t) for t in Inspector.EXPERTISE],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Inspector
        fields = ["name", "home_unit", "rank", "expertise", "phone", "active"]

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["home_unit"].queryset = units
        for name in ("name", "rank", "phone"):
            self.fields[name].widget.attrs["class"] = "form-control"
        self.fields["home_unit"].widget.attrs["class"] = "form-select"


class RelationForm(forms.ModelForm):
    class Meta:
        model = InspectorRelation
        fields = ["kind", "name", "unit", "position"]


class EmploymentForm(forms.ModelForm):
    class Meta:
        model = EmploymentRecord
        fields = ["unit", "position", "start", "end"]
        widgets = {"start": DATE, "end": DATE}


class TieForm(forms.ModelForm):
    class Meta:
        model = SuperiorTie
        fields = ["person", "unit", "inspector_was_superior", "start", "end"]
        widgets = {"start": DATE, "end": DATE}


class AssignEditForm(AssignForm):
    """Editing an assignment: the same fields without the team name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["team_name"]


class DueAddForm(forms.Form):
    kind = forms.ChoiceField(label="单位类型", required=False)
    district = forms.ChoiceField(label="地区", required=False)
    units = forms.ModelMultipleChoiceField(label="或选择单位", queryset=None, required=False)

    def __init__(self, *args, units, districts, **kwargs):
        from xuncha.org.models import Unit

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "全部类型"), *Unit.Kind.choices]
        self.fields["district"].choices = [("", "全部地区")] + [(d, d) for d in districts]
        self.fields["units"].queryset = units
        for name in ("kind", "district", "units"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
