"""Pages of 村(社区)分级: the office's villages with their grade, and one village's history."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Office, Unit
from xuncha.plans import villages
from xuncha.plans.models import PLAN_ROLES, VillageGrade


class VillageGradeForm(forms.Form):
    grade = forms.ChoiceField(
        label="等级", choices=VillageGrade.Grade.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label="评定理由",
        max_length=villages.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


def _plan_offices(user):
    if access.is_sysadmin(user):
        return list(Office.objects.all())
    offices = access.user_offices(user, PLAN_ROLES)
    if not offices:
        raise PermissionDenied("需要巡察办或领导小组角色。")
    return offices


def visible_villages(user):
    """Villages of the offices where the user holds a planning role and of the offices below
    them (a city office reads its counties' villages and grades; only the village's own
    office grades it). Sysadmin: all."""
    qs = Unit.objects.filter(kind=Unit.Kind.VILLAGE)
    if access.is_sysadmin(user):
        return qs
    return qs.filter(access.office_q(user, PLAN_ROLES, subtree=True))


@login_required
def village_list(request):
    _plan_offices(request.user)
    rows = villages.village_rows(visible_villages(request.user))
    return render(
        request,
        "plans/villages.html",
        {
            "rows": rows,
            "counts": {
                label: sum(1 for r in rows if r["grade"] and r["grade"].grade == key)
                for key, label in VillageGrade.Grade.choices
            },
            "ungraded": sum(1 for r in rows if not r["grade"]),
        },
    )


@login_required
def village_detail(request, pk):
    _plan_offices(request.user)
    unit = visible_villages(request.user).select_related("parent", "office").filter(pk=pk).first()
    if unit is None:
        raise Http404("村(社区)不存在或不在您的管理范围内。")
    may_grade = villages.may_grade(request.user, unit)
    form = VillageGradeForm(request.POST or None)
    if request.method == "POST":
        if not may_grade:
            raise PermissionDenied(villages.grade_refusal(unit))
        if form.is_valid():
            try:
                row = villages.grade_village(unit=unit, actor=request.user, **form.cleaned_data)
                messages.success(request, f"已评定{unit.name}为{row.get_grade_display()}。")
                return redirect("plans:village_detail", unit.pk)
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
    history = list(unit.village_grades.select_related("graded_by"))
    return render(
        request,
        "plans/village_detail.html",
        {
            "unit": unit,
            "form": form,
            "may_grade": may_grade,
            "history": history,
            "current": history[0] if history else None,
        },
        status=400 if request.method == "POST" else 200,
    )
