"""The notification centre and the preferences page: a user's own notifications only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from xuncha.core.errors import DomainError
from xuncha.notifications import services
from xuncha.notifications.models import Kind, Notification

CHANNELS = [("in_app", "通知中心"), ("email", "即时邮件"), ("digest", "每日汇总邮件")]


@login_required
def centre(request):
    qs = services.visible(request.user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/centre.html",
        {"page": page, "unread_only": bool(request.GET.get("unread"))},
    )


@login_required
def badge(request):
    """The header's unread badge, fetched by htmx after the page: pages pay no query for it,
    this request pays one indexed COUNT."""
    return render(
        request, "notifications/badge.html", {"unread": services.unread_count(request.user)}
    )


@login_required
def open_item(request, pk):
    try:
        n = services.open_notification(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    if not url_has_allowed_host_and_scheme(n.url, allowed_hosts=None):
        return redirect("notifications:centre")
    return redirect(n.url)


@login_required
@require_POST
def read_all(request):
    count = services.mark_read(user=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读。")
    return redirect("notifications:centre")


@login_required
def preferences(request):
    if request.method == "POST":
        choices = {
            kind: {c: f"{kind}-{c}" in request.POST for c, _ in CHANNELS} for kind in Kind.values
        }
        try:
            services.preferences_save(user=request.user, choices=choices)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "通知偏好已保存。")
            return redirect("notifications:preferences")
    prefs = services.preferences_for(request.user)
    rows = [
        {
            "kind": kind,
            "label": label,
            "channels": [(f"{kind}-{c}", name, prefs[kind][c]) for c, name in CHANNELS],
        }
        for kind, label in Kind.choices
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "channels": CHANNELS, "has_email": bool(request.user.email)},
    )
