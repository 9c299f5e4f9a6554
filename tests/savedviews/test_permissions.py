"""Every saved-view page and API operation × every cast user.

Each signed-in user saves and lists their own views; a view is opened, checked or
deleted by its owner alone (anybody else: 404, so its existence does not leak);
anonymous is sent to the login page (pages) or gets 401 (API)."""

import pytest

from tests.matrix import EVERYONE, case, check_all
from xuncha.savedviews.models import SavedView

pytestmark = pytest.mark.django_db

OWNER = {"office_staff"}
OTHERS = EVERYONE - OWNER
NEW = {"name": "新视图", "page": "inspections:inspection_list", "query": "stage=investigation"}


@pytest.fixture
def saved(cast):
    cast.view = SavedView.objects.create(
        owner=cast.office_staff, page="stats:index", query="year=2026", name="年度"
    )
    return cast


CASES = [
    case("save", "post", lambda c: "/views/save/", allowed=EVERYONE, ok=302, data=lambda c: NEW),
    case(
        "open", "get", lambda c: f"/views/{c.view.pk}/open/", allowed=OWNER, ok=302, hidden=OTHERS
    ),
    case(
        "delete",
        "post",
        lambda c: f"/views/{c.view.pk}/delete/",
        allowed=OWNER,
        ok=302,
        hidden=OTHERS,
    ),
    case(
        "api_list",
        "get",
        lambda c: "/api/v1/saved-views",
        allowed=EVERYONE,
        schema_path="/api/v1/saved-views",
    ),
    case(
        "api_create",
        "post",
        lambda c: "/api/v1/saved-views",
        allowed=EVERYONE,
        ok=201,
        data=lambda c: NEW,
        schema_path="/api/v1/saved-views",
    ),
    case(
        "api_check",
        "get",
        lambda c: f"/api/v1/saved-views/{c.view.pk}/check",
        allowed=OWNER,
        hidden=OTHERS,
        schema_path="/api/v1/saved-views/{view_id}/check",
    ),
    case(
        "api_delete",
        "delete",
        lambda c: f"/api/v1/saved-views/{c.view.pk}",
        allowed=OWNER,
        ok=204,
        hidden=OTHERS,
        api=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(saved, case):
    check_all(case, saved)
