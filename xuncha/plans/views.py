import json
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, TextField
from django.db.models.functions import Cast
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Office, Unit
from xuncha.plans import calendar as workcal
from xuncha.plans import coverage as cov
from xuncha.plans import documents, services, villages
from xuncha.plans.forms import (
    AssignForm,
    DeclarationForm,
    EmploymentForm,
    InspectorForm,
    PlanForm,
    PlanSettingsForm,
    RelationForm,
    RoundForm,
    TermForm,
    TieForm,
    WorkdayForm,
)
from xuncha.plans.models import (
    EDIT_ROLES,
    PLAN_ROLES,
    AnnualPlan,
    Declaration,
    Inspection,
    Inspector,
    PlanSettings,
    Round,
    TeamMember,
    Term,
    WorkdayOverride,
    is_reader,
)
from xuncha.plans.recusal import find_conflicts
from xuncha.plans.suggest import pool_for, pool_label, suggest

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _offices(user, roles=PLAN_ROLES):
    if access.is_sysadmin(user):
        return list(Office.objects.all())
    return access.user_offices(user, roles)


def _require_plan_role(user):
    if not _offices(user):
        raise PermissionDenied("需要巡察办或领导小组角色。")


def _docx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name):
    from urllib.parse import quote

    return quote(name)


@login_required
def plan_list(request):
    if not is_reader(request.user):  # 纪委监委/组织部 named as readers list plans too
        _require_plan_role(request.user)
    terms = (
        access.visible(Term.objects.select_related("office"), request.user)
        .prefetch_related(
            Prefetch(
                "plans",
                queryset=access.visible(AnnualPlan.objects.all(), request.user)
                .annotate(
                    n_rounds=Count("rounds", distinct=True), n_insp=Count("rounds__inspections")
                )
                .order_by("-year"),
            )
        )
        .order_by("office__path", "-start")
    )
    editable = {o.pk for o in _offices(request.user, EDIT_ROLES)}
    admin_offices = {o.pk for o in _offices(request.user, {"office_admin"})}
    return render(
        request,
        "plans/plan_list.html",
        {
            "terms": terms,
            "editable": editable,
            "admin_offices": admin_offices,
            "form": PlanForm(),
            "plan_role": bool(_offices(request.user)),  # not a reader only: coverage, calendar
        },
    )


@login_required
def term_create(request):
    offices = _offices(request.user, EDIT_ROLES)
    if not offices:
        raise PermissionDenied("需要巡察办角色。")
    form = TermForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.term_create(office=offices[0], actor=request.user, **form.cleaned_data)
            messages.success(request, "已设置届期。")
            return redirect("plans:plan_list")
        except DomainError as e:
            form.add_error(None, e.message)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"{offices[0]} 设置届期", "submit_label": "保存"},
    )


@login_required
@require_POST
def plan_create(request, pk):
    term = access.get_for_user(Term, request.user, pk, "change")
    form = PlanForm(request.POST)
    if form.is_valid():
        try:
            plan = services.plan_create(term=term, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已新建{plan}。")
            return redirect("plans:plan_detail", plan.pk)
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(request, "请填写正确的年度。")
    return redirect("plans:plan_list")


def _gantt(rounds):
    """Rows for the ECharts Gantt chart: one bar per inspection, grouped by round."""
    rows = []
    for rnd in rounds:
        rows.append(
            {
                "label": f"第{rnd.number}轮",
                "start": str(rnd.start),
                "end": str(rnd.end),
                "round": True,
            }
        )
        for insp in rnd.inspections.all():
            team = getattr(insp, "team", None)
            units = "、".join(u.name for u in insp.units.all())
            rows.append(
                {
                    "label": f"{team.name if team else ''} {units}"[:40],
                    "start": str(insp.start),
                    "end": str(insp.end),
                    "round": False,
                    "kind": insp.get_kind_display(),
                }
            )
    return rows


@login_required
def plan_detail(request, pk):
    plan = access.get_for_user(AnnualPlan.objects.select_related("term__office"), request.user, pk)
    office = plan.term.office
    services.reader_read(plan=plan, actor=request.user)
    rounds = list(
        plan.rounds.prefetch_related(
            "inspections__units__office",
            "inspections__office",
            "inspections__team_office",
            "inspections__team__members__inspector",
            "inspections__revisits__round__plan",
        )
    )
    can_edit = services.holds(request.user, office, EDIT_ROLES)
    cfg = PlanSettings.for_office(office)
    for rnd in rounds:
        for insp in rnd.inspections.all():
            insp.duration_warning = villages.duration_warning(insp, cfg)
            insp.direction_text = insp.direction()
    return render(
        request,
        "plans/plan_detail.html",
        {
            "plan": plan,
            "office": office,
            "rounds": rounds,
            "events": plan.events.select_related("actor"),
            "transitions": services.transitions_for(plan, request.user),
            "can_edit": can_edit,
            "needs_secretary": services.requires_secretary(office),
            # While the leading group has the plan, rounds and assignments stay as submitted.
            "can_change": plan.state != AnnualPlan.State.SUBMITTED,
            "round_form": RoundForm(),
            "gantt": _gantt(rounds),
            **_hot_units(request.user, office),
        },
    )


@login_required
@require_POST
def plan_transition(request, pk):
    plan = access.get_for_user(AnnualPlan, request.user, pk)
    try:
        services.plan_transition(
            plan=plan,
            target=request.POST.get("target", ""),
            actor=request.user,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, "计划状态已更新。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("plans:plan_detail", plan.pk)


@login_required
@require_POST
def plan_secretary(request, pk):
    from datetime import date

    plan = access.get_for_user(AnnualPlan.objects.select_related("term__office"), request.user, pk)
    try:
        day = date.fromisoformat(request.POST.get("approved_on", ""))
    except ValueError:
        day = None
    try:
        services.plan_secretary_record(
            plan=plan,
            approved_on=day,
            secretary_name=request.POST.get("secretary_name", ""),
            actor=request.user,
        )
        messages.success(request, "党委书记审批已登记。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("plans:plan_detail", plan.pk)


@login_required
@require_POST
def round_create(request, pk):
    plan = access.get_for_user(
        AnnualPlan.objects.select_related("term__office"), request.user, pk, "change"
    )
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            rnd = services.round_create(plan=plan, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已新增{rnd}。")
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(request, "请填写轮次的开始和结束日期。")
    return redirect("plans:plan_detail", plan.pk)


@login_required
def assign(request, pk):
    rnd = access.get_for_user(
        Round.objects.select_related("plan__term__office"), request.user, pk, "change"
    )
    office = rnd.plan.term.office
    units = Unit.objects.filter(
        office__path__startswith=office.path, status=Unit.Status.ACTIVE
    ).order_by("path")
    revisits = (
        Inspection.objects.filter(office=office)
        .exclude(kind=Inspection.Kind.REVISIT)
        .select_related("round__plan")
    )
    form = AssignForm(
        request.POST or None,
        units=units,
        revisits=revisits,
        team_offices=services.team_office_choices(office),
    )
    if request.method == "POST" and form.is_valid():
        try:
            insp = services.inspection_create(round=rnd, actor=request.user, **form.cleaned_data)
            messages.success(request, "已分配巡察任务，请组建巡察组。")
            if warning := villages.duration_warning(insp):
                messages.warning(request, warning)
            return redirect("plans:team_compose", insp.pk)
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(request, "plans/assign.html", {"form": form, "round": rnd})


@login_required
def team_compose(request, pk):
    inspection = access.get_for_user(
        Inspection.objects.select_related("office", "round__plan", "team", "team_office"),
        request.user,
        pk,
        "change",
    )
    pool = pool_for(inspection).select_related("office").order_by("name")
    error = None
    if request.method == "POST":
        members, overrides = [], {}
        for key, role in request.POST.items():
            if key.startswith("role_") and role:
                inspector_id = int(key[5:])
                members.append((inspector_id, role))
                reason = request.POST.get(f"override_{inspector_id}", "").strip()
                if reason:
                    overrides[inspector_id] = reason
        try:
            services.team_compose(
                inspection=inspection, members=members, overrides=overrides, actor=request.user
            )
            messages.success(request, "巡察组已组建，成员须填报回避声明。")
            return redirect("plans:team_compose", inspection.pk)
        except DomainError as e:
            error = e.message
    current = (
        {
            m.inspector_id: m
            for m in inspection.team.members.select_related("declaration", "inspector")
        }
        if hasattr(inspection, "team")
        else {}
    )
    posted = {int(k[5:]): v for k, v in request.POST.items() if k.startswith("role_") and v}
    chosen_ids = set(posted or {pk: m.role for pk, m in current.items()})
    suggestions = suggest(inspection, request.GET.getlist("need") or None, limit=15)
    shown = {s.inspector_id for s in suggestions}
    extra_ids = [int(x) for x in request.GET.getlist("add") if x.isdigit()]
    candidates = list(
        pool.filter(pk__in=chosen_ids | shown | set(extra_ids)).select_related("home_unit")
    )
    # Members chosen earlier but outside today's pool still show, so they can be taken off.
    listed = {c.pk for c in candidates}
    candidates += [
        m.inspector for pk, m in current.items() if pk not in listed and pk in chosen_ids
    ]
    conflicts = find_conflicts(
        office=inspection.office,
        kind=inspection.kind,
        units=list(inspection.units.all()),
        inspector_ids=[c.pk for c in candidates],
    )
    rows = []
    roles_now = posted or {pk: m.role for pk, m in current.items()}
    sugg_map = {s.inspector_id: s for s in suggestions}
    for c in candidates:
        rows.append(
            {
                "inspector": c,
                "role": roles_now.get(c.pk, ""),
                "conflicts": conflicts.get(c.pk, []),
                "suggestion": sugg_map.get(c.pk),
                "member": current.get(c.pk),
                "declared": _declared(current.get(c.pk)),
                "override": request.POST.get(f"override_{c.pk}", ""),
                # The inspector's page (relations, jobs) is the own office's to read.
                "linked": c.office_id == inspection.office_id,
            }
        )
    rows.sort(
        key=lambda r: (
            not r["role"],
            -(r["suggestion"].score if r["suggestion"] else -99),
            r["inspector"].name,
        )
    )
    return render(
        request,
        "plans/team_compose.html",
        {
            "inspection": inspection,
            "direction": inspection.direction(),
            "pool_label": pool_label(inspection),
            "rows": rows,
            "roles": TeamMember.Role.choices,
            "error": error,
            "pool": pool.exclude(pk__in=[c.pk for c in candidates])[:500],
            "is_admin": services.holds(request.user, inspection.office, {"office_admin"}),
            "expertise": Inspector.EXPERTISE,
            "needs": request.GET.getlist("need"),
        },
    )


def _declared(member) -> bool:
    """A member's own conflict declaration not yet resolved by an override."""
    decl = getattr(member, "declaration", None) if member else None
    return bool(decl and decl.has_conflict and not decl.override_reason)


@login_required
def appointment_docx(request, pk):
    inspection = access.get_for_user(
        Inspection.objects.select_related("office", "round__plan"), request.user, pk
    )
    if (
        not hasattr(inspection, "team")
        or not inspection.team.members.filter(role="leader").exists()
    ):
        messages.error(request, "巡察组尚未确定组长，不能生成授权书。")
        return redirect("plans:plan_detail", inspection.round.plan_id)
    data = documents.render(documents.team_appointment(inspection, request.user))
    return _docx(data, f"{inspection.team.name}组长授权书.docx")


@login_required
def work_plan_docx(request, pk):
    plan = access.get_for_user(AnnualPlan.objects.select_related("term__office"), request.user, pk)
    data = documents.render(documents.work_plan(plan, request.user))
    services.reader_read(plan=plan, actor=request.user, what="下载")
    return _docx(data, f"{plan.year}年度巡察工作计划.docx")


@login_required
def declaration(request, pk):
    decl = access.get_for_user(
        Declaration.objects.select_related("member__inspector", "member__team__inspection"),
        request.user,
        pk,
    )
    own = decl.member.inspector.user_id == request.user.pk
    form = DeclarationForm(
        request.POST or None,
        initial={
            "has_conflict": "1" if decl.has_conflict or decl.known_conflicts else "0",
            "statement": decl.statement or "；".join(decl.known_conflicts),
        },
    )
    if request.method == "POST":
        if not own:
            raise PermissionDenied("回避声明须由本人填报。")
        if form.is_valid():
            try:
                services.declaration_submit(
                    declaration=decl, actor=request.user, **form.cleaned_data
                )
                messages.success(request, "回避声明已提交。")
                return redirect("plans:declaration", decl.pk)
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
    inspection = decl.member.team.inspection
    return render(
        request,
        "plans/declaration.html",
        {
            "decl": decl,
            "form": form,
            "own": own,
            "may_override": (decl.has_conflict or decl.known_conflicts)
            and services.holds(request.user, inspection.office, {"office_admin"}),
        },
    )


@login_required
@require_POST
def declaration_override(request, pk):
    decl = access.get_for_user(
        Declaration.objects.select_related("member__inspector", "member__team__inspection"),
        request.user,
        pk,
    )
    try:
        services.declaration_override(
            declaration=decl, reason=request.POST.get("reason", ""), actor=request.user
        )
        messages.success(request, "已特批，理由已记入审计日志。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("plans:declaration", decl.pk)


@login_required
def declaration_docx(request, pk):
    decl = access.get_for_user(
        Declaration.objects.select_related("member__inspector", "member__team__inspection__office"),
        request.user,
        pk,
    )
    data = documents.render(documents.declaration_form(decl, request.user))
    return _docx(data, f"回避事项申报表-{decl.member.inspector.name}.docx")


@login_required
def inspector_list(request):
    _require_plan_role(request.user)
    year = timezone.localdate().year
    qs = access.visible(
        Inspector.objects.select_related("office", "home_unit"), request.user
    ).annotate(
        workload=Count("memberships", filter=Q(memberships__team__inspection__start__year=year))
    )
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(name__contains=q)
    tag = request.GET.get("tag", "")
    if tag in Inspector.EXPERTISE:
        # JSON text: SQLite stores "\uXXXX" escapes, PostgreSQL the characters themselves.
        raw = Cast("expertise", TextField())
        qs = qs.annotate(raw=raw).filter(
            Q(raw__contains=json.dumps(tag)) | Q(raw__contains=json.dumps(tag, ensure_ascii=False))
        )
    from django.core.paginator import Paginator

    page = Paginator(qs.order_by("office__path", "name"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "plans/inspector_list.html",
        {"page": page, "q": q, "tag": tag, "tags": Inspector.EXPERTISE, "year": year},
    )


def _pool_units(office):
    return Unit.objects.filter(office__path__startswith=office.path).order_by("path")


@login_required
def inspector_edit(request, pk=None):
    if pk is None:
        offices = _offices(request.user, EDIT_ROLES)
        if not offices:
            raise PermissionDenied("需要巡察办角色。")
        inspector = Inspector(office=offices[0])
    else:
        inspector = access.get_for_user(Inspector, request.user, pk, "change")
    form = InspectorForm(
        request.POST or None, instance=inspector, units=_pool_units(inspector.office)
    )
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.Meta.fields}
        try:
            inspector = services.inspector_save(inspector=inspector, data=data, actor=request.user)
            messages.success(request, "已保存。")
            return redirect("plans:inspector_detail", inspector.pk)
        except DomainError as e:
            form.add_error(None, e.message)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": "巡察干部信息", "submit_label": "保存"},
    )


HISTORY_FORMS = {"relation": RelationForm, "employment": EmploymentForm, "tie": TieForm}


@login_required
@require_POST
def inspector_history_add(request, pk, kind):
    inspector = access.get_for_user(Inspector, request.user, pk, "change")
    form_class = HISTORY_FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST)
    form.fields["unit"].queryset = _pool_units(inspector.office)
    if form.is_valid():
        try:
            services.inspector_history_add(
                inspector=inspector, row=form.save(commit=False), actor=request.user
            )
            messages.success(request, "已添加。")
        except DomainError as e:
            messages.error(request, e.message)
    else:
        messages.error(
            request, "请完整填写：" + "；".join(f"{form.fields[f].label}" for f in form.errors)
        )
    return redirect("plans:inspector_detail", inspector.pk)


@login_required
def inspector_detail(request, pk):
    inspector = access.get_for_user(
        Inspector.objects.select_related("office", "home_unit"), request.user, pk
    )
    return render(
        request,
        "plans/inspector_detail.html",
        {
            "inspector": inspector,
            "relations": inspector.relations.select_related("unit"),
            "employment": inspector.employment.select_related("unit"),
            "ties": inspector.ties.select_related("unit"),
            "can_edit": services.holds(request.user, inspector.office, EDIT_ROLES),
            "history_forms": {k: f() for k, f in HISTORY_FORMS.items()},
            "panel": _training_panel(request.user, inspector),
        },
    )


def _training_panel(user, inspector) -> dict:
    """Training hours and the rounds served with their ratings (the training app)."""
    from xuncha.training.selectors import inspector_panel

    return inspector_panel(user, inspector)


def _hot_units(user, office) -> dict:
    """Units the people report most about (analytics app), to help choose targets."""
    from xuncha.analytics.hot import planning_panel

    return planning_panel(user, office)


@login_required
def coverage(request):
    _require_plan_role(request.user)
    terms = access.visible(Term.objects.select_related("office"), request.user).order_by(
        "office__path", "-start"
    )
    term_id = request.GET.get("term", "")
    term = None
    if term_id.isdigit():
        term = access.get_for_user(
            Term.objects.select_related("office"), request.user, int(term_id)
        )
    else:
        office = _offices(request.user)[0]
        term = cov.current_term(office)
    data = cov.compute(term, timezone.localdate()) if term else None
    subordinates = cov.subordinate_summary(term.office, timezone.localdate()) if term else []
    return render(
        request,
        "plans/coverage.html",
        {
            "terms": terms,
            "term": term,
            "cov": data,
            "tiles": cov.district_grid(data) if data else [],
            "subordinates": subordinates,
            **_hot_units(request.user, term.office if term else None),
            "chart": {
                "progress": data.progress,
                "by_district": [d.as_dict() for d in data.by_district],
            }
            if data
            else {},
            "uncovered": (data.uncovered[:200] if data else []),
            "kind_labels": [
                str(label)
                for value, label in Inspection.Kind.choices
                if data and value in data.counting_kinds
            ],
        },
    )


@login_required
def calendar_view(request):
    _require_plan_role(request.user)
    offices = _offices(request.user)
    office = offices[0]
    if request.GET.get("office", "").isdigit():
        office = access.get_for_user(Office, request.user, int(request.GET["office"]))
    today = timezone.localdate()
    year = int(request.GET["year"]) if request.GET.get("year", "").isdigit() else today.year
    month = int(request.GET["month"]) if request.GET.get("month", "").isdigit() else today.month
    month = min(max(month, 1), 12)
    form = WorkdayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.workday_set(office=office, actor=request.user, **form.cleaned_data)
            messages.success(request, "工作日历已更新。")
            return redirect(f"{reverse('plans:calendar')}?year={year}&month={month}")
        except DomainError as e:
            messages.error(request, e.message)
    rounds = (
        access.visible(Round.objects.all(), request.user)
        .filter(plan__term__office=office, plan__year=year)
        .prefetch_related("inspections__units", "inspections__team")
        .order_by("number")
    )
    return render(
        request,
        "plans/calendar.html",
        {
            "office": office,
            "year": year,
            "month": month,
            "months": range(1, 13),
            "weeks": workcal.month_grid(office, year, month),
            "overrides": access.visible(WorkdayOverride.objects.all(), request.user).filter(
                office=office, day__year=year
            ),
            "form": form,
            "can_edit": services.holds(request.user, office, EDIT_ROLES),
            "gantt": _gantt(rounds),
            "example": workcal.add_working_days(office, date(year, month, 1), 15),
        },
    )


@login_required
@require_POST
def workday_delete(request, pk):
    row = access.get_for_user(WorkdayOverride, request.user, pk, "change")
    services.workday_delete(row=row, actor=request.user)
    messages.success(request, "已删除该调整。")
    return redirect("plans:calendar")


@login_required
def settings_view(request):
    offices = _offices(request.user, {"office_admin"})
    if not offices:
        raise PermissionDenied("需要巡察办管理员角色。")
    office = offices[0]
    instance = PlanSettings.for_office(office)
    form = PlanSettingsForm(
        request.POST or None,
        instance=instance,
        reader_choices=services.reader_choices(office),
        initial={
            "coverage_kinds": instance.counting_kinds(),
            "durations_text": villages.format_durations(instance),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            data = dict(form.cleaned_data)
            data["durations"] = villages.parse_durations(data.pop("durations_text", ""))
            readers = data.pop("readers", None)
            services.settings_update(office=office, data=data, readers=readers, actor=request.user)
            messages.success(request, "设置已保存。")
            return redirect("plans:settings")
        except DomainError as e:
            messages.error(request, e.message)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"{office} 回避规则与覆盖口径设置", "submit_label": "保存设置"},
    )


# --- Editing and deleting rounds and assignments; the term's due units --------------------


def _editable_round(request, pk):
    return access.get_for_user(
        Round.objects.select_related("plan__term__office"), request.user, pk, "change"
    )


@login_required
def round_edit(request, pk):
    rnd = _editable_round(request, pk)
    initial = {"start": rnd.start, "end": rnd.end, "name": rnd.name}
    form = RoundForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.round_update(round=rnd, actor=request.user, **form.cleaned_data)
            messages.success(request, f"已调整{rnd}。")
            return redirect("plans:plan_detail", rnd.plan_id)
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"调整{rnd}", "submit_label": "保存调整"},
    )


@login_required
@require_POST
def round_delete(request, pk):
    rnd = _editable_round(request, pk)
    try:
        services.round_delete(round=rnd, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"已删除{rnd}。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("plans:plan_detail", rnd.plan_id)


def _editable_inspection(request, pk):
    return access.get_for_user(
        Inspection.objects.select_related("round__plan__term__office", "office"),
        request.user,
        pk,
        "change",
    )


@login_required
def inspection_edit(request, pk):
    from xuncha.plans.forms import AssignEditForm

    inspection = _editable_inspection(request, pk)
    rnd = inspection.round
    office = rnd.plan.term.office
    units = Unit.objects.filter(
        office__path__startswith=office.path, status=Unit.Status.ACTIVE
    ).order_by("path")
    revisits = (
        Inspection.objects.filter(office=office)
        .exclude(kind=Inspection.Kind.REVISIT)
        .exclude(pk=inspection.pk)
        .select_related("round__plan")
    )
    initial = {
        "kind": inspection.kind,
        "units": list(inspection.units.values_list("pk", flat=True)),
        "theme": inspection.theme,
        "revisits": inspection.revisits_id,
        "team_office": inspection.team_office_id,
        "start": inspection.start,
        "end": inspection.end,
    }
    form = AssignEditForm(
        request.POST or None,
        initial=initial,
        units=units,
        revisits=revisits,
        team_offices=services.team_office_choices(office),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.inspection_update(
                inspection=inspection, actor=request.user, **form.cleaned_data
            )
            messages.success(request, "已调整巡察任务。")
            inspection.refresh_from_db()
            if warning := villages.duration_warning(inspection):
                messages.warning(request, warning)
            return redirect("plans:plan_detail", rnd.plan_id)
        except DomainError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
    return render(
        request,
        "plans/assign.html",
        {"form": form, "round": rnd, "inspection": inspection, "editing": True},
    )


@login_required
@require_POST
def inspection_delete(request, pk):
    inspection = _editable_inspection(request, pk)
    try:
        services.inspection_delete(
            inspection=inspection, actor=request.user, reason=request.POST.get("reason", "")
        )
        messages.success(request, "已删除巡察任务。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("plans:plan_detail", inspection.round.plan_id)


@login_required
def due_units(request, pk):
    """届内规划: which units must be inspected in the term (office administrator)."""
    from xuncha.plans.forms import DueAddForm
    from xuncha.plans.models import TermDueUnit

    term = access.get_for_user(Term.objects.select_related("office"), request.user, pk, "change")
    if not services.holds(request.user, term.office, {"office_admin"}):
        raise PermissionDenied("需要巡察办管理员角色。")
    choices = services.due_unit_choices(term)
    districts = sorted(
        d for d in choices.values_list("district", flat=True).distinct().order_by() if d
    )
    listed = TermDueUnit.objects.filter(term=term)
    # Offer only units not on the list yet (with no list of its own, every unit is due).
    addable = choices.exclude(pk__in=listed.values("unit_id")) if listed.exists() else choices
    form = DueAddForm(request.POST or None, units=addable.order_by("path"), districts=districts)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "remove":
                unit_id = request.POST.get("unit", "")
                if not unit_id.isdigit():
                    raise DomainError("请选择要移出的单位。")
                services.due_unit_remove(term=term, unit_id=int(unit_id), actor=request.user)
                messages.success(request, "已移出该单位。")
                return redirect("plans:due_units", term.pk)
            if action == "reset":
                services.due_units_reset(term=term, actor=request.user)
                messages.success(request, "已恢复为本机构全部现有单位。")
                return redirect("plans:due_units", term.pk)
            if form.is_valid():
                n = services.due_units_add(
                    term=term,
                    actor=request.user,
                    kind=form.cleaned_data["kind"],
                    district=form.cleaned_data["district"],
                    units=list(form.cleaned_data["units"]),
                )
                messages.success(request, f"已加入{n}个单位。")
                return redirect("plans:due_units", term.pk)
        except DomainError as e:
            messages.error(request, e.message)
    rows = list(TermDueUnit.objects.filter(term=term).select_related("unit").order_by("unit__path"))
    custom = bool(rows)
    units = [r.unit for r in rows] if custom else list(choices.order_by("path"))
    return render(
        request,
        "plans/due_units.html",
        {"term": term, "units": units, "custom": custom, "form": form},
    )
