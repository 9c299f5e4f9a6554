"""Analytics pages: the overview (runs, evaluation figures, duplicate groups), decisions on
flags, duplicates and suggestions, and the standard-wording suggestions (htmx)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xuncha.analytics import selectors, services
from xuncha.analytics.models import DuplicateGroup, DuplicateMember, SpamFlag, Suggestion
from xuncha.core.errors import DomainError
from xuncha.org import access


def _office_staff(user):
    if not services.may_run(user):
        raise Http404


@login_required
def overview(request):
    _office_staff(request.user)
    runs, last_eval = selectors.latest_runs()
    groups = (
        access.visible(DuplicateGroup.objects.all(), request.user)
        .filter(members__state="proposed")
        .distinct()
        .select_related("anchor")
        .order_by("-pk")
    )
    page = Paginator(groups, 30).get_page(request.GET.get("page"))
    flags = access.visible(SpamFlag.objects.all(), request.user)
    return render(
        request,
        "analytics/overview.html",
        {
            "runs": runs,
            "evaluation": last_eval.figures if last_eval else None,
            "page": page,
            "open_flags": flags.filter(state="open").count(),
            "running": any(r and r.state in ("queued", "running") for r in runs.values()),
        },
    )


@login_required
def run_progress(request):
    _office_staff(request.user)
    runs, _ = selectors.latest_runs()
    return render(request, "analytics/overview.html#runs", {"runs": runs, "running": True})


@login_required
@require_POST
def run_start(request):
    _office_staff(request.user)
    try:
        services.run_start(kind=request.POST.get("kind", ""), actor=request.user)
        messages.success(request, "任务已提交后台运行，进度见本页。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("analytics:overview")


@login_required
@require_POST
def flag_decide(request, pk):
    flag = access.get_for_user(SpamFlag, request.user, pk, "change")
    try:
        services.flag_decide(
            flag=flag,
            confirm=request.POST.get("confirm") == "1",
            actor=request.user,
            note=request.POST.get("note", ""),
        )
        messages.success(request, "已处理疑似垃圾信息标记。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", flag.submission_id)


@login_required
def group_detail(request, pk):
    group = access.get_for_user(DuplicateGroup.objects.select_related("anchor"), request.user, pk)
    return render(request, "analytics/group.html", services.group_view(group, request.user))


@login_required
@require_POST
def member_decide(request, pk):
    member = access.get_for_user(DuplicateMember, request.user, pk, "change")
    try:
        services.duplicate_decide(
            member=member, confirm=request.POST.get("confirm") == "1", actor=request.user
        )
        messages.success(request, "已处理重复件建议。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("analytics:group_detail", member.group_id)


@login_required
@require_POST
def suggestion_decide(request, pk):
    suggestion = access.get_for_user(Suggestion, request.user, pk, "change")
    try:
        services.suggestion_decide(
            suggestion=suggestion,
            what=request.POST.get("what", ""),
            accept=request.POST.get("accept") == "1",
            actor=request.user,
        )
        messages.success(request, "已处理建议。")
    except DomainError as e:
        messages.error(request, e.message)
    return redirect("petitions:detail", suggestion.submission_id)


@login_required
def wording(request):
    """Standard phrasing for a draft problem title (htmx fragment on the problem form)."""
    from xuncha.analytics import intake
    from xuncha.analytics import wording as lib
    from xuncha.inspections.models import Problem

    if not (access.role_keys(request.user) & {"office_admin", "office_staff", "team"}):
        raise Http404
    draft = (request.GET.get("title") or "")[:200]
    code = (request.GET.get("category_code") or "")[:10]
    if not code and draft.strip():
        guess = intake.category_model().suggest(draft)
        code = guess.code if guess else ""
    own = (
        access.visible(Problem.objects.all(), request.user)
        .filter(state=Problem.State.APPROVED)
        .values_list("category__code", "title")[:2000]
    )
    library = lib.PhraseLibrary(
        [lib.Phrase(c, t, "office") for c, t in own] + list(lib.seed_phrases())
    )
    return render(
        request,
        "analytics/wording.html",
        {"items": library.suggest(draft, code), "code": code, "draft": draft},
    )
