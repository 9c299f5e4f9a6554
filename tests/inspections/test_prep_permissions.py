"""进驻准备: the permission matrix of every page and API operation, and who reads filed plans."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.cast import client_for, make_user
from tests.inspections.conftest import set_stage
from tests.matrix import EVERYONE, case, check_all
from xuncha.inspections import prep
from xuncha.inspections.prep_models import ReplacementRequest, SecrecyPledge, WorkPlan
from xuncha.org.models import Role
from xuncha.plans.models import Declaration, Inspection, Inspector, Team, TeamMember

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate

# Inspection a: its team, the city office, the leading group (and the system administrator).
VIEWERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "team_leader",
    "team_member",
}
OUTSIDE = set(EVERYONE) - VIEWERS
EDITORS = {"sysadmin", "office_admin", "office_staff", "team_leader"}
OFFICE = {"sysadmin", "office_admin", "office_staff"}


@pytest.fixture
def world(cast):
    inspection = cast.inspections["a"]
    set_stage(inspection, Inspection.Stage.PREPARATION)
    start = TODAY() + timedelta(days=2)
    Inspection.objects.filter(pk=inspection.pk).update(start=start, end=start + timedelta(days=60))
    inspection.refresh_from_db()
    plan = prep.work_plan_save(
        inspection=inspection, data=prep.work_plan_initial(inspection), actor=cast.office_staff
    )
    members = {
        m.inspector.user.username: m
        for m in TeamMember.objects.filter(team__inspection=inspection).select_related(
            "inspector__user"
        )
    }
    for m in members.values():
        Declaration.objects.create(member=m, submitted_at=timezone.now())
    pledge = prep.pledge_sign(
        member=members["team_leader"],
        signature="何组长",
        signed_on=TODAY(),
        actor=cast.team_leader,
    )
    req = prep.replacement_request_create(
        inspection=inspection,
        member=members["team_member"],
        reason="该同志曾在我局工作。",
        actor=cast.unit_liaison,
    )
    cast.world = {
        "i": inspection.pk,
        "plan": plan.pk,
        "member": members["team_member"].pk,
        "leader": members["team_leader"].pk,
        "decl": members["team_member"].declaration.pk,
        "pledge": pledge.pk,
        "req": req.pk,
    }
    return cast


def w(key):
    return lambda c: c.world[key]


API = "/api/v1/inspections"
CASES = [
    # Pages
    case(
        "prep_page", "get", lambda c: f"/inspections/{c.world['i']}/prep/", VIEWERS, hidden=OUTSIDE
    ),
    case(
        "work_plan_edit",
        "get",
        lambda c: f"/inspections/{c.world['i']}/prep/work-plan/",
        EDITORS,
        hidden=OUTSIDE,
    ),
    case(
        "work_plan_edit_post",
        "post",
        lambda c: f"/inspections/{c.world['i']}/prep/work-plan/",
        EDITORS,
        ok=302,
        hidden=OUTSIDE,
        data=lambda c: {
            "targets": "江州市交通运输局党组",
            "focus": "四个落实",
            "division": "组长何组长",
            "schedule": "两个月",
            "channels": "电话、信箱",
        },
    ),
    case(
        "work_plan_docx",
        "get",
        lambda c: f"/inspections/work-plans/{c.world['plan']}/plan.docx",
        VIEWERS,
        hidden=OUTSIDE,
    ),
    case(
        "work_plan_action",
        "post",
        lambda c: f"/inspections/work-plans/{c.world['plan']}/do/submit/",
        VIEWERS,  # redirected back; the service refuses whoever may not (checked below)
        ok=302,
        hidden=OUTSIDE,
    ),
    case("work_plan_list", "get", lambda c: "/inspections/work-plans/", EVERYONE),
    case(
        "pledge_sign_form",
        "get",
        lambda c: f"/inspections/{c.world['i']}/prep/pledges/{c.world['member']}/sign/",
        OFFICE | {"team_member"},
        hidden=OUTSIDE,
    ),
    case(
        "pledge_docx",
        "get",
        lambda c: f"/inspections/pledges/{c.world['pledge']}/pledge.docx",
        VIEWERS,
        hidden=OUTSIDE,
    ),
    case(
        "declaration_check",
        "post",
        lambda c: f"/inspections/declarations/{c.world['decl']}/check/",
        # Declarations are read by their author and the plan roles of the office.
        {"sysadmin", "office_admin", "office_staff", "leading_group", "team_member"},
        ok=302,
        hidden=OUTSIDE | {"team_leader"},
    ),
    case(
        "branch_edit",
        "get",
        lambda c: f"/inspections/{c.world['i']}/prep/branch/",
        EDITORS,
        hidden=OUTSIDE,
    ),
    case(
        "replacement_list",
        "get",
        lambda c: "/inspections/replacements/",
        {"unit_liaison", "sysadmin"},
        denied={403},
    ),
    case(
        "replacement_create",
        "get",
        lambda c: f"/inspections/{c.world['i']}/replacements/new/",
        {"unit_liaison", "sysadmin"},
        hidden=set(EVERYONE) - {"unit_liaison", "sysadmin"},
    ),
    case(
        "replacement_decide",
        "post",
        lambda c: f"/inspections/replacements/{c.world['req']}/decide/",
        OFFICE,
        ok=302,
        hidden=set(EVERYONE) - OFFICE,
        data=lambda c: {"grant": "0", "decision": "不存在回避情形。"},
    ),
    # API
    case(
        "api_prep_status",
        "get",
        lambda c: f"{API}/{c.world['i']}/prep",
        VIEWERS,
        hidden=OUTSIDE,
        schema_path="/api/v1/inspections/{pk}/prep",
    ),
    case(
        "api_work_plans",
        "get",
        lambda c: f"{API}/work-plans",
        EVERYONE,
        schema_path="/api/v1/inspections/work-plans",
    ),
    case(
        "api_work_plan_save",
        "put",
        lambda c: f"{API}/{c.world['i']}/work-plan",
        EDITORS,
        denied={400},
        hidden=OUTSIDE,
        data=lambda c: {
            "targets": "江州市交通运输局党组",
            "focus": "四个落实",
            "division": "组长何组长",
            "schedule": "两个月",
            "channels": "电话、信箱",
        },
        schema_path="/api/v1/inspections/{pk}/work-plan",
    ),
    case(
        "api_work_plan_submit",
        "post",
        lambda c: f"{API}/work-plans/{c.world['plan']}/steps",
        EDITORS,
        denied={400},
        hidden=OUTSIDE,
        data=lambda c: {"action": "submit"},
        schema_path="/api/v1/inspections/work-plans/{plan_id}/steps",
    ),
    case(
        "api_pledge_sign",
        "post",
        lambda c: f"{API}/{c.world['i']}/pledges",
        OFFICE | {"team_member"},
        denied={400},
        hidden=OUTSIDE,
        data=lambda c: {
            "member_id": c.world["member"],
            "signature": "吕组员",
            "signed_on": str(TODAY()),
        },
        schema_path="/api/v1/inspections/{pk}/pledges",
    ),
    case(
        "api_declaration_check",
        "post",
        lambda c: f"{API}/declarations/{c.world['decl']}/check",
        OFFICE,
        denied={400},
        hidden=OUTSIDE | {"team_leader"},
        schema_path="/api/v1/inspections/declarations/{declaration_id}/check",
    ),
    case(
        "api_replacement_create",
        "post",
        lambda c: f"{API}/{c.world['i']}/replacement-requests",
        {"unit_liaison"},
        denied={400},
        hidden=set(EVERYONE) - {"unit_liaison", "sysadmin"},
        data=lambda c: {"member_id": c.world["leader"], "reason": "组长曾在我局任职。"},
        schema_path="/api/v1/inspections/{pk}/replacement-requests",
    ),
    case(
        "api_replacement_decide",
        "post",
        lambda c: f"{API}/replacement-requests/{c.world['req']}/decision",
        OFFICE,
        hidden=set(EVERYONE) - OFFICE,
        data=lambda c: {"grant": False, "decision": "不存在回避情形。"},
        schema_path="/api/v1/inspections/replacement-requests/{request_id}/decision",
    ),
    case(
        "api_branch",
        "put",
        lambda c: f"{API}/{c.world['i']}/branch",
        EDITORS,
        denied={400},
        hidden=OUTSIDE,
        data=lambda c: {
            "name": "第一巡察组临时党支部",
            "secretary_member_id": c.world["leader"],
            "established_on": str(TODAY()),
        },
        schema_path="/api/v1/inspections/{pk}/branch",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)


def test_refused_page_posts_change_nothing(world):
    """Page posts redirect back with the service's message; the record is unchanged."""
    c = world
    for user in ["team_member", "leading_group"]:
        response = client_for(c.users[user]).post(
            f"/inspections/work-plans/{c.world['plan']}/do/submit/", follow=True
        )
        assert "只有" in response.content.decode()
        assert WorkPlan.objects.get().state == WorkPlan.State.DRAFT
    response = client_for(c.team_member).post(
        f"/inspections/declarations/{c.world['decl']}/check/", follow=True
    )
    assert "只有巡察办" in response.content.decode()
    assert Declaration.objects.get(pk=c.world["decl"]).checked_at is None
    # The leader may not sign the member's pledge for them.
    response = client_for(c.team_leader).post(
        f"/inspections/{c.world['i']}/prep/pledges/{c.world['member']}/sign/",
        {"signature": "吕组员", "signed_on": str(TODAY())},
    )
    assert response.status_code == 403
    assert SecrecyPledge.objects.count() == 1
    assert ReplacementRequest.objects.get().state == "pending"


def _county_plan(cast, office, staff, name):
    lg = make_user(f"lg_{office.pk}", office=office, roles=[Role.LEADING_GROUP])
    inspection = Inspection.objects.create(
        office=office,
        round=cast.round,
        start=TODAY() + timedelta(days=3),
        end=TODAY() + timedelta(days=40),
        stage=Inspection.Stage.PREPARATION,
    )
    inspection.units.add(cast.units["township_a" if office == cast.county_a else "township_b"])
    team = Team.objects.create(inspection=inspection, name=name)
    inspector = Inspector.objects.create(office=office, name=f"{name}组长")
    TeamMember.objects.create(team=team, inspector=inspector, role="leader")
    plan = prep.work_plan_save(
        inspection=inspection, data=prep.work_plan_initial(inspection), actor=staff
    )
    prep.work_plan_submit(plan=plan, actor=staff)
    prep.work_plan_approve(plan=plan, approved_on=TODAY(), actor=lg)
    return plan


def test_the_city_reads_filed_county_plans_and_counties_do_not_read_each_other(cast):
    plan = _county_plan(cast, cast.county_a, cast.county_staff, "临川县委第一巡察组")
    url = f"/inspections/work-plans/{plan.pk}/plan.docx"
    api = "/api/v1/inspections/work-plans"

    def ids(user):
        return [p["id"] for p in client_for(user).get(api).json()]

    # Approved but not filed: the county only.
    assert ids(cast.county_staff) == [plan.pk]
    assert ids(cast.office_staff) == [] and ids(cast.county_b_staff) == []
    assert client_for(cast.office_staff).get(url).status_code == 404
    prep.work_plan_file(plan=plan, actor=cast.county_staff)
    # Filed: the city office (and its leading group) reads it; county B still does not.
    for user in [cast.office_staff, cast.office_admin, cast.leading_group]:
        assert ids(user) == [plan.pk]
        assert client_for(user).get(url).status_code == 200
    assert ids(cast.county_b_staff) == []
    assert client_for(cast.county_b_staff).get(url).status_code == 404
    page = client_for(cast.office_staff).get("/inspections/work-plans/").content.decode()
    assert "临川县委第一巡察组" in page and "已报备" in page
    # Reading is not acting: the city may not change the county's plan.
    response = client_for(cast.office_staff).post(
        f"{api}/{plan.pk}/steps", {"action": "submit"}, content_type="application/json"
    )
    assert response.status_code == 400 and "只有" in response.json()["detail"]
    # A county B plan, filed, is seen by the city but not by county A.
    other = _county_plan(cast, cast.county_b, cast.county_b_staff, "安平区委第一巡察组")
    prep.work_plan_file(plan=other, actor=cast.county_b_staff)
    assert sorted(ids(cast.office_staff)) == sorted([plan.pk, other.pk])
    assert ids(cast.county_staff) == [plan.pk]


def test_the_liaison_files_a_request_for_its_own_inspection_only(world):
    c = world
    client = client_for(c.unit_liaison)
    page = client.get("/inspections/replacements/").content.decode()
    assert "第一巡察组" in page and "第二巡察组" not in page
    assert "申请更换" in page and "吕组员" in page
    # Inspection b inspects another unit: the liaison cannot reach it.
    b = c.inspections["b"]
    set_stage(b, Inspection.Stage.PREPARATION)
    assert client.get(f"/inspections/{b.pk}/replacements/new/").status_code == 404
    member_b = TeamMember.objects.get(team__inspection=b)
    response = client.post(
        f"/api/v1/inspections/{b.pk}/replacement-requests",
        {"member_id": member_b.pk, "reason": "理由"},
        content_type="application/json",
    )
    assert response.status_code == 404
    # Its own inspection, through the page.
    response = client.post(
        f"/inspections/{c.world['i']}/replacements/new/",
        {"member": c.world["leader"], "reason": "组长曾任我局副局长。"},
    )
    assert response.status_code == 302
    assert ReplacementRequest.objects.filter(member_name="何组长", state="pending").exists()
    # It never sees the fieldwork.
    assert client.get(f"/inspections/{c.world['i']}/prep/").status_code == 404
    assert client.get(f"/inspections/{c.world['i']}/").status_code == 404
