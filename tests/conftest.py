import pytest

from tests.cast import build_cast, client_for
from tests.pg_sessions import end_sessions, other_sessions


@pytest.fixture
def cast(db):
    return build_cast()


@pytest.fixture
def login():
    return client_for


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    # Argon2 with production parameters costs ~0.5 s a hash on a busy two-core machine and
    # WhiteNoise rescans every static file for each new test client; neither is what the
    # tests are about (tests/org/test_auth.py checks that Argon2 is the configured hasher;
    # the browser tests get static files from the live server's own handler).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    # Home-page to-dos are cached per process in production; tests want them fresh
    # (tests/org/test_home_cache.py checks the cache itself).
    settings.HOME_TODO_CACHE_SECONDS = 0
    # Likewise the per-user caches of roles, menu and dashboard (xuncha/core/cache.py):
    # many tests change rows directly, without the audited services that invalidate them
    # (tests/stats/test_dashboard.py checks the cache and its invalidation).
    settings.USER_CACHE_SECONDS = 0


@pytest.fixture(scope="session", autouse=True)
def _no_connection_outlives_the_run(request):
    """On PostgreSQL, pytest-django drops each worker's test database at the end; a
    connection still open then (a live-server or worker thread that never closed its own)
    makes the drop fail with "is being accessed by other users" and leaves the database
    behind. Torn down before the database (it depends on django_db_setup): close this
    process's connections, then name and end any other session still on the database."""
    request.getfixturevalue("django_db_setup")
    yield
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        return
    name = connection.settings_dict["NAME"]
    for alias in connections:
        connections[alias].close()
    blocker = request.getfixturevalue("django_db_blocker")
    with blocker.unblock(), connection.cursor() as cursor:
        leftover = other_sessions(cursor, name)
        for pid, app, state, query in leftover:
            print(f"\n[test teardown] ending a session left on {name}: {pid} {app} {state} {query}")
        end_sessions(cursor, [row[0] for row in leftover])
    connection.close()
