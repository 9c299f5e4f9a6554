import pytest

from tests.cast import build_cast, client_for


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
