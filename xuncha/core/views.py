from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render


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
