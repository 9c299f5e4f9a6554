from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


def ping(request):
    """The floor for benchmarks: touches no database, no session, no template.

    A server started by a test or benchmark carries a per-run nonce and names it here, so
    the starter knows the answer comes from its own process and not from a stray server."""
    response = HttpResponse(b"ok", content_type="text/plain")
    if settings.SERVER_NONCE:
        response["X-Xuncha-Server-Nonce"] = settings.SERVER_NONCE
    return response


def error_400(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "code": 400,
            "title": "请求有误",
            "message": "提交的内容格式不正确或超出限制（如表单字段过多），请检查后重新提交。",
        },
        status=400,
    )


def error_403(request, exception=None):
    return render(
        request,
        "core/error.html",
        {
            "code": 403,
            "title": "无权访问",
            "message": "您没有访问此页面的权限。如需访问，请联系本单位管理员。",
        },
        status=403,
    )


def error_404(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 404, "title": "页面不存在", "message": "您访问的页面或记录不存在，或您无权查看。"},
        status=404,
    )


def error_500(request):
    return render(
        request,
        "core/error.html",
        {
            "code": 500,
            "title": "系统错误",
            "message": "系统处理请求时出错，已记录。请稍后重试，或联系系统管理员。",
        },
        status=500,
    )


def csrf_failure(request, reason=""):
    return render(
        request,
        "core/error.html",
        {
            "code": 403,
            "title": "页面已过期",
            "message": "表单已过期或来源无效，请刷新页面后重新提交。",
        },
        status=403,
    )


CSP_REPORT_MAX_BYTES = 16 * 1024


@csrf_exempt
@require_POST
def csp_report(request):
    """Browsers post Content-Security-Policy violations here; each is logged (in Chinese).

    Size-capped and rate-limited (per source and site-wide) so that nobody can fill the
    log through it; always answers 204, also when a report is dropped."""
    import json
    import logging

    from xuncha.petitions import crypto, guard

    log = logging.getLogger("xuncha.csp")
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > CSP_REPORT_MAX_BYTES:
        return HttpResponse(status=204)
    source = crypto.source_tag(guard.client_address(request))
    if not guard.hit("csp", source, settings.CSP_REPORT_RATE) or not guard.hit(
        "csp", "site", settings.CSP_REPORT_RATE_SITE
    ):
        return HttpResponse(status=204)
    try:
        body = json.loads(request.body.decode("utf-8", "replace") or "{}")
    except ValueError:
        return HttpResponse(status=204)
    reports = body if isinstance(body, list) else [body]
    for item in reports[:10]:
        if not isinstance(item, dict):
            continue
        report = item.get("csp-report") or item.get("body") or item
        if not isinstance(report, dict):
            continue

        def field(*names, report=report):
            for name in names:
                if report.get(name):
                    return str(report[name])[:200]
            return ""

        log.warning(
            "内容安全策略（CSP）违规：页面 %s，违反指令 %s，被拦截资源 %s，来源 %s:%s",
            field("document-uri", "documentURL"),
            field("violated-directive", "effective-directive", "effectiveDirective"),
            field("blocked-uri", "blockedURL"),
            field("source-file", "sourceFile"),
            field("line-number", "lineNumber"),
        )
    return HttpResponse(status=204)


@login_required
def ui_view(request):
    """/system/ui/: the living style page — every component of the visual language as the
    pages use it, and the tone of every state value of every model."""
    from xuncha.core import ui

    in_use = ui.tones_in_use()
    return render(
        request,
        "core/ui.html",
        {
            "tones": [(t, label, in_use.get(t, [])) for t, label in ui.TONE_LABELS.items()],
            "buttons": [("accepted", "受理"), ("rejected", "不予受理"), ("withdrawn", "撤回")],
            "dashboard": ui.SAMPLE_DASHBOARD,
        },
    )
