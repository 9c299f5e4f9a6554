"""Public pages of the people's channel: no login, no cookies, no caching, tiny HTML.

Nothing here sets a cookie (no session, no CSRF token: the forms are protected by the
proof-of-work token instead, and none of them acts on a signed-in user's behalf).
Every response carries `Cache-Control: no-store`.
"""

import time
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import render as _render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from xuncha.core.errors import DomainError
from xuncha.org.models import Office
from xuncha.petitions import crypto, guard, services
from xuncha.petitions.models import Announcement, Submission


def public(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        return response

    return csrf_exempt(wrapper)


# Rendered public pages kept in each worker's memory for a few seconds: they are the same
# for everyone, and a poster's QR code can send a whole town to one page at once. A
# withdrawn or edited announcement shows through within PAGE_TTL seconds.
PAGE_TTL = 10.0
_PAGES: dict = {}


def _cached(key, build):
    now = time.monotonic()
    hit = _PAGES.get(key)
    if hit is not None and hit[0] > now:
        return HttpResponse(hit[1], status=hit[2])
    response = build()
    if response.status_code == 200 and not response.streaming:
        if len(_PAGES) > 2000:
            _PAGES.clear()
        _PAGES[key] = (now + PAGE_TTL, response.content, response.status_code)
    return response


_PATHS: dict = {}


def paths() -> dict:
    """The public URLs, reversed once per process ({% url %} costs ~1 ms each here)."""
    if not _PATHS:
        from django.urls import reverse

        for name in (
            "announcements",
            "followup",
            "followup_add",
            "followup_identity",
            "disclosures",
            "pow",
        ):
            _PATHS[name] = reverse(f"public:{name}")
    return _PATHS


def render(request, template, context=None, status=200):
    return _render(request, template, {"P": paths(), **(context or {})}, status=status)


def _recent(qs):
    since = timezone.localdate().replace(day=1)
    return qs.filter(period_end__gte=since.replace(year=since.year - 1))


@public
def announcement_list(request):
    return _cached(("list",), lambda: _announcement_list(request))


def _announcement_list(request):
    today = timezone.localdate()
    items = list(
        _recent(Announcement.objects.public())
        .select_related("inspection__office")
        .only(
            "pk",
            "title",
            "units_text",
            "team_name",
            "cutoff",
            "period_start",
            "period_end",
            "online",
            "state",
            "inspection__office__name",
        )
        .order_by("-period_start", "-pk")[:200]
    )
    current = [a for a in items if a.cutoff >= today]
    recent = [a for a in items if a.cutoff < today]
    offices = Office.objects.only("pk", "name").order_by("path")[:50]
    return render(
        request,
        "petitions/public/list.html",
        {"current": current, "recent": recent, "today": today, "offices": offices},
    )


@public
def announcement_detail(request, pk):
    return _cached(("detail", pk), lambda: _announcement_detail(request, pk))


def _announcement_detail(request, pk):
    a = Announcement.objects.public().select_related("inspection__office").filter(pk=pk).first()
    if a is None:
        return render(request, "petitions/public/missing.html", {}, status=404)
    return render(request, "petitions/public/detail.html", {"a": a, "open": a.is_open()})


@public
@require_http_methods(["GET"])
def pow_challenge(request):
    return JsonResponse(guard.new_challenge())


def _form_data(request):
    p = request.POST
    data = {k: p.get(k, "") for k in ("kind", "category", "unit", "people", "text")}
    identity = {"name": p.get("name", ""), "contact": p.get("contact", "")}
    return data, identity


def _submit(request, announcement, office):
    ctx = {
        "a": announcement,
        "office": office,
        "kinds": Submission.Kind.choices,
        "categories": Submission.Category.choices,
        "max_files": settings.PETITIONS_MAX_FILES,
        "max_mb": settings.UPLOAD_MAX_BYTES // 1048576,
        "pow": settings.PETITIONS_POW_ENABLED,
    }
    if announcement is not None and not announcement.is_open():
        return render(
            request,
            "petitions/public/closed.html",
            ctx,
            status=410 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        data, identity = _form_data(request)
        ctx["data"], ctx["identity"] = data, identity
        try:
            guard.check_submission_rate(request)
            digest = guard.verify_pow(request.POST.get("altcha", ""))
            receipt = services.submit_public(
                announcement=announcement,
                office=office,
                data=data,
                identity=identity,
                files=request.FILES.getlist("files"),
                pow_digest=digest,
            )
        except DomainError as exc:
            ctx["error"] = exc.message
            status = 429 if "频繁" in exc.message or "较多" in exc.message else 400
            return render(request, "petitions/public/submit.html", ctx, status=status)
        return render(
            request,
            "petitions/public/receipt.html",
            {"code": receipt.code, "number": receipt.submission.number, "a": announcement},
        )
    return render(request, "petitions/public/submit.html", ctx)


@public
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    a = get_object_or_404(Announcement.objects.public().select_related("inspection__office"), pk=pk)
    return _submit(request, a, a.inspection.office)


@public
@require_http_methods(["GET", "POST"])
def submit_general(request, office_pk):
    office = get_object_or_404(Office, pk=office_pk)
    return _submit(request, None, office)


def _lookup(request):
    """The submission for the posted code, or an error response (throttled, logged)."""
    if not guard.receipt_allowed(request):
        return None, render(
            request,
            "petitions/public/followup.html",
            {"error": "回执码错误次数过多，请一小时后再试。"},
            status=429,
        )
    code = request.POST.get("code", "")
    if crypto.normalise_code(code) is None:
        # A typo in the shape is no guess at a code: it does not count against the limit.
        msg = "回执码格式不正确：应为 24 位字母和数字（不含 0、1、I、L、O），每 4 位一组。"
        return None, render(request, "petitions/public/followup.html", {"error": msg}, status=404)
    sub = services.find_by_receipt(code)
    if sub is None:
        guard.receipt_failed(request)
        msg = "未找到与该回执码对应的反映，请核对后重新输入。"
        return None, render(request, "petitions/public/followup.html", {"error": msg}, status=404)
    return sub, None


def _status(request, sub, code, **extra):
    from xuncha.rectification.selectors import disclosure_status_for_submission

    ctx = {"code": code, "view": services.public_view(sub), "sub": sub, **extra}
    # Published rectification of problems found from this submission (no identities involved).
    ctx["rectification"] = disclosure_status_for_submission(sub)
    return render(request, "petitions/public/status.html", ctx)


@public
@require_http_methods(["GET", "POST"])
def followup(request):
    if request.method == "GET":
        return render(request, "petitions/public/followup.html", {})
    sub, error = _lookup(request)
    if error:
        return error
    return _status(request, sub, request.POST.get("code", ""))


@public
@require_http_methods(["POST"])
def followup_add(request):
    sub, error = _lookup(request)
    if error:
        return error
    code = request.POST.get("code", "")
    # A merged duplicate keeps its own thread: staff see it from the original, and the
    # reporter never sees another reporter's submission.
    try:
        services.reporter_add(
            submission=sub, text=request.POST.get("text", ""), files=request.FILES.getlist("files")
        )
    except DomainError as exc:
        return _status(request, sub, code, error=exc.message)
    return _status(request, sub, code, notice="补充材料已提交。")


@public
@require_http_methods(["POST"])
def followup_identity(request):
    sub, error = _lookup(request)
    if error:
        return error
    code = request.POST.get("code", "")
    identity = None
    if request.POST.get("action") != "withdraw":
        identity = {
            "name": request.POST.get("name", ""),
            "contact": request.POST.get("contact", ""),
        }
    try:
        services.reporter_identity(submission=sub, identity=identity)
    except DomainError as exc:
        return _status(request, sub, code, error=exc.message)
    sub.refresh_from_db()
    notice = "已撤回您的姓名和联系方式。" if identity is None else "已保存您的姓名和联系方式。"
    return _status(request, sub, code, notice=notice)


@public
def disclosures(request):
    """Rectification disclosures: supplied by the rectification app when it lands."""
    try:
        from django.urls import reverse

        return HttpResponse(
            status=302, headers={"Location": reverse("rectification:public_disclosures")}
        )
    except Exception:
        return render(request, "petitions/public/disclosures.html", {})


def not_found(request):
    raise Http404
