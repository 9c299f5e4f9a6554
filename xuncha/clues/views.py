from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.clues import forms, services
from xuncha.clues.models import Clue, ClueEvidence, Handover
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.org.models import Role, Unit
from xuncha.plans.models import Inspection

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _problems(user):
    from xuncha.inspections.models import Problem

    return access.visible(Problem.objects.all(), user, "change")


@login_required
def clue_list(request):
    clues = access.visible(Clue.objects.all(), request.user).select_related("unit", "inspection")
    state = request.GET.get("state", "")
    if state in Clue.State.values:
        clues = clues.filter(state=state)
    page = Paginator(clues.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "clues/clue_list.html",
        {"page": page, "states": Clue.State.choices, "state": state},
    )


@login_required
def clue_create(request):
    inspections = access.visible(Inspection.objects.all(), request.user)
    if not inspections.exists():
        if not request.user.has_role(Role.OFFICE_ADMIN, Role.OFFICE_STAFF):
            raise Http404
        messages.info(request, "线索须登记在某次巡察之下：您可见的范围内还没有巡察。")
        return redirect("clues:clue_list")
    form = forms.ClueForm(
        request.POST or None,
        inspections=inspections,
        units=access.visible(Unit.objects.all(), request.user),
        problems=_problems(request.user),
        submissions=services.submission_choices(request.user).filter(
            inspection__in=inspections.values("pk")
        ),
    )
    if request.method == "POST" and form.is_valid():
        try:
            clue = services.clue_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"问题线索 {clue.number} 已登记。")
            return redirect("clues:clue_detail", clue.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "登记问题线索", "submit_label": "登记"}
    )


@login_required
def clue_detail(request, pk):
    clue = access.get_for_user(
        Clue.objects.select_related("unit", "inspection", "problem"), request.user, pk
    )
    evidence = list(clue.evidence.all())
    services.clue_read(clue=clue, evidence=evidence, actor=request.user)
    return render(
        request,
        "clues/clue_detail.html",
        {
            "clue": clue,
            "evidence": evidence,
            "source_submission": services.submission_choices(request.user)
            .filter(pk=clue.submission_id)
            .first()
            if clue.submission_id
            else None,
            "handovers": clue.handovers.select_related("recipient"),
            "can_edit": access.can(request.user, clue, "change"),
            "evidence_form": forms.EvidenceForm(),
        },
    )


@login_required
@require_POST
def clue_evidence_add(request, pk):
    clue = access.get_for_user(Clue, request.user, pk, "change")
    form = forms.EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.clue_add_evidence(clue=clue, actor=request.user, **form.cleaned_data)
            messages.success(request, "证据已添加。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写证据名称。")
    return redirect("clues:clue_detail", pk)


def _evidence_visible(user):
    """Evidence of visible clues, or evidence chosen for a handover the user receives."""
    handed = access.visible(Handover.objects.all(), user).values("evidence")
    return ClueEvidence.objects.filter(
        clue__in=access.visible(Clue.objects.all(), user).values("pk")
    ) | ClueEvidence.objects.filter(pk__in=handed)


@login_required
def evidence_download(request, pk):
    evidence = _evidence_visible(request.user).filter(pk=pk).first()
    if evidence is None or not evidence.file:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / evidence.file
    if not path.is_file():
        raise Http404
    from xuncha.audit.services import record_read

    record_read(actor=request.user, obj=evidence.clue, summary=f"下载线索证据 {evidence.title}")
    response = FileResponse(open(path, "rb"), content_type=evidence.content_type)
    return attachment_response(response, evidence.file_name, evidence.content_type)


@login_required
def handover_list(request):
    handovers = access.visible(Handover.objects.all(), request.user).select_related("recipient")
    # Filters the home dashboard links to (a chart's bar or slice opens its records).
    f = request.GET
    if f.get("state") in Handover.State.values:
        handovers = handovers.filter(state=f["state"])
    if f.get("outcome") in Handover.Outcome.values:
        handovers = handovers.filter(outcome=f["outcome"])
    if f.get("overdue"):
        handovers = handovers.filter(
            state__in=[Handover.State.SENT, Handover.State.ACKNOWLEDGED],
            due_date__lt=timezone.localdate(),
        )
    page = Paginator(handovers.order_by("-created_at", "-pk"), 25).get_page(request.GET.get("page"))
    can_create = access.visible(Inspection.objects.all(), request.user, "change").exists()
    return render(request, "clues/handover_list.html", {"page": page, "can_create": can_create})


@login_required
def handover_create(request):
    inspections = access.visible(Inspection.objects.all(), request.user, "change")
    if not inspections.exists():
        raise Http404
    clues = access.visible(Clue.objects.all(), request.user, "change")
    form = forms.HandoverForm(
        request.POST or None,
        inspections=inspections,
        recipients=Unit.objects.filter(office__in=access.user_offices(request.user))
        if not access.is_sysadmin(request.user)
        else Unit.objects.all(),
        clues=clues,
        problems=_problems(request.user),
        evidence=ClueEvidence.objects.filter(clue__in=clues.values("pk")).select_related("clue"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            handover = services.handover_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"移交 {handover.number} 已建立。")
            return redirect("clues:handover_detail", handover.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "办理移交", "submit_label": "保存"}
    )


@login_required
def handover_detail(request, pk, finding_form=None):
    handover = access.get_for_user(
        Handover.objects.select_related("recipient", "office", "inspection"), request.user, pk
    )
    is_office = access.can(request.user, handover, "change")
    labels = dict(Handover.State.choices)
    clues = list(handover.clues.all())
    evidence = list(handover.evidence.select_related("clue"))
    findings = list(
        access.visible(handover.audit_findings.all(), request.user)
        .select_related("recorded_by")
        .prefetch_related("problems")
    )
    services.handover_read(
        handover=handover, clues=clues, evidence=evidence, findings=findings, actor=request.user
    )
    if finding_form is None and services.may_record_findings(handover, request.user):
        finding_form = forms.AuditFindingForm(problems=handover.problems.all())
    return render(
        request,
        "clues/handover_detail.html",
        {
            "handover": handover,
            "is_office": is_office,
            "clues": clues,
            "problems": handover.problems.all(),
            "evidence": evidence,
            "transitions": services.handover_transitions_for(handover, request.user),
            "history": [
                (h, labels.get(h.to_state, h.to_state))
                for h in handover.history.select_related("actor")
            ],
            "outcome_form": forms.OutcomeForm(),
            "findings": findings,
            "finding_form": finding_form,
        },
    )


@login_required
@require_POST
def handover_finding_add(request, pk):
    """巡审联动: the audit body records a finding on the handover it received; a refused
    entry comes back with what was typed and the reason."""
    handover = access.get_for_user(Handover, request.user, pk, "receive")
    form = forms.AuditFindingForm(request.POST, problems=handover.problems.all())
    if form.is_valid():
        try:
            services.audit_finding_create(
                handover=handover, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "审计发现已登记。")
            return redirect("clues:handover_detail", pk)
    return handover_detail(request, pk, finding_form=form)


@login_required
@require_POST
def handover_transition(request, pk):
    handover = access.get_for_user(Handover, request.user, pk)
    data = request.POST
    try:
        services.handover_transition(
            handover=handover,
            target=data.get("target", ""),
            actor=request.user,
            note=data.get("note", ""),
            outcome=data.get("outcome", ""),
            people_disciplined=data.get("people_disciplined") or 0,
            money_recovered=data.get("money_recovered") or "0",
        )
        messages.success(request, "操作成功。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("clues:handover_detail", pk)


@login_required
def handover_letter(request, pk):
    handover = access.get_for_user(Handover, request.user, pk)
    data = services.handover_letter_docx(handover, actor=request.user)
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''handover-letter.docx"
    return response
