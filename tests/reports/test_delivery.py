"""Feedback delivery of each unit: 向主要负责人反馈, 反馈会, 送达 and the unit's signed receipt.

The records wait for a final feedback opinion at 反馈 (after the reviews), are dated after
the reviews and not in the future, once per unit; the receipt waits for the delivery and is
uploaded by the liaison of the feedback's own unit, through the shared upload checks.
"""

import io
from datetime import date, timedelta

import docx
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cast import make_user
from tests.reports.fieldwork import make_problem
from tests.stay import at_feedback, with_problems
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.org.models import Role
from xuncha.reports import delivery, services
from xuncha.reports.models import FeedbackMeeting, FeedbackReceipt, LeaderFeedback, ReportDraft

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="回执.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def fed(cast):
    """Inspection a of the bureau and its centre, reviewed, at 反馈; both feedbacks final."""
    a = cast.inspections["a"]
    centre = cast.units["bureau_child"]
    a.units.add(centre)
    with_problems(cast)
    make_problem(a, "C2", "003", user=cast.team_leader, title="公路养护资金管理不规范", unit=centre)
    at_feedback(cast)
    cast.own, cast.other = services.feedback_generate_all(inspection=a, actor=cast.office_staff)
    for draft in (cast.own, cast.other):
        services.draft_finalize(draft=draft, actor=cast.office_staff)
    cast.users["centre_liaison"] = make_user(
        "centre_liaison", unit=centre, roles=[Role.UNIT_LIAISON], full_name="钱联络"
    )
    return cast


def _meeting(c, draft, **over):
    data = {
        "draft": draft,
        "held_on": date(2026, 6, 9),
        "attendees": "交通运输局领导班子成员",
        "delivered_by": "何组长",
        "actor": c.team_leader,
    }
    return delivery.feedback_meeting_record(**{**data, **over})


def _talk(c, draft, **over):
    data = {
        "draft": draft,
        "held_on": date(2026, 6, 8),
        "leader_name": "张局长",
        "delivered_by": "何组长",
        "actor": c.office_staff,
    }
    return delivery.leader_feedback_record(**{**data, **over})


def test_feedback_of_each_unit_lists_only_its_problems_decided_feedback(fed):
    own = fed.own
    assert list(own.problems.values_list("number", flat=True)) == ["001"]  # 002: handed over
    assert list(fed.other.problems.values_list("number", flat=True)) == ["003"]
    _name, data = services.draft_export(draft=own, actor=fed.office_staff)
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "违规发放津补贴" in text and "工程招标把关不严" not in text
    assert "公路养护资金" not in text and "中共江州市交通运输局党组织：" in text


def test_meeting_and_talk_wait_for_the_final_feedback_and_are_dated_after_the_reviews(fed):
    before = AuditEntry.objects.count()
    draft = ReportDraft.objects.get(pk=fed.own.pk)
    ReportDraft.objects.filter(pk=draft.pk).update(state="draft")
    with pytest.raises(DomainError, match="反馈意见须定稿后才能登记反馈会"):
        _meeting(fed, draft)
    ReportDraft.objects.filter(pk=draft.pk).update(state="final")
    with pytest.raises(DomainError, match="不能早于审议日期（2026年06月04日）"):
        _meeting(fed, draft, held_on=date(2026, 6, 3))  # the secretary met on 4 June
    with pytest.raises(DomainError, match="不能晚于今天"):
        _talk(fed, draft, held_on=date.today() + timedelta(days=1))
    with pytest.raises(DomainError, match="请填写参会人员"):
        _meeting(fed, draft, attendees=" ")
    with pytest.raises(DomainError, match="只有本巡察机构或巡察组"):
        _meeting(fed, draft, actor=fed.leading_group)
    with pytest.raises(DomainError, match="只有本巡察机构或巡察组"):
        _talk(fed, draft, actor=fed.unit_liaison)
    assert not FeedbackMeeting.objects.exists() and not LeaderFeedback.objects.exists()
    assert AuditEntry.objects.count() == before
    talk = _talk(fed, draft)
    meeting = _meeting(fed, draft)
    assert (talk.leader_name, talk.held_on) == ("张局长", date(2026, 6, 8))
    assert (meeting.delivered_by, meeting.recorded_by) == ("何组长", fed.team_leader)
    with pytest.raises(DomainError, match="反馈会已登记"):
        _meeting(fed, draft)
    with pytest.raises(DomainError, match="已登记向该单位主要负责人反馈"):
        _talk(fed, draft)


def test_receipt_waits_for_delivery_and_only_the_units_liaison_uploads_it(fed, login):
    own = fed.own
    with pytest.raises(DomainError, match="反馈意见尚未送达"):
        delivery.receipt_upload(
            draft=own,
            signed_on=date(2026, 6, 10),
            signed_by="张局长",
            uploaded=pdf(),
            actor=fed.unit_liaison,
        )
    services.feedback_deliver(
        draft=own, delivered_on=date(2026, 6, 10), delivered_by="何组长", actor=fed.office_staff
    )
    for other in (fed.office_staff, fed.team_leader, fed.users["centre_liaison"]):
        with pytest.raises(DomainError, match="只有被反馈单位的联络员"):
            delivery.receipt_upload(
                draft=own,
                signed_on=date(2026, 6, 10),
                signed_by="张局长",
                uploaded=pdf(),
                actor=other,
            )
    with pytest.raises(DomainError, match="不能早于送达日期"):
        delivery.receipt_upload(
            draft=own,
            signed_on=date(2026, 6, 9),
            signed_by="张局长",
            uploaded=pdf(),
            actor=fed.unit_liaison,
        )
    bad = SimpleUploadedFile(
        "回执.pdf", b"<html><script>x</script>", content_type="application/pdf"
    )
    with pytest.raises(DomainError):
        delivery.receipt_upload(
            draft=own,
            signed_on=date(2026, 6, 10),
            signed_by="张局长",
            uploaded=bad,
            actor=fed.unit_liaison,
        )
    assert not FeedbackReceipt.objects.exists()
    assert not default_storage.exists("reports/receipts")  # nothing half-stored
    liaison = login(fed.unit_liaison)
    page = liaison.get(reverse("reports:feedback_delivery", args=[own.pk])).content.decode()
    assert "上传签收回执" in page
    response = liaison.post(
        reverse("reports:receipt_upload", args=[own.pk]),
        {"signed_on": "2026-06-11", "signed_by": "张局长", "file": pdf()},
    )
    assert response.status_code == 302
    receipt = FeedbackReceipt.objects.get()
    assert receipt.delivery.draft_id == own.pk and receipt.uploaded_by == fed.unit_liaison
    assert receipt.original_name.endswith(".pdf") and receipt.size == len(PDF)
    url = reverse("reports:receipt_download", args=[receipt.pk])
    for reader in (fed.unit_liaison, fed.office_staff, fed.leading_group, fed.team_member):
        response = login(reader).get(url)
        assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert login(fed.users["centre_liaison"]).get(url).status_code == 404
    assert login(fed.other_member).get(url).status_code == 404
    with pytest.raises(DomainError, match="签收回执已上传"):
        delivery.receipt_upload(
            draft=own,
            signed_on=date(2026, 6, 11),
            signed_by="张局长",
            uploaded=pdf(),
            actor=fed.unit_liaison,
        )


def test_liaison_sees_only_its_own_units_delivery_page(fed, login):
    services.feedback_deliver(
        draft=fed.own, delivered_on=date(2026, 6, 10), delivered_by="何组长", actor=fed.office_staff
    )
    liaison = login(fed.unit_liaison)
    assert liaison.get(reverse("reports:feedback_delivery", args=[fed.own.pk])).status_code == 200
    assert liaison.get(reverse("reports:feedback_delivery", args=[fed.other.pk])).status_code == 404
    centre = login(fed.users["centre_liaison"])
    assert centre.get(reverse("reports:feedback_delivery", args=[fed.own.pk])).status_code == 404
    # delivered but the centre's feedback is not: its liaison does not see it either
    assert centre.get(reverse("reports:feedback_delivery", args=[fed.other.pk])).status_code == 404
    index = liaison.get(reverse("reports:index")).content.decode()
    assert reverse("reports:feedback_delivery", args=[fed.own.pk]) in index


def test_api_records_meeting_talk_and_receipt(fed, login):
    own = fed.own
    office = login(fed.office_staff)
    base = f"/api/v1/reports/drafts/{own.pk}"
    response = office.post(
        f"{base}/feedback-meeting",
        {"held_on": "2026-05-01", "attendees": "班子成员", "delivered_by": "何组长"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "不能早于审议日期" in response.json()["detail"]
    response = office.post(
        f"{base}/leader-feedback",
        {"held_on": "2026-06-08", "leader_name": "张局长", "delivered_by": "何组长"},
        content_type="application/json",
    )
    assert (
        response.status_code == 201
        and response.json()["leader_feedback"]["leader_name"] == "张局长"
    )
    services.feedback_deliver(
        draft=own, delivered_on=date(2026, 6, 10), delivered_by="何组长", actor=fed.office_staff
    )
    liaison = login(fed.unit_liaison)
    response = liaison.post(
        f"{base}/receipt", {"signed_on": "2026-06-10", "signed_by": "张局长", "file": pdf()}
    )
    assert response.status_code == 201, response.content
    data = liaison.get(f"{base}/delivery-records").json()
    assert data["receipt"]["signed_by"] == "张局长" and data["delivery"]["delivered_by"] == "何组长"
    assert login(fed.users["centre_liaison"]).get(f"{base}/delivery-records").status_code == 404
