"""The JSON API root: /api/v1/, one router per app, the OpenAPI schema at /api/v1/openapi.json."""

import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DataError
from django.http import Http404
from django.http.request import RawPostDataException
from django.utils import timezone
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyCookie, HttpBearer

from xuncha.audit.schemas import flush_reads
from xuncha.core.errors import DomainError


class SessionAuth(APIKeyCookie):
    """The browser's session, with Django's CSRF check for unsafe methods.

    The session middleware already expires idle sessions and stops sessions that owe
    their second factor or a password change on /api/ too; the last two are checked
    again here so that the API stays closed even if that middleware is reordered.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def authenticate(self, request, key):
        from xuncha.org.middleware import otp_required
        from xuncha.org.passwords import password_expired

        user = request.user
        if not key or not user.is_authenticated or not user.is_active:
            return None
        if otp_required(user) and not user.is_verified():
            return None
        if user.must_change_password or password_expired(user):
            return None
        return user


class TokenAuth(HttpBearer):
    """Authorization: Bearer <token>; only the token's SHA-256 digest is stored.

    A token stops working when revoked, when it expires (XUNCHA_API_TOKEN_DAYS after it was
    made), when its account is disabled and while the account owes a password change: the
    same doors the session login closes. Refused tokens get the API's 401."""

    def authenticate(self, request, token):
        from xuncha.org.models import ApiToken
        from xuncha.org.passwords import password_expired
        from xuncha.org.services import digest_token

        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest_token(token), revoked=False)
            .first()
        )
        if row is None or not row.user.is_active or row.expired:
            return None
        if row.user.must_change_password or password_expired(row.user):
            return None
        now = timezone.now()
        # One write per minute at most: the token is used on every request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


class AuditedAPI(NinjaAPI):
    """Every response that serialised confidential rows (`audit.schemas.ConfidentialOut`)
    writes one audited read naming them, before it leaves."""

    def create_response(self, request, data, *args, **kwargs):
        flush_reads(request)
        return super().create_response(request, data, *args, **kwargs)


logger = logging.getLogger("xuncha.api")


def _has_lone_surrogate(value) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(v) for v in value)
    return False


class StrictJsonParser(Parser):
    """JSON bodies as ninja reads them, minus what no database can store.

    A lone surrogate (``"\\ud800"``) is valid JSON but not valid Unicode: refused here
    (ninja answers 400, translated below) instead of failing later inside the database."""

    def parse_body(self, request):
        data = json.loads(request.body)
        if _has_lone_surrogate(data):
            raise ValueError("lone surrogate")
        return data


class LocalSwagger(Swagger):
    """Swagger UI from our own static files (npm swagger-ui-dist), never from a CDN."""

    template = "core/swagger.html"

    def render_page(self, request, api, **kwargs):
        from django.shortcuts import render

        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": self.settings, "api": api}
        return render(request, self.template, context)


api = AuditedAPI(
    title="巡察综合监督平台 API",
    version="1",
    description="与页面共用同一套业务服务与访问控制。认证：会话 Cookie 或 Bearer 令牌。",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=LocalSwagger(),
    parser=StrictJsonParser(),
    urls_namespace="api",
)

# Pydantic's messages, in Chinese; {…} are filled from the error's context.
_VALIDATION_MESSAGES = {
    "missing": "缺少必填字段",
    "string_type": "应为字符串",
    "int_type": "应为整数",
    "int_parsing": "应为整数",
    "int_from_float": "应为整数",
    "float_type": "应为数字",
    "float_parsing": "应为数字",
    "bool_type": "应为布尔值（true 或 false）",
    "bool_parsing": "应为布尔值（true 或 false）",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多只能有 {max_length} 项",
    "date_type": "应为日期（格式如 2026-06-30）",
    "date_parsing": "应为日期（格式如 2026-06-30）",
    "date_from_datetime_parsing": "应为日期（格式如 2026-06-30）",
    "date_from_datetime_inexact": "应为日期，不含时间",
    "datetime_type": "应为日期时间（ISO 8601 格式）",
    "datetime_parsing": "应为日期时间（ISO 8601 格式）",
    "datetime_from_date_parsing": "应为日期时间（ISO 8601 格式）",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "literal_error": "应为以下值之一：{expected}",
    "enum": "应为以下值之一：{expected}",
    "json_invalid": "不是有效的 JSON",
    "json_type": "应为 JSON 字符串",
    "extra_forbidden": "不允许的字段",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "string_pattern_mismatch": "格式不符合要求",
    "value_error": "取值无效",
    "assertion_error": "取值无效",
}


def translate_validation_errors(errors) -> list[dict]:
    """Each error with its location kept and its message in Chinese."""
    out = []
    for error in errors:
        template = _VALIDATION_MESSAGES.get(error.get("type"), "取值不符合要求")
        try:
            message = template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            message = template.split("{")[0].rstrip("：: ")
        out.append({"type": error.get("type"), "loc": list(error.get("loc", ())), "msg": message})
    return out


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "未认证：请登录或提供有效的 API 令牌。"}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = translate_validation_errors(exc.errors)
    first = errors[0] if errors else None
    detail = "请求数据不符合要求。"
    if first:
        where = ".".join(str(p) for p in first["loc"] if p not in ("body", "payload", "data"))
        detail = f"请求数据不符合要求：{where or '请求体'}{first['msg']}。"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "对象不存在或无权访问。"}, status=404)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "无权执行此操作。"}, status=403)


@api.exception_handler(DomainError)
def _domain_error(request, exc):
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


_HTTP_MESSAGES = {
    "CSRF check Failed": "CSRF 校验失败：请刷新页面后重试，或改用 API 令牌。",
    "Cannot parse request body": "请求体无法解析：应为有效的 JSON，且不得含有无效的 Unicode 字符。",
    "Unauthorized": "未认证：请登录或提供有效的 API 令牌。",
    "Forbidden": "无权执行此操作。",
}


@api.exception_handler(HttpError)
def _http_error(request, exc):
    text = str(exc)
    detail = _HTTP_MESSAGES.get(text.split(" (")[0], text)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(OverflowError)
@api.exception_handler(DataError)
def _out_of_range(request, exc):
    # A number beyond what the database holds (above 2^63 in a body field, say).
    return api.create_response(
        request, {"detail": "请求中的数值超出允许范围，或数据格式不被数据库接受。"}, status=400
    )


@api.exception_handler(RawPostDataException)
def _wrong_body_type(request, exc):
    # A multipart form sent to an operation that reads a JSON body: the form parser has
    # consumed the stream, so the body can no longer be read as JSON.
    return api.create_response(
        request,
        {"detail": "请求体格式不受支持：此接口只接受 JSON（Content-Type: application/json）。"},
        status=415,
    )


@api.exception_handler(Exception)
def _server_error(request, exc):
    # Whatever went wrong, the client gets JSON in Chinese; the traceback goes to the log.
    logger.exception("API 请求处理出错：%s %s", request.method, request.path)
    return api.create_response(
        request, {"detail": "服务器内部错误，请稍后重试；如持续出现请联系系统管理员。"}, status=500
    )


# One router per app, mounted under /api/v1/<app>/.
from xuncha.analytics.api import router as analytics_router  # noqa: E402
from xuncha.analytics.api_search import hot_router  # noqa: E402
from xuncha.analytics.api_search import router as search_router  # noqa: E402
from xuncha.archive.api import router as archive_router  # noqa: E402
from xuncha.clues.api import router as clues_router  # noqa: E402
from xuncha.core.api import router as system_router  # noqa: E402
from xuncha.inspections.api import router as inspections_router  # noqa: E402
from xuncha.inspections.fix_api import router as fix_router  # noqa: E402
from xuncha.inspections.prep_api import router as prep_router  # noqa: E402
from xuncha.inspections.stay_api import router as stay_router  # noqa: E402
from xuncha.library.api import router as library_router  # noqa: E402
from xuncha.notifications.api import router as notifications_router  # noqa: E402
from xuncha.org.api import router as org_router  # noqa: E402
from xuncha.petitions.api import router as petitions_router  # noqa: E402
from xuncha.plans.api import router as plans_router  # noqa: E402
from xuncha.rectification.api import router as rectification_router  # noqa: E402
from xuncha.rectification.disclosure_api import router as disclosure_router  # noqa: E402
from xuncha.rectification.results_api import router as results_router  # noqa: E402
from xuncha.rectification.revisit_api import router as revisit_router  # noqa: E402
from xuncha.reports.api import router as reports_router  # noqa: E402
from xuncha.reports.delivery_api import router as delivery_router  # noqa: E402
from xuncha.savedviews.api import router as savedviews_router  # noqa: E402
from xuncha.stats.api import router as stats_router  # noqa: E402
from xuncha.study.api import router as study_router  # noqa: E402
from xuncha.training.api import router as training_router  # noqa: E402

api.add_router("/org", org_router)
api.add_router("/plans", plans_router)
api.add_router("/inspections", inspections_router)
api.add_router("/inspections", prep_router)  # 进驻准备: its own module, same prefix
api.add_router("/inspections", stay_router)  # the stay records and the reviews (stay_api.py)
api.add_router("/inspections", fix_router)  # 立行立改 (fix_api.py)
api.add_router("/petitions", petitions_router)
api.add_router("/analytics", analytics_router)
api.add_router("/clues", clues_router)
api.add_router("/rectification", rectification_router)
api.add_router("/rectification", results_router)  # 成果运用: /rectification/results/...
api.add_router("/rectification", revisit_router)  # 回头看: /rectification/revisits/...
api.add_router("/rectification", disclosure_router)  # 整改公开审批
api.add_router("/reports", reports_router)
api.add_router("/archive", archive_router)
api.add_router("/reports", delivery_router)  # feedback delivery records (delivery_api.py)
api.add_router("/search", search_router)
api.add_router("/hot", hot_router)
api.add_router("/stats", stats_router)
api.add_router("/notifications", notifications_router)
api.add_router("/saved-views", savedviews_router)
api.add_router("/study", study_router)
api.add_router("/training", training_router)
api.add_router("/library", library_router)
api.add_router("/system", system_router)
