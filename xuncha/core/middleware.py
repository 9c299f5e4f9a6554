"""Guards that run before any view: malformed request bodies get a Chinese answer."""

import json
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpResponse, JsonResponse, QueryDict

from xuncha.analytics.text import strip_invisible

_TEXT_TYPES = ("application/x-www-form-urlencoded", "application/json", "text/")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NOT_UTF8 = "提交的内容不是有效的 UTF-8 文本，请检查编码后重试。"


def _refuse(request, status, message):
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    # Runs before sessions and users exist, so no base template: a small page of its own.
    return HttpResponse(
        "<!doctype html><html lang=zh-CN><meta charset=utf-8><title>请求有误 - 巡察综合监督平台</title>"
        f"<h1>请求有误（{status}）</h1><p>{message}</p><p><a href=/>返回工作台</a></p></html>",
        status=status,
        content_type="text/html; charset=utf-8",
    )


class RequestGuardMiddleware:
    """Refuses oversize and non-UTF-8 text bodies before a view can half-process them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(length)
        except ValueError:
            return _refuse(request, 400, "请求长度无效。")
        if length < 0:
            return _refuse(request, 400, "请求长度无效。")
        content_type = request.META.get("CONTENT_TYPE", "")
        is_upload = content_type.startswith("multipart/")
        limit = (
            settings.UPLOAD_MAX_BYTES + 1024 * 1024
            if is_upload
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if length > limit:
            return _refuse(
                request, 413, f"提交的内容过大（上限 {limit // 1024 // 1024} MB），请精简后重试。"
            )
        body = ""
        if length and content_type.startswith(_TEXT_TYPES):
            try:
                body = request.body.decode("utf-8")
            except UnicodeDecodeError:
                return _refuse(request, 400, _NOT_UTF8)
            if content_type.startswith(_FORM_TYPES[0]) and not _percent_utf8(body):
                # %FF in a form body would otherwise be saved as a replacement character.
                return _refuse(request, 400, _NOT_UTF8)
        # NUL cannot be stored (PostgreSQL refuses it in text) and never belongs in a form
        # field, a search or a JSON string: refuse it up front rather than fail half-way.
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or _has_nul(body, content_type):
            return _refuse(
                request, 400, "提交的内容含有不允许的控制字符（空字符 NUL），请删除后重试。"
            )
        if content_type.startswith("application/json"):
            _strip_json_body(request, body)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Form fields lose their invisible format characters (zero-width, BOM, soft
        hyphen, bidi marks) before any view or form sees them: stored text is clean, and
        look-alike names or codes cannot hide in it. Runs before CSRF reads the form."""
        if request.method != "POST":
            return None
        if not request.META.get("CONTENT_TYPE", "").startswith(_FORM_TYPES):
            return None
        post = request.POST
        values = [v for _key, items in post.lists() for v in items]
        if request.META["CONTENT_TYPE"].startswith(_FORM_TYPES[1]) and any(
            "\ufffd" in v for v in values
        ):
            # The multipart parser replaces bytes that are not UTF-8; refuse, not store.
            return _refuse(request, 400, _NOT_UTF8)
        if any(strip_invisible(t) != t for t in [*post, *values]):
            cleaned = QueryDict(mutable=True, encoding=post.encoding)
            for key, items in post.lists():
                cleaned.setlist(strip_invisible(key), [strip_invisible(v) for v in items])
            cleaned._mutable = False
            request.POST = cleaned
        return None


def _percent_utf8(body: str) -> bool:
    if "%" not in body:
        return True
    try:
        parse_qsl(body, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _strip_json_body(request, body: str) -> None:
    """Invisible format characters leave JSON strings (raw or as \\u escapes)."""
    if not body or ("\\u" not in body and strip_invisible(body) == body):
        return
    try:
        data = json.loads(body)
    except ValueError:
        return  # the API answers malformed JSON itself
    clean = _strip_strings(data)
    if clean != data:
        request._body = json.dumps(clean, ensure_ascii=False).encode()


def _strip_strings(value):
    if isinstance(value, str):
        return strip_invisible(value)
    if isinstance(value, list):
        return [_strip_strings(v) for v in value]
    if isinstance(value, dict):
        return {strip_invisible(k): _strip_strings(v) for k, v in value.items()}
    return value


def _has_nul(body: str, content_type: str) -> bool:
    if not body:
        return False
    if "\x00" in body:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return "%00" in body
    if content_type.startswith("application/json"):
        return "\\u0000" in body
    return False


# --- API errors are JSON in Chinese, whoever produced them ------------------------------

_API_STATUS_MESSAGES = {
    400: "请求有误。",
    401: "未认证：请登录或提供有效的 API 令牌。",
    403: "无权执行此操作。",
    404: "接口或对象不存在，或无权访问。",
    405: "该接口不支持此请求方法。",
    413: "提交的内容过大。",
    500: "服务器内部错误，请稍后重试；如持续出现请联系系统管理员。",
}


class ApiErrorMiddleware:
    """Under /api/, turns any non-JSON error (Django's 404 page for an unknown path,
    the bare 405 ninja returns for a wrong method, a 500 page) into ``{"detail": …}``.

    Outermost (first in MIDDLEWARE), so it sees the responses of Django's handlers too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            message = _API_STATUS_MESSAGES.get(status) or (
                "服务器内部错误，请稍后重试。" if status >= 500 else "请求有误。"
            )
            replacement = JsonResponse(
                {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
            )
            # Keep Allow, Retry-After, the security headers…: only the body changes.
            for header, value in response.items():
                if header.lower() not in ("content-type", "content-length"):
                    replacement[header] = value
            return replacement
        return response


# --- Content-Security-Policy ----------------------------------------------------------------


def content_security_policy() -> str:
    """The one policy of every page: scripts and everything else from this origin only.

    style-src allows 'unsafe-inline': templates carry style="" attributes, htmx injects
    its indicator <style>, and the altcha widget on the public form injects its own CSS;
    scripts, the dangerous half, stay 'self' only (no inline script, no inline handler).
    worker-src blob: is the altcha proof-of-work worker."""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            f"report-uri {settings.CSP_REPORT_URI}",
        ]
    )


class ContentSecurityPolicyMiddleware:
    """Sets the Content-Security-Policy header (a view may set its own first)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        header = (
            "Content-Security-Policy-Report-Only"
            if settings.CSP_REPORT_ONLY
            else "Content-Security-Policy"
        )
        if "Content-Security-Policy" not in response and header not in response:
            response[header] = self.policy
        return response
