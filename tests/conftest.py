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
