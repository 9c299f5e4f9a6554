"""Every search and hot-issue page and API operation × every cast user."""

import pytest

from tests.analytics.helpers_hot import enter
from tests.analytics.test_hot import CANTEEN
from tests.inspections.conftest import make_problem
from tests.matrix import EVERYONE, case, check_all
from xuncha.analytics import topics
from xuncha.analytics.models import Topic

STAFF = {"office_admin", "office_staff", "leading_group", "county_staff", "county_b_staff"}
TEAMS = {"team_leader", "team_member", "other_member"}
SEARCHERS = STAFF | TEAMS
CITY_A = {"office_admin", "office_staff", "leading_group", "team_leader", "team_member"}
WRITERS_A = {"office_admin", "office_staff", "team_leader", "team_member"}


@pytest.fixture
def hotcast(cast):
    for i, text in enumerate(CANTEEN):
        enter(cast, text, unit="江州市交通运输局", days_ago=i)
    make_problem(cast, title="违规发放津补贴")
    make_problem(
        cast, title="违规发放津补贴", inspection=cast.inspections["b"], actor=cast.other_member
    )
    topics.recompute()
    cast.topic = Topic.objects.order_by("-size").first()
    return cast


def _topic(c):
    return f"/analytics/hot/topics/{c.topic.pk}/"


CASES = [
    case("search_page", "get", lambda c: "/search/?q=食堂", SEARCHERS, denied={403}),
    case(
        "search_api",
        "get",
        lambda c: "/api/v1/search/?q=食堂",
        SEARCHERS,
        denied={403},
        schema_path="/api/v1/search/",
    ),
    case("hot_index", "get", lambda c: "/analytics/hot/", SEARCHERS, denied={403}),
    case(
        "hot_inspection",
        "get",
        lambda c: f"/analytics/hot/inspections/{c.inspections['a'].pk}/",
        CITY_A,
        hidden=EVERYONE - CITY_A - {"sysadmin"},
    ),
    case(
        "hot_inspection_api",
        "get",
        lambda c: f"/api/v1/hot/inspections/{c.inspections['a'].pk}/",
        CITY_A,
        hidden=EVERYONE - CITY_A - {"sysadmin"},
        schema_path="/api/v1/hot/inspections/{inspection_id}/",
    ),
    case(
        "topic_detail",
        "get",
        _topic,
        CITY_A,
        hidden={"county_staff", "county_b_staff", "other_member"},
    ),
    *[
        case(
            f"topic_to_{what}",
            "post",
            lambda c, what=what: f"{_topic(c)}{what}/",
            WRITERS_A,
            ok=302,
            hidden={"county_staff", "county_b_staff", "other_member"},
            data=lambda c: {
                "target": c.inspections["a"].pk,
                "category": "B4",
                "people_concerned": "某领导",
                "handling": "discipline",
            },
        )
        for what in ("problem", "clue", "focus")
    ],
    case(
        "recompute",
        "post",
        lambda c: "/analytics/hot/recompute/",
        {"office_admin", "office_staff", "county_staff", "county_b_staff"},
        ok=302,
        denied={403},
    ),
    case(
        "common",
        "get",
        lambda c: f"/analytics/hot/rounds/{c.round.pk}/common/",
        {"office_admin", "office_staff", "leading_group"},
    ),
    case(
        "common_report",
        "post",
        lambda c: f"/analytics/hot/rounds/{c.round.pk}/common/report/",
        {"office_admin", "office_staff", "leading_group"},
        ok=302,
        data=lambda c: {"key": "x"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(hotcast, case):
    check_all(case, hotcast)


@pytest.mark.django_db
def test_common_problems_page_and_topical_report(hotcast, login):
    client = login(hotcast.office_staff)
    page = client.get(f"/analytics/hot/rounds/{hotcast.round.pk}/common/").content.decode()
    assert "违规发放津补贴" in page and "2 个单位" in page
    from xuncha.analytics import hot
    from xuncha.reports.models import ReportDraft

    group = hot.common_problems(hotcast.office_staff, hotcast.round)[0]
    response = client.post(
        f"/analytics/hot/rounds/{hotcast.round.pk}/common/report/", {"key": group.key}
    )
    assert response.status_code == 302
    draft = ReportDraft.objects.get(kind=ReportDraft.Kind.TOPICAL)
    assert "共性问题" in draft.sections[0]["heading"]
    assert "江州市交通运输局" in draft.sections[0]["text"]
