"""Pages of the fieldwork: thin; objects through org.access, writes through services.

Confidential records are fetched with action "fieldwork" (own team, the office, the leading
group); everyone else, the inspected unit included, gets 404. Each read is audited.
"""

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.audit.services import confidential, record_read
from xuncha.core import cache
from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.inspections import forms, services, workflow
from xuncha.inspections.models import (
    Activity,
    Attachment,
    DocumentRequest,
    Fieldwork,
    FieldworkSettings,
    FixNotice,
    LeadingGroupReview,
    PaperStep,
    PreInspectionLetter,
    Problem,
    StageChange,
    Survey,
    SurveyQuestion,
    TaxonomyCategory,
    TaxonomyVersion,
    WorkingPaper,
)
from xuncha.org import access
from xuncha.plans.models import Inspection

FIELDWORK = "fieldwork"
PAGE_SIZE = 25


def _inspection(user, pk, *prefetch):
    qs = Inspection.objects.select_related("office", "round__plan", "team")
    return access.get_for_user(qs.prefetch_related(*prefetch), user, pk, access.VIEW)


def _get(model, user, pk, action=FIELDWORK, related=("inspection",)):
    return access.get_for_user(model.objects.select_related(*related), user, pk, action)


def _apply_error(form, error: DomainError):
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _form_page(request, form, title, on_valid, success, back, submit_label="保存", before=""):
    """Validate, call the service, redirect; a DomainError shows on the form, nothing is saved."""
    if request.method == "POST" and form.is_valid():
        try:
            result = on_valid(form.cleaned_data)
        except DomainError as error:
            _apply_error(form, error)
        else:
            messages.success(request, success)
            return redirect(back(result) if callable(back) else back)
    return render(
        request,
        "inspections/form.html",
        {
            "form": form,
            "title": title,
            "submit_label": submit_label,
            "back": back(None) if callable(back) else back,
            "before": before,
        },
    )


def _ws(pk, anchor=""):
    return reverse("inspections:workspace", args=[pk]) + (f"#{anchor}" if anchor else "")


def _post_action(request, fn, success, back):
    try:
        fn()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(back)


# --- Inspections ----------------------------------------------------------------------


@login_required
def inspection_list(request):
    qs = (
        access.visible(Inspection.objects.all(), request.user)
        .select_related("office", "round__plan", "team")
        .prefetch_related("units")
        .order_by("-start", "pk")
    )
    stage = request.GET.get("stage", "")
    if stage in Inspection.Stage.values:
        qs = qs.filter(stage=stage)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/inspection_list.html",
        {"page": page, "stages": Inspection.Stage.choices, "stage": stage},
    )


def _labelled(page, **fields):
    """Attach `<field>_label` strings to each row of a page (or a list): get_FOO_display()
    per row and column (hashing the choices, translating the label) was the page's largest
    cost."""
    tables = {name: {k: str(v) for k, v in choices.choices} for name, choices in fields.items()}
    if isinstance(page, list):
        rows = page
    else:
        rows = page.object_list = list(page.object_list)
    for row in rows:
        for name, labels in tables.items():
            obj, attr = row, name
            if "__" in name:
                head, attr = name.split("__", 1)
                obj = getattr(row, head)
            setattr(row, f"{name}_label", labels.get(getattr(obj, attr), ""))
    return page


def _prefix(name):
    return reverse(name, args=[0]).removesuffix("0/")


def _page(request, qs, param, count=None):
    """One page of `qs`; `count`, when the caller has it already, spares the COUNT query."""
    paginator = Paginator(qs, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # the cached_property, set
    return paginator.get_page(request.GET.get(param))


@login_required
def workspace(request, pk):
    """The team's daily page: stage, next steps, deadlines, counts and the records, paginated."""
    inspection = _inspection(request.user, pk, "units")  # the title and the audit name them
    user = request.user
    caps = workflow.capacities(inspection, user)
    record_read(actor=user, obj=inspection, summary=f"查阅巡察工作台：{inspection.team.name}")
    kind = request.GET.get("kind", "")
    kind = kind if kind in Activity.Kind.values else ""
    pstate = request.GET.get("pstate", "")
    pstate = pstate if pstate in Problem.State.values else ""
    # Everything read from the records is cached in the worker per user and data version
    # (an audited change is a new version: it shows on the next request; nothing crosses
    # users, and the access check and the audited read above run every time). The figures
    # and the two record tables (the page's largest cost: about 100 rows rendered) are
    # cached per query string too (the pagers repeat the query).
    query = hashlib.sha256(request.META.get("QUERY_STRING", "").encode()).hexdigest()[:32]
    records = cache.per_user(
        user,
        f"workspace:{inspection.pk}:{query}",
        lambda: _records(request, inspection, kind, pstate),
        shared=False,
    )
    units = list(inspection.units.all())
    context = {
        "inspection": inspection,
        "units": units,
        "caps": caps,
        "is_team": bool(caps & services.TEAM) or workflow.SYSADMIN in caps,
        "is_leader": workflow.LEADER in caps or workflow.SYSADMIN in caps,
        "is_office": bool(caps & services.OFFICE) or workflow.SYSADMIN in caps,
        "may_review": bool(caps & (services.OFFICE | {workflow.LEADING_GROUP})),
        **records,
        "kind": kind,
        "kinds": Activity.Kind.choices,
        "pstate": pstate,
        "pstates": Problem.State.choices,
        "transition_form": forms.TransitionForm(),
        "stage_labels": Inspection.Stage.choices,
        "current_index": workflow.STAGE_ORDER.index(inspection.stage),
        "feedback_stage": Inspection.Stage.FEEDBACK,
        "new_kinds": [
            (k, label) for k, label in Activity.Kind.choices if k not in {Activity.Kind.SURVEY}
        ],
        **_hot_panel(user, inspection, units),
        # Steps, deadlines and the smaller panels: the same for every query string.
        **cache.per_user(
            user,
            f"workspace-panels:{inspection.pk}:{timezone.localdate()}",
            lambda: _panels(inspection, user, caps),
            shared=False,
        ),
    }
    return render(request, "inspections/workspace.html", context)


def _panels(inspection, user, caps) -> dict:
    """What the workspace shows besides its record tables: next steps (the gates),
    deadlines, stage history, the preparation and fix-notice lists, and the stay panel."""
    return {
        "steps": workflow.next_steps(inspection, user, caps),
        "deadlines": [
            (workflow.DEADLINE_LABELS[k], v) for k, v in workflow.deadlines(inspection).items()
        ],
        "history": _labelled(
            list(StageChange.objects.filter(inspection=inspection).select_related("actor")),
            from_stage=Inspection.Stage,
            to_stage=Inspection.Stage,
        ),
        "letters": list(PreInspectionLetter.objects.filter(inspection=inspection)[:50]),
        "documents": list(DocumentRequest.objects.filter(inspection=inspection)[:100]),
        "fix_notices": list(
            FixNotice.objects.filter(inspection=inspection).select_related("unit")[:50]
        ),
        "reviews": list(LeadingGroupReview.objects.filter(inspection=inspection)),
        "fieldwork": Fieldwork.objects.filter(inspection=inspection).first(),
        **_stay_panel(inspection, user, caps),
    }


def _records(request, inspection, kind: str, pstate: str) -> dict:
    """The workspace's figures and its two rendered record tables (one page each, with
    their pagers): four queries and the rows' rendering."""
    activities = (
        Activity.objects.filter(inspection=inspection)
        .select_related("created_by", "interviewer", "recorder")
        .only(
            "pk",
            "kind",
            "title",
            "held_on",
            "interviewee",
            "created_by__full_name",
            "created_by__username",
            "interviewer__name",
            "recorder__name",
        )
        .order_by("-held_on", "-pk")
    )
    kind_q = Q(kind=kind) if kind else Q()
    activities = activities.filter(kind_q)
    problems = (
        Problem.objects.filter(inspection=inspection)
        .select_related("category", "unit", "theme", "paper")
        .only(
            "pk",
            "number",
            "title",
            "state",
            "severity",
            "in_feedback",
            "category__code",
            "category__name",
            "unit__name",
            "theme__name",
            "paper__id",
            "paper__state",
            "paper__number",
        )
        .order_by("number")
    )
    state_q = Q(state=pstate) if pstate else Q()
    problems = problems.filter(state_q)
    # The figures and the sizes of the two filtered lists (for their pagers) in two queries.
    counts = Activity.objects.filter(inspection=inspection).aggregate(
        total=Count("pk"),
        interviews=Count("pk", filter=Q(kind=Activity.Kind.INTERVIEW)),
        **({"shown": Count("pk", filter=kind_q)} if kind_q else {}),
    )
    pcounts = Problem.objects.filter(inspection=inspection).aggregate(
        total=Count("pk"),
        **({"shown": Count("pk", filter=state_q)} if state_q else {}),
        approved=Count("pk", filter=Q(state=Problem.State.APPROVED)),
        feedback=Count("pk", filter=Q(in_feedback=True)),
        signed=Count("pk", filter=Q(paper__state__in=["signed", "filed"])),
        in_review=Count("pk", filter=Q(paper__state__in=["deputy_review", "leader_review"])),
    )
    counts.setdefault("shown", counts["total"])
    pcounts.setdefault("shown", pcounts["total"])
    activity_rows = _labelled(
        _page(request, activities, "apage", counts["shown"]), kind=Activity.Kind
    )
    problem_rows = _labelled(
        _page(request, problems, "ppage", pcounts["shown"]),
        severity=Problem.Severity,
        state=Problem.State,
        paper__state=WorkingPaper.State,
    )
    return {
        "counts": counts,
        "pcounts": pcounts,
        "problem_table": render_to_string(
            "inspections/_workspace_problems.html",
            {
                "problems": problem_rows,
                "problem_url": _prefix("inspections:problem_detail"),
                "request": request,  # the pager repeats the query (no context processors)
            },
        ),
        "activity_table": render_to_string(
            "inspections/_workspace_activities.html",
            {
                "activities": activity_rows,
                "activity_url": _prefix("inspections:activity_detail"),
                "request": request,
            },
        ),
    }


def _stay_panel(inspection, user, caps) -> dict:
    from xuncha.inspections.stay_views import WORKSPACE_TIMELINE, workspace_panel

    return workspace_panel(inspection, user, caps, latest=WORKSPACE_TIMELINE)


def _hot_panel(user, inspection, units) -> dict:
    """Hot issues the people report about this inspection's units (before and during
    stationing) and the team's focus items (analytics app)."""
    from datetime import timedelta

    from xuncha.analytics import hot
    from xuncha.analytics.models import FocusItem

    if not hot.may_see_hot(user):
        return {"hot_panel": False}
    since = timezone.localdate() - timedelta(days=365)

    def panel():
        return {
            "hot_panel": True,
            "hot_issues": hot.issues(user, units=units, since=since, limit=5),
            "focus_items": list(FocusItem.objects.filter(inspection=inspection)[:20]),
        }

    # Ranked like the home dashboard's, and cached like it: per user and data version.
    return cache.per_user(user, f"workspace-hot:{inspection.pk}:{since}", panel)


@login_required
@require_POST
def transition(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请求数据不正确。")
        return redirect(_ws(pk))
    data = form.cleaned_data
    return _post_action(
        request,
        lambda: services.inspection_transition(
            inspection=inspection,
            target=data["target"],
            actor=request.user,
            note=data["note"],
            feedback_date=data["feedback_date"],
        ),
        f"巡察已转入“{Inspection.Stage(data['target']).label}”阶段。",
        _ws(pk),
    )


@login_required
def review_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.ReviewForm(request.POST or None)
    return _form_page(
        request,
        form,
        "登记领导小组审议",
        lambda d: services.review_record(inspection=inspection, actor=request.user, **d),
        "审议记录已登记。",
        _ws(pk),
    )


@login_required
def no_problems(request, pk):
    inspection = _inspection(request.user, pk)
    fieldwork = Fieldwork.objects.filter(inspection=inspection).first()
    form = forms.NoProblemsForm(
        request.POST or None, initial={"note": fieldwork.no_problems_note if fieldwork else ""}
    )
    return _form_page(
        request,
        form,
        "未发现问题说明",
        lambda d: services.no_problems_note_set(
            inspection=inspection, note=d["note"], actor=request.user
        ),
        "说明已保存。",
        _ws(pk),
    )


# --- Preparation --------------------------------------------------------------------------


@login_required
def letter_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.LetterForm(request.POST or None, request.FILES or None)
    return _form_page(
        request,
        form,
        "巡前函询",
        lambda d: services.letter_create(inspection=inspection, actor=request.user, **d),
        "函询已登记。",
        _ws(pk, "preparation"),
    )


@login_required
def letter_reply(request, pk):
    letter = _get(PreInspectionLetter, request.user, pk)
    form = forms.LetterReplyForm(request.POST or None, request.FILES or None)
    return _form_page(
        request,
        form,
        f"登记函询回复：{letter}",
        lambda d: services.letter_reply(letter=letter, actor=request.user, **d),
        "回复已登记。",
        _ws(letter.inspection_id, "preparation"),
    )


@login_required
def document_request_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.DocumentRequestForm(request.POST or None)
    return _form_page(
        request,
        form,
        "调取资料清单：新增",
        lambda d: services.document_request_create(inspection=inspection, actor=request.user, **d),
        "已加入资料清单。",
        _ws(pk, "preparation"),
    )


@login_required
@require_POST
def document_request_mark(request, pk):
    item = _get(DocumentRequest, request.user, pk)
    form = forms.DocumentRequestMarkForm(request.POST)
    state = form.cleaned_data["state"] if form.is_valid() else ""
    return _post_action(
        request,
        lambda: services.document_request_mark(item=item, state=state, actor=request.user),
        "资料状态已更新。",
        _ws(item.inspection_id, "preparation"),
    )


# --- Activities -------------------------------------------------------------------------------


ACTIVITY_FORMS = {
    Activity.Kind.INTERVIEW: forms.InterviewForm,
    Activity.Kind.DOCUMENT_REVIEW: forms.DocumentReviewForm,
    Activity.Kind.INTAKE: forms.IntakeForm,
}


def _activity_form(kind, inspection, *args, **kwargs):
    cls = ACTIVITY_FORMS.get(kind, forms.ActivityForm)
    if cls is forms.InterviewForm:
        kwargs["inspection"] = inspection
    return cls(*args, **kwargs)


@login_required
def activity_create(request, pk, kind):
    inspection = _inspection(request.user, pk)
    if kind not in Activity.Kind.values or kind == Activity.Kind.SURVEY:
        raise Http404
    form = _activity_form(kind, inspection, request.POST or None, request.FILES or None)
    before = ""
    if kind == Activity.Kind.INTAKE:
        before = "来信来电来访的登记、分办在“来信来访登记”簿中进行；此处记录巡察组的受理情况并关联登记簿编号。"
        try:
            before += f"（登记簿：{reverse('petitions:register')}）"
        except NoReverseMatch:
            pass
    return _form_page(
        request,
        form,
        f"新增{Activity.Kind(kind).label}记录",
        lambda d: services.activity_create(
            inspection=inspection, kind=kind, actor=request.user, **d
        ),
        "记录已保存。",
        lambda a: reverse("inspections:activity_detail", args=[a.pk]) if a else _ws(pk),
        before=before,
    )


@login_required
def activity_detail(request, pk):
    activity = _get(
        Activity, request.user, pk, related=("inspection", "created_by", "interviewer", "recorder")
    )
    confidential(activity, actor=request.user)
    caps = workflow.capacities(activity.inspection, request.user)
    return render(
        request,
        "inspections/activity_detail.html",
        {
            "activity": activity,
            "attachments": list(activity.attachments.all()),
            "papers": list(activity.papers.all()),
            "may_edit": bool(caps & services.TEAM),
            "survey": Survey.objects.filter(activity=activity).first(),
        },
    )


@login_required
def activity_edit(request, pk):
    activity = _get(Activity, request.user, pk)
    if request.method == "GET":
        confidential(activity, actor=request.user)
    initial = {n: getattr(activity, n) for n in services.ACTIVITY_FIELDS}
    form = _activity_form(
        activity.kind,
        activity.inspection,
        request.POST or None,
        request.FILES or None,
        initial=initial,
    )
    for name in ("interviewer_id", "recorder_id", "submission_ids"):
        form.fields.pop(name, None)
    return _form_page(
        request,
        form,
        f"修改{activity.get_kind_display()}记录",
        lambda d: services.activity_update(activity=activity, actor=request.user, **d),
        "记录已更新。",
        reverse("inspections:activity_detail", args=[activity.pk]),
    )


# --- Surveys ---------------------------------------------------------------------------------------


@login_required
def survey_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.SurveyForm(request.POST or None)

    def create(d):
        return services.survey_create(
            inspection=inspection,
            title=d["title"],
            held_on=d["held_on"],
            closes_on=d["closes_on"],
            intro=d["intro"],
            questions=form.questions(),
            actor=request.user,
        )

    return _form_page(
        request,
        form,
        "新建问卷/民主测评",
        create,
        "问卷已创建，请将填写链接发给被巡察单位干部职工。",
        lambda s: reverse("inspections:survey_results", args=[s.pk]) if s else _ws(pk),
    )


@login_required
def survey_results(request, pk):
    survey = _get(Survey, request.user, pk, related=("activity__inspection",))
    record_read(actor=request.user, obj=survey.activity, summary="查阅问卷结果")
    link = request.build_absolute_uri(reverse("inspections:survey_public", args=[survey.token]))
    return render(
        request,
        "inspections/survey_results.html",
        {
            "survey": survey,
            "results": services.survey_results(survey),
            "responses": (responses := survey.responses.count()),
            "editable": not responses
            and bool(
                workflow.capacities(survey.activity.inspection, request.user)
                & (services.TEAM | {workflow.SYSADMIN})
            ),
            "link": link,
        },
    )


def survey_public(request, token):
    """The anonymous answer page: no login, nothing about the answerer is stored."""
    survey = (
        Survey.objects.select_related("activity").filter(token=token[:64]).first()
    )  # the random token is the only key; no account exists for answerers
    if survey is None:
        raise Http404
    questions = list(survey.questions.all())
    error, done = "", False
    if request.method == "POST":
        answers = {q.pk: request.POST.get(f"q{q.pk}", "") for q in questions}
        try:
            services.survey_submit(survey=survey, answers=answers)
        except DomainError as e:
            error = e.message
        else:
            done = True
    return render(
        request,
        "inspections/survey_public.html",
        {
            "survey": survey,
            "questions": questions,
            "error": error,
            "done": done,
            "scale": [(1, "很不满意"), (2, "不满意"), (3, "一般"), (4, "满意"), (5, "很满意")],
        },
    )


# --- Problems and papers ----------------------------------------------------------------------------


@login_required
def problem_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.ProblemForm(request.POST or None, inspection=inspection)
    return _form_page(
        request,
        form,
        "登记问题（同时建立底稿）",
        lambda d: services.problem_create(inspection=inspection, actor=request.user, **d),
        "问题已登记，底稿已建立。",
        lambda p: reverse("inspections:problem_detail", args=[p.pk]) if p else _ws(pk),
    )


@login_required
def theme_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.ThemeForm(request.POST or None)
    return _form_page(
        request,
        form,
        f"本轮次专项主题分类（{inspection.round}）",
        lambda d: services.theme_create(inspection=inspection, actor=request.user, **d),
        "专项主题已添加，可在登记问题时选用。",
        _ws(pk),
    )


@login_required
def problem_detail(request, pk):
    problem = _get(
        Problem,
        request.user,
        pk,
        related=("inspection__team", "category__parent", "unit", "theme", "created_by", "paper"),
    )
    paper = problem.paper
    confidential(problem, actor=request.user)
    confidential(paper, actor=request.user)
    # 巡审联动: what the audit body found on this problem (the office and that body only).
    findings = list(access.visible(problem.audit_findings.all(), request.user))
    if findings:
        confidential(findings, actor=request.user, summary=f"查阅问题 {problem.number} 的审计发现")
    caps = workflow.capacities(problem.inspection, request.user)
    return render(
        request,
        "inspections/problem_detail.html",
        {
            "problem": problem,
            "paper": paper,
            "inspection": problem.inspection,
            "steps": list(PaperStep.objects.filter(paper=paper).select_related("actor")),
            "sources": list(paper.sources.all()),
            "attachments": list(paper.attachments.select_related("uploaded_by")),
            "evidence_lines": [x for x in paper.evidence.splitlines() if x.strip()],
            "audit_findings": findings,
            "caps": caps,
            "is_team": bool(caps & services.TEAM),
            "is_leader": workflow.LEADER in caps,
            "may_sign": (
                paper.state == WorkingPaper.State.DEPUTY_REVIEW and workflow.DEPUTY in caps
            )
            or (paper.state == WorkingPaper.State.LEADER_REVIEW and workflow.LEADER in caps),
            "editable": paper.state in services.EDITABLE_PAPER,
            "comment_form": forms.CommentForm(),
            "may_feedback": bool(caps & (services.OFFICE | {workflow.LEADER}))
            and problem.inspection.stage in {Inspection.Stage.REPORT, Inspection.Stage.REVIEW},
        },
    )


@login_required
def problem_edit(request, pk):
    problem = _get(Problem, request.user, pk, related=("inspection__round", "category"))
    if request.method == "GET":
        confidential(problem, actor=request.user)
    initial = {n: getattr(problem, n) for n in services.PROBLEM_FIELDS}
    initial.update(
        category_code=problem.category.code,
        theme_code=problem.theme.code if problem.theme_id else "",
        unit_id=problem.unit_id,
    )
    form = forms.ProblemForm(request.POST or None, inspection=problem.inspection, initial=initial)
    back = reverse("inspections:problem_detail", args=[pk])
    return _form_page(
        request,
        form,
        f"修改问题 {problem.number}",
        lambda d: services.problem_update(problem=problem, actor=request.user, **d),
        "问题已更新。",
        back,
    )


@login_required
def problem_withdraw(request, pk):
    problem = _get(Problem, request.user, pk)
    form = forms.WithdrawForm(request.POST or None)
    return _form_page(
        request,
        form,
        f"撤销问题 {problem.number}",
        lambda d: services.problem_withdraw(problem=problem, actor=request.user, **d),
        "问题已撤销。",
        reverse("inspections:problem_detail", args=[pk]),
        submit_label="撤销",
    )


PROBLEM_ACTIONS = {
    "approve": (
        lambda p, u: services.problem_approve(problem=p, actor=u),
        "问题已核定，可写入报告。",
    ),
    "feedback_on": (
        lambda p, u: services.problem_set_feedback(problem=p, included=True, actor=u),
        "已列入反馈问题清单。",
    ),
    "feedback_off": (
        lambda p, u: services.problem_set_feedback(problem=p, included=False, actor=u),
        "已移出反馈问题清单。",
    ),
}


@login_required
@require_POST
def problem_action(request, pk, action):
    if action not in PROBLEM_ACTIONS:
        raise Http404
    problem = _get(Problem, request.user, pk)
    fn, success = PROBLEM_ACTIONS[action]
    return _post_action(
        request,
        lambda: fn(problem, request.user),
        success,
        reverse("inspections:problem_detail", args=[pk]),
    )


@login_required
def paper_edit(request, pk):
    paper = _get(WorkingPaper, request.user, pk)
    if request.method == "GET":
        confidential(paper, actor=request.user)
    initial = {n: getattr(paper, n) for n in services.PAPER_FIELDS}
    initial["source_ids"] = list(paper.sources.values_list("pk", flat=True))
    initial["source_submission_ids"] = ",".join(str(i) for i in paper.source_submission_ids)
    form = forms.PaperForm(
        request.POST or None, request.FILES or None, inspection=paper.inspection, initial=initial
    )
    before = f"退回意见：{paper.return_comment}" if paper.return_comment else ""
    return _form_page(
        request,
        form,
        f"编辑底稿 {paper.number}",
        lambda d: services.paper_update(paper=paper, actor=request.user, **d),
        "底稿已保存。",
        reverse("inspections:problem_detail", args=[paper.problem_id]),
        before=before,
    )


PAPER_ACTIONS = {
    "submit": (lambda p, u, c: services.paper_submit(paper=p, actor=u), "底稿已提交审核。"),
    "sign": (lambda p, u, c: services.paper_sign(paper=p, actor=u, comment=c), "已签署。"),
    "return": (
        lambda p, u, c: services.paper_return(paper=p, actor=u, comment=c),
        "底稿已退回起草人。",
    ),
}


@login_required
@require_POST
def paper_action(request, pk, action):
    if action not in PAPER_ACTIONS:
        raise Http404
    paper = _get(WorkingPaper, request.user, pk)
    fn, success = PAPER_ACTIONS[action]
    comment = (request.POST.get("comment") or "")[:2000]
    return _post_action(
        request,
        lambda: fn(paper, request.user, comment),
        success,
        reverse("inspections:problem_detail", args=[paper.problem_id]),
    )


@login_required
@require_POST
def papers_file(request, pk):
    inspection = _inspection(request.user, pk)
    return _post_action(
        request,
        lambda: services.papers_file(inspection=inspection, actor=request.user),
        "底稿已归档。",
        _ws(pk),
    )


# --- Immediate-fix notices ---------------------------------------------------------------------


@login_required
def fix_notice_create(request, pk):
    inspection = _inspection(request.user, pk)
    form = forms.FixNoticeForm(request.POST or None, inspection=inspection)
    return _form_page(
        request,
        form,
        "下发立行立改通知",
        lambda d: services.fix_notice_issue(inspection=inspection, actor=request.user, **d),
        "立行立改通知已下发。",
        lambda n: reverse("inspections:fix_notice_detail", args=[n.pk]) if n else _ws(pk),
    )


@login_required
def fix_notice_list(request):
    qs = (
        access.visible(FixNotice.objects.all(), request.user)
        .select_related("unit", "inspection")
        .order_by("state", "deadline", "pk")
    )
    return render(
        request,
        "inspections/fix_notice_list.html",
        {"page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))},
    )


@login_required
def fix_notice_detail(request, pk):
    notice = _get(FixNotice, request.user, pk, action=access.VIEW, related=("inspection", "unit"))
    confidential(notice, actor=request.user)
    may_reply = access.visible(FixNotice.objects.filter(pk=pk), request.user, "reply").exists()
    caps = workflow.capacities(notice.inspection, request.user)
    form = forms.FixReplyForm(request.POST or None, request.FILES or None) if may_reply else None
    if request.method == "POST" and form is not None:
        if form.is_valid():
            try:
                services.fix_notice_reply(notice=notice, actor=request.user, **form.cleaned_data)
            except DomainError as e:
                _apply_error(form, e)
            else:
                messages.success(request, "书面回复已提交。")
                return redirect("inspections:fix_notice_detail", pk=pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "inspections/fix_notice_detail.html",
        {
            "notice": notice,
            "form": form,
            "may_close": bool(caps & (services.OFFICE | {workflow.LEADER}))
            and notice.state == FixNotice.State.REPLIED,
            "attachments": list(notice.attachments.all()) if caps else [],
        },
    )


@login_required
@require_POST
def fix_notice_close(request, pk):
    notice = _get(FixNotice, request.user, pk, action=FIELDWORK)
    return _post_action(
        request,
        lambda: services.fix_notice_close(notice=notice, actor=request.user),
        "立行立改事项已销号。",
        reverse("inspections:fix_notice_detail", args=[pk]),
    )


@login_required
def attachment_download(request, pk):
    attachment = _get(Attachment, request.user, pk)
    record_read(actor=request.user, obj=attachment, summary=f"下载附件：{attachment.original_name}")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    return attachment_response(response, attachment.original_name, attachment.content_type)


# --- Survey questions --------------------------------------------------------------------------


def _results(survey_id):
    return reverse("inspections:survey_results", args=[survey_id])


@login_required
def survey_question_add(request, pk):
    survey = _get(Survey, request.user, pk, related=("activity__inspection",))
    form = forms.SurveyQuestionForm(request.POST or None)
    return _form_page(
        request,
        form,
        "新增问卷题目",
        lambda d: services.survey_question_add(survey=survey, actor=request.user, **d),
        "题目已新增。",
        _results(survey.pk),
    )


def _question(user, pk):
    return access.get_for_user(
        SurveyQuestion.objects.select_related("survey__activity__inspection"),
        user,
        pk,
        FIELDWORK,
    )


@login_required
def survey_question_edit(request, pk):
    question = _question(request.user, pk)
    form = forms.SurveyQuestionForm(
        request.POST or None, initial={"kind": question.kind, "text": question.text}
    )
    return _form_page(
        request,
        form,
        "修改问卷题目",
        lambda d: services.survey_question_update(question=question, actor=request.user, **d),
        "题目已修改。",
        _results(question.survey_id),
    )


@login_required
@require_POST
def survey_question_delete(request, pk):
    question = _question(request.user, pk)
    return _post_action(
        request,
        lambda: services.survey_question_delete(question=question, actor=request.user),
        "题目已删除。",
        _results(question.survey_id),
    )


# --- Office settings and taxonomy (office admin) ---------------------------------------------------


def _admin_office(user, pk=None):
    """An office where the user is office admin (the first one without pk); else 404."""
    from xuncha.org.models import Office, Role

    if access.is_sysadmin(user):
        qs = Office.objects.all()
        office = qs.filter(pk=pk).first() if pk else qs.order_by("path").first()
    else:
        offices = access.user_offices(user, {Role.OFFICE_ADMIN})
        office = next((o for o in offices if pk is None or o.pk == int(pk)), None)
    if office is None:
        raise Http404
    return office


@login_required
def fieldwork_settings(request):
    office = _admin_office(request.user, request.GET.get("office") or None)
    current = FieldworkSettings.for_office(office)
    initial = {name: getattr(current, name) for name in services.SETTINGS_FIELDS}
    form = forms.FieldworkSettingsForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        f"巡察实施期限设置（{office.name}）",
        lambda d: services.fieldwork_settings_update(office=office, actor=request.user, **d),
        "期限设置已保存，新计算的期限将按新设置执行。",
        reverse("inspections:fieldwork_settings") + f"?office={office.pk}",
        before="各项期限均按本机构工作日历（含法定节假日和调休）计算。",
    )


def _manage(user, model, pk, related=()):
    return access.get_for_user(model.objects.select_related(*related), user, pk, "manage")


def _require_manage(user):
    if not access.visible(TaxonomyVersion.objects.all(), user, "manage").exists():
        raise Http404


@login_required
def taxonomy_versions(request):
    _require_manage(request.user)
    versions = list(
        access.visible(TaxonomyVersion.objects.all(), request.user, "manage")
        .annotate(
            n=Count("categories", distinct=True),
            in_use=Count("categories__problems", distinct=True),
        )
        .order_by("-active", "-activated_at", "code")
    )
    return render(request, "inspections/taxonomy_versions.html", {"versions": versions})


@login_required
def taxonomy_version_copy(request):
    _require_manage(request.user)
    form = forms.TaxonomyVersionForm(request.POST or None)
    return _form_page(
        request,
        form,
        "复制当前版本为新草稿",
        lambda d: services.taxonomy_version_copy(actor=request.user, **d),
        "已复制为新的草稿版本，可修改分类后启用。",
        lambda v: (
            reverse("inspections:taxonomy_version", args=[v.pk])
            if v
            else reverse("inspections:taxonomy_versions")
        ),
        before="新版本复制当前使用版本的全部分类；启用前可新增、改名或停用分类。",
    )


@login_required
def taxonomy_version(request, pk):
    version = _manage(request.user, TaxonomyVersion, pk)
    categories = list(
        TaxonomyCategory.objects.filter(version=version)
        .select_related("parent")
        .order_by("level", "sort", "code")
    )
    tops = [c for c in categories if c.level == 1]
    children: dict[int, list] = {}
    for c in categories:
        if c.parent_id:
            children.setdefault(c.parent_id, []).append(c)
    tree = [(top, children.get(top.pk, [])) for top in tops]
    return render(
        request,
        "inspections/taxonomy_version.html",
        {"version": version, "tree": tree, "add_form": forms.TaxonomyCategoryForm()},
    )


@login_required
def taxonomy_category_add(request, pk):
    version = _manage(request.user, TaxonomyVersion, pk)
    form = forms.TaxonomyCategoryForm(
        request.POST or None, initial={"parent_code": request.GET.get("parent", "")}
    )
    return _form_page(
        request,
        form,
        f"新增分类（{version.name}）",
        lambda d: services.taxonomy_category_add(version=version, actor=request.user, **d),
        "分类已新增。",
        reverse("inspections:taxonomy_version", args=[version.pk]),
    )


@login_required
def taxonomy_category_rename(request, pk):
    category = _manage(request.user, TaxonomyCategory, pk, related=("version",))
    form = forms.TaxonomyRenameForm(request.POST or None, initial={"name": category.name})
    return _form_page(
        request,
        form,
        f"修改分类名称（{category.code}）",
        lambda d: services.taxonomy_category_update(
            category=category, actor=request.user, name=d["name"]
        ),
        "分类名称已修改。",
        reverse("inspections:taxonomy_version", args=[category.version_id]),
    )


@login_required
@require_POST
def taxonomy_category_toggle(request, pk):
    category = _manage(request.user, TaxonomyCategory, pk, related=("version",))
    active = not category.is_active
    return _post_action(
        request,
        lambda: services.taxonomy_category_update(
            category=category, actor=request.user, is_active=active
        ),
        "分类已启用。" if active else "分类已停用。",
        reverse("inspections:taxonomy_version", args=[category.version_id]),
    )


@login_required
@require_POST
def taxonomy_version_activate(request, pk):
    version = _manage(request.user, TaxonomyVersion, pk)
    return _post_action(
        request,
        lambda: services.taxonomy_version_activate(version=version, actor=request.user),
        f"已启用“{version.name}”；此前登记的问题仍保留原分类。",
        reverse("inspections:taxonomy_version", args=[version.pk]),
    )
