"""整改公开审批 pages: both versions, the exemptions, publication (rules in disclosure.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xuncha.audit.services import record_read
from xuncha.core.errors import DomainError
from xuncha.rectification import disclosure as rules
from xuncha.rectification import services
from xuncha.rectification.models import Disclosure, DisclosureItem
from xuncha.rectification.views import _plan


def _disclosure(request, pk):
    plan = _plan(request, pk)
    disclosure = Disclosure.objects.filter(plan=plan).first()
    if disclosure is None:
        raise Http404
    return plan, disclosure


@login_required
def approvals(request, pk):
    plan, disclosure = _disclosure(request, pk)
    record_read(actor=request.user, obj=disclosure, summary="查看整改公开审批")
    versions = rules.versions_of(disclosure)
    rows = [
        {
            "version": v,
            "approver": rules.APPROVER_LABELS[rules.approver_of(plan, v.kind)],
            "may": rules.may_approve(plan, request.user, v.kind),
        }
        for v in versions.values()
    ]
    return render(
        request,
        "rectification/disclosure_approvals.html",
        {
            "plan": plan,
            "disclosure": disclosure,
            "rows": rows,
            "exempt": disclosure.items.exclude(exemption="").select_related("problem"),
            "may_exempt": rules.may_approve(plan, request.user, "public"),
            "missing": rules.missing_approvals(disclosure),
            "due": rules.due_date(plan),
        },
    )


def _done(request, pk, action):
    try:
        action()
        messages.success(request, "操作成功。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:disclosure_approvals", pk)


@login_required
@require_POST
def approve_version(request, pk, kind):
    plan, disclosure = _disclosure(request, pk)
    if kind not in rules.KINDS.values:
        raise Http404
    if not rules.may_approve(plan, request.user, kind):
        raise PermissionDenied
    return _done(
        request,
        pk,
        lambda: rules.approve_version(disclosure=disclosure, kind=kind, actor=request.user),
    )


@login_required
@require_POST
def approve_exemption(request, pk, item_pk):
    plan, disclosure = _disclosure(request, pk)
    if not rules.may_approve(plan, request.user, "public"):
        raise PermissionDenied
    item = DisclosureItem.objects.filter(disclosure=disclosure, pk=item_pk).first()
    if item is None:
        raise Http404
    reason = request.POST.get("reason", "")
    return _done(
        request,
        pk,
        lambda: rules.approve_exemption(item=item, reason=reason, actor=request.user),
    )


@login_required
@require_POST
def publish(request, pk):
    plan, disclosure = _disclosure(request, pk)
    if not services._may(plan, request.user, "review"):
        raise PermissionDenied
    return _done(request, pk, lambda: rules.publish(disclosure=disclosure, actor=request.user))
