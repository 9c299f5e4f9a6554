"""Every page and API operation of the stay and the review chain × every cast user.

Inspection a (team a: team_leader, team_member; city office) is at 了解 with its
announcement published, a drafted and a sent 重要情况报告; a second set-up puts it at 审议
with two problems. Office roles + leading group and the own team read; the team records the
stay, the office (and the team) the 动员会, the leader sends, the office receives the
重要情况报告; the office or the leading group record the reviews; everybody else gets 404
(a team never sees another team's inspection, the unit never sees any of it).
"""

from datetime import date

import pytest

from tests.matrix import EVERYONE, case, check_all
from tests.stay import publish_announcement, set_stage, with_problems
from xuncha.inspections import stay
from xuncha.plans.models import Inspection

pytestmark = pytest.mark.django_db

READERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "team_leader",
    "team_member",
}
HIDDEN = EVERYONE - READERS
TEAM = {"sysadmin", "team_leader", "team_member"}
OFFICE = {"sysadmin", "office_admin", "office_staff"}
REVIEWERS = OFFICE | {"leading_group"}
API_DENIED = {400, 403, 404}  # a visible inspection, a step the user may not take: 400


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False


@pytest.fixture
def staying(cast):
    a = cast.inspections["a"]
    publish_announcement(a)
    cast.draft_report = stay.important_report_create(
        inspection=a,
        title="工程项目违规发包",
        reported_on=date(2026, 4, 1),
        situation="情况",
        actor=cast.team_member,
    )
    cast.sent_report = stay.important_report_create(
        inspection=a,
        title="资金挪用",
        reported_on=date(2026, 4, 2),
        situation="情况",
        actor=cast.team_member,
    )
    stay.important_report_send(report=cast.sent_report, actor=cast.team_leader)
    return cast


@pytest.fixture
def reviewing(cast):
    a = cast.inspections["a"]
    cast.problems = with_problems(cast)
    set_stage(a, Inspection.Stage.REVIEW)
    return cast


def _a(c, path=""):
    return f"/inspections/{c.inspections['a'].pk}/{path}"


def _api(c, path):
    return f"/api/v1/inspections/{c.inspections['a'].pk}/{path}"


MOBILISATION = {"held_on": "2026-03-02", "attendees": "全体成员", "speech": "动员讲话"}
MEETING = {"held_on": "2026-03-09", "topic": "研究谈话", "attendees": "全体", "resolutions": "议定"}
REPORT = {"title": "重大情况", "reported_on": "2026-04-03", "situation": "情况内容"}
WEEK = {"week_start": "2026-03-16", "progress": "本周进展"}

STAY_CASES = [
    case("stay_records", "get", lambda c: _a(c, "stay/"), READERS, hidden=HIDDEN),
    case(
        "mobilisation_form",
        "get",
        lambda c: _a(c, "mobilisation/new/"),
        TEAM | OFFICE,
        hidden=HIDDEN,
    ),
    case(
        "mobilisation_create",
        "post",
        lambda c: _a(c, "mobilisation/new/"),
        TEAM | OFFICE,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: MOBILISATION,
    ),
    case(
        "team_meeting_create",
        "post",
        lambda c: _a(c, "team-meetings/new/"),
        TEAM,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: MEETING,
    ),
    case(
        "important_report_create",
        "post",
        lambda c: _a(c, "important-reports/new/"),
        TEAM,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: REPORT,
    ),
    case(
        "weekly_report_create",
        "post",
        lambda c: _a(c, "weekly-reports/new/"),
        TEAM,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: WEEK,
    ),
    case(
        "important_report_detail",
        "get",
        lambda c: f"/inspections/important-reports/{c.draft_report.pk}/",
        READERS,
        hidden=HIDDEN,
    ),
    case(
        "important_report_docx",
        "get",
        lambda c: f"/inspections/important-reports/{c.draft_report.pk}/docx/",
        READERS,
        hidden=HIDDEN,
    ),
    case(
        "important_report_send",
        "post",
        lambda c: f"/inspections/important-reports/{c.draft_report.pk}/send/",
        {"sysadmin", "team_leader"},
        ok=302,
        hidden=HIDDEN,
    ),
    case(
        "important_report_receive",
        "post",
        lambda c: f"/inspections/important-reports/{c.sent_report.pk}/receive/",
        OFFICE,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: {"note": "已阅"},
    ),
    case(
        "review_settings",
        "get",
        lambda c: "/inspections/settings/reviews/",
        {"sysadmin", "office_admin"},
    ),
    case(
        "api_timeline",
        "get",
        lambda c: _api(c, "timeline"),
        READERS,
        hidden=HIDDEN,
        schema_path="/api/v1/inspections/{pk}/timeline",
    ),
    case(
        "api_result_decisions",
        "get",
        lambda c: _api(c, "result-decisions"),
        READERS,
        hidden=HIDDEN,
        schema_path="/api/v1/inspections/{pk}/result-decisions",
    ),
    case(
        "api_mobilisation",
        "post",
        lambda c: _api(c, "mobilisation-meetings"),
        TEAM | OFFICE,
        ok=201,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: MOBILISATION,
        schema_path="/api/v1/inspections/{pk}/mobilisation-meetings",
    ),
    case(
        "api_team_meeting",
        "post",
        lambda c: _api(c, "team-meetings"),
        TEAM,
        ok=201,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: MEETING,
        schema_path="/api/v1/inspections/{pk}/team-meetings",
    ),
    case(
        "api_important_report",
        "post",
        lambda c: _api(c, "important-reports"),
        TEAM,
        ok=201,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: REPORT,
        schema_path="/api/v1/inspections/{pk}/important-reports",
    ),
    case(
        "api_important_report_send",
        "post",
        lambda c: f"/api/v1/inspections/important-reports/{c.draft_report.pk}/send",
        {"sysadmin", "team_leader"},
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: {},
        schema_path="/api/v1/inspections/important-reports/{pk}/send",
    ),
    case(
        "api_important_report_receipt",
        "post",
        lambda c: f"/api/v1/inspections/important-reports/{c.sent_report.pk}/receipt",
        OFFICE,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: {"note": "已阅"},
        schema_path="/api/v1/inspections/important-reports/{pk}/receipt",
    ),
    case(
        "api_weekly_report",
        "post",
        lambda c: _api(c, "weekly-reports"),
        TEAM,
        ok=201,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=lambda c: WEEK,
        schema_path="/api/v1/inspections/{pk}/weekly-reports",
    ),
]


def _uses(c):
    p1, p2 = c.problems
    return {
        "body": "leading_group",
        "held_on": "2026-06-02",
        "decision": "同意",
        "uses": [
            {"problem_id": p1.pk, "kinds": ["feedback"]},
            {"problem_id": p2.pk, "kinds": ["handover"]},
        ],
    }


def _form(c):
    p1, p2 = c.problems
    return {
        "body": "leading_group",
        "held_on": "2026-06-02",
        "decision": "同意",
        f"dec_{p1.pk}": "feedback",
        f"dec_{p2.pk}": "talk",
    }


REVIEW_CASES = [
    case("review_form", "get", lambda c: _a(c, "reviews/decide/"), REVIEWERS, hidden=HIDDEN),
    case(
        "review_decide",
        "post",
        lambda c: _a(c, "reviews/decide/"),
        REVIEWERS,
        ok=302,
        hidden=HIDDEN,
        data=_form,
    ),
    case(
        "api_review_decide",
        "post",
        lambda c: _api(c, "reviews"),
        REVIEWERS,
        ok=201,
        denied=API_DENIED,
        hidden=HIDDEN,
        data=_uses,
        schema_path="/api/v1/inspections/{pk}/reviews",
    ),
]


@pytest.mark.parametrize("case", STAY_CASES, ids=lambda c: c.name)
def test_stay_permissions(staying, case):
    check_all(case, staying)


@pytest.mark.parametrize("case", REVIEW_CASES, ids=lambda c: c.name)
def test_review_permissions(reviewing, case):
    check_all(case, reviewing)


def test_another_teams_inspection_is_invisible_to_team_a(staying, login):
    b = staying.inspections["b"]
    client = login(staying.team_leader)
    assert client.get(f"/inspections/{b.pk}/stay/").status_code == 404
    assert client.get(f"/api/v1/inspections/{b.pk}/timeline").status_code == 404
    assert login(staying.other_member).get(f"/inspections/{b.pk}/stay/").status_code == 200
