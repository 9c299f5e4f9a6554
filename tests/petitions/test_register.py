import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.petitions.conftest import make_announcement, receipt_from, submit
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.petitions import services
from xuncha.petitions.models import Attachment, IdentityRequest, Submission

pytestmark = pytest.mark.django_db

SECRET_TEXT = "秘密内容：局长在鼎泰酒店收受现金八万元"
SECRET_NAME = "独特姓名诸葛铁柱"
SECRET_CONTACT = "13912345678"


@pytest.fixture
def sub(cast):
    a = make_announcement(cast)
    r = submit(
        Client(),
        a,
        text=SECRET_TEXT,
        name=SECRET_NAME,
        contact=SECRET_CONTACT,
        files=[SimpleUploadedFile("证据说明.txt", ("附件正文" + SECRET_TEXT).encode())],
    )
    assert r.status_code == 200
    return Submission.objects.get()


ALLOWED = ["office_staff", "office_admin", "team_leader", "team_member"]
DENIED = [
    "unit_liaison",
    "handover_recipient",
    "other_member",
    "county_staff",
    "county_b_staff",
    "outsider",
    "custodian",
    "auditor",
    "leading_group",
    "sysadmin",
]


@pytest.mark.parametrize("who", ALLOWED)
def test_register_and_detail_allowed(cast, login, sub, who):
    c = login(getattr(cast, who))
    r = c.get("/petitions/")
    assert r.status_code == 200 and sub.number in r.content.decode()
    r = c.get(f"/petitions/{sub.pk}/")
    assert r.status_code == 200 and SECRET_TEXT in r.content.decode()
    assert SECRET_NAME not in r.content.decode()
    assert r["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(
        action="read", object_id=str(sub.pk), actor=getattr(cast, who)
    ).exists()
    assert c.get(f"/api/v1/petitions/submissions/{sub.pk}").status_code == 200


@pytest.mark.parametrize("who", DENIED)
def test_everything_404_for_unit_roles_and_other_teams(cast, login, sub, who):
    c = login(getattr(cast, who))
    r = c.get("/petitions/")
    assert sub.number not in r.content.decode()
    att = Attachment.objects.first()
    for url in [
        f"/petitions/{sub.pk}/",
        f"/petitions/attachments/{att.pk}/",
        f"/api/v1/petitions/submissions/{sub.pk}",
    ]:
        assert c.get(url).status_code == 404, url
    for url, data in [
        (f"/petitions/{sub.pk}/transition/", {"to": "accepted"}),
        (f"/petitions/{sub.pk}/messages/", {"kind": "note", "body": "x"}),
        (f"/petitions/{sub.pk}/identity/request/", {"reason": "核实情况需要"}),
        (f"/petitions/{sub.pk}/link/", {"kind": "clue", "object_id": "1"}),
    ]:
        assert c.post(url, data).status_code == 404, url
    r = c.post(
        f"/api/v1/petitions/submissions/{sub.pk}/transition",
        json.dumps({"to": "accepted"}),
        content_type="application/json",
    )
    assert r.status_code in (403, 404)
    listing = c.get("/api/v1/petitions/submissions")
    assert listing.status_code in (200, 401, 403)
    if listing.status_code == 200:
        assert listing.json() == []
    sub.refresh_from_db()
    assert sub.state == "received"


def test_register_query_count_constant(cast, login, django_assert_max_num_queries):
    a = make_announcement(cast)
    for i in range(30):
        services.submission_enter(
            office=cast.city,
            inspection=a.inspection,
            channel="letter",
            data={
                "kind": "report",
                "category": "integrity",
                "text": f"第{i}封来信，反映某科长违规收受礼金问题",
            },
            identity=None,
            files=[],
            actor=cast.office_staff,
        )
    c = login(cast.office_staff)
    with django_assert_max_num_queries(15):
        r = c.get("/petitions/")
    assert r.status_code == 200


def test_transitions_with_history_and_deadlines(cast, login, sub):
    c = login(cast.team_member)
    assert sub.accept_due is not None  # real-name report: 15 working days
    r = c.post(f"/petitions/{sub.pk}/transition/", {"to": "rejected"})
    sub.refresh_from_db()
    assert sub.state == "received"  # reason and competent body required
    c.post(f"/petitions/{sub.pk}/transition/", {"to": "accepted"})
    sub.refresh_from_db()
    assert sub.state == "accepted" and sub.accepted_on
    c.post(
        f"/petitions/{sub.pk}/transition/",
        {"to": "closed", "reason": "经核实，问题部分属实，已移交市纪委监委"},
    )
    sub.refresh_from_db()
    assert sub.state == "closed" and sub.result_due and sub.closed_on
    assert [e.to_state for e in sub.events.all()] == ["accepted", "closed"]
    r = c.post(f"/petitions/{sub.pk}/transition/", {"to": "accepted"})
    assert r.status_code == 302
    sub.refresh_from_db()
    assert sub.state == "closed"


def test_reject_out_of_scope_names_competent_body(cast, sub):
    with pytest.raises(DomainError):
        services.submission_transition(
            submission=sub, to="rejected", actor=cast.office_staff, reason="个人诉求"
        )
    s = services.submission_transition(
        submission=sub,
        to="rejected",
        actor=cast.office_staff,
        reason="属于劳动争议，不属于巡察受理范围",
        competent_body="县劳动人事争议仲裁委员会",
    )
    assert s.state == "rejected" and s.competent_body


def test_merge_duplicate_keeps_history(cast, login):
    a = make_announcement(cast)
    first = services.submission_enter(
        office=cast.city,
        inspection=a.inspection,
        channel="call",
        data={"kind": "report", "category": "finance", "text": "反映公路中心工程款拖欠问题"},
        identity=None,
        files=[],
        actor=cast.office_staff,
    )
    dup = services.submission_enter(
        office=cast.city,
        inspection=a.inspection,
        channel="letter",
        data={"kind": "report", "category": "finance", "text": "再次反映公路中心工程款拖欠问题"},
        identity=None,
        files=[],
        actor=cast.office_staff,
    )
    c = login(cast.office_staff)
    c.post(f"/petitions/{dup.pk}/transition/", {"to": "merged", "target": first.number})
    dup.refresh_from_db()
    assert dup.state == "merged" and dup.merged_into == first
    assert first.events.filter(note__contains=dup.number).exists()
    assert dup.events.filter(to_state="merged").exists()
    assert dup.number in c.get(f"/petitions/{first.pk}/").content.decode()


def test_identity_needs_custodian_approval_and_every_read_audited(cast, login, sub):
    staff = login(cast.office_staff)
    r = staff.get(f"/petitions/{sub.pk}/?identity=1")
    assert SECRET_NAME not in r.content.decode()
    staff.post(f"/petitions/{sub.pk}/identity/request/", {"reason": "需电话核实举报的具体时间地点"})
    req = IdentityRequest.objects.get()
    # the requester cannot approve; other offices' custodians cannot see it
    assert (
        login(cast.office_staff)
        .post(f"/petitions/identity/{req.pk}/decide/", {"approve": "1"})
        .status_code
        == 404
    )
    assert (
        login(cast.office_admin)
        .post(f"/petitions/identity/{req.pk}/decide/", {"approve": "1"})
        .status_code
        == 404
    )
    cust = login(cast.custodian)
    assert "需电话核实" in cust.get("/petitions/identity/").content.decode()
    cust.post(f"/petitions/identity/{req.pk}/decide/", {"approve": "1"})
    req.refresh_from_db()
    assert req.state == "approved" and req.custodian == cast.custodian
    before = AuditEntry.objects.filter(summary__startswith="查阅举报人身份").count()
    r = staff.get(f"/petitions/{sub.pk}/?identity=1")
    assert SECRET_NAME in r.content.decode()
    staff.get(f"/petitions/{sub.pk}/?identity=1")
    assert (
        AuditEntry.objects.filter(
            summary__startswith="查阅举报人身份", actor=cast.office_staff
        ).count()
        == before + 2
    )
    # approval is personal: a colleague still cannot read it
    assert (
        SECRET_NAME
        not in login(cast.team_member).get(f"/petitions/{sub.pk}/?identity=1").content.decode()
    )


def test_reply_needs_second_person(cast, sub):
    m = services.message_draft(
        submission=sub, kind="reply", body="已收悉。", actor=cast.team_member
    )
    with pytest.raises(DomainError):
        services.message_review(message=m, approve=True, actor=cast.team_member)
    services.message_review(message=m, approve=True, actor=cast.office_staff)
    m.refresh_from_db()
    assert m.state == "sent"


def test_quarantined_file_kept_but_not_downloadable(cast, login, sub):
    att = Attachment.objects.get()
    c = login(cast.office_staff)
    r = c.get(f"/petitions/attachments/{att.pk}/")
    assert r.status_code == 200 and SECRET_TEXT.encode() in r.content
    Attachment.objects.filter(pk=att.pk).update(
        scan="quarantined", scan_note="Eicar-Signature FOUND"
    )
    r = c.get(f"/petitions/attachments/{att.pk}/")
    assert r.status_code == 302
    att.refresh_from_db()
    assert att.path


def test_no_plaintext_in_database_or_uploads(cast, sub, settings, tmp_path):
    """Search raw bytes: the SQLite file (or every column via SELECT) and the upload folder."""
    from django.db import connection

    services.reporter_add(submission=sub, text="补充" + SECRET_TEXT, files=[])
    needles = [s.encode() for s in (SECRET_TEXT, SECRET_NAME, SECRET_CONTACT, "鼎泰酒店")]
    dump = bytearray()
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
        for table in tables:
            cur.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (introspected table names)
            for row in cur.fetchall():
                for value in row:
                    if isinstance(value, (bytes, memoryview, bytearray)):
                        dump += bytes(value)
                    else:
                        dump += str(value).encode()
    if (
        connection.vendor == "sqlite"
        and connection.settings_dict["NAME"] not in ("", ":memory:")
        and "mode=memory" not in str(connection.settings_dict["NAME"])
    ):
        from pathlib import Path

        p = Path(connection.settings_dict["NAME"])
        if p.exists():
            dump += p.read_bytes()
    for needle in needles:
        assert needle not in dump
        assert needle.decode().encode("utf-16-le") not in dump
    uploads = tmp_path / "uploads"
    files = list(uploads.rglob("*"))
    assert any(f.is_file() for f in files)
    for f in files:
        if f.is_file():
            data = f.read_bytes()
            for needle in [*needles, "证据说明".encode()]:
                assert needle not in data


def test_sm4_cipher_round_trip(cast, settings):
    settings.PETITIONS_CIPHER = "sm4-gcm"
    settings.PETITIONS_RECEIPT_HMAC = "sm3"
    a = make_announcement(cast)
    code = receipt_from(submit(Client(), a, text=SECRET_TEXT))
    sub = Submission.objects.get()
    assert bytes(sub.content_sealed)[0] == 2
    assert services.find_by_receipt(code) == sub
    assert (
        services.submission_content(submission=sub, actor=cast.office_staff)["text"] == SECRET_TEXT
    )


def test_api_transition_and_list(cast, login, sub):
    c = login(cast.office_staff)
    r = c.get("/api/v1/petitions/submissions")
    assert r.status_code == 200 and r.json()[0]["number"] == sub.number
    r = c.post(
        f"/api/v1/petitions/submissions/{sub.pk}/transition",
        json.dumps({"to": "rejected"}),
        content_type="application/json",
    )
    assert (r.status_code == 400 and "有权处理机关" in r.json()["detail"]) or "理由" in r.json()[
        "detail"
    ]
    r = c.post(
        f"/api/v1/petitions/submissions/{sub.pk}/transition",
        json.dumps({"to": "accepted"}),
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["state"] == "accepted"


def test_staff_entry_of_letter(cast, login):
    c = login(cast.team_member)
    insp = cast.inspections["a"]
    r = c.post(
        "/petitions/new/",
        {
            "channel": "visit",
            "inspection": insp.pk,
            "received_on": "2026-03-10",
            "kind": "report",
            "category": "masses",
            "text": "村民来访反映低保评定不公开、优亲厚友问题",
            "name": "",
            "contact": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    s = Submission.objects.get()
    assert s.channel == "visit" and s.receipt_digest is None and s.entered_by == cast.team_member
    # other team cannot enter into an inspection it is not on
    r = login(cast.other_member).post(
        "/petitions/new/",
        {
            "channel": "visit",
            "inspection": insp.pk,
            "received_on": "2026-03-10",
            "kind": "report",
            "category": "masses",
            "text": "村民来访反映低保评定不公开问题",
        },
    )
    assert Submission.objects.count() == 1


def test_clamd_hook_quarantines_infected_upload(cast, settings, tmp_path):
    """A fake clamd on a UNIX socket answers FOUND: the file is kept but quarantined."""
    import socket
    import threading

    path = str(tmp_path / "clamd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)

    def serve():
        conn, _ = server.accept()
        data = b""
        while not data.endswith(b"\0\0\0\0"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    settings.CLAMD_SOCKET = path
    a = make_announcement(cast)
    r = submit(
        Client(), a, files=[SimpleUploadedFile("x.txt", b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR")]
    )
    t.join(5)
    server.close()
    assert r.status_code == 200
    att = Attachment.objects.get()
    assert att.scan == "quarantined" and "Eicar" in att.scan_note
    with pytest.raises(DomainError):
        services.attachment_open(attachment=att, actor=cast.office_staff)


def test_stats_for_office_only(cast, login, sub):
    services.submission_transition(submission=sub, to="accepted", actor=cast.office_staff)
    services.submission_transition(
        submission=sub, to="closed", actor=cast.office_staff, reason="已查实"
    )
    for who in ("office_staff", "office_admin", "leading_group"):
        r = login(getattr(cast, who)).get("/petitions/stats/")
        assert r.status_code == 200 and "stats-data" in r.content.decode()
        assert "平均办结用时" in r.content.decode()
    for who in ("unit_liaison", "team_member", "other_member", "outsider", "custodian"):
        assert login(getattr(cast, who)).get("/petitions/stats/").status_code == 404


def test_overdue_flagged_on_working_days(cast, login):
    from datetime import date

    from xuncha.core.workdays import add_working_days

    old = services.submission_enter(
        office=cast.city,
        inspection=cast.inspections["a"],
        channel="letter",
        data={"kind": "report", "category": "integrity", "text": "实名来信反映某科长收受礼金问题"},
        identity={"name": "张三", "contact": "13800000000"},
        files=[],
        actor=cast.office_staff,
        received_on=date(2026, 9, 25),
    )
    # 15 working days across the National Day holiday (Oct 1-8, 2026)
    assert old.accept_due == add_working_days(date(2026, 9, 25), 15)
    assert old.accept_due > date(2026, 10, 16)
    assert Submission.objects.filter(services.overdue_q(), pk=old.pk).exists()
    r = login(cast.office_staff).get("/petitions/?overdue=1")
    assert old.number in r.content.decode() and "已逾期" in r.content.decode()
    services.submission_transition(submission=old, to="accepted", actor=cast.office_staff)
    assert not Submission.objects.filter(services.overdue_q(), pk=old.pk).exists()


def test_an_executable_name_is_stored_and_served_as_the_detected_type(cast, login):
    a = make_announcement(cast)
    pdf_bytes = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    r = submit(Client(), a, files=[SimpleUploadedFile("readme.pdf.bat", pdf_bytes)])
    assert r.status_code == 200
    att = Attachment.objects.get()
    response = login(cast.office_staff).get(f"/petitions/attachments/{att.pk}/")
    assert response.status_code == 200 and response.content == pdf_bytes
    assert "filename*=UTF-8''readme.pdf" in response["Content-Disposition"]
    assert ".bat" not in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_stats_name_teams_by_round_team_and_leader_not_ids(cast, login, sub):
    insp = cast.inspections["a"]
    leader = insp.team.members.get(role="leader").inspector.name
    page = login(cast.office_staff).get("/petitions/stats/").content.decode()
    assert f"2026年第1轮 · {insp.team.name}（组长 {leader}）" in page
    assert f"(#{insp.pk})" not in page


def test_histories_show_state_labels_not_codes(cast, login, sub):
    from xuncha.core.templatetags.workflow import labels_for
    from xuncha.inspections.models import StageChange
    from xuncha.petitions.models import AnnouncementEvent, SubmissionEvent
    from xuncha.plans.models import PlanEvent

    services.submission_transition(submission=sub, to="accepted", actor=cast.office_staff)
    page = login(cast.office_staff).get(f"/petitions/{sub.pk}/").content.decode()
    assert "待受理 → 已受理" in page and "received" not in page.split("流转记录", 1)[1]
    a = make_announcement(cast, state="draft")
    services.announcement_transition(announcement=a, to="submitted", actor=cast.team_leader)
    page = login(cast.office_staff).get(f"/petitions/announcements/{a.pk}/").content.decode()
    assert "草稿 → 待审批" in page and "draft → submitted" not in page
    # One helper for every workflow's history rows.
    assert labels_for(StageChange)["stationing"] == "进驻"
    assert labels_for(AnnouncementEvent)["published"] == "已发布"
    assert labels_for(SubmissionEvent)["merged"] == "已合并"
    assert labels_for(PlanEvent)


@pytest.mark.parametrize(
    "who, shown",
    [("office_staff", True), ("team_member", True), ("leading_group", False), ("sysadmin", False)],
)
def test_register_links_the_entry_page_only_for_those_who_may_open_it(cast, login, who, shown):
    # The accessibility crawl found 登记来信来电来访 on the register for the leading group
    # and the system administrator, leading them to a 404.
    c = login(getattr(cast, who))
    page = c.get("/petitions/")
    assert page.status_code == 200
    assert ('href="/petitions/new/"' in page.content.decode()) is shown
    assert c.get("/petitions/new/").status_code == (200 if shown else 404)
