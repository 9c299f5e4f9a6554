import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.petitions.conftest import make_announcement, pow_token, receipt_from, submit
from xuncha.petitions import services
from xuncha.petitions.models import Attachment, Message, Submission, UsedChallenge

pytestmark = pytest.mark.django_db


def _jpeg_with_exif():
    img = Image.new("RGB", (20, 20), "red")
    exif = Image.Exif()
    exif[0x010F] = "SecretCameraMaker"
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_list_and_detail_are_public_uncached_and_cookieless(announcement, cast):
    draft = make_announcement(cast, key="b", state="draft", title="草稿公告不应公开")
    c = Client()
    r = c.get("/public/")
    assert r.status_code == 200
    assert announcement.title in r.content.decode()
    assert "草稿公告不应公开" not in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    assert not r.cookies
    r = c.get(f"/public/a/{announcement.pk}/")
    assert r.status_code == 200 and "受理截止日期" in r.content.decode()
    assert not r.cookies
    assert c.get(f"/public/a/{draft.pk}/").status_code == 404


def test_submit_follow_up_reply_and_add_material(announcement, cast, login):
    c = Client()
    r = submit(
        c, announcement, files=[SimpleUploadedFile("现场.jpg", _jpeg_with_exif(), "image/jpeg")]
    )
    assert r.status_code == 200, r.content.decode()[:3000]
    assert r["Cache-Control"] == "no-store" and not r.cookies
    code = receipt_from(r)
    assert re.fullmatch(r"([2-9A-HJKMNP-Z]{4}-){5}[2-9A-HJKMNP-Z]{4}", code)
    sub = Submission.objects.get()
    assert sub.channel == "online" and sub.state == "received" and not sub.real_name
    att = Attachment.objects.get()
    assert att.mime == "image/jpeg"
    # Staff reply, reviewed by a second person, then visible by code.
    msg = services.message_draft(
        submission=sub, kind="reply", body="您反映的问题已受理，正在核实。", actor=cast.team_member
    )
    services.message_draft(
        submission=sub, kind="note", body="内部备注：请纪检组协助核实", actor=cast.team_member
    )
    r = c.post("/public/followup/", {"code": code})
    assert "正在核实" not in r.content.decode()  # not yet reviewed
    services.message_review(message=msg, approve=True, actor=cast.team_leader)
    r = c.post("/public/followup/", {"code": code.lower().replace("-", " ")})
    body = r.content.decode()
    assert r.status_code == 200 and "正在核实" in body and "内部备注" not in body
    r = c.post(
        "/public/followup/add/",
        {
            "code": code,
            "text": "补充：红包金额约两万元。",
            "files": [SimpleUploadedFile("a.txt", "转账记录说明".encode(), "text/plain")],
        },
    )
    assert "补充材料已提交" in r.content.decode()
    assert Message.objects.filter(kind="reporter").count() == 1
    assert Attachment.objects.count() == 2
    sub.refresh_from_db()
    assert sub.unread


def test_identity_added_and_withdrawn_by_code(announcement):
    c = Client()
    code = receipt_from(submit(c, announcement, name="张三", contact="13800000000"))
    sub = Submission.objects.get()
    assert sub.real_name and sub.accept_due
    r = c.post("/public/followup/identity/", {"code": code, "action": "withdraw"})
    assert "已撤回" in r.content.decode()
    sub.refresh_from_db()
    assert not sub.real_name and sub.identity_sealed is None


def test_replayed_pow_refused_and_nothing_saved(announcement):
    c = Client()
    token = pow_token(c)
    assert submit(c, announcement, altcha=token).status_code == 200
    r = submit(c, announcement, altcha=token)
    assert r.status_code == 400 and "已使用过" in r.content.decode()
    assert Submission.objects.count() == 1 and UsedChallenge.objects.count() == 1


@pytest.mark.parametrize("token", ["", "bm90LWpzb24=", "!!!", "x" * 5000])
def test_missing_or_forged_pow_refused(announcement, token):
    c = Client()
    r = c.post(
        f"/public/a/{announcement.pk}/submit/",
        {
            "kind": "report",
            "category": "integrity",
            "text": "一二三四五六七八九十十一",
            "altcha": token,
        },
    )
    assert r.status_code == 400 and "人机验证" in r.content.decode()
    assert Submission.objects.count() == 0


def test_closed_announcement_refuses_with_where_to_go(cast):
    a = make_announcement(cast, cutoff_days=-1)
    c = Client()
    r = c.get(f"/public/a/{a.pk}/submit/")
    assert "已于" in r.content.decode() and "12388" in r.content.decode()
    r = submit(c, a)
    assert r.status_code == 410 and Submission.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("text", "", "请填写"),
        ("text", "短", "过短"),
        ("text", "很" * 20001, "上限"),
        ("category", "bogus", "类型"),
        ("kind", "<script>", "类别"),
    ],
)
def test_bad_text_refused_in_chinese(announcement, field, value, message):
    c = Client()
    r = submit(c, announcement, **{field: value})
    assert r.status_code == 400 and message in r.content.decode()
    assert Submission.objects.count() == 0 and UsedChallenge.objects.count() == 0


def test_html_and_control_characters_are_inert(announcement, cast, login):
    c = Client()
    code = receipt_from(
        submit(c, announcement, text="<script>alert(1)</script>\x07 某领导违规\x00收受礼金的问题")
    )
    sub = Submission.objects.get()
    content = services.submission_content(submission=sub, actor=cast.office_staff)
    assert "\x00" not in content["text"] and "\x07" not in content["text"]
    page = login(cast.office_staff).get(f"/petitions/{sub.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)" in page
    assert code


def test_invalid_utf8_refused(announcement):
    c = Client()
    r = c.post(
        f"/public/a/{announcement.pk}/submit/",
        data=b"text=\xff\xfe&kind=report",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 400 and "UTF-8" in r.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10), "超过上限"),
        ("fake.jpg", b"MZ\x90\x00\x03" + bytes(range(256)) * 4, "不是允许的类型"),
        ("empty.png", b"", "空文件"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "已损坏"),
    ],
)
def test_bad_uploads_refused_nothing_half_saved(
    announcement, settings, tmp_path, name, content, message
):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    c = Client()
    r = submit(
        c,
        announcement,
        files=[
            SimpleUploadedFile("ok.txt", "正常说明".encode()),
            SimpleUploadedFile(name, content),
        ],
    )
    assert r.status_code == 400, r.content.decode()[:500]
    assert message in r.content.decode()
    assert Submission.objects.count() == 0 and Attachment.objects.count() == 0
    folder = tmp_path / "uploads" / "petitions"
    assert not folder.exists() or not any(folder.iterdir())


def test_rate_limit_per_source(announcement, settings):
    settings.PETITIONS_RATE_PER_SOURCE = "2/h"
    c = Client()
    assert submit(c, announcement).status_code == 200
    assert submit(c, announcement).status_code == 200
    r = submit(c, announcement)
    assert r.status_code == 429 and "频繁" in r.content.decode()
    assert Submission.objects.count() == 2
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert submit(other, announcement).status_code == 200


def test_rate_limit_site_wide(announcement, settings):
    settings.PETITIONS_RATE_SITE = "1/h"
    assert submit(Client(REMOTE_ADDR="10.0.0.1"), announcement).status_code == 200
    r = submit(Client(REMOTE_ADDR="10.0.0.2"), announcement)
    assert r.status_code == 429


def test_general_office_submission(cast):
    c = Client()
    r = c.post(
        f"/public/office/{cast.city.pk}/submit/",
        {
            "kind": "opinion",
            "category": "other",
            "text": "建议巡察公告同时在村务公开栏张贴，方便老年人了解。",
            "altcha": pow_token(c),
        },
    )
    assert r.status_code == 200
    sub = Submission.objects.get()
    assert sub.inspection is None and sub.office == cast.city


def test_no_address_agent_or_time_stored(announcement):
    from django.db import connection

    c = Client(REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="UniqueAgent/9.9")
    code = receipt_from(submit(c, announcement))
    c.post("/public/followup/", {"code": code})
    dump = []
    with connection.cursor() as cur:
        for table in connection.introspection.table_names(cur):
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (introspected table names)
            dump.extend(str(v) for row in cur.fetchall() for v in row)
    text = "\n".join(dump)
    assert "203.0.113.77" not in text and "UniqueAgent" not in text
    sub = Submission.objects.get()
    assert not any(f.get_internal_type() == "DateTimeField" for f in sub._meta.concrete_fields)
    used = UsedChallenge.objects.get()
    assert used.expires_at.minute == 0 and used.expires_at.second == 0
