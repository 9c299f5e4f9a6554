"""Pages of the rules library: list and search, a rule with its table of contents,
upload, status, citing an article from a problem, typical cases."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from xuncha.core.errors import DomainError
from xuncha.inspections.models import Problem
from xuncha.library import forms, search, services
from xuncha.library.models import MANAGE_ROLES, Citation, Provision, Rule, TypicalCase
from xuncha.org import access
from xuncha.org.models import OFFICE_ROLES


def may_read(user) -> bool:
    """Every signed-in holder of an office role and every team member."""
    return access.is_sysadmin(user) or user.has_role(*OFFICE_ROLES) or access.is_team_member(user)


def _require_read(user):
    if not may_read(user):
        raise PermissionDenied("法规制度库只对巡察机构工作人员和巡察组成员开放。")


def managed_offices(user):
    return access.user_offices(user, MANAGE_ROLES)


RULES_PER_PAGE = 100


@login_required
def index(request):
    _require_read(request.user)
    rules = access.visible(Rule.objects.all(), request.user).select_related(
        "office", "superseded_by", "current"
    )
    status = request.GET.get("status", "")
    if status in Rule.Status.values:
        rules = rules.filter(status=status)
    q = request.GET.get("q", "")[: search.core.MAX_QUERY]
    result = None
    if q:
        page = request.GET.get("page", "1")
        result = search.run(
            request.user,
            q,
            page=int(page) if page.isdigit() and len(page) < 6 else 1,
            include_old=request.GET.get("old") == "1",
        )
        for row in result.rows:
            row.snippet = search.snippet(row, result.words)
    return render(
        request,
        "library/index.html",
        {
            # Every rule is reachable: the list is paged (?rpage=), never cut.
            "rules": Paginator(
                rules.order_by("-issued_on", "title", "pk"), RULES_PER_PAGE
            ).get_page(request.GET.get("rpage")),
            "statuses": Rule.Status.choices,
            "status": status,
            "q": q,
            "result": result,
            "old": request.GET.get("old") == "1",
            "may_upload": bool(managed_offices(request.user)),
        },
    )


def _toc(provisions):
    """The headings and articles of a version, indented by level, for the contents."""
    level = {"part": 0, "chapter": 1, "section": 2}
    depth, out = 0, []
    for p in provisions:
        if p.kind in level:
            depth = level[p.kind]
            out.append({"p": p, "depth": depth, "heading": True})
        elif p.kind in ("article", "appendix"):
            out.append({"p": p, "depth": depth + 1 if p.kind == "article" else 0, "heading": False})
    return out


@login_required
def rule_detail(request, pk):
    _require_read(request.user)
    rule = access.get_for_user(
        Rule.objects.select_related("office", "superseded_by"), request.user, pk
    )
    versions = list(rule.versions.select_related("uploaded_by"))
    wanted = request.GET.get("v", "")
    version = next((v for v in versions if str(v.number) == wanted), None) or next(
        (v for v in versions if v.pk == rule.current_id), versions[0] if versions else None
    )
    provisions = list(version.provisions.all()) if version else []
    cases = {}
    linked = access.visible(TypicalCase.objects.all(), request.user).filter(
        provisions__in=provisions
    )
    for case in linked.distinct().prefetch_related("provisions"):
        for p in case.provisions.all():
            cases.setdefault(p.pk, []).append(case)
    for p in provisions:
        p.case_list = cases.get(p.pk, [])
    return render(
        request,
        "library/rule_detail.html",
        {
            "rule": rule,
            "version": version,
            "versions": versions,
            "provisions": provisions,
            "toc": _toc(provisions),
            "is_current": version is not None and version.pk == rule.current_id,
            "may_manage": services.may_manage(request.user, rule.office),
            "status_form": forms.StatusForm(rule=rule, user=request.user),
            "supersedes": list(rule.supersedes.all()),
        },
    )


def _upload(request, rule=None):
    offices = managed_offices(request.user)
    if rule is not None:
        if not services.may_manage(request.user, rule.office):
            raise PermissionDenied("只有本机构的巡察办管理员和工作人员可以上传新版本。")
    elif not offices:
        raise PermissionDenied("只有巡察办管理员和工作人员可以上传法规制度。")
    form = forms.UploadForm(
        request.POST or None, request.FILES or None, user=request.user, rule=rule, offices=offices
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = services.rule_upload(
                office=rule.office if rule else data["office"],
                rule=rule,
                uploaded=data["file"],
                actor=request.user,
                title=data.get("title", ""),
                issuer=data.get("issuer", ""),
                doc_number=data.get("doc_number", ""),
                issued_on=data.get("issued_on"),
                status=data.get("status") or Rule.Status.IN_FORCE,
                superseded_by=data.get("superseded_by"),
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            what = "新建" if done.created else f"新增第{done.version.number}版"
            messages.success(request, f"{done.version.rule}已{what}。{done.result.summary()}")
            return redirect(reverse("library:rule_detail", args=[done.version.rule_id]))
    title = f"上传{rule}的新版本" if rule else "上传法规制度"  # the form page's one heading
    return render(request, "library/upload.html", {"form": form, "rule": rule, "title": title})


@login_required
def upload(request):
    _require_read(request.user)
    return _upload(request)


@login_required
def upload_version(request, pk):
    _require_read(request.user)
    rule = access.get_for_user(Rule, request.user, pk)
    return _upload(request, rule)


@login_required
def rule_status(request, pk):
    if request.method != "POST":
        return redirect(reverse("library:rule_detail", args=[pk]))
    rule = access.get_for_user(Rule, request.user, pk, "change")
    form = forms.StatusForm(request.POST, rule=rule, user=request.user)
    if form.is_valid():
        try:
            services.rule_set_status(
                rule=rule,
                status=form.cleaned_data["status"],
                superseded_by=form.cleaned_data.get("superseded_by"),
                actor=request.user,
            )
            messages.success(request, "效力状态已更新。")
        except DomainError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("library:rule_detail", args=[pk]))


@login_required
def cite(request, problem_pk):
    """Choose an article to cite from a problem: suggestions from its text, or a search."""
    problem = access.get_for_user(
        Problem.objects.select_related("inspection", "paper"), request.user, problem_pk, "change"
    )
    back = reverse("inspections:problem_detail", args=[problem.pk])
    if request.method == "POST":
        provision = access.get_for_user(Provision, request.user, request.POST.get("provision", ""))
        try:
            services.citation_create(
                problem=problem,
                provision=provision,
                actor=request.user,
                note=request.POST.get("note", "")[:200],
            )
            messages.success(request, f"已引用{provision.version.rule}{provision.label}。")
            return redirect(back)
        except DomainError as error:
            messages.error(request, str(error))
    q = request.GET.get("q", "")[: search.core.MAX_QUERY]
    if q:
        result = search.run(request.user, q)
        rows, words = result.rows, result.words
    else:
        rows, words = search.suggest_for_problem(request.user, problem)
    for row in rows:
        row.snippet = search.snippet(row, words)
    cited = set(Citation.objects.filter(problem=problem).values_list("provision_id", flat=True))
    return render(
        request,
        "library/cite.html",
        {
            "problem": problem,
            "q": q,
            "rows": rows,
            "suggested": not q,
            "cited": cited,
            "back": back,
        },
    )


@login_required
def citation_delete(request, pk):
    citation = access.get_for_user(
        Citation.objects.select_related("problem"), request.user, pk, "change"
    )
    if request.method == "POST":
        try:
            services.citation_delete(citation=citation, actor=request.user)
            messages.success(request, "已删除引用。")
        except DomainError as error:
            messages.error(request, str(error))
    return redirect(reverse("inspections:problem_detail", args=[citation.problem_id]))


@login_required
def provision_detail(request, pk):
    _require_read(request.user)
    provision = access.get_for_user(
        Provision.objects.select_related("version__rule__superseded_by", "version__rule__office"),
        request.user,
        pk,
    )
    rule = provision.version.rule
    newer = None
    if rule.current_id and rule.current_id != provision.version_id:
        newer = Provision.objects.filter(version_id=rule.current_id, label=provision.label).first()
    form = forms.CaseForm(request.POST or None)
    may_manage = services.may_manage(request.user, rule.office)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("只有本机构的巡察办管理员和工作人员可以添加典型案例。")
        if form.is_valid():
            try:
                services.case_create(
                    office=rule.office,
                    provisions=[provision],
                    actor=request.user,
                    **form.cleaned_data,
                )
                messages.success(request, "典型案例已添加。")
                return redirect(reverse("library:provision_detail", args=[pk]))
            except DomainError as error:
                form.add_error(None, str(error))
    cases = access.visible(TypicalCase.objects.all(), request.user).filter(provisions=provision)
    return render(
        request,
        "library/provision_detail.html",
        {
            "p": provision,
            "rule": rule,
            "newer": newer,
            "cases": list(cases),
            "form": form,
            "may_manage": may_manage,
        },
    )


@login_required
def case_list(request):
    _require_read(request.user)
    cases = (
        access.visible(TypicalCase.objects.all(), request.user)
        .prefetch_related("provisions__version__rule")
        .select_related("office")
    )
    return render(request, "library/case_list.html", {"cases": list(cases[:300])})
