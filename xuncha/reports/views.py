"""Document drafts (generate, edit, download) and the offline field kit (export, import)."""

import copy
import os
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.audit.models import Action
from xuncha.audit.services import confidential, record
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.plans.models import Inspection
from xuncha.reports import services
from xuncha.reports.forms import DeliveryForm, DraftForm, GenerateForm, ImportForm
from xuncha.reports.models import FieldkitImport, ReportDraft, writable_inspections

LEVELS = [
    (0, "正文段落"),
    (1, "一级标题 一、"),
    (2, "二级标题 （一）"),
    (3, "三级标题 1."),
    (4, "四级标题 （1）"),
]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _can_write(user, inspection) -> bool:
    return writable_inspections(user).filter(pk=inspection.pk).exists()


def can_use_fieldkit(user, inspection) -> bool:
    """Office admin/staff of the inspection's office, or the leader of its team."""
    from xuncha.org.models import Role

    if access.is_sysadmin(user):
        return True
    office = access.office_q(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}, field="office")
    leader = Inspection.objects.filter(
        team__members__inspector__user=user, team__members__role="leader"
    ).values("pk")
    return Inspection.objects.filter(office | Q(pk__in=leader), pk=inspection.pk).exists()


@login_required
def index(request):
    drafts = (
        access.visible(ReportDraft.objects.all(), request.user)
        .select_related("inspection__round__plan", "updated_by")
        .order_by("-updated_at")[:200]
    )
    editable = set(  # titles open the editor where the reader may edit, else the inspection's list
        access.visible(
            ReportDraft.objects.filter(pk__in=[d.pk for d in drafts]), request.user, "change"
        ).values_list("pk", flat=True)
    )
    imports = access.visible(FieldkitImport.objects.all(), request.user).select_related(
        "imported_by"
    )[:20]
    # A reader (纪委监委/组织部) sees the final documents, not the inspection's workspace.
    inspections = set(
        access.visible(
            Inspection.objects.filter(pk__in={d.inspection_id for d in drafts}), request.user
        ).values_list("pk", flat=True)
    )
    return render(
        request,
        "reports/index.html",
        {
            "drafts": drafts,
            "imports": imports,
            "editable": editable,
            "inspections": inspections,
            "may_import": _may_import(request.user),
        },
    )


@login_required
def inspection_documents(request, pk):
    inspection = access.get_for_user(Inspection, request.user, pk)
    drafts = access.visible(
        ReportDraft.objects.filter(inspection=inspection), request.user
    ).select_related("updated_by", "unit", "delivery")
    return render(
        request,
        "reports/inspection_documents.html",
        {
            "inspection": inspection,
            "drafts": drafts,
            "can_write": _can_write(request.user, inspection),
            "can_fieldkit": can_use_fieldkit(request.user, inspection),
            "form": GenerateForm(inspection=inspection),
        },
    )


@login_required
@require_POST
def generate(request, pk):
    inspection = access.get_for_user(Inspection, request.user, pk)
    if not _can_write(request.user, inspection):
        raise Http404("对象不存在或无权访问")
    form = GenerateForm(request.POST, inspection=inspection)
    if not form.is_valid():
        messages.error(request, "请选择文书类型和被巡察单位。")
        return redirect("reports:inspection_documents", pk=pk)
    kind, unit = form.cleaned_data["kind"], form.cleaned_data["unit"]
    try:
        if kind == ReportDraft.Kind.FEEDBACK and unit is None:
            drafts = services.feedback_generate_all(inspection=inspection, actor=request.user)
            messages.success(request, f"已按被巡察单位分别生成反馈意见 {len(drafts)} 份。")
            return redirect("reports:inspection_documents", pk=pk)
        draft = services.draft_generate(
            inspection=inspection,
            kind=kind,
            unit=unit,
            recipient=form.cleaned_data["recipient"],
            topic=form.cleaned_data["topic"],
            actor=request.user,
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("reports:inspection_documents", pk=pk)
    messages.success(request, f"已生成《{draft.title}》（第{draft.version}版），可编辑后下载。")
    return redirect("reports:draft_edit", pk=draft.pk)


def _sections_from_post(post) -> list[dict]:
    headings = post.getlist("heading")
    levels = post.getlist("level")
    texts = post.getlist("text")
    return [
        {"heading": h, "level": lv, "text": t}
        for h, lv, t in zip(headings, levels, texts, strict=False)
    ]


@login_required
def draft_edit(request, pk):
    draft = access.get_for_user(
        ReportDraft.objects.select_related("unit", "inspection"), request.user, pk, "change"
    )
    # The form edits a copy: draft_update compares the saved row with the new values.
    form = DraftForm(request.POST or None, instance=copy.copy(draft))
    if request.method == "POST":
        if form.is_valid():
            fields = {k: form.cleaned_data[k] for k in services.EDITABLE}
            try:
                services.draft_update(
                    draft=draft,
                    actor=request.user,
                    sections=_sections_from_post(request.POST),
                    **fields,
                )
            except DomainError as e:
                messages.error(request, e.message)
            else:
                messages.success(request, "已保存。")
                return redirect("reports:draft_edit", pk=draft.pk)
    if request.method == "GET":
        confidential(draft, actor=request.user)
    blocks = [*draft.sections, {"heading": "", "level": 0, "text": ""}]
    delivery = getattr(draft, "delivery", None)
    delivery_form = None
    if draft.kind == ReportDraft.Kind.FEEDBACK and delivery is None:
        delivery_form = DeliveryForm(
            initial={
                "delivered_on": draft.inspection.feedback_date or timezone.localdate(),
                "delivered_by": _team_leader(draft.inspection),
            }
        )
    return render(
        request,
        "reports/draft_edit.html",
        {
            "draft": draft,
            "form": form,
            "blocks": blocks,
            "levels": LEVELS,
            "delivery": delivery,
            "delivery_form": delivery_form,
            "due": services.feedback_due(draft)
            if draft.kind == ReportDraft.Kind.FEEDBACK
            else None,
        },
    )


def _team_leader(inspection) -> str:
    from xuncha.inspections.documents import inspection_facts

    return inspection_facts(inspection).leader


@login_required
@require_POST
def draft_deliver(request, pk):
    draft = access.get_for_user(ReportDraft, request.user, pk, "change")
    form = DeliveryForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写送达日期和送达人。")
        return redirect("reports:draft_edit", pk=draft.pk)
    try:
        delivery = services.feedback_deliver(draft=draft, actor=request.user, **form.cleaned_data)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(
            request,
            f"已登记送达{draft.unit.name}：整改方案 {delivery.plan_due:%Y-%m-%d} 前、"
            f"整改情况报告 {delivery.report_due:%Y-%m-%d} 前报送。",
        )
    return redirect("reports:draft_edit", pk=draft.pk)


@login_required
@require_POST
def draft_finalize(request, pk):
    draft = access.get_for_user(ReportDraft, request.user, pk, "change")
    try:
        services.draft_finalize(draft=draft, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已定稿。")
    return redirect("reports:draft_edit", pk=draft.pk)


@login_required
def draft_download(request, pk):
    draft = access.get_for_user(
        ReportDraft.objects.select_related("inspection", "created_by"), request.user, pk
    )
    name, data = services.draft_export(draft=draft, actor=request.user)
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = _attachment(name)
    response["Cache-Control"] = "no-store"
    return response


def _attachment(name: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename=\"document.docx\"; filename*=UTF-8''{quote(name)}"


class _TempFileResponse(FileResponse):
    """Deletes the temporary package once it has been sent."""

    def close(self):
        super().close()
        path = getattr(self, "_temp_path", None)
        if path and os.path.exists(path):
            os.unlink(path)


@login_required
@require_POST
def fieldkit_export(request, pk):
    from xuncha.inspections import fieldkit

    inspection = access.get_for_user(Inspection, request.user, pk)
    if not can_use_fieldkit(request.user, inspection):
        raise Http404("对象不存在或无权访问")
    fd, path = tempfile.mkstemp(suffix=".xcfk", dir=str(_tmp_dir()))
    try:
        with os.fdopen(fd, "wb") as out:
            info = fieldkit.export_package(inspection, out, actor=request.user)
        record(
            actor=request.user,
            action=Action.EXPORT,
            obj=inspection,
            summary=f"导出离线数据包 {info.package_id[:12]}",
            changes={"package_id": info.package_id, "counts": info.counts, "files": info.files},
        )
    except BaseException:
        os.unlink(path)
        raise
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response = _TempFileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"巡察离线数据包-{inspection.pk}-{stamp}.xcfk",
        content_type="application/octet-stream",
    )
    response._temp_path = path
    return response


def _tmp_dir():
    from django.conf import settings

    path = settings.DATA_DIR / "tmp"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _may_import(user) -> bool:
    from xuncha.org.models import Role

    if access.is_sysadmin(user) or user.has_role(Role.OFFICE_ADMIN, Role.OFFICE_STAFF):
        return True
    return Inspection.objects.filter(
        team__members__inspector__user=user, team__members__role="leader"
    ).exists()


@login_required
def fieldkit_import(request):
    from xuncha.inspections import fieldkit

    if not _may_import(request.user):
        raise Http404("对象不存在或无权访问")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["package"]
        fd, path = tempfile.mkstemp(suffix=".xcfk", dir=str(_tmp_dir()))
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)

            def authorize(inspection):
                if not can_use_fieldkit(request.user, inspection):
                    raise DomainError("您无权向该巡察导入离线数据包。")

            result = fieldkit.import_package(path, actor=request.user, authorize=authorize)
        except DomainError as e:
            form.add_error("package", e.message)
        else:
            created = sum(result.created.values())
            existing = sum(result.existing.values())
            messages.success(
                request,
                f"导入完成：新增记录 {created} 条，已存在未重复导入 {existing} 条，附件 {result.files} 个。",
            )
            return redirect("reports:inspection_documents", pk=result.inspection_id)
        finally:
            if os.path.exists(path):
                os.unlink(path)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "导入离线数据包", "submit_label": "验证并导入"},
    )
