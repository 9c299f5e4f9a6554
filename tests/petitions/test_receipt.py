import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.petitions.conftest import make_announcement, receipt_from, submit
from xuncha.audit.models import AuditEntry
from xuncha.petitions import crypto, services
from xuncha.petitions.models import Submission

pytestmark = pytest.mark.django_db


def test_code_shape_entropy_and_storage(cast):
    import math

    code = crypto.new_receipt_code()
    assert len(code) == 29 and code.count("-") == 5
    assert crypto.CODE_LENGTH * math.log2(len(crypto.ALPHABET)) >= 112
    assert not set("01ILO") & set(crypto.ALPHABET)
    a = make_announcement(cast)
    code = receipt_from(submit(Client(), a))
    sub = Submission.objects.get()
    assert code.replace("-", "") not in str(sub.receipt_digest)
    assert sub.receipt_digest == crypto.receipt_digest(crypto.normalise_code(code))


def test_lookup_same_work_for_existing_and_missing_codes(cast, monkeypatch):
    """Existing and missing codes take the same path: same SQL, one constant-time compare."""
    a = make_announcement(cast)
    code = receipt_from(submit(Client(), a))
    missing = crypto.new_receipt_code()
    compares = []
    import hmac as hmac_module

    real = hmac_module.compare_digest

    def spy(x, y):
        compares.append((len(x), len(y)))
        return real(x, y)

    monkeypatch.setattr(services.hmac, "compare_digest", spy)
    traces = []
    for c in (code, missing):
        with CaptureQueriesContext(connection) as q:
            services.find_by_receipt(c)
        traces.append(
            [
                query["sql"].replace(crypto.receipt_digest(crypto.normalise_code(c)), "?")
                for query in q.captured_queries
            ]
        )
    assert traces[0] == traces[1] and len(traces[0]) == 1
    assert compares == [(64, 64), (64, 64)]


def test_wrong_codes_throttled_and_logged(cast, settings):
    settings.PETITIONS_RATE_RECEIPT_FAILURES = "3/h"
    a = make_announcement(cast)
    code = receipt_from(submit(Client(), a))
    c = Client(REMOTE_ADDR="10.1.1.1")
    for _ in range(3):
        r = c.post("/public/followup/", {"code": crypto.new_receipt_code()})
        assert r.status_code == 404 and "未找到" in r.content.decode()
    # now blocked, even for the right code, from this source
    r = c.post("/public/followup/", {"code": code})
    assert r.status_code == 429 and "次数过多" in r.content.decode()
    assert AuditEntry.objects.filter(object_type="petitions.receipt").exists()
    # another source still works
    assert (
        Client(REMOTE_ADDR="10.1.1.2").post("/public/followup/", {"code": code}).status_code == 200
    )


@pytest.mark.parametrize(
    "bad", ["", "ABC", "0000-0000-0000-0000-0000-0000", "<script>", "é" * 100, "AAAA-" * 30]
)
def test_malformed_codes_get_a_chinese_message(cast, bad):
    r = Client().post("/public/followup/", {"code": bad})
    assert r.status_code == 404 and "回执码格式不正确" in r.content.decode()


@hsettings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalise_never_crashes(text):
    out = crypto.normalise_code(text)
    assert out is None or (len(out) == 24 and set(out) <= set(crypto.ALPHABET))


def test_code_is_case_and_separator_insensitive():
    code = crypto.new_receipt_code()
    assert crypto.normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
