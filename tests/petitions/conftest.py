from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from xuncha.petitions import guard
from xuncha.petitions.models import Announcement


@pytest.fixture(autouse=True)
def _petitions_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PETITIONS_POW_COST = 10  # keep the solver quick in tests; the protocol is the same
    settings.PETITIONS_RATE_PER_SOURCE = "1000/h"
    settings.PETITIONS_RATE_SITE = "100000/h"
    settings.PETITIONS_RATE_RECEIPT_FAILURES = "1000/h"
    from django.core.cache import cache

    try:
        cache.clear()
    except RuntimeError:  # a test without database access (the durability run)
        pass
    guard._LOCAL["bucket"] = None
    from xuncha.petitions import public_views

    public_views._PAGES.clear()


def make_announcement(cast, key="a", state="published", cutoff_days=10, **kw):
    inspection = cast.inspections[key]
    today = timezone.localdate()
    return Announcement.objects.create(
        inspection=inspection,
        state=state,
        title=kw.pop("title", f"江州市委第{'一二'[ord(key) - 97]}巡察组关于开展巡察的公告"),
        team_name="第一巡察组",
        units_text="江州市交通运输局",
        period_start=today - timedelta(days=20),
        period_end=today + timedelta(days=30),
        scope="主要受理反映被巡察党组织领导班子及其成员问题的来信来电来访。",
        phone="0791-12345678",
        hours="工作日 8:30—17:30",
        postal_box="江州市 A001 号信箱",
        cutoff=today + timedelta(days=cutoff_days),
        elsewhere="截止后请向市纪委监委信访室（12388）反映。",
        drafted_by=cast.team_leader,
        **kw,
    )


@pytest.fixture
def announcement(cast):
    return make_announcement(cast)


def pow_token(client=None):
    client = client or Client()
    challenge = client.get("/public/pow/").json()
    return guard.solve(challenge)


def submit(
    client,
    announcement,
    *,
    text="交通运输局某科长在工程招标中收受承包商红包，时间是今年三月。",
    files=None,
    **extra,
):
    data = {
        "kind": "report",
        "category": "integrity",
        "unit": "江州市交通运输局",
        "people": "王某某，工程科科长",
        "text": text,
        "altcha": extra.pop("altcha", None) or pow_token(client),
        **extra,
    }
    if files:
        data["files"] = files
    return client.post(f"/public/a/{announcement.pk}/submit/", data)


def receipt_from(response) -> str:
    import re

    m = re.search(r'id="receipt-code">([^<]+)<', response.content.decode())
    assert m, response.content.decode()[:2000]
    return m.group(1).strip()
