"""The feedback delivery pages and API × every cast user (tests/matrix.py pattern).

The bureau's feedback is final and delivered (its receipt not yet uploaded); the centre's is
final, not delivered. Office roles + leading group and the team read both; the bureau's
liaison reads only its own (and uploads its receipt); the office and the team record the
meeting and the talk; nobody else learns that either exists (404).
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.matrix import EVERYONE, case, check, check_all
from tests.reports.test_delivery import PDF, fed  # noqa: F401  (fixture)
from xuncha.reports import services

pytestmark = pytest.mark.django_db

READERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "team_leader",
    "team_member",
}
WRITERS = READERS - {"leading_group"}
API_DENIED = {400, 403, 404}


@pytest.fixture
def delivered(fed):  # noqa: F811
    services.feedback_deliver(
        draft=fed.own, delivered_on=date(2026, 6, 10), delivered_by="何组长", actor=fed.office_staff
    )
    return fed


MEETING = {"held_on": "2026-06-09", "attendees": "班子成员", "delivered_by": "何组长"}
TALK = {"held_on": "2026-06-08", "leader_name": "张局长", "delivered_by": "何组长"}

CASES = [
    case(
        "own_delivery_page",
        "get",
        lambda c: f"/reports/draft/{c.own.pk}/feedback/",
        READERS | {"unit_liaison"},
        hidden=EVERYONE - READERS - {"unit_liaison"},
    ),
    case(
        "other_unit_delivery_page",
        "get",
        lambda c: f"/reports/draft/{c.other.pk}/feedback/",
        READERS,
        hidden=EVERYONE - READERS,
    ),
    case(
        "feedback_meeting",
        "post",
        lambda c: f"/reports/draft/{c.own.pk}/meeting/",
        WRITERS,
        ok=302,
        hidden=EVERYONE - WRITERS,
        data=lambda c: MEETING,
    ),
    case(
        "leader_feedback",
        "post",
        lambda c: f"/reports/draft/{c.other.pk}/leader/",
        WRITERS,
        ok=302,
        hidden=EVERYONE - WRITERS,
        data=lambda c: TALK,
    ),
    case(
        "receipt_upload_other_unit",
        "post",
        lambda c: f"/reports/draft/{c.other.pk}/receipt/",
        set(),
        hidden=EVERYONE - READERS,
        data=lambda c: {"signed_on": "2026-06-10", "signed_by": "张局长"},
    ),
    case(
        "api_delivery_records",
        "get",
        lambda c: f"/api/v1/reports/drafts/{c.own.pk}/delivery-records",
        READERS | {"unit_liaison"},
        hidden=EVERYONE - READERS - {"unit_liaison"},
        schema_path="/api/v1/reports/drafts/{draft_id}/delivery-records",
    ),
    case(
        "api_feedback_meeting",
        "post",
        lambda c: f"/api/v1/reports/drafts/{c.own.pk}/feedback-meeting",
        WRITERS,
        ok=201,
        denied=API_DENIED,
        hidden=EVERYONE - WRITERS,
        data=lambda c: MEETING,
        schema_path="/api/v1/reports/drafts/{draft_id}/feedback-meeting",
    ),
    case(
        "api_leader_feedback",
        "post",
        lambda c: f"/api/v1/reports/drafts/{c.own.pk}/leader-feedback",
        WRITERS,
        ok=201,
        denied=API_DENIED,
        hidden=EVERYONE - WRITERS,
        data=lambda c: TALK,
        schema_path="/api/v1/reports/drafts/{draft_id}/leader-feedback",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_delivery_permissions(delivered, case):
    check_all(case, delivered)


def _receipt_post(client, draft):
    return client.post(
        f"/reports/draft/{draft.pk}/receipt/",
        {
            "signed_on": "2026-06-10",
            "signed_by": "张局长",
            "file": SimpleUploadedFile("回执.pdf", PDF, content_type="application/pdf"),
        },
    )


def test_only_the_own_units_liaison_uploads_the_receipt(delivered, login):
    from tests.matrix import USERS
    from xuncha.reports.models import FeedbackReceipt

    for username in USERS:
        if username in {"anonymous", "unit_liaison"}:
            continue
        status = _receipt_post(login(delivered.users[username]), delivered.own).status_code
        expected = {403} if username in READERS else {404}
        assert status in expected, (username, status)
    assert not FeedbackReceipt.objects.exists()
    assert _receipt_post(login(delivered.unit_liaison), delivered.own).status_code == 302
    assert FeedbackReceipt.objects.get().uploaded_by == delivered.unit_liaison


def test_api_receipt_upload_matrix(delivered, login):
    """Multipart: only the bureau's liaison (201); readers 400 (not their step); others 404."""
    from tests.matrix import USERS

    url = f"/api/v1/reports/drafts/{delivered.own.pk}/receipt"
    for username in [u for u in USERS if u not in {"anonymous", "unit_liaison"}]:
        response = login(delivered.users[username]).post(
            url,
            {
                "signed_on": "2026-06-10",
                "signed_by": "张局长",
                "file": SimpleUploadedFile("回执.pdf", PDF, content_type="application/pdf"),
            },
        )
        assert response.status_code == (400 if username in READERS else 404), username
    response = login(delivered.unit_liaison).post(
        url,
        {
            "signed_on": "2026-06-10",
            "signed_by": "张局长",
            "file": SimpleUploadedFile("回执.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 201


def test_anonymous_is_sent_to_login(delivered):
    check(
        case("anon", "get", lambda c: f"/reports/draft/{c.own.pk}/feedback/", set()),
        delivered,
        "anonymous",
    )
