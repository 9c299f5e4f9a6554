"""API for the ledger (export/import), the disclosure and the responsible account; the
responsible-account page; import reports listing measures missing from the sheet.

Every operation: the allowed role succeeds, a denied role is refused, an out-of-scope
object is 404 — and every response matches the published OpenAPI schema."""

import io
import warnings
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.api_schema import assert_matches_schema
from tests.cast import client_for, make_user
from tests.rectification.conftest import adopt, measure_values
from xuncha.audit.models import AuditEntry
from xuncha.org.models import Role
from xuncha.rectification import ledger, services
from xuncha.rectification.models import Disclosure, Measure, Reminder

BASE = "/api/v1/rectification"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISSING = "未在表中出现（未删除）"


def _build(rect):
    return [
        services.measure_create(
            plan=rect.plan,
            problem=p,
            actor=rect.cast.unit_liaison,
            **measure_values(content=f"{p.title}措施"),
        )
        for p in rect.problems
    ]


def _api_export(rect, user, plan=None):
    plan = plan or rect.plan
    return client_for(user).get(f"{BASE}/plans/{plan.pk}/ledger.xlsx")


def _api_import(rect, user, data, plan=None, **extra):
    plan = plan or rect.plan
    f = SimpleUploadedFile("台账.xlsx", data, content_type=XLSX)
    return client_for(user).post(f"{BASE}/plans/{plan.pk}/ledger/import", {"file": f, **extra})


def _edit(data, fn):
    wb = load_workbook(io.BytesIO(data))
    fn(wb[ledger.LEDGER_SHEET])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- ledger export


def test_api_ledger_export_permissions(rect):
    cast = rect.cast
    _build(rect)
    for user in (cast.unit_liaison, cast.office_staff, cast.team_member):
        response = _api_export(rect, user)
        assert response.status_code == 200, user.username
        assert response["Content-Type"] == XLSX
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        assert wb[ledger.LEDGER_SHEET].max_row == 4
    assert AuditEntry.objects.filter(action="export", summary__contains="整改台账").count() >= 3
    # out of scope: another office, another unit's liaison, an outsider
    for user in (cast.county_b_staff, cast.outsider, cast.other_member):
        response = _api_export(rect, user)
        assert response.status_code == 404, user.username
        assert_matches_schema(response, f"{BASE}/plans/{{plan_id}}/ledger.xlsx", "get")
    response = _api_export(rect, cast.unit_liaison, plan=rect.other_plan)
    assert response.status_code == 404


# --------------------------------------------------------------------------- ledger import

IMPORT = f"{BASE}/plans/{{plan_id}}/ledger/import"


def test_api_ledger_import_round_trip_change_and_missing(rect):
    cast = rect.cast
    measures = _build(rect)
    data = b"".join(_api_export(rect, cast.unit_liaison).streaming_content)

    response = _api_import(rect, cast.unit_liaison, data)
    assert response.status_code == 200, response.content
    assert_matches_schema(response, IMPORT, "post")
    body = response.json()
    assert body["applied"] and body["unchanged"] == 2 and body["missing"] == []

    def change(ws):
        ws["I3"] = "王科长"
        ws.delete_rows(4)  # the second measure is left out of the sheet

    response = _api_import(rect, cast.unit_liaison, _edit(data, change))
    assert response.status_code == 200, response.content
    assert_matches_schema(response, IMPORT, "post")
    body = response.json()
    assert body["changed"] == [
        {"line": 3, "measure_id": measures[0].pk, "changes": {"责任人": ["李科长", "王科长"]}}
    ]
    assert body["missing"] == [
        {
            "measure_id": measures[1].pk,
            "problem_number": "A-002",
            "content": measures[1].content[:40],
            "note": MISSING,
        }
    ]
    assert "表中未列出 1 项（未删除）" in body["detail"]
    assert Measure.objects.filter(pk=measures[1].pk).exists()  # never deleted
    assert Measure.objects.get(pk=measures[0].pk).responsible_person == "王科长"


def test_api_ledger_import_refused_denied_and_out_of_scope(rect):
    cast = rect.cast
    _build(rect)
    data = b"".join(_api_export(rect, cast.unit_liaison).streaming_content)
    bad = _edit(data, lambda ws: ws.__setitem__("J3", "下个月"))
    before = list(Measure.objects.values())
    response = _api_import(rect, cast.unit_liaison, bad)
    assert response.status_code == 400
    assert_matches_schema(response, IMPORT, "post")
    body = response.json()
    assert not body["applied"] and any("不是有效日期" in e for e in body["errors"])
    assert body["detail"].startswith("导入未执行")
    # the office reads the plan but does not write the unit's ledger
    response = _api_import(rect, cast.office_staff, data)
    assert response.status_code == 403
    assert_matches_schema(response, IMPORT, "post")
    for user in (cast.county_b_staff, cast.outsider):
        response = _api_import(rect, user, data)
        assert response.status_code == 404
        assert_matches_schema(response, IMPORT, "post")
    response = _api_import(rect, cast.unit_liaison, data, plan=rect.other_plan)
    assert response.status_code == 404
    assert list(Measure.objects.values()) == before


def test_page_import_report_lists_missing_measures(rect):
    measures = _build(rect)
    data = b"".join(
        client_for(rect.cast.unit_liaison)
        .get(f"/rectification/plans/{rect.plan.pk}/ledger.xlsx")
        .streaming_content
    )
    f = SimpleUploadedFile("台账.xlsx", _edit(data, lambda ws: ws.delete_rows(3)))
    response = client_for(rect.cast.unit_liaison).post(
        f"/rectification/plans/{rect.plan.pk}/ledger/import/", {"file": f}
    )
    body = response.content.decode()
    assert "未变 1 项" in body
    assert f"措施{measures[0].pk}（问题A-001" in body and MISSING in body
    assert Measure.objects.filter(pk=measures[0].pk).exists()


# --------------------------------------------------------------------------- disclosure

DISC = f"{BASE}/plans/{{plan_id}}/disclosure"
DISC_T = f"{BASE}/plans/{{plan_id}}/disclosure/transition"


def _draft_body(rect):
    return {
        "intro": "现将巡察整改进展情况予以公开。",
        "items": [
            {"problem_id": rect.problems[0].pk, "public_text": "违规发放津补贴问题"},
            {"problem_id": rect.problems[1].pk, "public_text": "", "exemption": "open_case"},
        ],
    }


def test_api_disclosure_draft_submit_publish(rect):
    cast = rect.cast
    adopt(rect)
    p = rect.plan.pk
    liaison, office = client_for(cast.unit_liaison), client_for(cast.office_staff)

    # nothing drafted yet: 404
    response = office.get(f"{BASE}/plans/{p}/disclosure")
    assert response.status_code == 404
    assert_matches_schema(response, DISC, "get")
    # the office may not draft; an outsider / another unit do not see the plan
    response = office.put(f"{BASE}/plans/{p}/disclosure", _draft_body(rect), "application/json")
    assert response.status_code == 403
    assert_matches_schema(response, DISC, "put")
    for user in (cast.outsider, cast.county_b_staff):
        response = client_for(user).put(
            f"{BASE}/plans/{p}/disclosure", _draft_body(rect), "application/json"
        )
        assert response.status_code == 404
        assert_matches_schema(response, DISC, "put")
    response = liaison.put(
        f"{BASE}/plans/{rect.other_plan.pk}/disclosure", _draft_body(rect), "application/json"
    )
    assert response.status_code == 404

    response = liaison.put(f"{BASE}/plans/{p}/disclosure", _draft_body(rect), "application/json")
    assert response.status_code == 200, response.content
    assert_matches_schema(response, DISC, "put")
    body = response.json()
    assert body["state"] == "draft" and body["transitions"] == ["submitted"]
    assert [i["exemption"] for i in body["items"]] == ["", "open_case"]
    # bad input: neither text nor exemption
    bad = _draft_body(rect)
    bad["items"][0]["public_text"] = " "
    response = liaison.put(f"{BASE}/plans/{p}/disclosure", bad, "application/json")
    assert response.status_code == 400 and "A-001" in response.json()["detail"]
    assert_matches_schema(response, DISC, "put")

    # the office cannot submit for the unit; the unit cannot publish
    response = office.post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "submitted"}, "application/json"
    )
    assert response.status_code == 403
    assert_matches_schema(response, DISC_T, "post")
    response = liaison.post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "submitted"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert_matches_schema(response, DISC_T, "post")
    response = liaison.post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "published"}, "application/json"
    )
    assert response.status_code == 403
    response = office.post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "returned"}, "application/json"
    )
    assert response.status_code == 400 and "审批意见" in response.json()["detail"]
    assert_matches_schema(response, DISC_T, "post")
    response = client_for(cast.county_b_staff).post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "published"}, "application/json"
    )
    assert response.status_code == 404
    assert_matches_schema(response, DISC_T, "post")
    response = office.post(  # both versions and every exemption must be approved first
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "published"}, "application/json"
    )
    assert response.status_code == 400 and "尚未" in response.json()["detail"]
    from xuncha.rectification.disclosure import approve_all

    approve_all(Disclosure.objects.get(plan_id=p), cast.office_staff)
    response = office.post(
        f"{BASE}/plans/{p}/disclosure/transition", {"target": "published"}, "application/json"
    )
    assert response.status_code == 200, response.content
    assert_matches_schema(response, DISC_T, "post")
    assert response.json()["state"] == "published" and response.json()["published_at"]
    assert Disclosure.objects.get(plan=rect.plan).approved_by == cast.office_staff
    response = office.get(f"{BASE}/plans/{p}/disclosure")
    assert response.status_code == 200 and response.json()["transitions"] == []
    assert_matches_schema(response, DISC, "get")
    # the public API leaves the exempt item out
    public = client_for(cast.outsider).get(f"{BASE}/public/disclosures").json()
    assert [i["text"] for i in public[0]["items"]] == ["违规发放津补贴问题"]


# --------------------------------------------------------------------------- responsible account

ACCOUNT = f"{BASE}/measures/{{measure_id}}/responsible-account"


def _colleagues(cast):
    own = make_user("bureau_clerk", unit=cast.units["bureau"], full_name="林科员")
    foreign = make_user("township_clerk", unit=cast.units["township_a"], full_name="许科员")
    return own, foreign


def test_api_responsible_account(rect):
    cast = rect.cast
    measures = _build(rect)
    own, foreign = _colleagues(cast)
    url = f"{BASE}/measures/{measures[0].pk}/responsible-account"
    liaison = client_for(cast.unit_liaison)

    response = liaison.post(url, {"user_id": own.pk}, "application/json")
    assert response.status_code == 200, response.content
    assert_matches_schema(response, ACCOUNT, "post")
    assert response.json()["responsible_user_id"] == own.pk
    for bad in (foreign.pk, cast.office_staff.pk, 999999):
        response = liaison.post(url, {"user_id": bad}, "application/json")
        assert response.status_code == 400
        assert_matches_schema(response, ACCOUNT, "post")
        assert "不属于本单位" in response.json()["detail"]
    assert Measure.objects.get(pk=measures[0].pk).responsible_user == own
    response = client_for(cast.office_staff).post(url, {"user_id": own.pk}, "application/json")
    assert response.status_code == 403
    assert_matches_schema(response, ACCOUNT, "post")
    for user in (cast.county_b_staff, cast.outsider):
        response = client_for(user).post(url, {"user_id": own.pk}, "application/json")
        assert response.status_code == 404
        assert_matches_schema(response, ACCOUNT, "post")
    response = liaison.post(url, {"user_id": None}, "application/json")
    assert response.status_code == 200 and response.json()["responsible_user_id"] is None


def test_responsible_account_page_and_reminders(rect):
    cast = rect.cast
    measures = adopt(rect)
    own, foreign = _colleagues(cast)
    url = f"/rectification/measures/{measures[0].pk}/account/"
    liaison = client_for(cast.unit_liaison)

    body = liaison.get(url).content.decode()
    assert "林科员（bureau_clerk）" in body and "许科员" not in body and "李干事" not in body
    detail = liaison.get(f"/rectification/measures/{measures[0].pk}/").content.decode()
    assert "未指定（提醒发给本单位联络员）" in detail and url in detail
    # an account of another unit (posted by hand) is refused with a Chinese message
    response = liaison.post(url, {"responsible_user": foreign.pk})
    assert response.status_code == 200
    assert "所选账号不属于本单位或已停用" in response.content.decode()
    assert Measure.objects.get(pk=measures[0].pk).responsible_user is None
    # the office and other units cannot use the page
    assert client_for(cast.office_staff).get(url).status_code == 404
    assert client_for(cast.county_b_staff).get(url).status_code == 404
    assert (
        client_for(cast.unit_liaison)
        .get(f"/rectification/measures/{measures[0].pk + 1000}/account/")
        .status_code
        == 404
    )
    response = liaison.post(url, {"responsible_user": own.pk})
    assert response.status_code == 302
    assert Measure.objects.get(pk=measures[0].pk).responsible_user == own
    assert AuditEntry.objects.filter(action="update", changes__has_key="responsible_user").exists()
    detail = liaison.get(f"/rectification/measures/{measures[0].pk}/").content.decode()
    assert "林科员（bureau_clerk）" in detail

    # reminders: to the linked account; the other measure falls back to the unit's liaison
    Measure.objects.filter(plan=rect.plan).update(deadline=date(2026, 9, 30))
    services.sweep(date(2026, 9, 24))
    to_own = Reminder.objects.get(kind="remind", key__startswith=f"m{measures[0].pk}-")
    assert to_own.user == own and to_own.unit is None
    fallback = Reminder.objects.get(kind="remind", key__startswith=f"m{measures[1].pk}-")
    assert fallback.user is None and fallback.unit == rect.plan.unit
    assert services.reminders_for(own).filter(pk=to_own.pk).exists()
    assert not services.reminders_for(foreign).exists()


def test_responsible_account_service_rules(rect):
    cast = rect.cast
    measures = _build(rect)
    own, foreign = _colleagues(cast)
    other_liaison = make_user(
        "township_liaison", unit=cast.units["township_a"], roles=[Role.UNIT_LIAISON]
    )
    import pytest

    from xuncha.core.errors import DomainError

    with pytest.raises(DomainError, match="不属于本单位"):
        services.measure_set_responsible_user(
            measure=measures[0], user=foreign, actor=cast.unit_liaison
        )
    with pytest.raises(DomainError, match="联络员"):
        services.measure_set_responsible_user(measure=measures[0], user=own, actor=other_liaison)
    with pytest.raises(DomainError, match="联络员"):
        services.measure_set_responsible_user(
            measure=measures[0], user=own, actor=cast.office_staff
        )
    own.is_active = False
    own.save()
    with pytest.raises(DomainError, match="已停用"):
        services.measure_set_responsible_user(
            measure=measures[0], user=own, actor=cast.unit_liaison
        )


def test_no_ninja_deprecation_warnings(rect):
    """Created (201) responses use ninja's Status, not (status, body) tuples."""
    cast = rect.cast
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        response = client_for(cast.unit_liaison).post(
            f"{BASE}/plans/{rect.plan.pk}/measures",
            {**measure_values(deadline="2026-08-31"), "problem_id": rect.problems[0].pk},
            "application/json",
        )
    assert response.status_code == 201, response.content
    assert_matches_schema(response, f"{BASE}/plans/{{plan_id}}/measures", "post")
