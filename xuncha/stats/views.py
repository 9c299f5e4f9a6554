"""Statistics pages: indicators with filters, official tables, roll-up, packages, registry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.core.uploads import attachment_response
from xuncha.org import access
from xuncha.org.models import Role
from xuncha.rectification.models import RectificationPlan
from xuncha.reports.watermark import watermark_text
from xuncha.stats import exports, forms, geo, indicators, packages, services
from xuncha.stats.models import (
    READ_ROLES,
    WORK_ROLES,
    Counterpart,
    DistrictMap,
    ExportedPackage,
    PlanFigure,
    RulesPackage,
    StatsPackage,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_reader(user):
    if indicators.default_root(user) is None:
        raise PermissionDenied("只有巡察机构工作人员、管理员和领导小组成员可查看统计。")


def _own_office(user, roles, office_id=None, sysadmin=True):
    """The office of the user's own (not subordinate) offices in which `roles` are held
    (a system administrator acts for the top office, unless `sysadmin` is False)."""
    offices = access.user_offices(user, roles)
    if sysadmin and access.is_sysadmin(user) and not offices:
        from xuncha.org.models import Office

        offices = list(Office.objects.filter(parent__isnull=True))
    if office_id:
        offices = [o for o in offices if str(o.pk) == str(office_id)]
    if not offices:
        raise PermissionDenied("只有本机构工作人员或管理员可执行此操作。")
    return offices[0]


def _filter_from(request):
    return forms.filter_from(request.user, request.GET)


def chart_data(table) -> dict:
    cols = [c.label for c in table.columns]
    pick = ("problems_found", "measures_closed", "handovers_sent", "submissions_received")
    return {
        "columns": cols,
        "series": [
            {
                "name": indicators.LABELS[code][0],
                "data": [table.figures[c.key].get(code) or 0 for c in table.columns],
            }
            for code in pick
        ],
        "rates": [
            {
                "name": indicators.LABELS[code][0],
                "data": [table.figures[c.key].get(code) for c in table.columns],
            }
            for code in ("rectification_rate", "on_time_rate")
        ],
    }


@login_required
def index(request):
    _require_reader(request.user)
    form, flt, error = _filter_from(request)
    table = indicators.compute(flt) if flt else None
    return render(
        request,
        "stats/index.html",
        {
            "form": form,
            "table": table,
            "error": error,
            "chart": chart_data(table) if table else None,
            "query": request.GET.urlencode(),
        },
        status=200 if flt else 400,
    )


@login_required
def table_download(request):
    _require_reader(request.user)
    _form, flt, error = _filter_from(request)
    if flt is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    flt = flt.official()  # the official table is by the inspections' stationing dates
    table = indicators.compute(flt)
    if flt.quarter:
        label = indicators.Period(flt.year, flt.quarter).label
    elif flt.year:
        label = indicators.Period(flt.year).label
    else:
        label = flt.period_label
    data = exports.table_xlsx(
        table,
        title=exports.official_title(label),
        office_name=flt.root.name,
        watermark=watermark_text(request.user),
    )
    from xuncha.audit.models import Action
    from xuncha.audit.services import record

    record(
        actor=request.user,
        action=Action.EXPORT,
        object_type="stats.table",
        summary=f"导出统计表：{'，'.join(flt.description)}",
    )
    response = HttpResponse(data, content_type=XLSX)
    return attachment_response(response, f"巡察工作统计表-{label}.xlsx", XLSX)


def _period_param(request):
    raw = request.GET.get("period") or request.POST.get("period") or ""
    if not raw:
        today = timezone.localdate()
        return str(indicators.Period(today.year, (today.month - 1) // 3 + 1).previous())
    return raw


@login_required
def rollup(request):
    _require_reader(request.user)
    root = _own_office(request.user, READ_ROLES, request.GET.get("office"))
    period = _period_param(request)
    error, result = "", None
    try:
        result = services.rollup(root=root, period=period)
    except DomainError as e:
        error = e.message
    history = access.visible(StatsPackage.objects.all(), request.user).filter(owner=root)
    return render(
        request,
        "stats/rollup.html",
        {
            "root": root,
            "period": period,
            "result": result,
            "error": error,
            "import_form": forms.ImportForm(),
            "may_import": bool(access.user_offices(request.user, WORK_ROLES))
            or access.is_sysadmin(request.user),
            "history": history.select_related("counterpart", "imported_by").order_by(
                "-imported_at"
            )[:50],
            "exported": access.visible(ExportedPackage.objects.all(), request.user)
            .filter(owner=root)
            .order_by("-created_at")[:20],
        },
        status=400 if error else 200,
    )


@login_required
@require_POST
def package_import(request):
    owner = _own_office(request.user, WORK_ROLES, request.POST.get("office"))
    form = forms.ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要导入的数据包文件。")
        return redirect("stats:rollup")
    upload = form.cleaned_data["file"]
    if upload.size > packages.MAX_BYTES:
        messages.error(request, "数据包过大（超过 2 MB），不是有效的统计数据包。")
        return redirect("stats:rollup")
    try:
        pkg = packages.package_import(owner=owner, data=upload.read(), actor=request.user)
    except DomainError as e:
        messages.error(request, f"导入失败：{e.message}")
        return redirect("stats:rollup")
    if isinstance(pkg, RulesPackage):
        messages.success(request, f"已导入{pkg.sender_office}规则包第{pkg.version}版。")
        return redirect("stats:rules")
    messages.success(
        request,
        f"已导入{pkg.counterpart.name} {indicators.Period.parse(pkg.period).label}"
        f"统计数据第{pkg.version}版。",
    )
    return redirect(f"/stats/rollup/?period={pkg.period}")


@login_required
@require_POST
def package_export(request):
    office = _own_office(request.user, WORK_ROLES, request.POST.get("office"))
    try:
        exported, data = packages.stats_export(
            office=office, period=request.POST.get("period", ""), actor=request.user
        )
    except DomainError as e:
        messages.error(request, e.message)
        return redirect("stats:rollup")
    response = HttpResponse(data, content_type="application/json")
    return attachment_response(
        response,
        f"统计数据包-{office.name}-{exported.period}-v{exported.version}.json",
        "application/json",
    )


@login_required
def counterparts(request):
    _require_reader(request.user)
    rows = access.visible(Counterpart.objects.all(), request.user).select_related("owner", "office")
    admin_offices = access.user_offices(request.user, {Role.OFFICE_ADMIN})
    form = None
    if admin_offices:
        owner = admin_offices[0]
        form = forms.CounterpartForm(request.POST or None, owner=owner)
        if request.method == "POST" and form.is_valid():
            try:
                services.counterpart_register(
                    owner=owner,
                    direction=form.cleaned_data["direction"],
                    name=form.cleaned_data["name"],
                    public_key=form.cleaned_data["public_key"],
                    office=form.cleaned_data["office"],
                    actor=request.user,
                )
            except DomainError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            else:
                messages.success(request, "已登记对口系统。")
                return redirect("stats:counterparts")
    elif request.method == "POST":
        raise PermissionDenied("只有巡察机构管理员可登记对口系统。")
    return render(
        request,
        "stats/counterparts.html",
        {"rows": rows, "form": form, "own_key": packages.installation_key()},
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def counterpart_active(request, pk):
    cp = access.get_for_user(Counterpart, request.user, pk, "manage")
    services.counterpart_set_active(
        counterpart=cp, active=request.POST.get("active") == "1", actor=request.user
    )
    messages.success(request, "已更新。")
    return redirect("stats:counterparts")


@login_required
def rules(request):
    _require_reader(request.user)
    received = access.visible(RulesPackage.objects.all(), request.user).select_related(
        "counterpart", "imported_by"
    )
    return render(
        request,
        "stats/rules.html",
        {
            "received": received,
            "import_form": forms.ImportForm(),
            "may_work": bool(access.user_offices(request.user, WORK_ROLES)),
        },
    )


@login_required
@require_POST
def rules_export(request):
    office = _own_office(request.user, WORK_ROLES, request.POST.get("office"))
    exported, data = packages.rules_export(office=office, actor=request.user)
    response = HttpResponse(data, content_type="application/json")
    return attachment_response(
        response, f"规则包-{office.name}-v{exported.version}.json", "application/json"
    )


@login_required
def rules_made(request):
    """建章立制数: the office records, per rectification plan, the rules the unit made."""
    plans = access.visible(RectificationPlan.objects.all(), request.user, "review")
    if not access.user_offices(request.user, WORK_ROLES) and not access.is_sysadmin(request.user):
        raise PermissionDenied("只有巡察机构工作人员或管理员可登记建章立制数。")
    if request.method == "POST":
        plan = access.get_for_user(
            RectificationPlan, request.user, request.POST.get("plan"), "review"
        )
        try:
            services.plan_figure_record(
                plan=plan, rules_made=request.POST.get("rules_made"), actor=request.user
            )
        except DomainError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, "已登记。")
        return redirect("stats:rules_made")
    plans = plans.select_related("unit", "inspection__round").order_by("-feedback_date")[:200]
    figures = dict(
        PlanFigure.objects.filter(plan__in=[p.pk for p in plans]).values_list(
            "plan_id", "rules_made"
        )
    )
    rows = [(p, figures.get(p.pk)) for p in plans]
    return render(request, "stats/rules_made.html", {"rows": rows})


# --------------------------------------------------------------------------- district map


def map_admin_office(user, office_id=None):
    """The office whose district map `user` administers (`office_id` picks one); else 403."""
    offices = access.user_offices(user, {Role.OFFICE_ADMIN})
    if office_id not in (None, ""):
        offices = [o for o in offices if str(o.pk) == str(office_id)]
    if not offices:
        raise PermissionDenied("只有本机构的巡察机构管理员可以上传、更换或删除区县地图。")
    return offices[0]


@login_required
def district_map(request):
    """区县地图: the office admin uploads, replaces or removes the districts' GeoJSON."""
    office = map_admin_office(request.user, request.GET.get("office") or request.POST.get("office"))
    posted = request.method == "POST"
    form = forms.DistrictMapForm(
        request.POST if posted else None, request.FILES if posted else None
    )
    if posted and form.is_valid():
        try:
            report = services.district_map_upload(
                office=office, uploaded=form.cleaned_data["file"], actor=request.user
            )
        except DomainError as e:
            form.add_error("file", e.message)
        else:
            dm = report.district_map
            messages.success(
                request,
                f"已{'更换' if report.replaced else '上传'}区县地图：{len(dm.names)} 个区县，"
                f"区县名称取自属性“{dm.name_property}”。",
            )
            for text in report.messages:
                messages.warning(request, text)
            return redirect(f"{reverse('stats:district_map')}?office={office.pk}")
    current = DistrictMap.objects.filter(owner=office).select_related("uploaded_by").first()
    return render(
        request,
        "stats/district_map.html",
        {
            "office": office,
            "form": form,
            "current": current,
            "report": services.district_map_report(current) if current else None,
            "max_mb": geo.MAX_BYTES // 1048576,
            "name_properties": geo.NAME_PROPERTIES,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def district_map_remove(request):
    office = map_admin_office(request.user, request.POST.get("office"))
    try:
        services.district_map_remove(office=office, actor=request.user)
    except DomainError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, "已删除区县地图，工作台改为显示各区县排名柱状图。")
    return redirect(f"{reverse('stats:district_map')}?office={office.pk}")
