"""Notify users, keep their preferences, and deliver e-mail through the outbox.

E-mail never carries the item itself: the subject and body hold the kind's label and a
link, so a message read on a mail server or a phone shows nothing confidential. SMTP
failures leave the outbox row in place with its attempt count and the next attempt time
(back-off); `deliver_outbox` is run after each commit that queues mail and by the daily
sweep, so nothing is lost while the server is down.
"""

import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.notifications.models import Kind, Notification, Outbox, Preference
from xuncha.org.models import Role, RoleAssignment, User

OFFICE_RECIPIENTS = {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}
UNIT_RECIPIENTS = {Role.UNIT_LIAISON, Role.HANDOVER_RECIPIENT}
MAX_BACKOFF = timedelta(hours=1)


# --------------------------------------------------------------------------- recipients


def office_users(office, roles=OFFICE_RECIPIENTS):
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(office=office, role__in=roles).values("user_id"),
    )


def unit_users(unit, roles=UNIT_RECIPIENTS):
    return User.objects.filter(
        is_active=True,
        pk__in=RoleAssignment.objects.filter(unit=unit, role__in=roles).values("user_id"),
    )


# --------------------------------------------------------------------------- preferences


def preferences_for(user) -> dict[str, dict[str, bool]]:
    """Each kind's choice for the user (defaults where the user chose nothing)."""
    prefs = {k: {"in_app": True, "email": True, "digest": False} for k in Kind.values}
    for p in Preference.objects.filter(user=user):
        prefs[p.kind] = {"in_app": p.in_app, "email": p.email, "digest": p.digest}
    return prefs


def preferences_save(*, user, choices: dict[str, dict[str, bool]]) -> dict:
    unknown = set(choices) - set(Kind.values)
    if unknown:
        raise DomainError(f"未知的通知类别：{'、'.join(sorted(unknown))}。")
    with transaction.atomic():
        for kind, choice in choices.items():
            Preference.objects.update_or_create(
                user=user,
                kind=kind,
                defaults={c: bool(choice.get(c, False)) for c in ("in_app", "email", "digest")},
            )
        record(
            actor=user,
            action=Action.UPDATE,
            obj=user,
            summary="修改通知偏好",
            changes={k: choices[k] for k in sorted(choices)},
        )
    return preferences_for(user)


# --------------------------------------------------------------------------- notify


def link(url: str) -> str:
    return settings.XUNCHA_BASE_URL.rstrip("/") + url


def _email_text(kind: str, url: str) -> tuple[str, str]:
    label = Kind(kind).label
    subject = f"【巡察综合监督平台】您有一条{label}通知"
    body = (
        f"您有一条新的{label}通知，请登录平台查看：\n{link(url)}\n\n"
        "（为保密起见，邮件不含事项内容。）"
    )
    return subject, body


def notify(
    users, *, kind: str, title: str, url: str, key: str, email: tuple[str, str] | None = None
) -> list[Notification]:
    """Notify each user once per key, honouring their preference for the kind.

    `email` (subject, body) replaces the label-and-link message; only a caller whose text
    holds nothing confidential passes one (the weekly summary: aggregate figures)."""
    made = []
    for user in users:
        prefs = preferences_for(user)[kind]
        if not (prefs["in_app"] or prefs["email"] or prefs["digest"]):
            continue
        try:
            with transaction.atomic():
                n = Notification.objects.create(
                    user=user,
                    kind=kind,
                    title=title[:300],
                    url=url[:200],
                    key=key[:120],
                    in_app=prefs["in_app"],
                )
        except IntegrityError:
            continue  # already told about this event
        made.append(n)
        if prefs["email"] and user.email:
            subject, body = email or _email_text(kind, url)
            Outbox.objects.create(to=user.email, subject=subject, body=body, user=user)
            _deliver_after_commit()
    return made


def _enqueue_delivery():
    from xuncha.notifications.tasks import deliver

    try:
        deliver.enqueue()
    except Exception:  # noqa: S110 - the outbox keeps the mail; the sweep retries it
        pass


def _deliver_after_commit():
    """One delivery task per transaction, however many e-mails it queued."""
    if not any(entry[1] is _enqueue_delivery for entry in connection.run_on_commit):
        transaction.on_commit(_enqueue_delivery)


# --------------------------------------------------------------------------- the centre


def visible(user):
    """A user sees their own notifications and nobody else's."""
    return Notification.objects.filter(user=user, in_app=True)


def unread_count(user) -> int:
    return visible(user).filter(read_at__isnull=True).count()


def mark_read(*, user, pk=None) -> int:
    """Mark one (or, with pk None, every) own notification read; another's is a 404."""
    qs = visible(user).filter(read_at__isnull=True)
    if pk is not None:
        if not visible(user).filter(pk=pk).exists():
            raise Notification.DoesNotExist
        qs = qs.filter(pk=pk)
    return qs.update(read_at=timezone.now())


def open_notification(*, user, pk) -> Notification:
    n = visible(user).get(pk=pk)
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    return n


# --------------------------------------------------------------------------- e-mail


def _backoff(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), MAX_BACKOFF)


def deliver_outbox(now=None, limit=200) -> dict:
    """Send what is due; on failure count the attempt and schedule the next one."""
    now = now or timezone.now()
    due = list(
        Outbox.objects.filter(sent_at__isnull=True, next_attempt_at__lte=now).order_by("pk")[:limit]
    )
    sent = failed = 0
    if not due:
        return {"sent": 0, "failed": 0}
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except (OSError, smtplib.SMTPException) as exc:
        for row in due:
            _failed(row, exc, now)
        return {"sent": 0, "failed": len(due)}
    try:
        for row in due:
            # A stable Message-ID: if the worker dies between sending and marking the row
            # sent, the retry sends the same message again, which mail systems can
            # recognise as one (delivery is at least once, never a new message).
            message = EmailMessage(
                row.subject,
                row.body,
                settings.DEFAULT_FROM_EMAIL,
                [row.to],
                connection=connection,
                headers={"Message-ID": _message_id(row)},
            )
            try:
                message.send()
            except (OSError, smtplib.SMTPException) as exc:
                _failed(row, exc, now)
                failed += 1
                continue
            Outbox.objects.filter(pk=row.pk).update(
                sent_at=timezone.now(), attempts=row.attempts + 1
            )
            sent += 1
    finally:
        try:
            connection.close()
        except (OSError, smtplib.SMTPException):
            pass
    return {"sent": sent, "failed": failed}


def _message_id(row) -> str:
    """One Message-ID per outbox row (its id and creation time in microseconds)."""
    sender = settings.DEFAULT_FROM_EMAIL
    domain = sender.rsplit("@", 1)[-1].strip(">") if "@" in sender else "localhost"
    return f"<xuncha-{row.pk}.{int(row.created_at.timestamp() * 1_000_000)}@{domain}>"


def _failed(row, exc, now):
    attempts = row.attempts + 1
    Outbox.objects.filter(pk=row.pk).update(
        attempts=attempts,
        next_attempt_at=now + _backoff(attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:300],
    )


def daily_digest(now=None) -> int:
    """One e-mail per user listing (by kind and link only) the day's undigested items."""
    now = now or timezone.now()
    pending = (
        Notification.objects.filter(digested_at__isnull=True, created_at__lte=now)
        .select_related("user")
        .order_by("user_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = {}
    for n in pending:
        by_user.setdefault(n.user_id, []).append(n)
    sent = 0
    with transaction.atomic():
        for items in by_user.values():
            user = items[0].user
            prefs = preferences_for(user)
            wanted = [n for n in items if prefs[n.kind]["digest"]]
            if wanted and user.email and user.is_active:
                lines = [f"· {Kind(n.kind).label}：{link(n.url)}" for n in wanted]
                Outbox.objects.create(
                    to=user.email,
                    subject=f"【巡察综合监督平台】每日通知汇总（{len(wanted)} 条）",
                    body="您今日有以下通知，请登录平台查看：\n"
                    + "\n".join(lines)
                    + "\n\n（为保密起见，邮件不含事项内容。）",
                    user=user,
                )
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(digested_at=now)
    return sent
