"""Pages of 培训与考核: training records, a round's appraisals, appraising, correcting, settings."""

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render

from xuncha.audit.models import Action
from xuncha.audit.services import confidential, record
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.plans.models import EDIT_ROLES, PLAN_ROLES, Inspection, Inspector
from xuncha.reports.watermark import watermark_text
from xuncha.training import exports, services
from xuncha.training.forms import AppraisalForm, SettingsForm, TrainingForm
from xuncha.training.models import Appraisal, AppraisalSettings, TrainingRecord, led_teams
from xuncha.training.selectors import (
    office_records,
    require_write,
    visible_inspection,
    visible_member,
)


def _form_error(form, error: DomainError):
    form.add_error(error.field if error.field in form.fields else None, error.message)


@login_required
def index(request):
    """The hub: the office's training records and rounds; a leader's own teams."""
    user = request.user
    office_view = access.is_sysadmin(user) or bool(access.user_offices(user, PLAN_ROLES))
    led = list(
        access.visible(Inspection.objects.all(), user)
        .filter(team__in=led_teams(user))
        .select_related("round__plan", "team")
        .order_by("-start")
    )
    own = Inspector.objects.filter(user=user).first() if user.is_authenticated else None
    if not (office_view or led or own):
        raise PermissionDenied("需要巡察办角色、巡察组组长身份或巡察干部库中的本人记录。")
    records = inspections = None
    q = request.GET.get("q", "").strip()[:50]
    if office_view:
        records = list(office_records(user, q)[:100])
        inspections = list(
            access.visible(Inspection.objects.all(), user)
            .filter(access.office_q(user, PLAN_ROLES) if not access.is_sysadmin(user) else Q())
            .select_related("round__plan", "team")
            .annotate(
                members=Count("team__members", distinct=True),
                appraised=Count(
                    "team__members__appraisals",
                    filter=Q(
                        team__members__appraisals__source=Appraisal.Source.OFFICE,
                        team__members__appraisals__state=Appraisal.State.FINAL,
                        team__members__appraisals__corrects__isnull=True,
                    ),
                    distinct=True,
                ),
            )
            .order_by("-start")[:100]
        )
    return render(
        request,
        "training/index.html",
        {
            "records": records,
            "inspections": inspections,
            "led": led,
            "own": own,
            "q": q,
            "may_record": access.is_sysadmin(user) or bool(access.user_offices(user, EDIT_ROLES)),
            "is_admin": bool(access.user_offices(user, {"office_admin"})),
        },
    )


@login_required
def record_create(request):
    inspectors = access.visible(Inspector.objects.filter(active=True), request.user, "change")
    if not (access.is_sysadmin(request.user) or access.user_offices(request.user, EDIT_ROLES)):
        raise PermissionDenied("需要巡察办管理员或工作人员角色。")
    initial = {}
    if request.GET.get("inspector", "").isdigit():
        initial["inspector"] = int(request.GET["inspector"])
    form = TrainingForm(
        request.POST or None,
        request.FILES or None,
        inspectors=inspectors.order_by("name"),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.training_create(
                inspector=data["inspector"],
                course=data["course"],
                organiser=data["organiser"],
                start=data["start"],
                end=data["end"],
                hours=data["hours"],
                certificate=data.get("certificate"),
                actor=request.user,
            )
            messages.success(request, f"已登记{row.inspector.name}的培训记录（{row.hours}学时）。")
            return redirect("plans:inspector_detail", row.inspector_id)
        except DomainError as e:
            _form_error(form, e)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "登记培训记录", "submit_label": "保存"},
        status=400 if request.method == "POST" else 200,
    )


def certificate_response(row: TrainingRecord):
    """The certificate of a record the reader may see (page and API alike)."""
    path = Path(settings.MEDIA_ROOT) / row.certificate_path
    if not row.certificate_path or not path.is_file():
        raise Http404("该培训记录没有上传结业证书。")
    response = FileResponse(open(path, "rb"), content_type=row.certificate_type)
    return attachment_response(response, row.certificate_name, row.certificate_type)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT = 20_000


def records_xlsx_response(user, q: str = ""):
    """The training records the office reads, as a watermarked .xlsx (page and API)."""
    rows = list(office_records(user, q).order_by("inspector__name", "-start")[:MAX_EXPORT])
    mark = watermark_text(user)
    title = "巡察干部培训记录" + (f"（检索：{q.strip()[:50]}）" if q.strip() else "")
    data = exports.records_xlsx(rows, title=title, watermark=mark)
    record(
        actor=user,
        action=Action.EXPORT,
        object_type="training.trainingrecord",
        summary=f"导出培训记录 {len(rows)} 条",
        changes={"q": q.strip()[:50], "count": len(rows), "watermark": mark},
    )
    response = HttpResponse(data, content_type=XLSX)
    return attachment_response(response, "培训记录.xlsx", XLSX)


@login_required
def records_download(request):
    return records_xlsx_response(request.user, request.GET.get("q", ""))


@login_required
def certificate(request, pk):
    return certificate_response(access.get_for_user(TrainingRecord, request.user, pk))


@login_required
def inspection_appraisals(request, pk):
    """One team's members with the leader's and the office's appraisals."""
    inspection, office_read, office_write, leader = visible_inspection(request.user, pk)
    members = list(
        inspection.team.members.select_related("inspector").order_by("role", "inspector__name")
    )
    rows = list(
        access.visible(Appraisal.objects.all(), request.user)
        .filter(member__team=inspection.team)
        .select_related("author")
        .prefetch_related("scores")
        .order_by("pk")
    )
    confidential(rows, actor=request.user)  # their comments are shown
    corrected = {a.corrects_id for a in rows if a.corrects_id}
    table = []
    for m in members:
        mine = [a for a in rows if a.member_id == m.pk]
        now = {a.source: a for a in mine if a.pk not in corrected}
        table.append(
            {
                "member": m,
                "leader": now.get(Appraisal.Source.LEADER),
                "office": now.get(Appraisal.Source.OFFICE),
                "history": [a for a in mine if a.pk in corrected],
                "is_self": m.inspector.user_id == request.user.pk,
            }
        )
    return render(
        request,
        "training/inspection_appraisals.html",
        {
            "inspection": inspection,
            "table": table,
            "office_read": office_read,
            "office_write": office_write,
            "leader": leader,
            "appraisable": services.appraisable(inspection),
        },
    )


def _leader_view(user, member):
    """The leader's current appraisal of the member, as far as `user` may see it."""
    rows = list(
        access.visible(Appraisal.objects.all(), user)
        .filter(member=member, source=Appraisal.Source.LEADER)
        .prefetch_related("scores")
        .order_by("-pk")
    )
    return rows[0] if rows else None


@login_required
def appraise(request, pk, source):
    member = visible_member(request.user, pk)
    require_write(request.user, member, source)
    inspection = member.team.inspection
    current = (
        access.visible(Appraisal.objects.all(), request.user, "change")
        .filter(member=member, source=source, corrects__isnull=True)
        .prefetch_related("scores")
        .first()
    )
    if current is not None and current.is_final:
        messages.info(request, "该考核已定档，不能修改；如需更正请使用“更正”。")
        return redirect("training:inspection_appraisals", inspection.pk)
    indicators = services.indicators_for(inspection.office)
    leader_appraisal = None
    if source == Appraisal.Source.OFFICE:
        leader_appraisal = _leader_view(request.user, member)
    confidential([a for a in (current, leader_appraisal) if a], actor=request.user)
    initial = {}
    if current is not None:
        initial = {"rating": current.rating, "comments": current.comments}
        initial.update({f"score_{s.indicator_id}": s.score for s in current.scores.all()})
    form = AppraisalForm(request.POST or None, indicators=indicators, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            appraisal = services.appraisal_save(
                member=member,
                source=source,
                rating=form.cleaned_data["rating"],
                scores=form.scores(),
                comments=form.cleaned_data["comments"],
                actor=request.user,
            )
            if request.POST.get("finalise"):
                services.appraisal_finalise(appraisal=appraisal, actor=request.user)
                done = "已定档" if source == Appraisal.Source.OFFICE else "已提交，不能再修改"
                messages.success(
                    request, f"{member.inspector.name}的{appraisal.get_source_display()}{done}。"
                )
            else:
                messages.success(request, f"已保存{member.inspector.name}的考核（草稿）。")
            return redirect("training:inspection_appraisals", inspection.pk)
        except DomainError as e:
            _form_error(form, e)
    return render(
        request,
        "training/appraise.html",
        {
            "member": member,
            "inspection": inspection,
            "source": source,
            "source_label": Appraisal.Source(source).label,
            "form": form,
            "leader_appraisal": leader_appraisal,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def correct(request, pk):
    old = access.get_for_user(
        Appraisal.objects.select_related(
            "member__inspector", "member__team__inspection__office"
        ).prefetch_related("scores"),
        request.user,
        pk,
    )
    require_write(request.user, old.member, old.source)
    confidential(old, actor=request.user)  # its comments fill the form
    inspection = old.member.team.inspection
    indicators = services.indicators_for(inspection.office)
    initial = {"rating": old.rating, "comments": old.comments}
    initial.update({f"score_{s.indicator_id}": s.score for s in old.scores.all()})
    form = AppraisalForm(
        request.POST or None, indicators=indicators, correcting=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.appraisal_correct(
                appraisal=old,
                rating=form.cleaned_data["rating"],
                scores=form.scores(),
                comments=form.cleaned_data["comments"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, f"已更正{old.member.inspector.name}的考核，原记录保留。")
            return redirect("training:inspection_appraisals", inspection.pk)
        except DomainError as e:
            _form_error(form, e)
    return render(
        request,
        "training/appraise.html",
        {
            "member": old.member,
            "inspection": inspection,
            "source": old.source,
            "source_label": old.get_source_display(),
            "form": form,
            "correcting": old,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def settings_page(request):
    offices = access.user_offices(request.user, {"office_admin"})
    if not offices:
        raise PermissionDenied("需要巡察办管理员角色。")
    office = offices[0]
    cfg = AppraisalSettings.for_office(office)
    form = SettingsForm(
        request.POST or None,
        initial={"show_own": cfg.show_own, "indicators": services.format_indicators(office)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.appraisal_settings_save(
                office=office,
                show_own=form.cleaned_data["show_own"],
                indicators_text=form.cleaned_data["indicators"],
                actor=request.user,
            )
            messages.success(request, "考核设置已保存。")
            return redirect("training:settings")
        except DomainError as e:
            _form_error(form, e)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"巡察干部考核设置 · {office}", "submit_label": "保存"},
        status=400 if request.method == "POST" else 200,
    )
