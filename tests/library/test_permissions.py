"""Every library page and API operation × every cast user."""

import pytest
from django.db import transaction

from tests.cast import client_for
from tests.library.conftest import article, txt, upload
from tests.matrix import EVERYONE, USERS, case, check_all
from xuncha.library import services

CITY = {"office_admin", "office_staff", "leading_group", "custodian", "auditor"}
COUNTIES = {"county_staff", "county_b_staff"}
TEAMS = {"team_leader", "team_member", "other_member"}
READERS = {"sysadmin"} | CITY | COUNTIES | TEAMS
CITY_MANAGERS = {"sysadmin", "office_admin", "office_staff"}
UPLOADERS = {"office_admin", "office_staff"} | COUNTIES
TEAM_A = {"sysadmin", "office_admin", "office_staff", "team_leader", "team_member"}
COUNTY_A_READERS = {"sysadmin", "county_staff"}


@pytest.fixture
def libcast(library):
    c = library
    c.county_rule = upload(c, actor=c.county_staff, office=c.county_a).version.rule
    c.third = article(c.rule, "第三条")
    c.citation = services.citation_create(
        problem=c.problem, provision=article(c.rule, "第一条"), actor=c.team_member
    )
    return c


CASES = [
    case("index", "get", lambda c: "/library/", READERS, denied={403}),
    case("search_page", "get", lambda c: "/library/?q=宴请", READERS, denied={403}),
    case("cases", "get", lambda c: "/library/cases/", READERS, denied={403}),
    case("rule_detail", "get", lambda c: f"/library/{c.rule.pk}/", READERS, denied={403}),
    case(
        "county_rule_detail",
        "get",
        lambda c: f"/library/{c.county_rule.pk}/",
        COUNTY_A_READERS,
        hidden=READERS - COUNTY_A_READERS,
    ),
    case("article", "get", lambda c: f"/library/articles/{c.third.pk}/", READERS, denied={403}),
    case(
        "case_add",
        "post",
        lambda c: f"/library/articles/{c.third.pk}/",
        CITY_MANAGERS,
        ok=302,
        denied={403},
        data=lambda c: {"title": "案例", "summary": "案情"},
    ),
    case("upload_form", "get", lambda c: "/library/upload/", UPLOADERS, denied={403}),
    case(
        "upload_version_form",
        "get",
        lambda c: f"/library/{c.rule.pk}/upload/",
        CITY_MANAGERS,
        denied={403},
    ),
    case(
        "rule_status",
        "post",
        lambda c: f"/library/{c.rule.pk}/status/",
        CITY_MANAGERS,
        ok=302,
        data=lambda c: {"status": "repealed"},
    ),
    case("cite_page", "get", lambda c: f"/library/cite/{c.problem.pk}/", TEAM_A),
    case(
        "cite_post",
        "post",
        lambda c: f"/library/cite/{c.problem.pk}/",
        TEAM_A,
        ok=302,
        data=lambda c: {"provision": c.third.pk},
    ),
    case(
        "citation_delete",
        "post",
        lambda c: f"/library/citations/{c.citation.pk}/delete/",
        TEAM_A,
        ok=302,
    ),
    case(
        "api_list",
        "get",
        lambda c: "/api/v1/library/",
        READERS,
        denied={403},
        schema_path="/api/v1/library/",
    ),
    case(
        "api_search",
        "get",
        lambda c: "/api/v1/library/search?q=宴请",
        READERS,
        denied={403},
        schema_path="/api/v1/library/search",
    ),
    case(
        "api_detail",
        "get",
        lambda c: f"/api/v1/library/{c.rule.pk}",
        READERS,
        denied={403},
        schema_path="/api/v1/library/{rule_id}",
    ),
    case(
        "api_county_detail",
        "get",
        lambda c: f"/api/v1/library/{c.county_rule.pk}",
        COUNTY_A_READERS,
        hidden=READERS - COUNTY_A_READERS,
        schema_path="/api/v1/library/{rule_id}",
    ),
    case(
        "api_cite",
        "post",
        lambda c: "/api/v1/library/cite",
        TEAM_A,
        ok=201,
        data=lambda c: {"problem_id": c.problem.pk, "provision_id": c.third.pk},
        schema_path="/api/v1/library/cite",
    ),
    case(
        "api_suggest",
        "get",
        lambda c: f"/api/v1/library/suggest/{c.problem.pk}",
        TEAM_A,
        schema_path="/api/v1/library/suggest/{problem_id}",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(libcast, case):
    check_all(case, libcast)


def test_api_upload_permissions(libcast):
    """Multipart, so outside the JSON matrix: managers of an office upload, nobody else."""
    failures = []
    for username in USERS:
        if username == "anonymous":
            continue
        with transaction.atomic():
            client = client_for(libcast.users[username])
            response = client.post(
                "/api/v1/library/upload",
                {"file": txt("江州市测试办法\n第一条 测试。\n", "测试.txt")},
            )
            expected = {201} if username in UPLOADERS else {403}
            if response.status_code not in expected:
                failures.append(f"{username}: {response.status_code}")
            transaction.set_rollback(True)
    assert not failures, failures


def test_api_new_version_permissions(libcast):
    """A new version through the API: the rule's own office's managers only."""
    failures = []
    for username in sorted(READERS):
        with transaction.atomic():
            response = client_for(libcast.users[username]).post(
                "/api/v1/library/upload",
                {"file": txt("新版本\n第一条 测试。\n", "新版本.txt"), "rule_id": libcast.rule.pk},
            )
            expected = {201} if username in CITY_MANAGERS else {403}
            if response.status_code not in expected:
                failures.append(f"{username}: {response.status_code}")
            transaction.set_rollback(True)
    assert not failures, failures


def test_everyone_is_covered():
    assert READERS | {"unit_liaison", "handover_recipient", "outsider"} == EVERYONE
