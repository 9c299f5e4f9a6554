"""Per-unit feedback opinions × every cast user (tests/matrix.py pattern).

Inspection a covers the bureau and its centre (一托二). The bureau's feedback is final and
delivered; the centre's is final, not yet delivered. The bureau's liaison reads only its
own; nobody outside the office, the leading group and the team reads either.
"""

from datetime import date

import pytest

from tests.feedback import deliver_feedback
from tests.matrix import EVERYONE, case, check_all
from tests.reports.fieldwork import make_problem
from xuncha.plans.models import Inspection
from xuncha.reports import services
from xuncha.reports.models import ReportDraft

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
OFFICE = {"sysadmin", "office_admin", "office_staff"}


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


@pytest.fixture
def feedbacks(cast):
    a = cast.inspections["a"]
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    a.units.add(centre)
    make_problem(a, "B4", "001", user=cast.team_leader, title="违规发放津补贴", unit=bureau)
    make_problem(a, "B6", "002", user=cast.team_leader, title="养护资金管理不规范", unit=centre)
    Inspection.objects.filter(pk=a.pk).update(stage=Inspection.Stage.FEEDBACK)
    a.refresh_from_db()
    cast.own = deliver_feedback(cast, a, bureau, date(2026, 6, 3))
    cast.other = services.draft_generate(
        inspection=a, kind="feedback", unit=centre, actor=cast.office_staff
    )
    services.draft_finalize(draft=cast.other, actor=cast.office_staff)
    return cast


def _delivery(c):
    return {"delivered_on": "2026-06-03", "delivered_by": "何组长"}


CASES = [
    case(
        "own_feedback_download",
        "get",
        lambda c: f"/reports/draft/{c.own.pk}/download/",
        READERS | {"unit_liaison"},
        hidden=EVERYONE - READERS - {"unit_liaison"},
    ),
    case(
        "other_unit_feedback_download",
        "get",
        lambda c: f"/reports/draft/{c.other.pk}/download/",
        READERS,
        hidden=EVERYONE - READERS,
    ),
    case(
        "feedback_deliver",
        "post",
        lambda c: f"/reports/draft/{c.other.pk}/deliver/",
        WRITERS,
        ok=302,
        hidden=EVERYONE - WRITERS,
        data=_delivery,
    ),
    case(
        "feedback_deliver_api",
        "post",
        lambda c: f"/api/v1/reports/drafts/{c.other.pk}/delivery",
        WRITERS,
        ok=201,
        hidden=EVERYONE - WRITERS,
        data=_delivery,
        schema_path="/api/v1/reports/drafts/{draft_id}/delivery",
    ),
    case(
        "feedback_generate_per_unit",
        "post",
        lambda c: f"/reports/inspection/{c.inspections['a'].pk}/generate/",
        WRITERS,
        ok=302,
        data=lambda c: {"kind": "feedback"},
    ),
    case(
        "plan_open_after_delivery",
        "post",
        lambda c: "/rectification/plans/new/",
        OFFICE,
        ok=302,
        data=lambda c: {"inspection": c.inspections["a"].pk, "unit": c.units["bureau"].pk},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(feedbacks, case):
    check_all(case, feedbacks)


def test_delivery_by_an_allowed_user_really_records_it(feedbacks, login):
    response = login(feedbacks.team_member).post(
        f"/reports/draft/{feedbacks.other.pk}/deliver/", _delivery(feedbacks)
    )
    assert response.status_code == 302
    assert ReportDraft.objects.get(pk=feedbacks.other.pk).delivery.delivered_by == "何组长"
