"""Every notification page and API operation × every cast user.

Each signed-in user reaches their own centre, preferences and counts; a notification is
opened or marked read by its owner alone (anybody else: 404, so its existence does not
leak); anonymous is sent to the login page (pages) or gets 401 (API)."""

import pytest

from tests.cast import client_for
from tests.matrix import EVERYONE, case, check_all
from xuncha.notifications import services
from xuncha.notifications.models import Kind, Notification

pytestmark = pytest.mark.django_db

OWNER = {"office_staff"}
OTHERS = EVERYONE - OWNER
PREFS = {"preferences": {"approval": {"in_app": True, "email": False, "digest": True}}}


@pytest.fixture
def noted(cast):
    [cast.note] = services.notify(
        [cast.office_staff],
        kind=Kind.DEADLINE_PASSED,
        title="安平区某单位整改措施已逾期",
        url="/rectification/",
        key="matrix",
    )
    return cast


CASES = [
    case("centre", "get", lambda c: "/notifications/", allowed=EVERYONE),
    case("centre_unread", "get", lambda c: "/notifications/?unread=1", allowed=EVERYONE),
    case(
        "open",
        "get",
        lambda c: f"/notifications/{c.note.pk}/open/",
        allowed=OWNER,
        ok=302,
        hidden=OTHERS,
    ),
    case("badge", "get", lambda c: "/notifications/badge/", allowed=EVERYONE),
    case("read_all", "post", lambda c: "/notifications/read-all/", allowed=EVERYONE, ok=302),
    case("preferences", "get", lambda c: "/notifications/preferences/", allowed=EVERYONE),
    case(
        "preferences_save",
        "post",
        lambda c: "/notifications/preferences/",
        allowed=EVERYONE,
        ok=302,
        data=lambda c: {"approval-in_app": "on"},
    ),
    case(
        "api_list",
        "get",
        lambda c: "/api/v1/notifications",
        allowed=EVERYONE,
        schema_path="/api/v1/notifications",
    ),
    case(
        "api_unread",
        "get",
        lambda c: "/api/v1/notifications/unread",
        allowed=EVERYONE,
        schema_path="/api/v1/notifications/unread",
    ),
    case(
        "api_read",
        "post",
        lambda c: f"/api/v1/notifications/{c.note.pk}/read",
        allowed=OWNER,
        hidden=OTHERS,
        schema_path="/api/v1/notifications/{notification_id}/read",
    ),
    case(
        "api_read_all",
        "post",
        lambda c: "/api/v1/notifications/read-all",
        allowed=EVERYONE,
        schema_path="/api/v1/notifications/read-all",
    ),
    case(
        "api_preferences",
        "get",
        lambda c: "/api/v1/notifications/preferences",
        allowed=EVERYONE,
        schema_path="/api/v1/notifications/preferences",
    ),
    case(
        "api_preferences_save",
        "put",
        lambda c: "/api/v1/notifications/preferences",
        allowed=EVERYONE,
        data=lambda c: PREFS,
        schema_path="/api/v1/notifications/preferences",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(noted, case):
    check_all(case, noted)


def test_lists_and_bulk_reads_touch_only_ones_own(noted):
    cast = noted
    for name in OTHERS:
        client = client_for(cast.users[name])
        assert "安平区某单位" not in client.get("/notifications/").content.decode()
        assert client.get("/api/v1/notifications").json()["count"] == 0
        client.post("/notifications/read-all/")
        client.post("/api/v1/notifications/read-all")
    assert Notification.objects.get(pk=cast.note.pk).read_at is None
    assert client_for(cast.office_staff).get("/api/v1/notifications/unread").json() == {"unread": 1}
