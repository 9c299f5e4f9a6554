"""The auditor's UI: who may see the log, filters, paging, streamed exports, verify button,
and admin changes landing in the log."""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cast import client_for
from xuncha.audit.chain import GENESIS, entry_hash
from xuncha.audit.models import Action, AuditEntry, AuditHead
from xuncha.audit.services import audit_key, record
from xuncha.org.models import Office, Unit, User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def log(cast):
    """A few entries of different kinds, actors, objects and days."""
    unit = cast.units["bureau"]
    record(actor=cast.office_staff, action=Action.CREATE, obj=unit, summary="新建单位")
    record(actor=cast.office_admin, action=Action.UPDATE, obj=unit, changes={"name": ["甲", "乙"]})
    record(actor=cast.office_staff, action=Action.READ, obj=cast.city, summary="查阅机构")
    old = record(actor=cast.county_staff, action=Action.DELETE, obj=unit, summary="很久以前")
    AuditEntry.objects.filter(pk=old.pk).update(at=old.at - timedelta(days=40))
    _reseal()
    return unit


def _reseal():
    """Recompute every hash after the fixture backdated an entry, so the chain is intact."""
    prev = GENESIS
    for entry in AuditEntry.objects.order_by("seq"):
        entry.prev_hash = prev
        entry.hash = entry_hash(prev, entry.hashed_fields(), entry.algorithm, audit_key())
        AuditEntry.objects.filter(pk=entry.pk).update(prev_hash=entry.prev_hash, hash=entry.hash)
        prev = entry.hash
    AuditHead.objects.filter(pk=1).update(hash=prev)


def _seqs(response):
    return [e.seq for e in response.context["page"].object_list]


@pytest.mark.parametrize("role", ["auditor", "sysadmin"])
def test_auditor_and_sysadmin_see_the_log(cast, log, role):
    response = client_for(cast.users[role]).get("/audit/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "审计日志" in text
    assert "新建单位" in text
    assert len(_seqs(response)) == AuditEntry.objects.count()


@pytest.mark.parametrize(
    "role",
    ["office_admin", "office_staff", "leading_group", "custodian", "unit_liaison", "outsider"],
)
@pytest.mark.parametrize(
    "path", ["/audit/", "/audit/export.csv", "/audit/export.jsonl", "/audit/1/"]
)
def test_everyone_else_is_refused(cast, log, role, path):
    response = client_for(cast.users[role]).get(path)
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_verify_button_refused_to_others(cast, log):
    assert client_for(cast.office_admin).post("/audit/verify/").status_code == 403


def test_anonymous_goes_to_login(client, cast):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_filters(cast, log):
    client = client_for(cast.auditor)
    unit = log
    by_actor = client.get("/audit/", {"actor": "office_admin"})
    assert {e.actor_name for e in by_actor.context["page"]} == {"office_admin"}
    by_action = client.get("/audit/", {"action": "read"})
    assert [e.summary for e in by_action.context["page"]] == ["查阅机构"]
    by_object = client.get("/audit/", {"object_type": "org.unit", "object_id": str(unit.pk)})
    assert len(_seqs(by_object)) == 3
    today = timezone.localdate().isoformat()
    recent = client.get("/audit/", {"date_from": today, "date_to": today})
    assert "很久以前" not in [e.summary for e in recent.context["page"]]
    long_ago = (timezone.localdate() - timedelta(days=40)).isoformat()
    old = client.get("/audit/", {"date_from": long_ago, "date_to": long_ago})
    assert [e.summary for e in old.context["page"]] == ["很久以前"]
    backwards = client.get("/audit/", {"date_from": today, "date_to": long_ago})
    assert "截止日期不能早于起始日期" in backwards.content.decode()
    garbage = client.get("/audit/", {"action": "nonsense", "date_from": "2026-99-99"})
    assert garbage.status_code == 200


def test_list_is_paginated_with_bounded_queries(cast, django_assert_max_num_queries):
    for i in range(120):
        record(actor=cast.office_staff, action=Action.UPDATE, summary=f"修改{i}")
    client = client_for(cast.auditor)
    client.get("/audit/")  # warm the session
    with django_assert_max_num_queries(10):
        first = client.get("/audit/")
    assert len(_seqs(first)) == 50
    assert "第 1 / 3 页" in first.content.decode()
    with django_assert_max_num_queries(10):
        third = client.get("/audit/", {"page": 3, "action": "update"})
    assert len(_seqs(third)) == 20


def _streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode("utf-8")


def test_csv_export_streams_the_filtered_set_and_is_logged(cast, log):
    client = client_for(cast.auditor)
    response = client.get("/audit/export.csv", {"object_type": "org.unit"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = _streamed(response)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "序号 seq"
    assert len(rows) == 1 + 3  # header + the three entries about the unit
    assert all(row[6] == "org.unit" for row in rows[1:])
    exported = AuditEntry.objects.get(action=Action.EXPORT)
    assert exported.actor_id == cast.auditor.pk
    assert exported.changes == {"format": "csv", "filters": {"object_type": "org.unit"}}


def test_jsonl_export_has_every_field_for_a_siem(cast, log):
    client = client_for(cast.sysadmin)
    text = _streamed(client.get("/audit/export.jsonl"))
    lines = [json.loads(line) for line in text.splitlines()]
    # Every entry, the export's own entry included (it is written before the stream).
    assert len(lines) == AuditEntry.objects.count()
    assert lines[-1]["action"] == "export"
    assert [line["seq"] for line in lines] == sorted(line["seq"] for line in lines)
    assert set(lines[0]) >= {"seq", "at", "actor_name", "ip", "action", "hash", "prev_hash"}
    assert lines[1]["changes"] == {"name": ["甲", "乙"]}


def test_csv_cells_cannot_become_formulas(cast):
    record(actor=cast.office_staff, action=Action.UPDATE, summary='=HYPERLINK("http://x")')
    text = _streamed(client_for(cast.auditor).get("/audit/export.csv"))
    assert "'=HYPERLINK" in text


def test_invalid_export_filter_is_refused(cast):
    response = client_for(cast.auditor).get("/audit/export.csv", {"date_from": "昨天"})
    assert response.status_code == 400
    assert "筛选条件有误" in response.content.decode()
    assert not AuditEntry.objects.filter(action=Action.EXPORT).exists()


def test_verify_button(cast, log):
    client = client_for(cast.auditor)
    page = client.get("/audit/")
    assert "校验审计链" in page.content.decode()
    assert client.post("/audit/verify/")["Location"] == "/audit/"
    assert "审计链校验通过" in client.get("/audit/").content.decode()
    AuditEntry.objects.filter(seq=2).update(summary="悄悄改掉")
    client.post("/audit/verify/")
    text = client.get("/audit/").content.decode()
    assert "审计链校验失败" in text
    assert "第 2 条审计记录被篡改" in text


def test_entry_detail_and_unknown_id(cast, log):
    client = client_for(cast.auditor)
    entry = AuditEntry.objects.get(action=Action.UPDATE)
    page = client.get(f"/audit/{entry.pk}/")
    assert page.status_code == 200
    assert "甲" in page.content.decode()
    missing = client.get("/audit/987654/")
    assert missing.status_code == 404
    assert "页面不存在" in missing.content.decode()


def test_script_in_log_comes_back_escaped(cast):
    record(actor=cast.office_staff, action=Action.UPDATE, summary="<script>alert(1)</script>")
    client = client_for(cast.auditor)
    text = client.get("/audit/", {"actor": "<script>x</script>"}).content.decode()
    assert "<script>x</script>" not in text
    text = client.get("/audit/").content.decode()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


# --- Django admin changes land in the audit log ---------------------------------------


@pytest.fixture
def admin_client(cast):
    root = User.objects.create_superuser("root", "root@example.cn", "Xuncha#2026root")
    root.must_change_password = False
    root.password_changed_at = timezone.now()
    root.save()
    return client_for(root), root


def test_admin_add_change_delete_are_audited(cast, admin_client):
    client, root = admin_client
    response = client.post(
        "/admin/org/office/add/",
        {
            "name": "安平区委巡察办第二分办",
            "level": "county",
            "parent": cast.city.pk,
            "region": "安平区",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    office = Office.objects.get(name="安平区委巡察办第二分办")
    created = AuditEntry.objects.get(action=Action.CREATE, object_type="org.office")
    assert created.actor_id == root.pk
    assert created.object_id == str(office.pk)
    assert created.changes["after"]["name"] == "安平区委巡察办第二分办"

    response = client.post(
        f"/admin/org/office/{office.pk}/change/",
        {
            "name": "安平区委巡察办二分办",
            "level": "county",
            "parent": cast.city.pk,
            "region": "安平区",
        },
    )
    assert response.status_code == 302
    changed = AuditEntry.objects.get(action=Action.UPDATE, object_type="org.office")
    assert changed.changes["fields"]["name"] == ["安平区委巡察办第二分办", "安平区委巡察办二分办"]

    response = client.post(f"/admin/org/office/{office.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEntry.objects.get(action=Action.DELETE, object_type="org.office")
    assert deleted.changes["before"]["name"] == "安平区委巡察办二分办"
    assert not Office.objects.filter(pk=office.pk).exists()


def test_admin_bulk_delete_is_audited(cast, admin_client):
    client, _root = admin_client
    units = [
        Unit.objects.create(name=f"待删单位{i}", kind=Unit.Kind.OTHER, office=cast.county_b)
        for i in range(3)
    ]
    response = client.post(
        "/admin/org/unit/",
        {"action": "delete_selected", "_selected_action": [u.pk for u in units], "post": "yes"},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action=Action.DELETE, object_type="org.unit").count() == 3


def test_admin_password_secrets_are_not_logged(cast, admin_client):
    client, _root = admin_client
    client.post(
        f"/admin/org/user/{cast.outsider.pk}/password/",
        {"password1": "Qingshan#2027x", "password2": "Qingshan#2027x", "usable_password": "true"},
    )
    for entry in AuditEntry.objects.filter(object_type="org.user"):
        assert "Qingshan" not in json.dumps(entry.changes, ensure_ascii=False)
        assert "md5$" not in json.dumps(entry.changes)


def test_the_viewer_names_objects_and_actors_like_people_do(cast):
    target = cast.team_member
    target.full_name = "张三"
    target.save(update_fields=["full_name"])
    record(actor=cast.office_admin, action=Action.UPDATE, obj=target, summary="修改账号")
    client = client_for(cast.auditor)
    page = client.get("/audit/").content.decode()
    assert "用户「张三」" in page
    assert f"org.user {target.pk}<" not in page.replace("</td>", "<")
    admin = cast.office_admin
    assert f">{admin.full_name}</span>" in page and f'title="登录名：{admin.username}"' in page
