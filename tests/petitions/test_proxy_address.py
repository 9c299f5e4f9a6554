"""Behind our own proxies, the client address is the hop they recorded, not what the client wrote."""

import pytest
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.petitions.conftest import submit
from xuncha.audit.models import AuditEntry
from xuncha.core.net import client_address
from xuncha.petitions.models import Submission

PROXY = "10.0.0.1"  # our reverse proxy: REMOTE_ADDR of every request


def _address(settings, proxies, forwarded=None, remote=PROXY):
    settings.TRUSTED_PROXIES = proxies
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "6.6.6.6", PROXY),  # no proxy configured: the header is the client's own text
        (1, "203.0.113.7", "203.0.113.7"),
        (1, "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # spoofed left-most entry ignored
        (1, "1.1.1.1,2.2.2.2 , 203.0.113.7", "203.0.113.7"),
        (2, "6.6.6.6, 203.0.113.7, 10.0.0.2", "203.0.113.7"),  # two proxies of ours
        (1, None, PROXY),  # header missing: the proxy itself is all we know
        (2, "203.0.113.7", "203.0.113.7"),  # fewer hops than proxies: the furthest known
    ],
)
def test_client_address_takes_the_hop_before_our_proxies(settings, proxies, forwarded, expected):
    assert _address(settings, proxies, forwarded) == expected


@given(spoofed=st.lists(st.ip_addresses().map(str), max_size=5))
@hsettings(deadline=None)
def test_no_spoofed_prefix_changes_the_address(spoofed):
    from django.conf import settings

    settings.TRUSTED_PROXIES = 1
    try:
        forwarded = ", ".join([*spoofed, "203.0.113.7"])
        request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)
        assert client_address(request) == "203.0.113.7"
    finally:
        settings.TRUSTED_PROXIES = 0


@pytest.mark.django_db
def test_rate_limit_holds_against_spoofed_forwarded_for(announcement, settings):
    settings.TRUSTED_PROXIES = 1
    settings.PETITIONS_RATE_PER_SOURCE = "2/h"
    codes = []
    for i in range(4):
        c = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.7")
        codes.append(submit(c, announcement).status_code)
    assert codes == [200, 200, 429, 429]
    assert Submission.objects.count() == 2
    # Another real client behind the same proxy is not affected.
    other = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.8")
    assert submit(other, announcement).status_code == 200


@pytest.mark.django_db
def test_audit_records_the_real_client_address(cast, settings):
    settings.TRUSTED_PROXIES = 1
    c = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    c.post("/login/", {"username": "office_staff", "password": "wrong-password"})
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.ip == "203.0.113.9"
