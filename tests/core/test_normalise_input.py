"""Input normalisation: invisible characters leave stored text, undecodable forms are refused,
receipt codes are read however a Chinese keyboard types them."""

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.cast import client_for
from tests.petitions.conftest import _petitions_settings, make_announcement, receipt_from, submit  # noqa: F401
from xuncha.org.models import Unit
from xuncha.petitions import crypto, services
from xuncha.petitions.models import Submission

pytestmark = pytest.mark.django_db

INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad\u200e\u200f\u202a\u202e\u2066\u2069"
DASHES = "‐‑‒–—―－﹣−ー-"


def _with_invisible(text):
    return "".join(ch + INVISIBLE[i % len(INVISIBLE)] for i, ch in enumerate(text))


# --- Invisible characters -----------------------------------------------------------


def test_invisible_characters_leave_a_form_field(cast):
    client = client_for(cast.office_admin)
    name = _with_invisible("江州市审计局")
    response = client.post(
        "/units/new/", {"name": name, "kind": "department", "office": cast.city.pk}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Unit.objects.filter(name="江州市审计局").exists()


@pytest.mark.parametrize("escaped", [False, True])
def test_invisible_characters_leave_json_strings(cast, escaped):
    client = client_for(cast.office_admin)
    payload = {
        "name": _with_invisible("江州市统计局"),
        "kind": "department",
        "office_id": cast.city.pk,
    }
    body = json.dumps(payload, ensure_ascii=escaped)
    assert ("\\u200b" in body) == escaped
    response = client.post("/api/v1/org/units", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "江州市统计局"
    assert Unit.objects.filter(name="江州市统计局").exists()


def test_invisible_characters_leave_a_multipart_submission(cast):
    announcement = make_announcement(cast)
    c = Client()
    code = receipt_from(
        submit(c, announcement, text=_with_invisible("某局长违规收受礼金，时间是三月。"))
    )
    assert code
    sub = Submission.objects.get()
    content = services.submission_content(submission=sub, actor=cast.office_staff)
    assert content["text"] == "某局长违规收受礼金，时间是三月。"


# --- Bytes that are not UTF-8 --------------------------------------------------------


def test_percent_encoded_non_utf8_form_is_refused_not_saved(cast):
    client = client_for(cast.office_admin)
    body = f"name=%BD%AD%D6%DD&kind=department&office={cast.city.pk}"  # GBK, percent-encoded
    response = client.post("/units/new/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "不是有效的 UTF-8 文本" in response.content.decode()
    assert not Unit.objects.filter(name__contains="\ufffd").exists()


def test_non_utf8_multipart_field_is_refused_not_saved(cast):
    announcement = make_announcement(cast)
    boundary = "xcboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
        + "反映的问题内容足够长了吧".encode("gbk")
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = Client().post(
        f"/public/a/{announcement.pk}/submit/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert "不是有效的 UTF-8 文本" in response.content.decode()
    assert Submission.objects.count() == 0


# --- Receipt codes --------------------------------------------------------------------


def _full_width(text):
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


@hsettings(max_examples=100, deadline=None)
@given(
    separators=st.lists(
        st.sampled_from([*DASHES, " ", "　", "\t", "", "\u200b"]), min_size=5, max_size=5
    ),
    full_width=st.booleans(),
    lower=st.booleans(),
)
def test_receipt_code_typed_any_way_reads_the_same(separators, full_width, lower):
    code = crypto.new_receipt_code()
    groups = code.split("-")
    typed = groups[0] + "".join(sep + g for sep, g in zip(separators, groups[1:], strict=True))
    typed = typed.lower() if lower else typed
    typed = _full_width(typed) if full_width else typed
    assert crypto.normalise_code(typed) == code.replace("-", "")


def test_full_width_code_with_em_dashes_finds_the_submission(cast):
    announcement = make_announcement(cast)
    code = receipt_from(submit(Client(), announcement))
    typed = _full_width(code.lower()).replace("-", "——")
    r = Client().post("/public/followup/", {"code": typed})
    assert r.status_code == 200, r.content.decode()[:2000]


def test_format_errors_do_not_count_as_guesses(cast, settings):
    settings.PETITIONS_RATE_RECEIPT_FAILURES = "2/h"
    announcement = make_announcement(cast)
    code = receipt_from(submit(Client(), announcement))
    c = Client(REMOTE_ADDR="10.1.1.1")
    for bad in ["ABC", "0000-0000-0000-0000-0000-0000", code[:-1], "回执码"] * 3:
        r = c.post("/public/followup/", {"code": bad})
        assert r.status_code == 404 and "格式不正确" in r.content.decode()
    assert c.post("/public/followup/", {"code": code}).status_code == 200
    # Well-formed wrong codes still count.
    for _ in range(2):
        c.post("/public/followup/", {"code": crypto.new_receipt_code()})
    assert c.post("/public/followup/", {"code": code}).status_code == 429
