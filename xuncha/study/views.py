"""学习教育 pages: sessions with attendance and materials, self-study, reflections with their
hygiene flags and the host's comments, branches, the yearly plan and the statistics."""

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.audit.models import Action
from xuncha.audit.services import confidential, record, record_read
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.reports.watermark import watermark_text
from xuncha.study import exports, hygiene, services, stats
from xuncha.study.models import (
    MANAGE_ROLES,
    SESSION_FORMS,
    Attendance,
    Reflection,
    SelfStudy,
    SessionFile,
    StudyBranch,
    StudyPlan,
    StudySession,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INPUT = {"class": "form-control"}


def _managed_office(user):
    """The office whose study the user manages (admin, staff, leading group); else 403."""
    offices = access.user_offices(user, MANAGE_ROLES)
    if not offices:
        raise PermissionDenied("只有本机构巡察办管理员、工作人员或领导小组成员可以管理学习活动。")
    return offices[0]


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


def _span(year):
    return date(year, 1, 1), date(year, 12, 31)


@login_required
def index(request):
    """The year's study: all of the office's for managers, one's own for a participant."""
    user = request.user
    if not user.office_id and not access.user_offices(user, MANAGE_ROLES):
        raise PermissionDenied("学习教育仅面向巡察机构人员。")
    year = _year(request)
    span = _span(year)
    form = request.GET.get("form", "")
    sessions = access.visible(StudySession.objects.all(), user).filter(date__range=span)
    if form in {f.value for f in SESSION_FORMS}:
        sessions = sessions.filter(form=form)
    sessions = sessions.select_related("host", "branch").order_by("-date", "-pk")[:300]
    own = access.visible(SelfStudy.objects.all(), user).filter(date__range=span)
    reflections = access.visible(Reflection.objects.all(), user).select_related(
        "author", "session", "self_study"
    )
    reflections = reflections.filter(submitted_at__year=year).order_by("-submitted_at")[:300]
    return render(
        request,
        "study/index.html",
        {
            "year": year,
            "years": range(timezone.localdate().year, timezone.localdate().year - 5, -1),
            "form": form,
            "forms": SESSION_FORMS,
            "sessions": sessions,
            "self_study": own.select_related("person").order_by("-date", "-pk")[:300],
            "reflections": reflections,
            "manager": bool(access.user_offices(user, MANAGE_ROLES)),
        },
    )


class SessionForm(forms.Form):
    form = forms.ChoiceField(
        label="学习形式",
        choices=[(f.value, f.label) for f in SESSION_FORMS],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    date = forms.DateField(
        label="学习日期",
        widget=forms.DateInput({"type": "date", **INPUT}, format="%Y-%m-%d"),  # edit: shown
    )
    topic = forms.CharField(label="学习主题", max_length=200, widget=forms.TextInput(INPUT))
    host = forms.ModelChoiceField(
        label="主持人（领学人）", queryset=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    branch = forms.ModelChoiceField(
        label="党支部（支部带学）",
        queryset=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    hours = forms.DecimalField(
        label="学时", initial=2, max_digits=4, decimal_places=1, widget=forms.NumberInput(INPUT)
    )
    materials = forms.CharField(
        label="学习材料（法规制度、文件，每行一项）",
        required=False,
        widget=forms.Textarea({"rows": 3, **INPUT}),
    )
    rules = forms.ModelMultipleChoiceField(
        label="法规制度库中的学习材料",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select"}),
    )
    minutes = forms.CharField(
        label="学习纪要", required=False, widget=forms.Textarea({"rows": 4, **INPUT})
    )

    def __init__(self, *args, office, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rules"].queryset = services.library_rules(office)
        self.fields["host"].queryset = services.office_people(office)
        self.fields["branch"].queryset = StudyBranch.objects.filter(office=office)
        for name in ("host", "branch"):
            self.fields[name].label_from_instance = lambda o: getattr(o, "full_name", "") or str(o)


def _session_fields(data) -> dict:
    """The session's own fields from a valid SessionForm (create and edit)."""
    return {name: data[name] for name in (*services.EDITABLE, "rules")}


def _attendance_from(request, people):
    rows, echo = [], {}
    for p in people:
        status = request.POST.get(f"att-{p.pk}", "")
        reason = request.POST.get(f"reason-{p.pk}", "")
        echo[p.pk] = (status, reason)
        if status:
            rows.append((p, status, reason))
    return rows, echo


@login_required
def session_new(request):
    office = _managed_office(request.user)
    people = list(services.office_people(office))
    form = SessionForm(request.POST or None, office=office)
    echo = {}
    if request.method == "POST":
        rows, echo = _attendance_from(request, people)
        if form.is_valid():
            d = form.cleaned_data
            try:
                session = services.session_create(
                    office=office,
                    **_session_fields(d),
                    attendance=rows,
                    files=request.FILES.getlist("files"),
                    actor=request.user,
                )
            except DomainError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, "学习活动已登记。")
                return redirect("study:session_detail", session.pk)
    attendance = [(p, *echo.get(p.pk, ("present", ""))) for p in people]
    return render(
        request,
        "study/session_form.html",
        {"form": form, "attendance": attendance, "statuses": Attendance.Status.choices},
    )


@login_required
def session_edit(request, pk):
    """Correct a session: the host or the office's study roles, while its year is open."""
    session = _session(request, pk, "edit")
    initial = {
        "form": session.form,
        "date": session.date,
        "topic": session.topic,
        "host": session.host_id,
        "branch": session.branch_id,
        "hours": session.hours,
        "materials": session.materials,
        "rules": list(session.rules.values_list("pk", flat=True)),
        "minutes": session.minutes,
    }
    form = SessionForm(request.POST or None, office=session.office, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.session_update(session=session, **_session_fields(d), actor=request.user)
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "学习活动已修改。")
            return redirect("study:session_detail", session.pk)
    return render(
        request,
        "study/session_form.html",
        {
            "form": form,
            "session": session,
            "locked": services.locked(session.office, session.date.year),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def session_delete(request, pk):
    session = _session(request, pk, "change")
    try:
        services.session_delete(session=session, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("study:session_detail", session.pk)
    messages.success(request, "学习活动已删除。")
    return redirect(f"{reverse('study:index')}?year={session.date.year}")


def _session(request, pk, action="view"):
    return access.get_for_user(
        StudySession.objects.select_related("host", "branch", "office"), request.user, pk, action
    )


@login_required
def session_detail(request, pk):
    session = _session(request, pk)
    user = request.user
    may_change = access.can(user, session, "change")
    attendance = list(session.attendance.select_related("person"))
    mine = next((a for a in attendance if a.person_id == user.pk), None)
    reflections = access.visible(Reflection.objects.filter(session=session), user)
    reflections = reflections.select_related("author")
    may_reflect = (
        (mine is not None and mine.status != Attendance.Status.ABSENT) or session.host_id == user.pk
    ) and not Reflection.objects.filter(session=session, author=user).exists()
    rows = []
    if may_change:
        listed = {a.person_id: a for a in attendance}
        for p in services.office_people(session.office):
            a = listed.get(p.pk)
            rows.append((p, a.status if a else "", a.reason if a else ""))
    return render(
        request,
        "study/session_detail.html",
        {
            "session": session,
            "attendance": attendance,
            "reflections": reflections,
            "files": session.files.all(),
            "may_change": may_change,
            "may_edit": may_change or session.host_id == user.pk,
            "locked": services.locked(session.office, session.date.year),
            "may_reflect": may_reflect,
            "rows": rows,
            "statuses": Attendance.Status.choices,
            # The host attended (stats.compute counts them once, listed or not).
            "present": 1
            + sum(
                1
                for a in attendance
                if a.status == Attendance.Status.PRESENT and a.person_id != session.host_id
            ),
            "listed": 1 + sum(1 for a in attendance if a.person_id != session.host_id),
        },
    )


def _do(request, call, success: str, *, to: str, pk: int):
    """Run one service call for a POST, report it as a message, go back to the page."""
    try:
        call()
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, success)
    return redirect(to, pk)


@login_required
@require_POST
def session_attendance(request, pk):
    session = _session(request, pk, "change")
    rows, _ = _attendance_from(request, list(services.office_people(session.office)))
    return _do(
        request,
        lambda: services.attendance_set(session=session, rows=rows, actor=request.user),
        "出勤情况已保存。",
        to="study:session_detail",
        pk=session.pk,
    )


@login_required
@require_POST
def session_files(request, pk):
    session = _session(request, pk, "change")
    files = request.FILES.getlist("files")
    return _do(
        request,
        lambda: services.session_files_add(session=session, files=files, actor=request.user),
        "学习材料已上传。",
        to="study:session_detail",
        pk=session.pk,
    )


@login_required
def file_download(request, pk):
    row = access.get_for_user(SessionFile, request.user, pk)
    record_read(actor=request.user, obj=row, summary=f"下载学习材料：{row.original_name}")
    response = FileResponse(row.file.open("rb"), content_type=row.content_type)
    return attachment_response(response, row.original_name, row.content_type)


class SelfStudyForm(forms.Form):
    date = forms.DateField(label="学习日期", widget=forms.DateInput({"type": "date", **INPUT}))
    material = forms.CharField(label="学习材料", max_length=300, widget=forms.TextInput(INPUT))
    hours = forms.DecimalField(
        label="学时", max_digits=4, decimal_places=1, widget=forms.NumberInput(INPUT)
    )


@login_required
def self_study_new(request):
    """A member records their own self-study."""
    user = request.user
    if not user.office_id:
        raise PermissionDenied("学习教育仅面向巡察机构人员。")
    form = SelfStudyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = services.self_study_create(
                office=user.office,
                person=user,
                date=d["date"],
                material=d["material"],
                hours=d["hours"],
                actor=user,
            )
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, "个人自学已登记，可以继续提交心得体会。")
            return redirect("study:self_reflection", row.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "登记个人自学", "submit_label": "登记"}
    )


class ReflectionForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200, widget=forms.TextInput(INPUT))
    text = forms.CharField(
        label="正文",
        max_length=services.MAX_REFLECTION,
        widget=forms.Textarea({"rows": 12, **INPUT}),
    )


def _reflection_page(request, *, session=None, self_study=None):
    form = ReflectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = services.reflection_submit(
                author=request.user,
                session=session,
                self_study=self_study,
                title=form.cleaned_data["title"],
                text=form.cleaned_data["text"],
                actor=request.user,
            )
        except DomainError as e:
            form.add_error(None, e.message)
        else:
            if row.flags:
                messages.warning(
                    request, "心得体会已提交；文字检查发现需要注意的段落，已在文中标出。"
                )
            else:
                messages.success(request, "心得体会已提交。")
            return redirect("study:reflection_detail", row.pk)
    source = str(session) if session else f"个人自学：{self_study}"
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"提交心得体会 · {source}", "submit_label": "提交"},
    )


@login_required
def session_reflection(request, pk):
    return _reflection_page(request, session=_session(request, pk))


@login_required
def self_reflection(request, pk):
    row = access.get_for_user(SelfStudy, request.user, pk)
    return _reflection_page(request, self_study=row)


def _reflection(request, pk, action="view"):
    return access.get_for_user(
        Reflection.objects.select_related("author", "session__host", "self_study", "commented_by"),
        request.user,
        pk,
        action,
    )


@login_required
def reflection_detail(request, pk):
    row = _reflection(request, pk)
    confidential(row, actor=request.user)  # the text and the comment shown
    return render(
        request,
        "study/reflection_detail.html",
        {
            "reflection": row,
            "passages": hygiene.passages(row.text, row.flags),
            "counts": {
                label: sum(1 for f in row.flags if f["kind"] == kind)
                for kind, label in hygiene.KIND_LABELS.items()
            },
            "may_comment": access.can(request.user, row, "comment"),
        },
    )


@login_required
@require_POST
def reflection_comment(request, pk):
    row = _reflection(request, pk, "comment")
    comment = request.POST.get("comment")
    return _do(
        request,
        lambda: services.reflection_comment(reflection=row, comment=comment, actor=request.user),
        "点评已保存。",
        to="study:reflection_detail",
        pk=row.pk,
    )


@login_required
@require_POST
def reflection_recheck(request, pk):
    row = _reflection(request, pk, "comment")
    services.reflection_recheck(reflection=row, actor=request.user)
    messages.success(request, "已重新检查。")
    return redirect("study:reflection_detail", row.pk)


@login_required
def branches(request):
    office = _managed_office(request.user)
    people = list(services.office_people(office))
    if request.method == "POST":
        chosen = set(request.POST.getlist("members"))
        members = [p for p in people if str(p.pk) in chosen]
        secretary = next((p for p in people if str(p.pk) == request.POST.get("secretary")), None)
        branch = None
        if request.POST.get("branch"):
            branch = access.get_for_user(
                StudyBranch, request.user, request.POST.get("branch"), "change"
            )
        try:
            services.branch_save(
                office=office,
                name=request.POST.get("name"),
                members=members,
                secretary=secretary,
                branch=branch,
                actor=request.user,
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "支部已保存。")
        return redirect("study:branches")
    rows = access.visible(StudyBranch.objects.filter(office=office), request.user, "change")
    return render(
        request,
        "study/branches.html",
        {
            "branches": rows.prefetch_related("members").select_related("secretary"),
            "people": people,
        },
    )


@login_required
def plan(request):
    office = _managed_office(request.user)
    year = _year(request)
    current = access.visible(StudyPlan.objects.filter(office=office, year=year), request.user)
    current = current.first()
    if request.method == "POST":
        try:
            services.plan_save(
                office=office,
                year=request.POST.get("year"),
                centre=request.POST.get("centre_sessions"),
                branch=request.POST.get("branch_sessions"),
                exchange=request.POST.get("exchange_sessions"),
                hours_per_person=request.POST.get("hours_per_person"),
                note=request.POST.get("note", ""),
                locked=bool(request.POST.get("locked")),
                actor=request.user,
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "年度学习计划已保存。")
            return redirect(f"{request.path}?year={request.POST.get('year')}")
    return render(request, "study/plan.html", {"plan": current, "year": year, "office": office})


def _stats(request):
    office = _managed_office(request.user)
    year = _year(request)
    return stats.compute(office, year, services.office_people(office))


@login_required
def stats_page(request):
    result = _stats(request)
    people = [(r, result.meets_hours(r)) for r in result.people]
    return render(request, "study/stats.html", {"stats": result, "people": people})


@login_required
def stats_download(request):
    result = _stats(request)
    mark = watermark_text(request.user)
    data = exports.stats_xlsx(result, watermark=mark)
    record(
        actor=request.user,
        action=Action.EXPORT,
        object_type="study.stats",
        summary=f"导出{result.year}年度学习统计",
        changes={"office": result.office.pk, "year": result.year, "watermark": mark},
    )
    response = HttpResponse(data, content_type=XLSX)
    return attachment_response(response, f"学习统计-{result.year}.xlsx", XLSX)
