"""Hot issue pages: ranking per scope, one issue with its submissions and actions, the
topic recomputation's progress, and the common problems of a round."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.analytics import hot
from xuncha.analytics.models import Topic, TopicRun
from xuncha.analytics.tasks_topics import request_recompute
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.org.models import Office, Role, Unit
from xuncha.plans.models import Inspection, Round

WINDOWS = [("30", "近30天"), ("90", "近90天"), ("365", "近一年"), ("", "全部")]
RECOMPUTE_ROLES = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}


def _require_hot(user):
    if not hot.may_see_hot(user):
        raise PermissionDenied("只有巡察机构工作人员、领导小组和巡察组成员可以查看热点问题。")


def _int(value):
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _chart(issues, today):
    top = issues[:5]
    return {
        "weeks": hot.trend_weeks(today),
        "series": [{"name": i.label[:16], "data": i.weekly} for i in top],
    }


def _page(request, *, inspection=None):
    user = request.user
    _require_hot(user)
    today = timezone.localdate()
    window = request.GET.get("days", "90")
    window = window if window in {w for w, _l in WINDOWS} else "90"
    scope = {"inspection": inspection}
    unit_id, office_id = _int(request.GET.get("unit")), _int(request.GET.get("office"))
    if unit_id:
        scope["unit"] = Unit.objects.filter(pk=unit_id).first()
    if office_id:
        scope["office"] = Office.objects.filter(pk=office_id).first()
    if window:
        scope["since"] = today - timedelta(days=int(window))
    issues = hot.issues(user, today=today, **scope)
    offices = access.user_offices(user) or []
    return render(
        request,
        "analytics/hot_list.html",
        {
            "inspection": inspection,
            "issues": issues[:50],
            "surges": [i for i in issues if i.surge],
            "chart": _chart(issues, today),
            "windows": WINDOWS,
            "window": window,
            "unit": scope.get("unit"),
            "offices": offices,
            "office_id": office_id,
            "run": TopicRun.objects.first(),
            "can_recompute": user.has_role(*RECOMPUTE_ROLES),
        },
    )


@login_required
def index(request):
    return _page(request)


@login_required
def inspection_hot(request, pk):
    inspection = access.get_for_user(
        Inspection.objects.select_related("round", "team", "office"), request.user, pk
    )
    return _page(request, inspection=inspection)


def _topic(user, pk):
    _require_hot(user)
    return access.get_for_user(Topic, user, pk)


def _scope_inspection(request):
    pk = _int(request.GET.get("inspection") or request.POST.get("inspection"))
    if pk is None:
        return None
    return access.get_for_user(Inspection.objects.select_related("team", "round"), request.user, pk)


@login_required
def topic_detail(request, pk):
    user = request.user
    topic = _topic(user, pk)
    inspection = _scope_inspection(request)
    today = timezone.localdate()
    scope = {"inspection": inspection} if inspection else {}
    found = [i for i in hot.issues(user, today=today, **scope) if i.topic_id == topic.pk]
    issue = found[0] if found else None
    subs = list(hot.members(user, topic, **scope).select_related("inspection__team")[:50])
    unit = Unit.objects.filter(pk=issue.unit_id).first() if issue and issue.unit_id else None
    targets = hot.target_inspections(user, unit) if subs else []
    if inspection is not None:
        targets = [t for t in targets if t.pk == inspection.pk] or targets
    from xuncha.clues.models import Clue
    from xuncha.inspections.models import TaxonomyCategory

    categories = access.visible(TaxonomyCategory.objects.all(), user).filter(
        version__active=True, level=2, is_active=True
    )
    return render(
        request,
        "analytics/hot_detail.html",
        {
            "topic": topic,
            "issue": issue,
            "inspection": inspection,
            "rows": hot.excerpts(user, subs),
            "chart": _chart([issue] if issue else [], today),
            "targets": targets,
            "unit": unit,
            "categories": categories,
            "suggested_code": hot.suggested_category(subs),
            "handlings": Clue.Handling.choices,
        },
    )


def _target(request, topic):
    pk = _int(request.POST.get("target"))
    if pk is None:
        raise DomainError("请选择巡察。", field="target")
    target = access.get_for_user(Inspection, request.user, pk)
    if not hot.may_write(request.user, target):
        raise PermissionDenied("只有本巡察组成员或巡察机构工作人员可以办理热点问题。")
    return target


def _back(topic, inspection):
    url = reverse("hot:topic_detail", args=[topic.pk])
    return redirect(f"{url}?inspection={inspection.pk}" if inspection else url)


@login_required
@require_POST
def topic_to_problem(request, pk):
    topic = _topic(request.user, pk)
    try:
        target = _target(request, topic)
        problem = hot.hot_issue_to_problem(
            topic=topic,
            inspection=target,
            actor=request.user,
            title=request.POST.get("title", "").strip(),
            category_code=request.POST.get("category", ""),
            unit_id=_int(request.POST.get("unit")),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(topic, _scope_inspection(request))
    messages.success(request, f"已登记问题 {problem.number}，并关联相关来信来访。")
    return redirect("inspections:problem_detail", problem.pk)


@login_required
@require_POST
def topic_to_clue(request, pk):
    topic = _topic(request.user, pk)
    try:
        target = _target(request, topic)
        unit = hot.unit_in_inspection(target, _int(request.POST.get("unit")))
        clue = hot.hot_issue_to_clue(
            topic=topic,
            inspection=target,
            actor=request.user,
            unit=unit,
            people_concerned=request.POST.get("people_concerned", ""),
            facts=request.POST.get("facts", ""),
            handling=request.POST.get("handling", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(topic, _scope_inspection(request))
    messages.success(request, f"已登记问题线索 {clue.number}。")
    return redirect("clues:clue_detail", clue.pk)


@login_required
@require_POST
def topic_to_focus(request, pk):
    topic = _topic(request.user, pk)
    try:
        target = _target(request, topic)
        hot.focus_item_add(
            inspection=target,
            actor=request.user,
            title=request.POST.get("title", "").strip() or topic.label,
            note=request.POST.get("note", ""),
            topic=topic,
            unit=hot.unit_in_inspection(target, _int(request.POST.get("unit"))),
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back(topic, _scope_inspection(request))
    messages.success(request, "已列为巡察重点。")
    return redirect("inspections:workspace", target.pk)


@login_required
@require_POST
def recompute(request):
    if not request.user.has_role(*RECOMPUTE_ROLES):
        raise PermissionDenied("只有巡察机构工作人员可以重新计算主题。")
    run = request_recompute(actor=request.user)
    messages.info(request, f"已提交主题重新计算（任务 #{run.pk}），完成后刷新页面查看。")
    return redirect(request.POST.get("next") or reverse("hot:index"))


@login_required
def run_status(request, pk):
    _require_hot(request.user)
    run = TopicRun.objects.filter(pk=pk).first()  # progress only: no content, no scope
    return render(request, "analytics/run_status.html", {"run": run})


def _round(user, pk):
    return access.get_for_user(Round.objects.select_related("plan"), user, pk)


@login_required
def common(request, pk):
    user = request.user
    rnd = _round(user, pk)
    _require_hot(user)
    return render(
        request,
        "analytics/common.html",
        {"round": rnd, "groups": hot.common_problems(user, rnd)},
    )


@login_required
@require_POST
def common_report(request, pk):
    user = request.user
    rnd = _round(user, pk)
    _require_hot(user)
    key = request.POST.get("key", "")
    group = next((g for g in hot.common_problems(user, rnd) if g.key == key), None)
    if group is None:
        messages.error(request, "该共性问题不存在或已变化，请刷新页面。")
        return redirect("hot:common", rnd.pk)
    try:
        draft = hot.topical_report_create(rnd=rnd, common=group, actor=user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("hot:common", rnd.pk)
    messages.success(request, "已生成专题报告草稿。")
    return redirect("reports:draft_edit", draft.pk)
