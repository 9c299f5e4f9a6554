"""One solved proof-of-work challenge buys one submission, whatever its payload looks like."""

import base64
import json

import pytest
from django.test import Client

from tests.petitions.conftest import pow_token, submit
from xuncha.petitions.models import Submission

pytestmark = pytest.mark.django_db


def _decode(token):
    return json.loads(base64.b64decode(token))


def _reserialised(token):
    return base64.b64encode(json.dumps(_decode(token), indent=2).encode()).decode()


def _extra_key(token):
    return base64.b64encode(json.dumps({**_decode(token), "again": 1}).encode()).decode()


def _with_newline(token):
    return token[:8] + "\n" + token[8:]


def _reordered(token):
    data = _decode(token)
    return base64.b64encode(json.dumps(dict(reversed(data.items()))).encode()).decode()


@pytest.mark.parametrize("variant", [_reserialised, _extra_key, _with_newline, _reordered])
def test_a_reworded_payload_of_a_spent_challenge_is_refused(announcement, variant):
    c = Client()
    token = pow_token(c)
    assert submit(c, announcement, altcha=token).status_code == 200
    forged = variant(token)
    assert forged != token
    r = submit(c, announcement, altcha=forged)
    assert r.status_code == 400, r.content.decode()[:500]
    assert "已使用过" in r.content.decode()
    assert Submission.objects.count() == 1


def test_the_variants_are_accepted_once_when_fresh(announcement):
    """The variants themselves are valid solutions: only spending makes them fail."""
    c = Client()
    assert submit(c, announcement, altcha=_reserialised(pow_token(c))).status_code == 200
    assert submit(c, announcement, altcha=_with_newline(pow_token(c))).status_code == 200
    assert Submission.objects.count() == 2
