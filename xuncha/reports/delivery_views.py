"""The feedback delivery page of one unit: 送达, 向主要负责人反馈, 反馈会, 签收回执.

Readers follow the feedback opinion (`ReportDraft.for_user`: office roles + leading group,
the team; the unit's own liaison once delivered; anyone else 404). The office and the team
record the meeting and the talk; the unit's liaison uploads the signed receipt.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xuncha.audit.services import record_read
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.reports import delivery as svc
from xuncha.reports.delivery_forms import FeedbackMeetingForm, LeaderFeedbackForm, ReceiptForm
from xuncha.reports.models import FeedbackReceipt, ReportDraft


def _draft(user, pk, action="view"):
    return access.get_for_user(
        ReportDraft.objects.select_related("inspection__team", "unit").filter(
            kind=ReportDraft.Kind.FEEDBACK
        ),
        user,
        pk,
        action,
    )


def _records(draft):
    """The draft's delivery records, or None each (one query per kind, no exception paths)."""
    from xuncha.reports.models import FeedbackDelivery, FeedbackMeeting, LeaderFeedback

    delivery = FeedbackDelivery.objects.filter(draft=draft).first()
    return {
        "delivery": delivery,
        "meeting": FeedbackMeeting.objects.filter(draft=draft).first(),
        "talk": LeaderFeedback.objects.filter(draft=draft).first(),
        "receipt": FeedbackReceipt.objects.filter(delivery=delivery).first() if delivery else None,
    }


@login_required
def feedback_delivery(request, pk):
    draft = _draft(request.user, pk)
    may_record = access.visible(
        ReportDraft.objects.filter(pk=draft.pk), request.user, "change"
    ).exists()
    records = _records(draft)
    ready = draft.state == ReportDraft.State.FINAL
    return render(
        request,
        "reports/feedback_delivery.html",
        {
            "draft": draft,
            "inspection": draft.inspection,
            **records,
            "may_record": may_record,
            "meeting_form": FeedbackMeetingForm() if may_record and ready else None,
            "talk_form": LeaderFeedbackForm() if may_record and ready else None,
            "receipt_form": ReceiptForm()
            if records["delivery"] and not records["receipt"] and svc.may_sign(request.user, draft)
            else None,
        },
    )


def _post(request, pk, form_class, fn, success, action="change"):
    draft = _draft(request.user, pk, action)
    form = form_class(request.POST, request.FILES)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"请检查填写的内容：{errors}")
        return redirect("reports:feedback_delivery", pk=draft.pk)
    try:
        fn(draft, form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)
    return redirect("reports:feedback_delivery", pk=draft.pk)


@login_required
@require_POST
def feedback_meeting(request, pk):
    return _post(
        request,
        pk,
        FeedbackMeetingForm,
        lambda d, c: svc.feedback_meeting_record(draft=d, actor=request.user, **c),
        "反馈会已登记。",
    )


@login_required
@require_POST
def leader_feedback(request, pk):
    return _post(
        request,
        pk,
        LeaderFeedbackForm,
        lambda d, c: svc.leader_feedback_record(draft=d, actor=request.user, **c),
        "向主要负责人反馈已登记。",
    )


@login_required
@require_POST
def receipt_upload(request, pk):
    if not svc.may_sign(request.user, _draft(request.user, pk)):
        raise PermissionDenied  # the unit's liaison uploads its own receipt
    return _post(
        request,
        pk,
        ReceiptForm,
        lambda d, c: svc.receipt_upload(
            draft=d,
            signed_on=c["signed_on"],
            signed_by=c["signed_by"],
            uploaded=c["file"],
            actor=request.user,
        ),
        "签收回执已上传。",
        action="view",
    )


@login_required
def receipt_download(request, pk):
    receipt = access.get_for_user(
        FeedbackReceipt.objects.select_related("delivery__draft"), request.user, pk
    )
    record_read(actor=request.user, obj=receipt, summary="下载反馈意见签收回执")
    response = FileResponse(receipt.file.open("rb"), content_type=receipt.content_type)
    return attachment_response(response, receipt.original_name, receipt.content_type)
