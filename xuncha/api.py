"""The JSON API root: /api/v1/, one router per app, the OpenAPI schema at /api/v1/openapi.json."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

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
    """Authorization: Bearer <token>; only the token's SHA-256 digest is stored."""

    def authenticate(self, request, token):
        from xuncha.org.models import ApiToken
        from xuncha.org.services import digest_token

        if not token or len(token) > 200:
            return None
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=digest_token(token), revoked=False)
            .first()
        )
        if row is None or not row.user.is_active:
            return None
        now = timezone.now()
        # One write per minute at most: the token is used on every request.
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


api = NinjaAPI(
    title="巡察综合监督平台 API",
    version="1",
    description="与页面共用同一套业务服务与访问控制。认证：会话 Cookie 或 Bearer 令牌。",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    openapi_url="/openapi.json",
    docs_url="/docs",
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": "未认证：请登录或提供有效的 API 令牌。"}, status=401
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return api.create_response(
        request, {"detail": "请求数据不符合要求。", "errors": exc.errors}, status=422
    )


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
}


@api.exception_handler(HttpError)
def _http_error(request, exc):
    detail = _HTTP_MESSAGES.get(str(exc), str(exc))
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


# One router per app, mounted under /api/v1/<app>/.
from xuncha.analytics.api import router as analytics_router  # noqa: E402
from xuncha.clues.api import router as clues_router  # noqa: E402
from xuncha.inspections.api import router as inspections_router  # noqa: E402
from xuncha.org.api import router as org_router  # noqa: E402
from xuncha.petitions.api import router as petitions_router  # noqa: E402
from xuncha.plans.api import router as plans_router  # noqa: E402
from xuncha.rectification.api import router as rectification_router  # noqa: E402
from xuncha.reports.api import router as reports_router  # noqa: E402

api.add_router("/org", org_router)
api.add_router("/plans", plans_router)
api.add_router("/inspections", inspections_router)
api.add_router("/petitions", petitions_router)
api.add_router("/analytics", analytics_router)
api.add_router("/clues", clues_router)
api.add_router("/rectification", rectification_router)
api.add_router("/reports", reports_router)
