"""Password rules of 等保 2.0: character classes, no reuse, maximum age."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols."""

    def validate(self, password, user=None):
        if character_classes(password) < 3:
            raise ValidationError(
                "密码须至少包含大写字母、小写字母、数字、特殊符号中的三类。",
                code="password_classes",
            )

    def get_help_text(self):
        return "密码须至少包含大写字母、小写字母、数字、特殊符号中的三类。"


class HistoryValidator:
    """None of the user's last N passwords (the current one included)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        keep = settings.PASSWORD_HISTORY
        previous = [user.password] if user.password else []
        previous += list(user.password_history.values_list("password", flat=True)[: keep - 1])
        if any(check_password(password, old) for old in previous[:keep]):
            raise ValidationError(f"不能使用最近 {keep} 次用过的密码。", code="password_reused")

    def get_help_text(self):
        return f"不能使用最近 {settings.PASSWORD_HISTORY} 次用过的密码。"


def password_expired(user) -> bool:
    if user.password_changed_at is None:
        return True
    max_age = timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    return timezone.now() - user.password_changed_at > max_age


def password_set(user, raw_password: str, *, must_change: bool = False):
    """Set a new password, remembering the old hash for the reuse rule."""
    from xuncha.org.models import PasswordHistory

    if user.pk and user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save()
