import os
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.org.models import Role, Unit
from xuncha.plans.models import Inspection
from xuncha.rectification import deadlines, exports, forms, selectors, services
from xuncha.rectification.models import (
    Disclosure,
    DisclosureItem,
    Evidence,
    Measure,
    RectificationPlan,
    SupervisionLetter,
)

PS = RectificationPlan.State
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _plan(request, pk, action="view"):
    return access.get_for_user(RectificationPlan, request.user, pk, action)


def _may(plan, user, action):
    return access.visible(RectificationPlan.objects.filter(pk=plan.pk), user, action).exists()


def _fail(request, exc: DomainError, url):
    messages.error(request, exc.message)
    return redirect(url)


class _TempFileResponse(FileResponse):
    """Streams a temporary file and removes it when the response is closed."""

    def __init__(self, path, **kwargs):
        self._temp_path = path
        super().__init__(open(path, "rb"), **kwargs)

    def close(self):
        super().close()
        try:
            os.unlink(self._temp_path)
        except OSError:
            pass


# --------------------------------------------------------------------------- overview


@login_required
def overview(request):
    """All visible measures with traffic lights, filters and pagination (constant queries)."""
    measures = access.visible(Measure.objects.all(), request.user)
    office = request.user.office
    unit_id = request.GET.get("unit", "")
    state = request.GET.get("state", "")
    light = request.GET.get("light", "")
    q = request.GET.get("q", "").strip()
    if unit_id.isdigit():
        measures = measures.filter(
            plan__in=RectificationPlan.objects.filter(unit_id=unit_id).values("pk")
        )
    if state in Measure.State.values:
        measures = measures.filter(state=state)
    if q:
        measures = measures.filter(Q(content__icontains=q) | Q(problem__title__icontains=q))
    measures = selectors.overview_measures(measures, light=light, office=office)
    measures = (
        measures.select_related("plan", "plan__unit", "plan__office", "problem")
        .only(
            "content",
            "deadline",
            "state",
            "long_term",
            "evidence_count",
            "responsible_person",
            "plan__office__id",
            "plan__unit__name",
            "problem__number",
            "problem__title",
        )
        .order_by("deadline", "pk")
    )
    page = Paginator(measures, 25).get_page(request.GET.get("page"))
    selectors.with_lights(page.object_list)
    units = list(
        access.visible(Unit.objects.all(), request.user)
        .filter(pk__in=RectificationPlan.objects.values("unit_id"))
        .order_by("path")
        .values_list("pk", "name")[:500]
    )
    from xuncha.rectification.models import ResultItem
    from xuncha.rectification.results import result_stats

    return render(
        request,
        "rectification/overview.html",
        {
            "result_stats": result_stats(access.visible(ResultItem.objects.all(), request.user)),
            "page": page,
            "units": units,
            "states": Measure.State.choices,
            "lights": [
                (k, deadlines.LIGHT_LABELS[k]) for k in [*deadlines.LIGHTS, deadlines.CLOSED]
            ],
            "filters": {"unit": unit_id, "state": state, "light": light, "q": q},
        },
    )


@login_required
def overview_export(request):
    measures = access.visible(Measure.objects.all(), request.user)
    light = request.GET.get("light", "")
    if request.GET.get("unit", "").isdigit():
        measures = measures.filter(
            plan__in=RectificationPlan.objects.filter(unit_id=request.GET["unit"]).values("pk")
        )
    if request.GET.get("state") in Measure.State.values:
        measures = measures.filter(state=request.GET["state"])
    measures = selectors.overview_measures(measures, light=light, office=request.user.office)
    path = exports.ledger_export(
        title="巡察整改台账（汇总）", measures=measures, actor=request.user
    )
    return _TempFileResponse(
        path, as_attachment=True, filename="整改台账汇总.xlsx", content_type=XLSX
    )


# --------------------------------------------------------------------------- plans


@login_required
def plan_list(request):
    plans = (
        access.visible(RectificationPlan.objects.all(), request.user)
        .select_related("unit", "inspection__round__plan")
        .annotate(
            total=Count("measures", distinct=True),
            closed=Count("measures", filter=Q(measures__state="closed"), distinct=True),
        )
        .order_by("-feedback_date", "pk")
    )
    if request.GET.get("state") in RectificationPlan.State.values:
        plans = plans.filter(state=request.GET["state"])
    page = Paginator(plans, 25).get_page(request.GET.get("page"))
    can_open = (
        request.user.has_role(Role.OFFICE_ADMIN, Role.OFFICE_STAFF)
        or access.is_sysadmin(request.user)
    ) and access.visible(Inspection.objects.all(), request.user, "change").exists()
    return render(request, "rectification/plan_list.html", {"page": page, "can_open": can_open})


@login_required
def plan_open(request):
    inspections = access.visible(Inspection.objects.all(), request.user, "change")
    units = access.visible(Unit.objects.all(), request.user, "change")
    if not inspections.exists():
        raise Http404
    form = forms.PlanOpenForm(request.POST or None, inspections=inspections, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_open(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已向被巡察单位下发整改任务。")
            return redirect("rectification:plan_detail", plan.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "下发整改任务", "submit_label": "下发"}
    )


@login_required
def plan_detail(request, pk):
    plan = _plan(request, pk)
    user = request.user
    problems = list(services.feedback_problems(plan))
    measures = list(
        plan.measures.select_related("problem", "plan", "plan__office").order_by(
            "problem__number", "pk"
        )
    )
    selectors.with_lights(measures)
    by_problem = {p.pk: [] for p in problems}
    for m in measures:
        by_problem.setdefault(m.problem_id, []).append(m)
    rows = [(p, by_problem.get(p.pk, [])) for p in problems]
    can_edit = _may(plan, user, "edit") and plan.state in {PS.DRAFT, PS.RETURNED}
    is_unit = _may(plan, user, "edit")
    is_office = _may(plan, user, "review")
    co_unit = services.co_reviewer_unit(plan, user)
    history = list(plan.history.select_related("actor"))
    labels = dict(PS.choices)
    for h in history:
        h.to_label = labels.get(h.to_state, h.to_state)
    returns = [h for h in history if h.to_state == PS.RETURNED]
    disclosure = Disclosure.objects.filter(plan=plan).first()
    from xuncha.rectification.results_views import plan_context

    return render(
        request,
        "rectification/plan_detail.html",
        {
            **plan_context(plan, user),
            "plan": plan,
            "rows": rows,
            "can_edit": can_edit,
            "is_unit": is_unit,
            "is_office": is_office,
            "co_unit": co_unit,
            "co_can_review": co_unit is not None
            and plan.state == PS.SUBMITTED
            and not plan.opinions.filter(
                submission_no=plan.submission_no, reviewer_unit=co_unit
            ).exists(),
            "transitions": services.plan_transitions_for(plan, user),
            "history": history,
            "last_return": returns[-1] if returns and plan.state == PS.RETURNED else None,
            "opinions": plan.opinions.select_related("reviewer_unit", "reviewer"),
            "co_reviewers": services.config_for(plan.office).co_reviewers.all(),
            "progress": services.plan_progress(plan),
            "reports": plan.reports.all(),
            "letters": plan.letters.all(),
            "disclosure": disclosure,
            "assessment": getattr(plan, "assessment", None),
            "team_rating": getattr(plan, "team_rating", None),
            "edit_form": forms.PlanEditForm(
                initial={"main_leader": plan.main_leader, "summary": plan.summary}
            ),
            "import_form": forms.ImportForm(),
            "report_form": forms.ReportForm(),
            "opinion_form": forms.OpinionForm(),
        },
    )


@login_required
@require_POST
def plan_edit(request, pk):
    plan = _plan(request, pk, "edit")
    form = forms.PlanEditForm(request.POST)
    if form.is_valid():
        try:
            services.plan_update(plan=plan, actor=request.user, **form.cleaned_data)
            messages.success(request, "已保存。")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect("rectification:plan_detail", plan.pk)


@login_required
@require_POST
def plan_transition(request, pk):
    plan = _plan(request, pk)
    try:
        services.plan_transition(
            plan=plan,
            target=request.POST.get("target", ""),
            actor=request.user,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "操作成功。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:plan_detail", plan.pk)


@login_required
@require_POST
def plan_co_review(request, pk):
    plan = _plan(request, pk, "co_review")
    form = forms.OpinionForm(request.POST)
    if form.is_valid():
        try:
            services.plan_co_review(plan=plan, actor=request.user, **form.cleaned_data)
            messages.success(request, "会审意见已提交。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写会审意见。")
    return redirect("rectification:plan_detail", plan.pk)


# --------------------------------------------------------------------------- measures


@login_required
def measure_create(request, pk):
    plan = _plan(request, pk, "edit")
    problem = services.feedback_problems(plan).filter(pk=request.GET.get("problem") or 0).first()
    if problem is None:
        raise Http404
    form = forms.MeasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_create(
                plan=plan, problem=problem, actor=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "整改措施已添加。")
            return redirect("rectification:plan_detail", plan.pk)
    return render(
        request,
        "core/form.html",
        {"form": form, "title": f"为问题 {problem.number} 添加整改措施", "submit_label": "保存"},
    )


@login_required
def measure_edit(request, pk):
    measure = access.get_for_user(Measure, request.user, pk, "edit")
    initial = {f: getattr(measure, f) for f in services.MEASURE_FIELDS}
    form = forms.MeasureForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_update(measure=measure, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "整改措施已修改。")
            return redirect("rectification:plan_detail", measure.plan_id)
    return render(
        request, "core/form.html", {"form": form, "title": "修改整改措施", "submit_label": "保存"}
    )


@login_required
def measure_account(request, pk):
    """The unit's liaison links the measure's responsible person to an account of its unit."""
    measure = access.get_for_user(
        Measure.objects.select_related("plan", "plan__unit", "problem"), request.user, pk, "edit"
    )
    form = forms.ResponsibleAccountForm(
        request.POST or None,
        accounts=services.responsible_accounts(measure.plan),
        initial={"responsible_user": measure.responsible_user_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_set_responsible_user(
                measure=measure, user=form.cleaned_data["responsible_user"], actor=request.user
            )
        except DomainError as exc:
            form.add_error("responsible_user", exc.message)
        else:
            messages.success(request, "责任人账号已保存。")
            return redirect("rectification:measure_detail", measure.pk)
    return render(
        request,
        "core/form.html",
        {
            "form": form,
            "title": f"指定责任人账号 · 问题 {measure.problem.number}（责任人 {measure.responsible_person}）",
            "submit_label": "保存",
        },
    )


@login_required
@require_POST
def measure_delete(request, pk):
    measure = access.get_for_user(Measure, request.user, pk, "edit")
    try:
        services.measure_delete(measure=measure, actor=request.user)
        messages.success(request, "整改措施已删除。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:plan_detail", measure.plan_id)


@login_required
def measure_detail(request, pk):
    return _measure_page(request, pk)


def _measure_page(request, pk, progress_form=None, verify_form=None):
    """The measure page; a form that failed comes back bound, with its errors and what was typed."""
    measure = access.get_for_user(
        Measure.objects.select_related(
            "plan", "plan__unit", "plan__office", "problem", "responsible_user"
        ),
        request.user,
        pk,
    )
    plan = measure.plan
    selectors.with_lights([measure])
    party = services.verifier_party(plan, request.user)
    signed = None
    if party is not None:
        unit = None if party == "office" else party
        signed = measure.verifications.filter(attempt=measure.attempt, reviewer_unit=unit).first()
    return render(
        request,
        "rectification/measure_detail.html",
        {
            "measure": measure,
            "plan": plan,
            "progress": measure.progress.select_related("author").prefetch_related("evidence"),
            "verifications": measure.verifications.select_related("reviewer", "reviewer_unit"),
            "parties": services.verification_parties(plan),
            "is_unit": _may(plan, request.user, "edit"),
            "can_report": _may(plan, request.user, "edit")
            and plan.state in {PS.ADOPTED, PS.COMPLETED}
            and measure.state in {Measure.State.OPEN, Measure.State.RETURNED},
            "can_verify": party is not None
            and measure.state == Measure.State.PENDING
            and signed is None,
            "party": party,
            "progress_form": progress_form or forms.ProgressForm(),
            "verify_form": verify_form or forms.VerifyForm(),
        },
        status=400 if (progress_form or verify_form) else 200,
    )


@login_required
@require_POST
def progress_add(request, pk):
    measure = access.get_for_user(Measure, request.user, pk, "edit")
    form = forms.ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.progress_add(
                measure=measure,
                text=form.cleaned_data["text"],
                files=request.FILES.getlist("files"),
                request_verification=form.cleaned_data["request_verification"],
                actor=request.user,
            )
            messages.success(request, "整改进展已报送。")
            return redirect("rectification:measure_detail", pk)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    return _measure_page(request, pk, progress_form=form)


@login_required
@require_POST
def measure_verify(request, pk):
    measure = access.get_for_user(Measure, request.user, pk)
    form = forms.VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.measure_verify(measure=measure, actor=request.user, **form.cleaned_data)
            messages.success(request, "核验意见已记录。")
        except DomainError as exc:  # e.g. the unit may not close its own measure: no form shown
            messages.error(request, exc.message)
        return redirect("rectification:measure_detail", pk)
    return _measure_page(request, pk, verify_form=form)


@login_required
def evidence_download(request, pk):
    evidence = Evidence.objects.filter(
        pk=pk, measure__in=access.visible(Measure.objects.all(), request.user)
    ).first()
    if evidence is None:
        raise Http404
    path = Path(settings.MEDIA_ROOT) / evidence.path
    if not path.is_file():
        raise Http404
    response = FileResponse(open(path, "rb"), content_type=evidence.content_type)
    return attachment_response(response, evidence.name, evidence.content_type)


# --------------------------------------------------------------------------- ledger


@login_required
def ledger_export(request, pk):
    plan = _plan(request, pk)
    path = exports.ledger_export(
        title=f"{plan.unit.name}巡察整改台账",
        measures=plan.measures.all(),
        actor=request.user,
        obj=plan,
        problems=exports.plan_problem_rows(plan),
    )
    return _TempFileResponse(
        path, as_attachment=True, filename=f"{plan.unit.name}整改台账.xlsx", content_type=XLSX
    )


@login_required
@require_POST
def ledger_import(request, pk):
    plan = _plan(request, pk, "edit")
    form = forms.ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的台账文件。")
        return redirect("rectification:plan_detail", pk)
    report = exports.ledger_import(plan=plan, file=form.cleaned_data["file"], actor=request.user)
    return render(request, "rectification/import_report.html", {"plan": plan, "report": report})


# --------------------------------------------------------------------------- letters, reports


@login_required
def supervision_new(request, pk):
    plan = _plan(request, pk, "review")
    form = forms.SupervisionForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            letter = services.supervision_issue(plan=plan, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已发出{letter.number}。")
            return redirect("rectification:plan_detail", plan.pk)
    return render(
        request, "core/form.html", {"form": form, "title": "发出督办单", "submit_label": "发出"}
    )


@login_required
def supervision_docx(request, pk):
    letter = (
        SupervisionLetter.objects.filter(
            pk=pk, plan__in=access.visible(RectificationPlan.objects.all(), request.user)
        )
        .select_related("plan__unit", "plan__office")
        .first()
    )
    if letter is None:
        raise Http404
    data = services.supervision_letter_docx(letter, actor=request.user)
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''supervision.docx"
    return response


@login_required
@require_POST
def report_submit(request, pk):
    plan = _plan(request, pk, "edit")
    form = forms.ReportForm(request.POST)
    if form.is_valid():
        try:
            services.report_submit(plan=plan, actor=request.user, **form.cleaned_data)
            messages.success(request, "整改报告已报送。")
        except DomainError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "请填写报告内容。")
    return redirect("rectification:plan_detail", pk)


@login_required
def assessment(request, pk):
    plan = _plan(request, pk, "review")
    indicators = list(services.indicators_for(plan.office))
    current = getattr(plan, "assessment", None)
    existing = {s.indicator_id: s.score for s in current.scores.all()} if current else {}
    if request.method == "POST":
        scores = {i.pk: request.POST.get(f"score_{i.pk}", "") for i in indicators}
        try:
            services.assessment_save(
                plan=plan,
                scores=scores,
                comment=request.POST.get("comment", ""),
                actor=request.user,
            )
            messages.success(request, "评估结果已保存。")
            return redirect("rectification:plan_detail", pk)
        except DomainError as exc:
            messages.error(request, exc.message)
            existing = scores
    rows = [(i, existing.get(i.pk, "")) for i in indicators]
    return render(
        request, "rectification/assessment.html", {"plan": plan, "rows": rows, "current": current}
    )


@login_required
def team_rating(request, pk):
    plan = _plan(request, pk, "edit")
    current = getattr(plan, "team_rating", None)
    initial = (
        {f: getattr(current, f) for f in ["discipline", "professionalism", "integrity", "comment"]}
        if current
        else None
    )
    form = forms.TeamRatingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.team_rate(plan=plan, actor=request.user, **form.cleaned_data)
            messages.success(request, "评价已提交。")
            return redirect("rectification:plan_detail", pk)
        except DomainError as exc:
            form.add_error(None, exc.message)
    return render(
        request, "core/form.html", {"form": form, "title": "评价巡察组作风", "submit_label": "提交"}
    )


# --------------------------------------------------------------------------- disclosure


@login_required
def disclosure_edit(request, pk):
    plan = _plan(request, pk)
    disclosure = Disclosure.objects.filter(plan=plan).first()
    is_unit = _may(plan, request.user, "edit")
    problems = list(services.feedback_problems(plan))
    existing = {i.problem_id: i for i in disclosure.items.all()} if disclosure else {}
    if request.method == "POST":
        if not is_unit:
            raise Http404
        items = {
            p.pk: (request.POST.get(f"text_{p.pk}", ""), request.POST.get(f"exempt_{p.pk}", ""))
            for p in problems
        }
        try:
            services.disclosure_draft(
                plan=plan, intro=request.POST.get("intro", ""), items=items, actor=request.user
            )
            messages.success(request, "公开文本已保存。")
            return redirect("rectification:disclosure_edit", pk)
        except DomainError as exc:
            messages.error(request, exc.message)
    rows = []
    for p in problems:
        item = existing.get(p.pk)
        rows.append(
            {
                "problem": p,
                "text": item.public_text if item else p.title,
                "exemption": item.exemption if item else services.default_exemption(p),
            }
        )
    return render(
        request,
        "rectification/disclosure_edit.html",
        {
            "plan": plan,
            "disclosure": disclosure,
            "rows": rows,
            "is_unit": is_unit,
            "editable": is_unit
            and (
                disclosure is None
                or disclosure.state in {Disclosure.State.DRAFT, Disclosure.State.RETURNED}
            ),
            "exemptions": DisclosureItem.Exemption.choices,
            "transitions": services.disclosure_transitions_for(disclosure, request.user)
            if disclosure
            else [],
        },
    )


@login_required
@require_POST
def disclosure_transition(request, pk):
    plan = _plan(request, pk)
    disclosure = Disclosure.objects.filter(plan=plan).first()
    if disclosure is None:
        raise Http404
    try:
        services.disclosure_transition(
            disclosure=disclosure,
            target=request.POST.get("target", ""),
            actor=request.user,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, "操作成功。")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("rectification:disclosure_edit", pk)


# --------------------------------------------------------------------------- public


def public_list(request):
    page = Paginator(selectors.published_disclosures(), 20).get_page(request.GET.get("page"))
    return render(
        request, "rectification/public_list.html", {"page": page, "today": timezone.localdate()}
    )


def public_detail(request, pk):
    disclosure = selectors.published_disclosures().filter(pk=pk).first()
    if disclosure is None:
        raise Http404
    return render(request, "rectification/public_detail.html", selectors.public_view_of(disclosure))
