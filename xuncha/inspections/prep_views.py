"""Pages of 进驻准备: the checklist with a form for each record, the documents, the unit's
replacement requests and the filed work plans. Thin: rows through org.access, writes through
`prep.py`; a DomainError is shown and nothing is saved."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.audit.services import confidential
from xuncha.core.errors import DomainError
from xuncha.inspections import prep, prep_forms, workflow
from xuncha.inspections.forms import TransitionForm
from xuncha.inspections.prep_models import (
    ReplacementRequest,
    SecrecyPledge,
    TemporaryBranch,
    WorkPlan,
)
from xuncha.inspections.services import OFFICE, TEAM
from xuncha.inspections.views import _form_page, _inspection
from xuncha.org import access
from xuncha.plans.models import Declaration, Inspection, TeamMember

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _prep_url(pk, anchor=""):
    return reverse("inspections:prep", args=[pk]) + (f"#{anchor}" if anchor else "")


def _post(request, fn, success, back):
    try:
        fn()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(back)


def _members(inspection):
    return list(
        TeamMember.objects.filter(team__inspection=inspection)
        .select_related("inspector", "declaration", "pledge")
        .order_by("pk")
    )


def _member(inspection, member_pk):
    """A member of an inspection the user already reached through the access door."""
    member = (
        TeamMember.objects.filter(team__inspection=inspection, pk=member_pk)
        .select_related("inspector", "team__inspection")
        .first()
    )
    if member is None:
        raise Http404
    return member


def _require_caps(inspection, user, allowed, what):
    """Form pages open only for who may submit them (the service checks again on POST)."""
    caps = workflow.capacities(inspection, user)
    if not (caps & allowed or workflow.SYSADMIN in caps):
        raise PermissionDenied(f"您没有{what}的权限。")


def _docx(data: bytes, filename: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def prep_page(request, pk):
    inspection = _inspection(request.user, pk)
    user = request.user
    caps = workflow.capacities(inspection, user)
    sysadmin = workflow.SYSADMIN in caps
    is_office = bool(caps & OFFICE) or sysadmin
    members = _members(inspection)
    plan = WorkPlan.objects.filter(inspection=inspection).first()
    replacements = confidential(
        list(access.visible(ReplacementRequest.objects.filter(inspection=inspection), user)),
        actor=user,
    )
    before = inspection.stage == Inspection.Stage.PREPARATION
    steps = [
        s
        for s in workflow.next_steps(inspection, user, caps)
        if s.transition.target == Inspection.Stage.STATIONING
    ]
    context = {
        "inspection": inspection,
        "before": before,
        "items": prep.status(inspection) if before else [],
        "plan": plan,
        "members": members,
        "me": next((m for m in members if m.inspector.user_id == user.pk), None),
        "replacements": replacements,
        "branch": TemporaryBranch.objects.filter(inspection=inspection)
        .select_related("secretary__inspector")
        .first(),
        "is_office": is_office,
        "is_editor": bool(caps & prep.EDITORS) or sysadmin,
        "is_team": bool(caps & TEAM),
        "is_leading_group": workflow.LEADING_GROUP in caps or sysadmin,
        "needs_secretary": prep.requires_secretary(inspection),
        "is_county": prep.is_county(inspection),
        "steps": steps,
        "transition_form": TransitionForm(),
        "approve_form": prep_forms.ApproveForm(),
        "return_form": prep_forms.ReturnForm(),
        "secretary_form": prep_forms.SecretaryForm(),
        "decide_form": prep_forms.DecideForm(),
    }
    return render(request, "inspections/prep.html", context)


@login_required
def work_plan_edit(request, pk):
    inspection = _inspection(request.user, pk)
    _require_caps(inspection, request.user, prep.EDITORS, "起草巡察工作方案")
    plan = WorkPlan.objects.filter(inspection=inspection).first()
    if plan:
        initial = {k: getattr(plan, k) for k in prep.WORK_PLAN_LABELS}
    else:
        initial = prep.work_plan_initial(inspection)
    form = prep_forms.WorkPlanForm(request.POST or None, initial=initial)
    return _form_page(
        request,
        form,
        "起草巡察工作方案" if plan is None else "修改巡察工作方案",
        lambda d: prep.work_plan_save(inspection=inspection, data=d, actor=request.user),
        "巡察工作方案已保存。",
        _prep_url(pk, "work-plan"),
        before="方案依据年度计划的任务安排起草，报领导小组批准后方可进驻。",
    )


WORK_PLAN_ACTIONS = {
    "submit": (None, "巡察工作方案已报领导小组审批。"),
    "approve": (prep_forms.ApproveForm, "巡察工作方案已批准。"),
    "return": (prep_forms.ReturnForm, "巡察工作方案已退回修改。"),
    "secretary": (prep_forms.SecretaryForm, "党委书记审批已登记。"),
    "file": (None, "巡察工作方案已报上级巡察办备案。"),
}


@login_required
@require_POST
def work_plan_action(request, pk, action):
    plan = access.get_for_user(WorkPlan.objects.select_related("inspection"), request.user, pk)
    if action not in WORK_PLAN_ACTIONS:
        raise Http404
    form_class, success = WORK_PLAN_ACTIONS[action]
    back = _prep_url(plan.inspection_id, "work-plan")
    data = {}
    if form_class:
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
            return redirect(back)
        data = form.cleaned_data
    actor = request.user
    calls = {
        "submit": lambda: prep.work_plan_submit(plan=plan, actor=actor),
        "approve": lambda: prep.work_plan_approve(plan=plan, actor=actor, **data),
        "return": lambda: prep.work_plan_return(plan=plan, actor=actor, **data),
        "secretary": lambda: prep.work_plan_secretary_record(plan=plan, actor=actor, **data),
        "file": lambda: prep.work_plan_file(plan=plan, actor=actor),
    }
    return _post(request, calls[action], success, back)


@login_required
def work_plan_docx(request, pk):
    from xuncha.reports.watermark import confidential_docx

    plan = access.get_for_user(
        WorkPlan.objects.select_related("inspection__office", "inspection__team"), request.user, pk
    )
    doc = prep.work_plan_document(plan)
    data = confidential_docx(doc, actor=request.user, objs=plan, summary="导出巡察工作方案")
    return _docx(data, f"巡察工作方案-{plan.inspection.team.name}.docx")


@login_required
def pledge_sign(request, pk, member_pk):
    inspection = _inspection(request.user, pk)
    member = _member(inspection, member_pk)
    own = member.inspector.user_id == request.user.pk
    if not own:
        _require_caps(inspection, request.user, OFFICE, "代为登记保密承诺书")
    form = prep_forms.PledgeForm(request.POST or None, initial={"signed_on": timezone.localdate()})
    return _form_page(
        request,
        form,
        f"签署保密承诺书：{member.inspector.name}"
        if own
        else f"登记纸质保密承诺书：{member.inspector.name}",
        lambda d: prep.pledge_sign(member=member, actor=request.user, **d),
        "保密承诺书已签署。",
        _prep_url(pk, "members"),
        submit_label="签署" if own else "登记",
        before="本人郑重承诺：" + " ".join(f"{n}. {t}" for n, t in enumerate(prep.PLEDGE_ITEMS, 1)),
    )


@login_required
def pledge_docx(request, pk):
    from xuncha.reports.watermark import confidential_docx

    pledge = access.get_for_user(
        SecrecyPledge.objects.select_related("member__inspector", "member__team__inspection"),
        request.user,
        pk,
    )
    doc = prep.pledge_document(pledge)
    data = confidential_docx(doc, actor=request.user, objs=pledge, summary="导出保密承诺书")
    return _docx(data, f"保密承诺书-{pledge.member.inspector.name}.docx")


@login_required
@require_POST
def declaration_check(request, pk):
    decl = access.get_for_user(
        Declaration.objects.select_related("member__inspector", "member__team__inspection"),
        request.user,
        pk,
    )
    name = decl.member.inspector.name
    return _post(
        request,
        lambda: prep.declaration_check(declaration=decl, actor=request.user),
        f"{name}的回避声明已审核。",
        _prep_url(decl.member.team.inspection_id, "members"),
    )


@login_required
@require_POST
def replacement_decide(request, pk):
    req = access.get_for_user(
        ReplacementRequest.objects.select_related("inspection"), request.user, pk, "decide"
    )
    back = _prep_url(req.inspection_id, "replacements")
    form = prep_forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择决定并填写决定意见。")
        return redirect(back)
    return _post(
        request,
        lambda: prep.replacement_decide(request=req, actor=request.user, **form.cleaned_data),
        "更换申请已决定。",
        back,
    )


@login_required
def branch_edit(request, pk):
    inspection = _inspection(request.user, pk)
    _require_caps(inspection, request.user, prep.EDITORS, "登记临时党支部")
    members = _members(inspection)
    branch = TemporaryBranch.objects.filter(inspection=inspection).first()
    leader = next((m for m in members if m.role == TeamMember.Role.LEADER), None)
    team = getattr(inspection, "team", None)
    initial = {
        "name": branch.name if branch else f"{team.name if team else '巡察组'}临时党支部",
        "secretary": (branch.secretary_id if branch else None) or (leader.pk if leader else None),
        "established_on": branch.established_on if branch else None,
        "approval_number": branch.approval_number if branch else "",
    }
    form = prep_forms.BranchForm(request.POST or None, initial=initial, members=members)
    by_pk = {m.pk: m for m in members}

    def save(d):
        return prep.branch_record(
            inspection=inspection,
            name=d["name"],
            secretary=by_pk.get(d["secretary"]),
            established_on=d["established_on"],
            approval_number=d["approval_number"],
            actor=request.user,
        )

    return _form_page(
        request, form, "登记临时党支部", save, "临时党支部已登记。", _prep_url(pk, "branch")
    )


# --- The inspected unit's liaison ------------------------------------------------------------


@login_required
def replacement_list(request):
    """The liaison's inspections before stationing, with a form per team, and its requests."""
    user = request.user
    inspections = list(
        access.visible(Inspection.objects.all(), user, "liaise")
        .filter(stage=Inspection.Stage.PREPARATION)
        .select_related("team", "round__plan")
        .prefetch_related("units", "team__members__inspector")
    )
    mine = confidential(
        list(
            access.visible(ReplacementRequest.objects.all(), user)
            .filter(unit__in=[u.pk for u in access.user_units(user, {"unit_liaison"})])
            .select_related("inspection")
        ),
        actor=user,
    )
    if not inspections and not mine and not access.user_units(user, {"unit_liaison"}):
        raise PermissionDenied("需要被巡察单位联络员角色。")
    return render(
        request,
        "inspections/replacements.html",
        {"inspections": inspections, "requests": mine},
    )


@login_required
def replacement_create(request, pk):
    inspection = access.get_for_user(
        Inspection.objects.select_related("team"), request.user, pk, "liaise"
    )
    members = _members(inspection)
    form = prep_forms.ReplacementForm(request.POST or None, members=members)
    by_pk = {m.pk: m for m in members}
    return _form_page(
        request,
        form,
        "申请更换巡察组成员",
        lambda d: prep.replacement_request_create(
            inspection=inspection,
            member=by_pk.get(d["member"]),
            reason=d["reason"],
            actor=request.user,
        ),
        "更换申请已提交，请等待巡察办决定。",
        reverse("inspections:replacement_list"),
        submit_label="提交申请",
        before="发现巡察组成员与本单位存在利害关系等应当回避的情形，可在进驻前申请更换，并说明理由。",
    )


# --- Filed work plans (the city office reads its counties') ------------------------------------


@login_required
def work_plan_list(request):
    plans = (
        access.visible(WorkPlan.objects.all(), request.user)
        .select_related("inspection__office", "inspection__team", "inspection__round__plan")
        .order_by("-inspection__start", "pk")[:200]
    )
    return render(request, "inspections/work_plans.html", {"plans": plans})


urlpatterns = [
    path("<int:pk>/prep/", prep_page, name="prep"),
    path("<int:pk>/prep/work-plan/", work_plan_edit, name="work_plan_edit"),
    path("work-plans/", work_plan_list, name="work_plan_list"),
    path("work-plans/<int:pk>/do/<str:action>/", work_plan_action, name="work_plan_action"),
    path("work-plans/<int:pk>/plan.docx", work_plan_docx, name="work_plan_docx"),
    path("<int:pk>/prep/pledges/<int:member_pk>/sign/", pledge_sign, name="pledge_sign"),
    path("pledges/<int:pk>/pledge.docx", pledge_docx, name="pledge_docx"),
    path("declarations/<int:pk>/check/", declaration_check, name="declaration_check"),
    path("<int:pk>/prep/branch/", branch_edit, name="branch_edit"),
    path("replacements/", replacement_list, name="replacement_list"),
    path("<int:pk>/replacements/new/", replacement_create, name="replacement_create"),
    path("replacements/<int:pk>/decide/", replacement_decide, name="replacement_decide"),
]
