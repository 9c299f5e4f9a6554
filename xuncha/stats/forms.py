from django import forms

from xuncha.core.errors import DomainError
from xuncha.inspections.models import TaxonomyCategory
from xuncha.org.models import Office, Unit
from xuncha.plans.models import Inspection, Round, Term
from xuncha.stats.indicators import BASES, BASIS_ERROR, EVENT, INSPECTION, make_filter, scope_for
from xuncha.stats.models import Counterpart


def _style(form):
    for f in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(f.widget, forms.Select)
            else "form-control form-control-sm"
        )
        f.widget.attrs.setdefault("class", css)


class BasisField(forms.ChoiceField):
    """统计口径: the default (inspection) is the empty option, so the page's queries and
    the views saved from it stay as they were; "inspection" spelt out is accepted too."""

    def valid_value(self, value):
        return value in BASES or super().valid_value(value)


class FilterForm(forms.Form):
    """The statistics filter; the combination is checked by indicators.make_filter."""

    office = forms.ModelChoiceField(
        label="巡察机构",
        queryset=Office.objects.none(),
        required=False,
        empty_label="（本级及下级）",
        error_messages={"invalid_choice": "所选巡察机构不存在或不在您的统计范围内。"},
    )
    term = forms.ModelChoiceField(
        label="届期",
        queryset=Term.objects.none(),
        required=False,
        empty_label="（全部）",
        error_messages={"invalid_choice": "所选届期不存在或不在您的统计范围内。"},
    )
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label="季度",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", "（全年）"),
            (1, "第一季度"),
            (2, "第二季度"),
            (3, "第三季度"),
            (4, "第四季度"),
        ],
    )
    round = forms.ModelChoiceField(
        label="轮次",
        queryset=Round.objects.none(),
        required=False,
        empty_label="（全部）",
        error_messages={"invalid_choice": "所选轮次不存在或不在您的统计范围内。"},
    )
    kind = forms.ChoiceField(
        label="巡察类型", required=False, choices=[("", "（全部）"), *Inspection.Kind.choices]
    )
    date_from = forms.DateField(
        label="开始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "开始日期格式错误，应为 2026-01-31。"},
    )
    date_to = forms.DateField(
        label="结束日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "结束日期格式错误，应为 2026-01-31。"},
    )
    district = forms.CharField(label="区县", required=False, max_length=60)
    unit_kind = forms.ChoiceField(
        label="单位类型", required=False, choices=[("", "（全部）"), *Unit.Kind.choices]
    )
    category = forms.ChoiceField(
        label="监督内容分类",
        required=False,
        choices=[],
        error_messages={"invalid_choice": "监督内容分类代码不存在（应为一级分类代码，如 B）。"},
    )
    basis = BasisField(
        label="统计口径",
        required=False,
        choices=[("", BASES[INSPECTION]), (EVENT, BASES[EVENT])],
        widget=forms.Select(
            attrs={
                "title": "按巡察进驻时间归属：与官方统计表一致；"
                "按事项发生时间归属：统计期间内发生的事项"
            }
        ),
        error_messages={"invalid_choice": BASIS_ERROR.format(value="%(value)s")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = scope_for(user)
        self.fields["office"].queryset = scope.order_by("path")
        self.fields["term"].queryset = Term.objects.filter(office__in=scope).select_related(
            "office"
        )
        self.fields["term"].label_from_instance = lambda t: f"{t.office.name} {t.name}"
        self.fields["round"].queryset = Round.objects.filter(
            plan__term__office__in=scope
        ).select_related("plan__term__office")
        self.fields["round"].label_from_instance = lambda r: f"{r.plan.term.office.name} {r}"
        codes = (
            TaxonomyCategory.objects.filter(level=1)
            .order_by("code")
            .values_list("code", "name")
            .distinct()
        )
        seen, choices = set(), [("", "（全部）")]
        for code, name in codes:
            if code not in seen:
                seen.add(code)
                choices.append((code, f"{code} {name[:20]}"))
        self.fields["category"].choices = choices
        _style(self)


def filter_from(user, data):
    """(form, filter or None, Chinese error) for the query `data` (a QueryDict or dict):
    the form checks each value, `indicators.make_filter` the combination. The page, the
    table download and the saved views (a stale filter) all read a filter this way."""
    form = FilterForm(data or None, user=user)
    if data and not form.is_valid():
        error = "；".join(f"{form.fields[k].label}：{' '.join(v)}" for k, v in form.errors.items())
        return form, None, error
    d = form.cleaned_data if data else {}
    try:
        flt = make_filter(
            user,
            office=d.get("office"),
            term=d.get("term"),
            year=d.get("year"),
            quarter=d.get("quarter"),
            round=d.get("round"),
            kind=d.get("kind") or "",
            district=d.get("district") or "",
            unit_kind=d.get("unit_kind") or "",
            category=d.get("category") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            basis=d.get("basis") or "",
        )
    except DomainError as e:
        return form, None, e.message
    return form, flt, ""


def filter_error(user, data) -> str:
    """The saved views' check of a statistics query: "" when it still applies."""
    return filter_from(user, data)[2]


class PeriodForm(forms.Form):
    period = forms.CharField(
        label="统计期间", max_length=8, help_text="如 2026Q1（季度）或 2026（年度）"
    )


class ImportForm(forms.Form):
    file = forms.FileField(label="数据包文件（.json）")


class CounterpartForm(forms.Form):
    direction = forms.ChoiceField(label="关系", choices=Counterpart.Direction.choices)
    name = forms.CharField(label="对方巡察机构", max_length=100)
    office = forms.ModelChoiceField(
        label="对应本系统机构", queryset=Office.objects.none(), required=False, empty_label="（无）"
    )
    public_key = forms.CharField(
        label="对方签名公钥", max_length=200, help_text="对方“对口系统”页面显示的“本系统公钥”"
    )

    def __init__(self, *args, owner, **kwargs):
        super().__init__(*args, **kwargs)
        near = Office.objects.filter(parent=owner)
        if owner.parent_id:
            near = near | Office.objects.filter(pk=owner.parent_id)
        self.fields["office"].queryset = near.order_by("path")
        _style(self)


class DistrictMapForm(forms.Form):
    file = forms.FileField(
        label="GeoJSON 文件",
        help_text="标准 GeoJSON（FeatureCollection），每个区县一个面要素，名称写在属性 name 中。",
        error_messages={"required": "请选择要上传的 GeoJSON 文件。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".geojson,.json,application/geo+json,application/json"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
