"""Per-user caches that a change invalidates: role assignments, the menu, home panels and
the dashboard figures.

One shared *data version* (a key in the shared "default" cache: the database cache, or
Redis when XUNCHA_REDIS_URL is set) is replaced by every audited write
(`audit.services.record` calls `bump()`), once at once and again when the transaction
commits: a reader between the two can cache only under the version that the commit then
replaces. Cached values are keyed by the user and that version, so a change shows up on
the next request in every worker, and a user's key never serves anyone else (each value
is computed from that user's own rows, through the access door). `USER_CACHE_SECONDS`
bounds the age of a value whatever happens (writes outside services, a lost bump).

Values live in the worker's memory ("local") first and in the shared cache second, so a
warm request costs one shared-cache read (the version) and no computation.
"""

import time

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

VERSION_KEY = "xuncha:data-version"


def _new_version() -> str:
    return str(time.time_ns())


def bump() -> None:
    """Invalidate every per-user cache (now, and again when the transaction commits)."""
    if not (settings.USER_CACHE_SECONDS or settings.HOME_TODO_CACHE_SECONDS):
        return  # nothing is cached under a version (tests mostly): spare the write
    _set_version()
    transaction.on_commit(_set_version)


def _set_version() -> None:
    caches["default"].set(VERSION_KEY, _new_version(), None)


def data_version() -> str:
    version = caches["default"].get(VERSION_KEY)
    if version is None:
        version = _new_version()
        caches["default"].add(VERSION_KEY, version, None)
        version = caches["default"].get(VERSION_KEY) or version
    return version


def _request_version(user) -> str:
    # One shared-cache read per request: the user object lives for one request.
    version = getattr(user, "_xuncha_data_version", None)
    if version is None:
        version = data_version()
        user._xuncha_data_version = version
    return version


def per_user(user, name: str, compute, *, seconds: int | None = None, shared: bool = True):
    """`compute()` for `user`, cached under (name, user, data version); 0 seconds: no cache."""
    seconds = settings.USER_CACHE_SECONDS if seconds is None else seconds
    if not seconds or not getattr(user, "pk", None):
        return compute()
    key = f"u:{name}:{user.pk}:{_request_version(user)}"
    local = caches["local"]
    value = local.get(key)
    if value is not None:
        return value
    if shared:
        value = caches["default"].get(key)
    if value is None:
        value = compute()
        if shared:
            caches["default"].set(key, value, seconds)
    local.set(key, value, seconds)
    return value
