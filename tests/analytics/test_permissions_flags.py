"""Every analytics page and API operation × every cast user: allowed, denied, not visible."""

import pytest

from tests.analytics.conftest import ADVERT, COMPLAINT, REWORDED, enter
from tests.matrix import EVERYONE, case, check_all
from xuncha.analytics.models import DuplicateMember, SpamFlag, Suggestion

pytestmark = pytest.mark.django_db

# The submissions belong to the city office's inspection "a": its office staff and its team.
OWNERS = {"office_admin", "office_staff", "team_leader", "team_member"}
OFFICE_STAFF = {"office_admin", "office_staff", "county_staff", "county_b_staff"}
WRITERS = OFFICE_STAFF | {"team_leader", "team_member", "other_member"}


@pytest.fixture
def world(cast):
    first = enter(cast, COMPLAINT + "\n" + ADVERT)
    enter(cast, REWORDED)
    cast.flag = SpamFlag.objects.get(submission=first)
    cast.member = DuplicateMember.objects.get()
    cast.suggestion = Suggestion.objects.get(submission=first)
    cast.first = first
    return cast


CASES = [
    case("overview", "get", lambda c: "/analytics/", OFFICE_STAFF, denied={404}),
    case("run_progress", "get", lambda c: "/analytics/runs/", OFFICE_STAFF, denied={404}),
    case(
        "run_start",
        "post",
        lambda c: "/analytics/runs/start/",
        OFFICE_STAFF,
        ok=302,
        denied={404},
        data=lambda c: {"kind": "evaluate"},
    ),
    case(
        "flag_decide",
        "post",
        lambda c: f"/analytics/flags/{c.flag.pk}/decide/",
        OWNERS,
        ok=302,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"confirm": "0"},
    ),
    case(
        "group_detail",
        "get",
        lambda c: f"/analytics/duplicates/{c.member.group_id}/",
        OWNERS,
        hidden=EVERYONE - OWNERS,
    ),
    case(
        "member_decide",
        "post",
        lambda c: f"/analytics/duplicates/members/{c.member.pk}/decide/",
        OWNERS,
        ok=302,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"confirm": "0"},
    ),
    case(
        "suggestion_decide",
        "post",
        lambda c: f"/analytics/suggestions/{c.suggestion.pk}/decide/",
        OWNERS,
        ok=302,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"what": "unit", "accept": "1"},
    ),
    case(
        "wording",
        "get",
        lambda c: "/analytics/wording/?title=党费没有按时交",
        WRITERS,
        denied={404},
    ),
    case(
        "submission_detail_with_panel",
        "get",
        lambda c: f"/petitions/{c.first.pk}/",
        OWNERS,
        hidden=EVERYONE - OWNERS,
    ),
]

API = "/api/v1/analytics"
API_CASES = [
    case(
        "api_flags",
        "get",
        lambda c: f"{API}/flags",
        EVERYONE,
        schema_path="/api/v1/analytics/flags",
    ),
    case(
        "api_flag_detail",
        "get",
        lambda c: f"{API}/flags/{c.flag.pk}",
        OWNERS,
        hidden=EVERYONE - OWNERS,
        schema_path="/api/v1/analytics/flags/{flag_id}",
    ),
    case(
        "api_flag_decide",
        "post",
        lambda c: f"{API}/flags/{c.flag.pk}/decide",
        OWNERS,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"confirm": False, "note": "举报人附言"},
        schema_path="/api/v1/analytics/flags/{flag_id}/decide",
    ),
    case(
        "api_duplicates",
        "get",
        lambda c: f"{API}/duplicates",
        EVERYONE,
        schema_path="/api/v1/analytics/duplicates",
    ),
    case(
        "api_member_decide",
        "post",
        lambda c: f"{API}/duplicates/members/{c.member.pk}/decide",
        OWNERS,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"confirm": False},
        schema_path="/api/v1/analytics/duplicates/members/{member_id}/decide",
    ),
    case(
        "api_suggestion",
        "get",
        lambda c: f"{API}/suggestions/{c.first.pk}",
        OWNERS,
        hidden=EVERYONE - OWNERS,
        schema_path="/api/v1/analytics/suggestions/{submission_id}",
    ),
    case(
        "api_suggestion_decide",
        "post",
        lambda c: f"{API}/suggestions/{c.suggestion.pk}/decide",
        OWNERS,
        hidden=EVERYONE - OWNERS,
        data=lambda c: {"what": "category", "accept": True},
        schema_path="/api/v1/analytics/suggestions/{suggestion_id}/decide",
    ),
]


@pytest.mark.parametrize("op", CASES + API_CASES, ids=lambda c: c.name)
def test_permissions(world, op):
    check_all(op, world)


def test_api_lists_only_what_the_reader_may_see(world, login):
    assert login(world.office_staff).get(f"{API}/flags").json()[0]["id"] == world.flag.pk
    assert login(world.county_staff).get(f"{API}/flags").json() == []
    assert login(world.other_member).get(f"{API}/duplicates").json() == []


def test_api_flag_detail_opens_the_passage(world, login):
    data = login(world.team_leader).get(f"{API}/flags/{world.flag.pk}").json()
    assert data["passages"][0]["text"] == ADVERT


def test_script_in_a_submission_comes_back_escaped(cast, login):
    sub = enter(cast, COMPLAINT + "\n<script>alert(1)</script>加微信abc12345低息贷款")
    page = login(cast.office_staff).get(f"/petitions/{sub.pk}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page
