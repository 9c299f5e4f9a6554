"""Every study page and API operation × every cast user (tests/matrix.py).

The city office's admin, staff and leading group manage its study; the people listed in
a session (team_member present, other_member excused, team_leader absent) read it; a
reflection is read by its author (team_member), the session's host (office_staff) and the
office roles, never by other ordinary members; other offices and units get 404."""

import io

import pytest

from tests.matrix import EVERYONE, USERS, case, check_all
from xuncha.study import services

pytestmark = pytest.mark.django_db

WITH_OFFICE = EVERYONE - {"unit_liaison", "handover_recipient", "outsider"}
CITY_MANAGERS = {"office_admin", "office_staff", "leading_group"}
MANAGERS = CITY_MANAGERS | {"county_staff", "county_b_staff"}
SESSION_READERS = {"sysadmin", *CITY_MANAGERS, "team_member", "other_member", "team_leader"}
REFLECTION_READERS = {"sysadmin", *CITY_MANAGERS, "team_member"}
COMMENTERS = {"sysadmin", *CITY_MANAGERS}
SELF_READERS = {"sysadmin", *CITY_MANAGERS, "team_member"}


def others(allowed):
    return set(USERS) - {"anonymous"} - set(allowed)


@pytest.fixture
def world(cast, study):
    upload = io.BytesIO("学习材料正文".encode())
    upload.name = "条例摘编.txt"
    upload.size = len(upload.getvalue())
    cast.file = services.session_files_add(
        session=study.session, files=[upload], actor=cast.office_staff
    )[0]
    cast.study = study
    # A session recorded by mistake: no reflection yet, so it may be deleted.
    cast.bare = services.session_create(
        office=cast.city,
        form="exchange",
        date=study.session.date,
        host=cast.office_admin,
        topic="误登记的交流研学",
        attendance=[(cast.team_member, "present", "")],
        actor=cast.office_staff,
    )
    return cast


def _session(c):
    return c.study.session.pk


def _session_form(c):
    return {
        "form": "centre",
        "date": str(c.study.session.date),
        "topic": "中心组专题学习",
        "host": c.office_admin.pk,
        "hours": "2",
        f"att-{c.team_member.pk}": "present",
    }


def _api_session(c):
    return {
        "form": "exchange",
        "date": str(c.study.session.date),
        "topic": "交流研学",
        "host_id": c.office_admin.pk,
        "attendance": [{"person_id": c.team_member.pk, "status": "present"}],
    }


def _reflect(c):
    return {"title": "体会", "text": "学习条例后，我对巡察发现问题的职责有了更深的理解。"}


CASES = [
    case("index", "get", lambda c: "/study/", WITH_OFFICE, denied={403}),
    case("mine", "get", lambda c: "/study/mine/", WITH_OFFICE, denied={403}),
    case("session_new", "get", lambda c: "/study/sessions/new/", MANAGERS, denied={403}),
    case(
        "session_create",
        "post",
        lambda c: "/study/sessions/new/",
        CITY_MANAGERS,
        ok=302,
        data=_session_form,
        denied={200, 403},  # a county: the city's host is not a choice (form error)
    ),
    case(
        "session_detail",
        "get",
        lambda c: f"/study/sessions/{_session(c)}/",
        SESSION_READERS,
        hidden=others(SESSION_READERS),
    ),
    case(
        "session_edit_form",
        "get",
        lambda c: f"/study/sessions/{_session(c)}/edit/",
        COMMENTERS,  # the host (office_staff here) and the study roles
        hidden=others(COMMENTERS),
    ),
    case(
        "session_edit",
        "post",
        lambda c: f"/study/sessions/{_session(c)}/edit/",
        COMMENTERS,
        ok=302,
        data=lambda c: {**_session_form(c), "form": "branch", "branch": c.study.branch.pk},
        hidden=others(COMMENTERS),
    ),
    case(
        "session_delete",
        "post",
        lambda c: f"/study/sessions/{c.bare.pk}/delete/",
        COMMENTERS,
        ok=302,
        hidden=others(COMMENTERS),
    ),
    case(
        "session_attendance",
        "post",
        lambda c: f"/study/sessions/{_session(c)}/attendance/",
        COMMENTERS,
        ok=302,
        data=lambda c: {f"att-{c.team_member.pk}": "present"},
        hidden=others(COMMENTERS),
    ),
    case(
        "session_files",
        "post",
        lambda c: f"/study/sessions/{_session(c)}/files/",
        COMMENTERS,
        ok=302,
        hidden=others(COMMENTERS),
    ),
    case(
        "file_download",
        "get",
        lambda c: f"/study/files/{c.file.pk}/",
        SESSION_READERS,
        hidden=others(SESSION_READERS),
    ),
    case(
        "session_reflection_form",
        "get",
        lambda c: f"/study/sessions/{_session(c)}/reflection/",
        SESSION_READERS,
        hidden=others(SESSION_READERS),
    ),
    case(
        "session_reflection_submit",
        "post",
        lambda c: f"/study/sessions/{_session(c)}/reflection/",
        {"other_member", "office_staff"},  # excused participant; the host
        ok=302,
        data=_reflect,
        denied={200},  # a reader who did not take part: refused in the form
        hidden=others(SESSION_READERS),
    ),
    case("self_study_new", "get", lambda c: "/study/self/new/", WITH_OFFICE, denied={403}),
    case(
        "self_reflection",
        "get",
        lambda c: f"/study/self/{c.study.own.pk}/reflection/",
        SELF_READERS,
        hidden=others(SELF_READERS),
    ),
    case(
        "reflection_detail",
        "get",
        lambda c: f"/study/reflections/{c.study.reflection.pk}/",
        REFLECTION_READERS,
        hidden=others(REFLECTION_READERS),
    ),
    case(
        "reflection_comment",
        "post",
        lambda c: f"/study/reflections/{c.study.reflection.pk}/comment/",
        COMMENTERS,
        ok=302,
        data=lambda c: {"comment": "联系实际不够。"},
        hidden=others(COMMENTERS),
    ),
    case(
        "reflection_recheck",
        "post",
        lambda c: f"/study/reflections/{c.study.reflection.pk}/recheck/",
        COMMENTERS,
        ok=302,
        hidden=others(COMMENTERS),
    ),
    case("branches", "get", lambda c: "/study/branches/", MANAGERS, denied={403}),
    case(
        "branch_save",
        "post",
        lambda c: "/study/branches/",
        MANAGERS,
        ok=302,
        data=lambda c: {"name": "机关第二党支部"},
        denied={403},
    ),
    case("plan", "get", lambda c: "/study/plan/", MANAGERS, denied={403}),
    case(
        "plan_save",
        "post",
        lambda c: "/study/plan/",
        MANAGERS,
        ok=302,
        data=lambda c: {
            "year": "2026",
            "centre_sessions": "12",
            "branch_sessions": "6",
            "exchange_sessions": "4",
            "hours_per_person": "40",
        },
        denied={403},
    ),
    case("stats", "get", lambda c: "/study/stats/", MANAGERS, denied={403}),
    case("stats_xlsx", "get", lambda c: "/study/stats.xlsx", MANAGERS, denied={403}),
    # --- API
    case(
        "api_session_list",
        "get",
        lambda c: "/api/v1/study/sessions",
        EVERYONE,
        schema_path="/api/v1/study/sessions",
    ),
    case(
        "api_session_create",
        "post",
        lambda c: "/api/v1/study/sessions",
        CITY_MANAGERS,
        ok=201,
        data=_api_session,
        denied={400, 403},  # a county: the host is not of its office
        schema_path="/api/v1/study/sessions",
    ),
    case(
        "api_session_get",
        "get",
        lambda c: f"/api/v1/study/sessions/{_session(c)}",
        SESSION_READERS,
        hidden=others(SESSION_READERS),
        schema_path="/api/v1/study/sessions/{pk}",
    ),
    case(
        "api_session_update",
        "put",
        lambda c: f"/api/v1/study/sessions/{_session(c)}",
        COMMENTERS,
        data=lambda c: {
            "form": "branch",
            "date": str(c.study.session.date),
            "topic": "支部带学（更正）",
            "host_id": c.office_staff.pk,
            "branch_id": c.study.branch.pk,
            "hours": "3",
        },
        hidden=others(COMMENTERS),
        schema_path="/api/v1/study/sessions/{pk}",
    ),
    case(
        "api_session_delete",
        "delete",
        lambda c: f"/api/v1/study/sessions/{c.bare.pk}",
        COMMENTERS,
        ok=204,
        hidden=others(COMMENTERS),
        api=True,
    ),
    case(
        "api_attendance_put",
        "put",
        lambda c: f"/api/v1/study/sessions/{_session(c)}/attendance",
        COMMENTERS,
        data=lambda c: [{"person_id": c.team_member.pk, "status": "present"}],
        hidden=others(COMMENTERS),
        schema_path="/api/v1/study/sessions/{pk}/attendance",
    ),
    case(
        "api_self_study_create",
        "post",
        lambda c: "/api/v1/study/self-study",
        WITH_OFFICE,
        ok=201,
        data=lambda c: {"date": str(c.study.session.date), "material": "党章", "hours": "1.5"},
        denied={403},
        schema_path="/api/v1/study/self-study",
    ),
    case(
        "api_reflection_list",
        "get",
        lambda c: "/api/v1/study/reflections",
        EVERYONE,
        schema_path="/api/v1/study/reflections",
    ),
    case(
        "api_reflection_create",
        "post",
        lambda c: "/api/v1/study/reflections",
        {"other_member", "office_staff"},
        ok=201,
        data=lambda c: {"session_id": _session(c), **_reflect(c)},
        denied={400},
        hidden=others(SESSION_READERS),
        schema_path="/api/v1/study/reflections",
    ),
    case(
        "api_reflection_get",
        "get",
        lambda c: f"/api/v1/study/reflections/{c.study.reflection.pk}",
        REFLECTION_READERS,
        hidden=others(REFLECTION_READERS),
        schema_path="/api/v1/study/reflections/{pk}",
    ),
    case(
        "api_reflection_comment",
        "post",
        lambda c: f"/api/v1/study/reflections/{c.study.reflection.pk}/comment",
        COMMENTERS,
        data=lambda c: {"comment": "联系实际不够。"},
        hidden=others(COMMENTERS),
        schema_path="/api/v1/study/reflections/{pk}/comment",
    ),
    case(
        "api_stats",
        "get",
        lambda c: "/api/v1/study/stats",
        MANAGERS,
        denied={403},
        schema_path="/api/v1/study/stats",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)
