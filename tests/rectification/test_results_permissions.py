"""Permission matrix of every use-of-results page and API operation (tests/matrix.py):
every cast user, plus the organisation department's liaison, per operation."""

import pytest

from tests.matrix import USERS, case, check_all
from tests.rectification.results_world import world  # noqa: F401  (fixture)

OFFICE = {"office_admin", "office_staff", "sysadmin"}
READ = OFFICE | {"leading_group"}
ALL = [*USERS, "org_recipient"]
SIGNED_IN = set(ALL) - {"anonymous"}


def everyone_else(allowed):
    return SIGNED_IN - set(allowed)


PLAN_READERS = READ | {"unit_liaison", "team_leader", "team_member"}

_CASES = [
    # pages
    case("ledger", "get", lambda w: "/rectification/results/", SIGNED_IN),
    case("ledger_new", "get", lambda w: "/rectification/results/new/", OFFICE),
    case(
        "detail_letter",
        "get",
        lambda w: f"/rectification/results/{w.sent.pk}/",
        READ | {"handover_recipient"},
        hidden=everyone_else(READ | {"handover_recipient"}),
    ),
    case(
        "letter_docx",
        "get",
        lambda w: f"/rectification/results/{w.sent.pk}/letter.docx",
        READ | {"handover_recipient"},
        hidden=everyone_else(READ | {"handover_recipient"}),
    ),
    case(
        "api_letter_docx",
        "get",
        lambda w: f"/api/v1/rectification/results/{w.sent.pk}/letter.docx",
        READ | {"handover_recipient"},
        hidden=everyone_else(READ | {"handover_recipient"}),
        api=True,
    ),
    case(
        "detail_unsent",
        "get",
        lambda w: f"/rectification/results/{w.decided.pk}/",
        READ,
        hidden=everyone_else(READ),
    ),
    case(
        "detail_org_referral",
        "get",
        lambda w: f"/rectification/results/{w.org.pk}/",
        READ | {"org_recipient"},
        hidden=everyone_else(READ | {"org_recipient"}),
    ),
    case(
        "detail_talk",
        "get",
        lambda w: f"/rectification/results/{w.talk.item_id}/",
        READ | {"unit_liaison"},
        hidden=everyone_else(READ | {"unit_liaison"}),
    ),
    case(
        "transition",
        "post",
        lambda w: f"/rectification/results/{w.decided.pk}/transition/",
        OFFICE,
        ok=302,
        hidden=everyone_else(OFFICE),
        data=lambda w: {"target": "sent"},
    ),
    case(
        "reply",
        "post",
        lambda w: f"/rectification/results/{w.sent.pk}/reply/",
        OFFICE | {"handover_recipient"},
        ok=302,
        hidden=everyone_else(OFFICE | {"handover_recipient"}),
        data=lambda w: {"text": "已回复"},
    ),
    case(
        "edit",
        "post",
        lambda w: f"/rectification/results/{w.decided.pk}/edit/",
        OFFICE,
        ok=302,
        hidden=everyone_else(OFFICE),
        data=lambda w: {"recipient_name": "江州市纪委监委", "due_date": "2026-07-31"},
    ),
    case(
        "talk_new",
        "get",
        lambda w: f"/rectification/plans/{w.plan.pk}/talks/new/",
        OFFICE,
        hidden=everyone_else(OFFICE),
    ),
    case(
        "talk_escalate",
        "post",
        lambda w: f"/rectification/talks/{w.talk.pk}/escalate/",
        OFFICE,
        ok=302,
        hidden=everyone_else(OFFICE),
        data=lambda w: {"recipient": w.cast.units["discipline"].pk, "reason": "仍滞后"},
    ),
    case(
        "life_meeting_new",
        "get",
        lambda w: f"/rectification/plans/{w.plan.pk}/life-meetings/new/",
        OFFICE | {"unit_liaison"},
        hidden=everyone_else(OFFICE | {"unit_liaison"}),
    ),
    case(
        "life_meeting_detail",
        "get",
        lambda w: f"/rectification/life-meetings/{w.meeting.pk}/",
        PLAN_READERS,
        hidden=everyone_else(PLAN_READERS),
    ),
    # API
    case(
        "api_list",
        "get",
        lambda w: "/api/v1/rectification/results",
        SIGNED_IN,
        schema_path="/api/v1/rectification/results",
    ),
    case(
        "api_stats",
        "get",
        lambda w: "/api/v1/rectification/results/stats",
        SIGNED_IN,
        schema_path="/api/v1/rectification/results/stats",
    ),
    case(
        "api_create",
        "post",
        lambda w: "/api/v1/rectification/results",
        OFFICE,
        ok=201,
        denied={400, 404},
        data=lambda w: {
            "inspection_id": w.cast.inspections["a"].pk,
            "kind": "handover",
            "subject": "API 登记的移交",
            "recipient_name": "江州市纪委监委",
        },
        schema_path="/api/v1/rectification/results",
    ),
    case(
        "api_get_org_referral",
        "get",
        lambda w: f"/api/v1/rectification/results/{w.org.pk}",
        READ | {"org_recipient"},
        hidden=everyone_else(READ | {"org_recipient"}),
        schema_path="/api/v1/rectification/results/{item_id}",
    ),
    case(
        "api_transition",
        "post",
        lambda w: f"/api/v1/rectification/results/{w.decided.pk}/transition",
        OFFICE,
        denied={400, 404},
        hidden=everyone_else(OFFICE | {"leading_group"}),
        data=lambda w: {"target": "sent"},
        schema_path="/api/v1/rectification/results/{item_id}/transition",
    ),
    case(
        "api_reply",
        "post",
        lambda w: f"/api/v1/rectification/results/{w.sent.pk}/reply",
        OFFICE | {"handover_recipient"},
        denied={400, 404},
        hidden=everyone_else(OFFICE | {"handover_recipient", "leading_group"}),
        data=lambda w: {"text": "已回复"},
        schema_path="/api/v1/rectification/results/{item_id}/reply",
    ),
    case(
        "api_talks",
        "get",
        lambda w: f"/api/v1/rectification/plans/{w.plan.pk}/talks",
        PLAN_READERS,
        hidden=everyone_else(PLAN_READERS),
        schema_path="/api/v1/rectification/plans/{plan_id}/talks",
    ),
    case(
        "api_talk_create",
        "post",
        lambda w: f"/api/v1/rectification/plans/{w.plan.pk}/talks",
        OFFICE,
        ok=201,
        denied={400, 404},
        hidden=everyone_else(PLAN_READERS),
        data=lambda w: {
            "held_on": "2026-09-20",
            "talker": "王主任",
            "talked_to": "张局长",
            "reason": "整改滞后",
            "promises": "按期完成",
        },
        schema_path="/api/v1/rectification/plans/{plan_id}/talks",
    ),
    case(
        "api_talk_escalate",
        "post",
        lambda w: f"/api/v1/rectification/talks/{w.talk.pk}/escalate",
        OFFICE,
        ok=201,
        denied={400, 404},
        hidden=everyone_else(READ | {"unit_liaison"}),
        data=lambda w: {"recipient_id": w.cast.units["discipline"].pk, "reason": "仍滞后"},
        schema_path="/api/v1/rectification/talks/{talk_id}/escalate",
    ),
    case(
        "api_life_meetings",
        "get",
        lambda w: f"/api/v1/rectification/plans/{w.plan.pk}/life-meetings",
        PLAN_READERS,
        hidden=everyone_else(PLAN_READERS),
        schema_path="/api/v1/rectification/plans/{plan_id}/life-meetings",
    ),
    case(
        "api_life_meeting_create",
        "post",
        lambda w: f"/api/v1/rectification/plans/{w.plan.pk}/life-meetings",
        OFFICE | {"unit_liaison"},
        ok=201,
        denied={400, 404},
        hidden=everyone_else(PLAN_READERS),
        data=lambda w: {
            "held_on": "2026-08-01",
            "host": "张局长",
            "attendees": "局党组成员",
            "discipline_observer": "刘组长",
            "organisation_observer": "陈科长",
            "self_criticism": "检视剖析",
            "followup": "健全制度",
        },
        schema_path="/api/v1/rectification/plans/{plan_id}/life-meetings",
    ),
]


class _Adapter:
    """tests/matrix.py hands `cast` to the url/data lambdas and reads `cast.users`."""

    def __init__(self, w):
        self.world = w
        self.users = w.cast.users

    def __getattr__(self, name):
        return getattr(self.world, name)


@pytest.mark.parametrize("op", _CASES, ids=lambda c: c.name)
def test_permissions(world, op):  # noqa: F811
    check_all(op, _Adapter(world), users=ALL)


def test_menu_entry_for_office_and_recipients(world):  # noqa: F811
    from xuncha.org.navigation import _entries_for

    def labels(user):
        return {e["label"] for e in _entries_for(user)}

    cast = world.cast
    for name in ("office_staff", "office_admin", "leading_group", "handover_recipient"):
        assert "成果运用" in labels(cast.users[name]), name
    for name in ("unit_liaison", "team_member", "outsider"):
        assert "成果运用" not in labels(cast.users[name]), name
