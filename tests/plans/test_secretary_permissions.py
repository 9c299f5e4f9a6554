"""登记党委书记审批 (annual plan): who may record it, on the page and over the API."""

import pytest
from django.utils import timezone

from tests.matrix import USERS, case, check_all
from xuncha.plans.models import AnnualPlan, PlanSettings

RECORDERS = {"sysadmin", "office_admin", "office_staff"}
READERS = RECORDERS | {"leading_group"}
SIGNED_IN = set(USERS) - {"anonymous"}


@pytest.fixture
def world(cast):
    AnnualPlan.objects.filter(pk=cast.plan.pk).update(state=AnnualPlan.State.SUBMITTED)
    PlanSettings.objects.create(office=cast.city, requires_secretary_approval=True)
    return cast


def _body(c):
    return {"secretary_name": "张书记", "approved_on": str(timezone.localdate())}


CASES = [
    case(
        "secretary_api",
        "post",
        lambda c: f"/api/v1/plans/plans/{c.plan.pk}/secretary",
        RECORDERS,
        data=_body,
        # The leading group reads the plan but may not record the secretary's approval.
        denied={400, 403, 404},
        hidden=SIGNED_IN - READERS,
        schema_path="/api/v1/plans/plans/{plan_id}/secretary",
    ),
    case(
        "secretary_page",
        "post",
        lambda c: f"/plans/{c.plan.pk}/secretary/",
        RECORDERS | {"leading_group"},
        ok=302,
        data=_body,
        hidden=SIGNED_IN - READERS,
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)


@pytest.mark.django_db
def test_only_recorders_change_the_plan_through_the_page(world, login):
    url = f"/plans/{world.plan.pk}/secretary/"
    login(world.leading_group).post(url, _body(world))
    world.plan.refresh_from_db()
    assert world.plan.secretary_approved_on is None
    login(world.office_staff).post(url, {**_body(world), "secretary_name": "张" * 51})
    world.plan.refresh_from_db()
    assert world.plan.secretary_approved_on is None
    login(world.office_staff).post(url, _body(world))
    world.plan.refresh_from_db()
    assert world.plan.secretary_name == "张书记"
