from django.utils.functional import SimpleLazyObject


def unread(request):
    """The header's unread count: one indexed COUNT, run only when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from xuncha.notifications.services import unread_count

    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user))}
