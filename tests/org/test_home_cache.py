import pytest
from django.core.cache import caches

from xuncha.org import home

pytestmark = pytest.mark.django_db


def test_home_panels_are_cached_per_user_for_a_few_seconds(cast, settings, monkeypatch):
    settings.HOME_TODO_CACHE_SECONDS = 30
    caches["local"].clear()
    calls = []
    real = home._build_panels
    monkeypatch.setattr(home, "_build_panels", lambda user: calls.append(user.pk) or real(user))

    first = home.panels_for(cast.office_staff)
    again = home.panels_for(cast.office_staff)
    other = home.panels_for(cast.auditor)

    assert again == first
    assert calls == [cast.office_staff.pk, cast.auditor.pk]
    assert other != first


def test_home_panels_are_fresh_when_caching_is_off(cast, settings, monkeypatch):
    settings.HOME_TODO_CACHE_SECONDS = 0
    calls = []
    real = home._build_panels
    monkeypatch.setattr(home, "_build_panels", lambda user: calls.append(user.pk) or real(user))

    home.panels_for(cast.office_staff)
    home.panels_for(cast.office_staff)

    assert calls == [cast.office_staff.pk, cast.office_staff.pk]
