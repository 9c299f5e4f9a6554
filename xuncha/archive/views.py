"""立卷归档 pages: the archive page of one inspection and the office-wide retention page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.archive import forms, package, services
from xuncha.archive.models import (
    Archive,
    ArchiveInspection,
    ArchiveItem,
    BorrowedMaterial,
    DisposalDecision,
    RecordKind,
    Retention,
    retention_for,
)
from xuncha.audit.services import confidential
from xuncha.core.errors import DomainError
from xuncha.core.uploads import content_disposition
from xuncha.org import access
from xuncha.org.models import Office, Role

OFFICE_WORK = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


def _archive_of(inspection):
    return Archive.objects.filter(inspection_id=inspection.pk).select_related("archived_by").first()


def _may(user, inspection, action) -> bool:
    return access.visible(ArchiveInspection.objects.filter(pk=inspection.pk), user, action).exists()


@login_required
def inspection_archive(request, pk):
    inspection = access.get_for_user(ArchiveInspection, request.user, pk)
    archive = _archive_of(inspection)
    may_change = _may(request.user, inspection, "change")
    is_admin = services._office_roles(request.user, inspection.office_id, {Role.OFFICE_ADMIN})
    materials = list(
        access.visible(BorrowedMaterial.objects.filter(inspection=inspection), request.user)
        .select_related("unit", "cleared_by")
        .order_by("borrowed_on", "pk")
    )
    confidential(materials, actor=request.user)
    page = None
    if archive:
        items = access.visible(ArchiveItem.objects.filter(archive=archive), request.user).order_by(
            "seq"
        )
        page = Paginator(items.defer("snapshot"), 100).get_page(request.GET.get("page"))
        confidential(list(page.object_list), actor=request.user, fields=("item_title",))
    outstanding = [m for m in materials if m.state == BorrowedMaterial.State.OUTSTANDING]
    context = {
        "inspection": inspection,
        "archive": archive,
        "page": page,
        "materials": materials,
        "outstanding": outstanding,
        "may_change": may_change and archive is None,
        "may_archive": is_admin
        and archive is None
        and inspection.stage in services.ARCHIVABLE_STAGES,
        "stage_ok": inspection.stage in services.ARCHIVABLE_STAGES,
        "material_form": forms.MaterialForm(units=inspection.units.all()),
        "clear_form": forms.ClearForm(initial={"cleared_on": timezone.localdate()}),
    }
    return render(request, "archive/inspection.html", context)


@login_required
@require_POST
def material_log(request, pk):
    inspection = access.get_for_user(ArchiveInspection, request.user, pk, "change")
    form = forms.MaterialForm(request.POST, units=inspection.units.all())
    if not form.is_valid():
        errors = "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        messages.error(request, f"调阅材料未登记：{errors}")
        return redirect("archive:inspection", pk=inspection.pk)
    try:
        services.material_log(inspection=inspection, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已登记调阅材料。")
    return redirect("archive:inspection", pk=inspection.pk)


@login_required
@require_POST
def material_clear(request, pk):
    material = access.get_for_user(BorrowedMaterial, request.user, pk, "change")
    form = forms.ClearForm(request.POST)
    if not form.is_valid():
        errors = "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        messages.error(request, f"清退未登记：{errors}")
        return redirect("archive:inspection", pk=material.inspection_id)
    try:
        services.material_clear(material=material, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, f"已登记《{material.material_title}》{material.get_state_display()}。"
        )
    return redirect("archive:inspection", pk=material.inspection_id)


@login_required
@require_POST
def archive_create(request, pk):
    inspection = access.get_for_user(ArchiveInspection, request.user, pk, "change")
    try:
        archive = services.archive_create(inspection=inspection, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            f"已立卷归档，档号 {archive.number}：{archive.item_count} 件，{archive.file_count} 个附件。",
        )
    return redirect("archive:inspection", pk=inspection.pk)


def package_response(archive, user) -> StreamingHttpResponse:
    """The signed zip, streamed; the export is audited before the first byte."""
    from xuncha.reports.watermark import watermark_text

    now = timezone.localtime()
    services.archive_export_audit(archive=archive, actor=user, watermark=watermark_text(user, now))
    response = StreamingHttpResponse(
        package.stream(archive, actor=user, now=now), content_type="application/zip"
    )
    response["Content-Disposition"] = content_disposition(f"归档包-{archive.number}.zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def download(request, pk):
    inspection = access.get_for_user(ArchiveInspection, request.user, pk)
    archive = _archive_of(inspection)
    if archive is None:
        raise Http404("尚未立卷归档")
    return package_response(archive, request.user)


# --------------------------------------------------------------------------- office-wide


def _require_office_work(user):
    if not user.has_role(*OFFICE_WORK):
        raise PermissionDenied("只有巡察办管理员和工作人员可以查看档案。")


@login_required
def index(request):
    """Office-wide: inspections to archive and archived, retention settings, items due."""
    _require_office_work(request.user)
    today = timezone.localdate()
    # archived first, then the own office before the offices below it
    inspections = (
        access.visible(ArchiveInspection.objects.all(), request.user)
        .filter(stage__in=services.ARCHIVABLE_STAGES)
        .select_related("office", "round__plan", "archive", "team")
        .order_by("stage", "office__path", "-end", "pk")[:200]
    )
    due = (
        access.visible(ArchiveItem.objects.all(), request.user)
        .filter(state=ArchiveItem.State.KEPT, expires_on__lte=today)
        .select_related("archive")
        .defer("snapshot")
        .order_by("expires_on", "archive_id", "seq")
    )
    page = Paginator(due, 100).get_page(request.GET.get("page"))
    confidential(list(page.object_list), actor=request.user, fields=("item_title",))
    admin_offices = access.user_offices(request.user, {Role.OFFICE_ADMIN})
    offices = access.user_offices(request.user, OFFICE_WORK)
    labels = dict(RecordKind.choices)
    tables = []
    for office in offices:
        table = retention_for(office.pk)
        tables.append(
            {
                "office": office,
                "editable": office in admin_offices,
                "rows": [(k, labels[k], table[k]) for k in RecordKind.values],
            }
        )
    decisions = (
        access.visible(DisposalDecision.objects.all(), request.user)
        .select_related("decided_by")
        .prefetch_related("items__archive")[:50]
    )
    context = {
        "inspections": inspections,
        "page": page,
        "tables": tables,
        "retentions": Retention.choices,
        "may_dispose": bool(admin_offices),
        "disposal_form": forms.DisposalForm(),
        "decisions": decisions,
        "today": today,
    }
    return render(request, "archive/index.html", context)


@login_required
@require_POST
def retention_update(request, office_pk):
    office = access.get_for_user(Office, request.user, office_pk, "change")
    if not services._office_roles(request.user, office.pk, {Role.OFFICE_ADMIN}):
        raise Http404("对象不存在或无权访问")
    table = {k: request.POST.get(k, "") for k in RecordKind.values if k in request.POST}
    try:
        changed = services.retention_set(office=office, table=table, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已保存保管期限设置（修改 {len(changed)} 项）。")
    return redirect("archive:index")


@login_required
@require_POST
def disposal(request):
    if not request.user.has_role(Role.OFFICE_ADMIN):
        raise PermissionDenied("只有巡察办管理员可以作出档案处置决定。")
    form = forms.DisposalForm(request.POST)
    ids = [v for v in request.POST.getlist("items") if v.isdigit()]
    items = list(access.visible(ArchiveItem.objects.filter(pk__in=ids), request.user, "dispose"))
    if not form.is_valid():
        errors = "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items())
        messages.error(request, f"处置决定未保存：{errors}")
        return redirect("archive:index")
    if len(items) != len(set(ids)):
        messages.error(request, "所选案卷条目中有您无权处置的条目，处置决定未保存。")
        return redirect("archive:index")
    try:
        row = services.disposal_decide(items=items, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, f"已记录处置决定：{row.get_decision_display()} {len(items)} 件。")
    return redirect("archive:index")


# --------------------------------------------------------------------------- submissions


@login_required
def submissions(request):
    """来信来访保管期限: the office's period, closed submissions past it, decisions."""
    from xuncha.archive.models import submission_expiry, submission_years

    _require_office_work(request.user)
    today = timezone.localdate()
    admin_offices = {o.pk for o in access.user_offices(request.user, {Role.OFFICE_ADMIN})}
    offices = {o.pk: o for o in access.user_offices(request.user, OFFICE_WORK)}.values()
    years = {o.pk: submission_years(o.pk) for o in offices}
    due = (
        services.submissions_due(request.user, today)
        .select_related("office", "inspection__round")
        .order_by("office_id", "closed_on", "pk")
    )
    page = Paginator(due, 100).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    linked = services.submission_open_links(rows)
    for s in rows:
        s.expires_on = submission_expiry(s.closed_on, years[s.office_id])
        s.open_links = linked.get(s.pk, [])
        s.may_dispose = s.office_id in admin_offices and not s.open_links
    decisions = (
        access.visible(DisposalDecision.objects.all(), request.user)
        .filter(subject=DisposalDecision.Subject.SUBMISSIONS)
        .select_related("decided_by")
        .prefetch_related("shredded_submissions")[:50]
    )
    context = {
        "page": page,
        "rows": rows,
        "settings_rows": [
            {
                "office": o,
                "years": years[o.pk],
                "editable": o.pk in admin_offices,
                "form": forms.SubmissionRetentionForm(initial={"years": years[o.pk]}),
            }
            for o in offices
        ],
        "may_dispose": bool(admin_offices),
        "disposal_form": forms.SubmissionDisposalForm(),
        "decisions": decisions,
        "today": today,
    }
    return render(request, "archive/submissions.html", context)


@login_required
@require_POST
def submission_retention_update(request, office_pk):
    office = access.get_for_user(Office, request.user, office_pk, "change")
    if not services._office_roles(request.user, office.pk, {Role.OFFICE_ADMIN}):
        raise Http404("对象不存在或无权访问")
    form = forms.SubmissionRetentionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"保管期限未保存：{form.errors['years'][0]}")
        return redirect("archive:submissions")
    try:
        services.submission_retention_set(
            office=office, years=form.cleaned_data["years"], actor=request.user
        )
    except DomainError as e:
        messages.error(request, f"保管期限未保存：{e.message}")
    else:
        messages.success(
            request, f"已保存{office.name}来信来访保管期限：{form.cleaned_data['years']}年。"
        )
    return redirect("archive:submissions")


@login_required
@require_POST
def submission_disposal(request):
    from xuncha.petitions.models import Submission

    if not request.user.has_role(Role.OFFICE_ADMIN):
        raise PermissionDenied("只有巡察办管理员可以作出来信来访销毁决定。")
    form = forms.SubmissionDisposalForm(request.POST)
    ids = {v for v in request.POST.getlist("submissions") if v.isdigit()}
    rows = list(access.visible(Submission.objects.filter(pk__in=ids), request.user, "dispose"))
    if not form.is_valid():
        messages.error(request, f"处置决定未保存：{form.errors['reason'][0]}")
        return redirect("archive:submissions")
    if len(rows) != len(ids):
        messages.error(request, "所选来信来访中有不存在或您无权处置的件，处置决定未保存。")
        return redirect("archive:submissions")
    try:
        row = services.submission_dispose(
            submissions=rows, reason=form.cleaned_data["reason"], actor=request.user
        )
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request, f"已记录处置决定（第 {row.pk} 号）并销毁 {len(rows)} 件来信来访。"
        )
    return redirect("archive:submissions")
