"""Pages of 巡察“回头看”: the checklist, findings, the open list and the .docx report.

Reached from the 回头看 inspection's workspace. Office admin/staff and the revisit's team
work on it (`revisits.may_work`); the unit liaison reads its own unit's findings once the
report is made; everyone else gets 404. Writes through `revisits` services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.plans.models import Inspection
from xuncha.rectification import revisits
from xuncha.rectification.revisit_models import Revisit, RevisitItem

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _context(inspection, user):
    """(revisit or None, items visible to the user, may_work); 404 if the user sees nothing."""
    work = revisits.may_work(inspection, user)
    revisit = Revisit.objects.filter(inspection=inspection).first()
    if work:
        items = (
            revisit.items.select_related("problem", "unit", "new_problem", "attachment")
            if revisit
            else []
        )
        return revisit, list(items), True
    if revisit is None:
        raise Http404("对象不存在或无权访问")
    items = list(
        access.visible(RevisitItem.objects.filter(revisit=revisit), user).select_related(
            "problem", "unit", "new_problem", "attachment"
        )
    )
    if not items:
        raise Http404("对象不存在或无权访问")
    return revisit, items, False


def _revisit_inspection(user, pk) -> Inspection:
    """The revisit inspection through the access layer: the office and the team see it as an
    inspection; a unit liaison only through the checklist items of its own unit."""
    try:
        return access.get_for_user(
            Inspection.objects.filter(kind=Inspection.Kind.REVISIT), user, pk
        )
    except Http404:
        item = (
            access.visible(RevisitItem.objects.filter(revisit__inspection_id=pk), user)
            .select_related("revisit__inspection")
            .first()
        )
        if item is None:
            raise
        return item.revisit.inspection


@login_required
def revisit_page(request, pk):
    inspection = _revisit_inspection(request.user, pk)
    revisit, items, work = _context(inspection, request.user)
    if revisit:
        record(actor=request.user, action=Action.READ, obj=revisit, summary="查阅回头看核查清单")
    return render(
        request,
        "rectification/revisit.html",
        {
            "inspection": inspection,
            "revisit": revisit,
            "items": items,
            "may_work": work and (revisit is None or revisit.state == Revisit.State.OPEN),
            "is_worker": work,
            "findings": RevisitItem.Finding.choices,
            "coverage": revisits.coverage(revisit, items) if revisit else None,
        },
    )


def _done(request, inspection_pk, fn):
    try:
        fn()
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("rectification:revisit", inspection_pk)


@login_required
@require_POST
def revisit_start(request, pk):
    inspection = _revisit_inspection(request.user, pk)
    if not revisits.may_work(inspection, request.user):
        raise Http404("对象不存在或无权访问")
    return _done(
        request, pk, lambda: revisits.revisit_start(inspection=inspection, actor=request.user)
    )


def _own_revisit(request, pk) -> Revisit:
    revisit = access.visible(Revisit.objects.filter(inspection_id=pk), request.user).first()
    if revisit is None or not revisits.may_work(revisit, request.user):
        raise Http404("对象不存在或无权访问")
    return revisit


@login_required
@require_POST
def finding_record(request, pk):
    revisit = _own_revisit(request, pk)
    return _done(
        request,
        pk,
        lambda: revisits.finding_record(
            revisit=revisit,
            item_id=request.POST.get("item"),
            finding=request.POST.get("finding", ""),
            evidence_text=request.POST.get("evidence_text", ""),
            uploaded=request.FILES.get("file"),
            actor=request.user,
        ),
    )


@login_required
@require_POST
def revisit_report(request, pk):
    revisit = _own_revisit(request, pk)
    return _done(request, pk, lambda: revisits.revisit_report(revisit=revisit, actor=request.user))


@login_required
def report_docx(request, pk):
    inspection = _revisit_inspection(request.user, pk)
    revisit, items, work = _context(inspection, request.user)
    if revisit is None or not work:
        raise Http404("对象不存在或无权访问")
    data = revisits.report_document(revisit, items, actor=request.user)
    response = HttpResponse(data, content_type=DOCX)
    return attachment_response(response, "回头看情况报告.docx", DOCX)


@login_required
def evidence_download(request, pk, item_pk):
    return evidence_response(request.user, pk, item_pk)


def evidence_response(user, pk, item_pk) -> HttpResponse:
    """The evidence file of one checklist item, for those who see the item (page and API);
    every download audited."""
    inspection = _revisit_inspection(user, pk)
    _revisit, items, _work = _context(inspection, user)
    item = next((i for i in items if i.pk == item_pk and i.attachment_id), None)
    if item is None:
        raise Http404("对象不存在或无权访问")
    record(actor=user, action=Action.READ, obj=item.attachment, summary="下载回头看佐证")
    with item.attachment.file.open("rb") as f:
        response = HttpResponse(f.read(), content_type=item.attachment.content_type)
    return attachment_response(
        response, item.attachment.original_name, item.attachment.content_type
    )
