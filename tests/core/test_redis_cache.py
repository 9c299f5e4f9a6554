"""The Redis path of the shared cache (XUNCHA_REDIS_URL): sessions, the data version and the
per-user caches go through a real Redis server, as on a multi-worker or multi-node
installation. Skipped where no Redis answers at XUNCHA_TEST_REDIS_URL
(default redis://127.0.0.1:6379/15)."""

import os
import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from tests.cast import client_for
from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core import cache

REDIS_URL = os.environ.get("XUNCHA_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis 不可用：{REDIS_URL}")
    return client


@pytest.fixture
def redis_cache(settings):
    """The project's CACHES with the Redis default (as settings.py builds it), under a key
    prefix of this test's own, removed afterwards."""
    client = _redis()
    prefix = f"xuncha-test-{uuid.uuid4().hex}"
    config = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
        "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": prefix},
    }
    with override_settings(CACHES=config):
        settings.USER_CACHE_SECONDS = 60
        yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def _keys(client, prefix):
    return [k.decode() for k in client.scan_iter(f"{prefix}:*")]


@pytest.mark.django_db
def test_sessions_live_in_redis_and_logout_revokes_them(cast, redis_cache):
    client_redis, prefix = redis_cache
    client = client_for(cast.office_staff)
    assert client.get("/").status_code == 200
    sessions = [k for k in _keys(client_redis, prefix) if "sessions" in k]
    assert sessions, _keys(client_redis, prefix)
    client.post("/logout/")
    assert not [k for k in _keys(client_redis, prefix) if "sessions" in k]
    assert client.get("/").status_code == 302  # signed out everywhere: the cache forgot it


@pytest.mark.django_db
def test_per_user_cache_is_shared_and_an_audited_change_invalidates_it(cast, redis_cache):
    """Two workers share Redis: a figure cached by one is served to the other (the local
    memory cache emptied stands for the second process) until an audited change."""
    user = cast.office_staff
    calls = []

    def compute():
        calls.append(1)
        return {"figure": len(calls)}

    def in_a_worker():
        caches["local"].clear()
        user.__dict__.pop("_xuncha_data_version", None)
        return cache.per_user(user, "redis-test", compute)

    assert in_a_worker() == {"figure": 1}
    assert in_a_worker() == {"figure": 1}  # from Redis, not computed again
    assert len(calls) == 1
    record(actor=user, action=Action.UPDATE, obj=cast.city, summary="测试：修改")
    assert in_a_worker() == {"figure": 2}  # a new data version: computed afresh
    assert len(calls) == 2


@pytest.mark.django_db
def test_home_and_workspace_render_on_redis(cast, redis_cache):
    pages = [
        (cast.office_staff, "/"),
        (cast.team_leader, f"/inspections/{cast.inspections['a'].pk}/"),
    ]
    for user, url in pages:
        client = client_for(user)
        first = client.get(url)
        again = client.get(url)  # served from the cached roles, menu and figures
        assert first.status_code == again.status_code == 200, url
