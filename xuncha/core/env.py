"""Typed readers of environment variables that fail loudly on bad values."""

import os

from django.core.exceptions import ImproperlyConfigured


class SettingError(ImproperlyConfigured):
    """A wrong environment variable: `xuncha` and manage.py print it as one line and exit 2."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise SettingError(f"环境变量 {name} 未设置 (environment variable {name} is required)")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"环境变量 {name}={raw!r} 不是布尔值，请用 1/0、true/false")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingError(f"环境变量 {name}={raw!r} 不是整数") from None


def env_list(name: str, default: str = "") -> list[str]:
    raw = os.environ.get(name, default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name, default).strip().lower()
    if value not in choices:
        raise SettingError(f"环境变量 {name}={value!r} 无效，可选值：{'、'.join(choices)}")
    return value


def env_database(name: str, **options) -> dict | None:
    """The database settings from a URL variable (None when empty: the caller's default)."""
    import dj_database_url

    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return dj_database_url.parse(raw, **options)
    except (ValueError, KeyError):  # UnknownSchemeError and ParseError are ValueErrors
        raise SettingError(
            f"环境变量 {name} 不是有效的数据库地址，应形如 postgres://用户:密码@主机:5432/库名"
        ) from None
