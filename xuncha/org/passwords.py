"""Password rules of 等保 2.0: character classes, no reuse, maximum age.

Every new password hash is remembered in PasswordHistory through the validator hook
`password_changed`, which Django calls from `User.save()` after `set_password()`, so
the reuse rule holds whichever path changed the password: this app's form, the admin,
`createsuperuser`, `changepassword` or another app's user management.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

CLASSES_TEXT = "密码须至少包含大写字母、小写字母、数字、特殊符号中的三类。"


def character_classes(password: str) -> int:
    classes = [
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ]
    return sum(classes)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's rule with a Chinese message (Django 5.2 changed the text; zh-hans lags)."""

    def get_error_message(self):
        return f"密码太短：至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"


class CharacterClassValidator:
    """At least three of: lower case, upper case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(CLASSES_TEXT, code="password_classes")

    def get_help_text(self):
        return CLASSES_TEXT


class HistoryValidator:
    """None of the user's last N passwords (the current one included); records each new one."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        keep = settings.PASSWORD_HISTORY
        if keep <= 0:
            return
        from xuncha.org.models import User

        # The hash in the database, not the instance's: a caller may already have set the
        # new password on the instance before validating it.
        stored = User._base_manager.filter(pk=user.pk).values_list("password", flat=True).first()
        previous = [stored] if stored else []
        previous += list(user.password_history.values_list("password", flat=True)[:keep])
        seen, distinct = set(), []
        for old in previous:
            if old not in seen:
                seen.add(old)
                distinct.append(old)
        if any(check_password(password, old) for old in distinct[:keep]):
            raise ValidationError(f"不能使用最近 {keep} 次用过的密码。", code="password_reused")

    def password_changed(self, password, user=None):
        """Called by Django after a new password was saved: remember its hash."""
        if user is None or user.pk is None or not user.has_usable_password():
            return
        from xuncha.org.models import PasswordHistory, User

        now = timezone.now()
        PasswordHistory.objects.create(user=user, password=user.password, created_at=now)
        keep_ids = user.password_history.values_list("pk", flat=True)[
            : max(settings.PASSWORD_HISTORY, 1)
        ]
        user.password_history.exclude(pk__in=list(keep_ids)).delete()
        if user.password_changed_at is None or now - user.password_changed_at > timedelta(
            seconds=5
        ):
            user.password_changed_at = now
            User._base_manager.filter(pk=user.pk).update(password_changed_at=now)

    def get_help_text(self):
        return f"不能使用最近 {settings.PASSWORD_HISTORY} 次用过的密码。"


def password_expired(user) -> bool:
    if settings.PASSWORD_MAX_AGE_DAYS <= 0:
        return False
    if user.password_changed_at is None:
        return True
    max_age = timedelta(days=settings.PASSWORD_MAX_AGE_DAYS)
    return timezone.now() - user.password_changed_at > max_age


def password_set(user, raw_password: str, *, must_change: bool = False):
    """Set a new password (the history is written by HistoryValidator.password_changed).

    `must_change=True` when an administrator sets someone else's password: the owner
    must choose their own at the next login.
    """
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.save()
