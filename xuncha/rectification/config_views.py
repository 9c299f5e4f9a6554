"""整改工作设置 page: the office administrator's deadlines, thresholds, approvers, co-reviewers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Office, Role
from xuncha.rectification import config, forms
from xuncha.rectification.services import config_for


def admin_office(user, pk=None):
    """The office whose settings `user` administers (`pk` picks one of several); else 404."""
    if access.is_sysadmin(user):
        offices = Office.objects.order_by("path")
    else:
        offices = access.user_offices(user, {Role.OFFICE_ADMIN})
    offices = list(offices)
    try:
        office = next(o for o in offices if pk in (None, "") or str(o.pk) == str(pk))
    except StopIteration:
        raise Http404 from None
    return office


@login_required
def config_page(request):
    office = admin_office(request.user, request.GET.get("office"))
    current = config_for(office)
    form = forms.ConfigForm(
        request.POST or None,
        instance=current,
        co_reviewer_choices=config.co_reviewer_choices(office),
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in config.FIELDS}
        try:
            config.config_update(
                office=office,
                data=data,
                co_reviewers=form.cleaned_data["co_reviewers"],
                actor=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "整改工作设置已保存，此后计算的期限按新设置执行。")
            return redirect(reverse("rectification:config") + f"?office={office.pk}")
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"整改工作设置（{office.name}）",
            "submit_label": "保存设置",
        },
    )
