"""Permission matrix of every 培训与考核 page and API operation (tests/matrix.py)."""

import pytest

from tests.matrix import EVERYONE, USERS, case, check_all
from tests.training.helpers import full_scores, member_of, office_final, score_form, training
from xuncha.training import services

pytestmark = pytest.mark.django_db

ALL = frozenset(USERS) - {"anonymous"}
OFFICE_READ = {"sysadmin", "office_admin", "office_staff", "leading_group"}
OFFICE_WRITE = {"sysadmin", "office_admin", "office_staff"}
PLANNERS = {"office_admin", "office_staff", "leading_group", "county_staff", "county_b_staff"}


def hidden(*allowed_or_denied):
    """Everyone not named: outside the scope, so 404."""
    named = set().union(*allowed_or_denied)
    return ALL - named


def _member_pk(c):
    return member_of(c, "team_member").pk


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("证书.pdf", b"%PDF-1.4\n%%EOF\n")


def _record(c):
    return training(c, certificate=_pdf())


def _final(c):
    return office_final(c)


def _draft(c):
    return services.appraisal_save(
        member=member_of(c, "team_member"),
        source="office",
        rating="competent",
        scores=full_scores(c),
        actor=c.office_staff,
    )


def _api_scores(c):
    return {str(k): v for k, v in full_scores(c).items()}


CORRECTION = {"rating": "excellent", "comments": "更正", "reason": "漏记发现问题情况"}

CASES = [
    case(
        "index",
        "get",
        lambda c: "/training/",
        OFFICE_READ | PLANNERS | {"team_leader", "team_member", "other_member"},
    ),
    case(
        "record_form",
        "get",
        lambda c: "/training/records/new/",
        OFFICE_WRITE | {"county_staff", "county_b_staff"},
    ),
    case(
        "record_create",
        "post",
        lambda c: "/training/records/new/",
        OFFICE_WRITE,
        ok=302,
        denied={400, 403},  # a county's staff: the city's inspector is not a choice (400)
        data=lambda c: {
            "inspector": member_of(c, "team_member").inspector_id,
            "course": "巡察业务培训",
            "organiser": "市委巡察办",
            "start": "2026-04-01",
            "end": "2026-04-02",
            "hours": "16",
        },
    ),
    case(
        "certificate",
        "get",
        lambda c: f"/training/records/{_record(c).pk}/certificate/",
        OFFICE_READ | {"team_member"},
        hidden=hidden(OFFICE_READ | {"team_member"}),
    ),
    case(
        "records_xlsx",
        "get",
        lambda c: f"/training/records.xlsx?q={_record(c).course}",
        OFFICE_READ | PLANNERS,  # the office roles of every office (each sees its own)
        denied={403},
    ),
    case(
        "inspection_appraisals",
        "get",
        lambda c: f"/training/inspections/{c.inspections['a'].pk}/",
        OFFICE_READ | {"team_leader"},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
    ),
    case(
        "appraise_leader_form",
        "get",
        lambda c: f"/training/members/{_member_pk(c)}/leader/",
        {"team_leader"},
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
    ),
    case(
        "appraise_leader",
        "post",
        lambda c: f"/training/members/{_member_pk(c)}/leader/",
        {"team_leader"},
        ok=302,
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
        data=lambda c: score_form(c, finalise="1"),
    ),
    case(
        "appraise_office_form",
        "get",
        lambda c: f"/training/members/{_member_pk(c)}/office/",
        OFFICE_WRITE,
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
    ),
    case(
        "appraise_office",
        "post",
        lambda c: f"/training/members/{_member_pk(c)}/office/",
        OFFICE_WRITE,
        ok=302,
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
        data=lambda c: score_form(c, finalise="1"),
    ),
    case(
        "correct_form",
        "get",
        lambda c: f"/training/appraisals/{_final(c).pk}/correct/",
        OFFICE_WRITE,
        denied={403},
        hidden=hidden(OFFICE_READ),
    ),
    case(
        "correct",
        "post",
        lambda c: f"/training/appraisals/{_final(c).pk}/correct/",
        OFFICE_WRITE,
        ok=302,
        denied={403},
        hidden=hidden(OFFICE_READ),
        data=lambda c: score_form(c, reason="补记发现问题情况"),
    ),
    case("settings_form", "get", lambda c: "/training/settings/", {"office_admin"}, denied={403}),
    case(
        "settings",
        "post",
        lambda c: "/training/settings/",
        {"office_admin"},
        ok=302,
        denied={403},
        data=lambda c: {"show_own": "on", "indicators": "政治素质 50\n业务能力 50"},
    ),
    # --- API --------------------------------------------------------------------------
    case(
        "api_records",
        "get",
        lambda c: "/api/v1/training/records",
        EVERYONE,
        schema_path="/api/v1/training/records",
    ),
    case(
        "api_records_xlsx",
        "get",
        lambda c: "/api/v1/training/records.xlsx",
        OFFICE_READ | PLANNERS,
        denied={403},
        api=True,
    ),
    case(
        "api_certificate_download",
        "get",
        lambda c: f"/api/v1/training/records/{_record(c).pk}/certificate",
        OFFICE_READ | {"team_member"},  # the page's readers: the office and the inspector
        hidden=hidden(OFFICE_READ | {"team_member"}),
        api=True,
    ),
    case(
        "api_certificate_upload",
        "post",
        lambda c: f"/api/v1/training/records/{training(c).pk}/certificate",
        OFFICE_WRITE,
        data=lambda c: {"certificate": _pdf()},
        hidden=hidden(OFFICE_WRITE),  # readers who do not change it (leader group, inspector)
        schema_path="/api/v1/training/records/{record_id}/certificate",
    ),
    case(
        "api_record_create",
        "post",
        lambda c: "/api/v1/training/records",
        OFFICE_WRITE,
        ok=201,
        hidden={"county_staff", "county_b_staff"},
        data=lambda c: {
            "inspector_id": member_of(c, "team_member").inspector_id,
            "course": "巡察业务培训",
            "organiser": "市委巡察办",
            "start": "2026-04-01",
            "end": "2026-04-02",
            "hours": 16,
        },
        schema_path="/api/v1/training/records",
    ),
    case(
        "api_indicators",
        "get",
        lambda c: "/api/v1/training/indicators",
        PLANNERS,
        schema_path="/api/v1/training/indicators",
    ),
    case(
        "api_appraisals",
        "get",
        lambda c: "/api/v1/training/appraisals",
        EVERYONE,
        schema_path="/api/v1/training/appraisals",
    ),
    case(
        "api_appraisal",
        "get",
        lambda c: f"/api/v1/training/appraisals/{_final(c).pk}",
        OFFICE_READ,
        hidden=hidden(OFFICE_READ),
        schema_path="/api/v1/training/appraisals/{appraisal_id}",
    ),
    case(
        "api_appraise_leader",
        "post",
        lambda c: "/api/v1/training/appraisals",
        {"team_leader"},
        ok=201,
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
        data=lambda c: {
            "member_id": _member_pk(c),
            "source": "leader",
            "rating": "excellent",
            "scores": _api_scores(c),
        },
        schema_path="/api/v1/training/appraisals",
    ),
    case(
        "api_appraise_office",
        "post",
        lambda c: "/api/v1/training/appraisals",
        OFFICE_WRITE,
        ok=201,
        denied={403},
        hidden=hidden(OFFICE_READ | {"team_leader"}),
        data=lambda c: {
            "member_id": _member_pk(c),
            "source": "office",
            "rating": "competent",
            "scores": _api_scores(c),
            "finalise": True,
        },
        schema_path="/api/v1/training/appraisals",
    ),
    case(
        "api_finalise",
        "post",
        lambda c: f"/api/v1/training/appraisals/{_draft(c).pk}/finalise",
        OFFICE_WRITE,
        denied={403},
        hidden=hidden(OFFICE_READ),
        schema_path="/api/v1/training/appraisals/{appraisal_id}/finalise",
    ),
    case(
        "api_correct",
        "post",
        lambda c: f"/api/v1/training/appraisals/{_final(c).pk}/correct",
        OFFICE_WRITE,
        ok=201,
        denied={403},
        hidden=hidden(OFFICE_READ),
        data=lambda c: {**CORRECTION, "scores": _api_scores(c)},
        schema_path="/api/v1/training/appraisals/{appraisal_id}/correct",
    ),
    case(
        "api_inspector_history",
        "get",
        lambda c: f"/api/v1/training/inspectors/{member_of(c, 'team_member').inspector_id}/history",
        OFFICE_READ | {"team_member"},
        hidden=hidden(OFFICE_READ | {"team_member"}),
        schema_path="/api/v1/training/inspectors/{inspector_id}/history",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(cast, case):
    check_all(case, cast)
