"""/api/v1/notifications/: the caller's own notifications and preferences.

Same services as the pages; another user's notification is a 404 (its existence does
not leak); errors are JSON with a Chinese `detail`.
"""

from datetime import datetime

from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from xuncha.core.errors import DomainError
from xuncha.notifications import services
from xuncha.notifications.models import Notification
from xuncha.org.api import ERRORS

router = Router(tags=["通知"])


class NotificationOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    url: str
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_kind_label(obj):
        return obj.get_kind_display()


class UnreadOut(Schema):
    unread: int


class PreferenceIO(Schema):
    in_app: bool
    email: bool
    digest: bool


@router.get("", response=list[NotificationOut], summary="我的通知")
@paginate(PageNumberPagination, page_size=50)
def notification_list(request, unread: bool = False):
    qs = services.visible(request.user)
    return qs.filter(read_at__isnull=True) if unread else qs


@router.get("/unread", response=UnreadOut, summary="未读通知数")
def notification_unread(request):
    return {"unread": services.unread_count(request.user)}


@router.post(
    "/{notification_id}/read", response={200: NotificationOut, **ERRORS}, summary="标为已读"
)
def notification_read(request, notification_id: int):
    try:
        return services.open_notification(user=request.user, pk=notification_id)
    except Notification.DoesNotExist:
        return Status(404, {"detail": "通知不存在。"})


@router.post("/read-all", response=UnreadOut, summary="全部标为已读")
def notification_read_all(request):
    services.mark_read(user=request.user)
    return {"unread": 0}


class PreferencesIn(Schema):
    preferences: dict[str, PreferenceIO]


@router.get("/preferences", response=dict[str, PreferenceIO], summary="我的通知偏好")
def preference_get(request):
    return services.preferences_for(request.user)


@router.put(
    "/preferences", response={200: dict[str, PreferenceIO], **ERRORS}, summary="修改通知偏好"
)
def preference_put(request, data: PreferencesIn):
    try:
        return services.preferences_save(
            user=request.user, choices={k: v.dict() for k, v in data.preferences.items()}
        )
    except DomainError as exc:
        return Status(400, {"detail": str(exc)})
