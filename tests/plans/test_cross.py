"""交叉巡察 and 提级巡察: the city composes a team from county A's pool to inspect county B's
units; the team reads exactly that inspection's records of county B (property over the cast);
coverage is credited to the inspected county's term and shown to the city; bad input is
refused in Chinese with nothing saved; the permission matrix of the pages and operations."""

import json
from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import client_for, make_user
from tests.matrix import EVERYONE, case, check_all
from tests.reports.fieldwork import make_activity, make_problem
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections.models import Activity, Problem, WorkingPaper
from xuncha.org import access
from xuncha.org.models import Office, Unit
from xuncha.petitions.models import Submission
from xuncha.plans import coverage, services
from xuncha.plans.models import (
    AnnualPlan,
    Inspection,
    Inspector,
    PlanSettings,
    Round,
    Team,
    TeamMember,
    Term,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
REASON = "市委巡察工作领导小组研究决定增加交叉巡察、提级巡察"  # the cast's plan is approved
# Cast users with no office role in the city or county B and no inspector record yet:
# the property draws cross-team members from them (county_staff is county A's own staff).
CANDIDATES = ["county_staff", "outsider", "unit_liaison", "handover_recipient"]


def _county_round(cast, office, year=2025):
    term = Term.objects.create(
        office=office, name="第十五届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    plan = AnnualPlan.objects.create(term=term, year=year, state=AnnualPlan.State.APPROVED)
    rnd = Round.objects.create(plan=plan, number=1, start=date(year, 4, 1), end=date(year, 6, 30))
    return term, rnd


def _own_inspection(rnd, office, unit, stage=Inspection.Stage.INVESTIGATION):
    insp = Inspection.objects.create(
        office=office, round=rnd, start=rnd.start, end=rnd.end, stage=stage
    )
    insp.units.set([unit])
    team = Team.objects.create(inspection=insp, name="第一巡察组")
    person = Inspector.objects.create(office=office, name=f"{office.region}组长")
    TeamMember.objects.create(team=team, inspector=person, role="leader")
    return insp


def _cross(cast, *, members=(), stage=Inspection.Stage.INVESTIGATION):
    """The city's cross inspection of 安平区东湖街道 by a team from 临川县's pool."""
    insp = services.inspection_create(
        round=cast.round,
        kind="cross",
        units=[cast.units["township_b"]],
        team_office=cast.county_a,
        start=date(2026, 3, 9),
        end=date(2026, 5, 8),
        reason=REASON,
        actor=cast.office_staff,
    )
    leader_user = make_user("cross_leader", office=cast.county_a, full_name="临川组长")
    leader = Inspector.objects.create(office=cast.county_a, user=leader_user, name="临川组长")
    rows = [(leader.pk, "leader")]
    for username in members:
        person = Inspector.objects.create(
            office=cast.county_a, user=cast.users[username], name=cast.users[username].full_name
        )
        rows.append((person.pk, "member"))
    services.team_compose(inspection=insp, members=rows, actor=cast.office_staff)
    Inspection.objects.filter(pk=insp.pk).update(stage=stage)
    insp.refresh_from_db()
    cast.users["cross_leader"] = leader_user
    return insp


@pytest.fixture
def world(cast):
    """Five inspections touching both counties: the cross one, county B's own two, the city's two."""
    b_term, b_round = _county_round(cast, cast.county_b)
    b_unit = Unit.objects.create(name="安平区财政局", office=cast.county_b, district="安平区")
    cast.units["b_unit"] = b_unit
    cross = _cross(cast)
    cast.b_term = b_term
    cast.inspections.update(
        cross=cross,
        b_own=_own_inspection(b_round, cast.county_b, cast.units["township_b"]),
        b_other=_own_inspection(b_round, cast.county_b, b_unit),
    )
    # Every candidate gets a record in 临川县's pool; the property seats some of them.
    cast.pool = {
        u: Inspector.objects.create(
            office=cast.county_a, user=cast.users[u], name=cast.users[u].full_name
        )
        for u in CANDIDATES
    }
    return cast


# --- the access rule, property-based over the cast ------------------------------------------


def _expected(cast, username, seated) -> set[str]:
    """Which inspections' fieldwork a cast user reads: the oracle, written from the rules."""
    if username == "sysadmin":
        return {"a", "b", "cross", "b_own", "b_other"}
    if username in {"office_admin", "office_staff", "leading_group"}:
        return {"a", "b", "cross"}  # the city's own; never county B's confidential records
    if username == "county_b_staff":
        return {"b_own", "b_other"}  # its own; the city's cross inspection is not its fieldwork
    if username in {"team_leader", "team_member"}:
        return {"a"}
    if username == "other_member":
        return {"b"}
    if username == "cross_leader" or username in seated:
        return {"cross"}
    return set()


def _make(kind, cast, key, n):
    insp = cast.inspections[key]
    if kind == "activity":
        return make_activity(insp, cast.office_staff, title=f"谈话{n}")
    if kind == "problem":
        return make_problem(insp, "B4", f"{key}-{n}", user=cast.office_staff, in_feedback=False)
    return Submission.objects.create(
        office=insp.office,
        inspection=insp,
        channel="letter",
        category="other",
        key_id="k",
        wrapped_key=b"x",
        content_sealed=b"x",
        received_on=date(2026, 3, 10),
    )


KEYS = ["a", "b", "cross", "b_own", "b_other"]


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seated=st.sets(st.sampled_from(CANDIDATES), max_size=len(CANDIDATES)),
    records=st.lists(
        st.tuples(st.sampled_from(["activity", "problem", "submission"]), st.sampled_from(KEYS)),
        min_size=1,
        max_size=8,
    ),
)
def test_cross_team_reads_exactly_the_inspected_units_records(world, seated, records):
    cast = world
    cross = cast.inspections["cross"]
    for model in (Activity, WorkingPaper, Problem, Submission):
        model.objects.all().delete()
    members = [(Inspector.objects.get(user=cast.cross_leader).pk, "leader")]
    members += [(cast.pool[u].pk, "member") for u in sorted(seated)]
    services.team_compose(inspection=cross, members=members, actor=cast.office_admin)
    made = [(key, kind, _make(kind, cast, key, n)) for n, (kind, key) in enumerate(records)]
    b_units = set(Unit.objects.filter(office=cast.county_b).values_list("pk", flat=True))
    for username in [*cast.users]:
        user = cast.users[username]
        if hasattr(user, "_team_member_cache"):
            del user._team_member_cache
        keys = _expected(cast, username, seated)
        for model, kind in [
            (Activity, "activity"),
            (Problem, "problem"),
            (Submission, "submission"),
        ]:
            want = {obj.pk for key, k, obj in made if k == kind and key in keys}
            if kind == "submission" and username == "sysadmin":
                want = set()  # the system administrator never reads 来信来访
            if kind == "submission" and username == "leading_group":
                want = set()  # nor the leading group (statistics only)
            got = set(access.visible(model.objects.all(), user).values_list("pk", flat=True))
            assert got == want, (username, kind, sorted(seated))
        papers = set(access.visible(WorkingPaper.objects.all(), user).values_list("pk", flat=True))
        assert papers == {o.paper.pk for key, k, o in made if k == "problem" and key in keys}
        insp = set(access.visible(Inspection.objects.all(), user).values_list("pk", flat=True))
        assert (cross.pk in insp) == ("cross" in keys), username
        assert (cast.inspections["b_own"].pk in insp) == ("b_own" in keys), username
        if username == "cross_leader" or username in seated:
            # Of county B's units the team sees the one it inspects, no other.
            seen = set(access.visible(Unit.objects.all(), user).values_list("pk", flat=True))
            assert seen & b_units == {cast.units["township_b"].pk}, username


def test_cross_member_pages_reach_the_inspection_and_nothing_else_of_county_b(world):
    cast = world
    cross, b_own = cast.inspections["cross"], cast.inspections["b_own"]
    mine = make_activity(cross, cast.cross_leader, title="与街道书记谈话")
    theirs = make_activity(b_own, cast.county_b_staff, title="安平区自己的谈话")
    leader = client_for(cast.cross_leader)
    r = leader.get(reverse("inspections:workspace", args=[cross.pk]))
    assert r.status_code == 200 and "与街道书记谈话" in r.text
    assert leader.get(reverse("inspections:activity_detail", args=[mine.pk])).status_code == 200
    for url in [
        reverse("inspections:workspace", args=[b_own.pk]),
        reverse("inspections:workspace", args=[cast.inspections["b_other"].pk]),
        reverse("inspections:activity_detail", args=[theirs.pk]),
    ]:
        assert leader.get(url).status_code == 404, url
    listed = leader.get(reverse("inspections:inspection_list")).text
    assert "东湖街道" in listed and "安平区财政局" not in listed
    # County B's office sees the cross inspection on its own coverage page, not its workspace.
    b_staff = client_for(cast.county_b_staff)
    assert b_staff.get(reverse("inspections:workspace", args=[cross.pk])).status_code == 404
    page = b_staff.get(reverse("plans:coverage") + f"?term={cast.b_term.pk}").text
    assert "交叉巡察：临川县巡察组 → 安平区" in page and "与街道书记谈话" not in page


# --- coverage credited to the inspected county ------------------------------------------------


def test_cross_and_escalated_inspections_credited_to_the_county_term(
    cast, django_assert_max_num_queries
):
    b_term, _ = _county_round(cast, cast.county_b)
    a_term, _ = _county_round(cast, cast.county_a)
    Unit.objects.create(name="安平区财政局", office=cast.county_b, district="安平区")
    cross = _cross(cast, stage=Inspection.Stage.PREPARATION)
    # Planned but not stationed: listed as credited, not yet counted.
    before = coverage.compute(b_term, AS_OF)
    assert before.total.covered == 0 and before.total.planned == 1
    [row] = before.credited
    assert row["direction"] == "交叉巡察：临川县巡察组 → 安平区"
    assert row["counted"] is False and "尚未进驻" in row["note"]
    Inspection.objects.filter(pk=cross.pk).update(stage=Inspection.Stage.STATIONING)
    with django_assert_max_num_queries(11):
        after = coverage.compute(b_term, AS_OF)
    assert (after.total.covered, after.total.due) == (1, 2)
    assert after.credited[0]["counted"] is True and after.credited[0]["note"] == "已计入本届覆盖"
    assert after.credited[0]["units"] == ["安平区东湖街道"]
    # 提级巡察 of 临川县's township by the city: credited to 临川县's term the same way.
    escalated = services.inspection_create(
        round=cast.round,
        kind="escalated",
        units=[cast.units["village_a"]],
        start=date(2026, 3, 9),
        end=date(2026, 4, 10),
        reason=REASON,
        actor=cast.office_staff,
    )
    Inspection.objects.filter(pk=escalated.pk).update(stage=Inspection.Stage.INVESTIGATION)
    a_cov = coverage.compute(a_term, AS_OF)
    # (the cast's city inspection "b" of the same county's township is listed too)
    directions = {r["inspection_id"]: r["direction"] for r in a_cov.credited}
    assert directions[escalated.pk] == "提级巡察：江州市委巡察办 → 临川县"
    assert directions[cast.inspections["b"].pk] == "常规巡察"
    assert cast.units["village_a"].pk not in {u["id"] for u in a_cov.uncovered}
    # The city's own coverage does not count them (not its units) but lists both, credited.
    city = coverage.compute(cast.term, AS_OF)
    organised = {r["inspection_id"]: r for r in city.organised}
    assert organised[cross.pk]["credited_to"] == ["安平区委巡察办"]
    assert organised[escalated.pk]["credited_to"] == ["临川县委巡察办"]
    assert city.total.due == 3  # the city's three units only
    # The county's own counting kinds decide: without 交叉巡察 it is listed, not counted.
    PlanSettings.objects.create(office=cast.county_b, coverage_kinds=["regular"])
    off = coverage.compute(b_term, AS_OF)
    assert off.total.covered == 0 and off.credited[0]["counted"] is False
    assert "不在本机构计入覆盖" in off.credited[0]["note"]
    # The API carries the same lists.
    data = client_for(cast.county_b_staff).get(
        f"/api/v1/plans/terms/{b_term.pk}/coverage?as_of=2026-06-30"
    )
    assert data.json()["credited"][0]["direction"] == "交叉巡察：临川县巡察组 → 安平区"


# --- bad input: clear Chinese errors, nothing saved ---------------------------------------------


def _elsewhere():
    """Another city with a county and a unit: outside 江州's tree."""
    other = Office.objects.create(name="青州市委巡察办", level=Office.Level.CITY, region="青州市")
    county = Office.objects.create(
        name="青阳县委巡察办", level=Office.Level.COUNTY, parent=other, region="青阳县"
    )
    unit = Unit.objects.create(name="青阳县白沙镇", kind="township", office=county)
    return county, unit


@pytest.mark.parametrize(
    ("kind", "units", "source", "message"),
    [
        ("cross", "elsewhere", "county_a", "不在江州市委巡察办下级县\\(区\\)的范围内"),
        ("cross", "township_b", "elsewhere", "巡察组来源须为江州市委巡察办的下级巡察机构"),
        ("cross", "township_b", None, "交叉巡察须选择巡察组来源"),
        ("cross", "township_b", "county_b", "与巡察组来源同属一个县\\(区\\)"),
        ("cross", "bureau", "county_a", "江州市交通运输局由江州市委巡察办管理"),
        ("cross", "both", "county_a", "一次交叉巡察只安排一个县\\(区\\)的单位"),
        ("escalated", "bureau", None, "提级巡察的对象应是下级县\\(区\\)管理的单位"),
        ("escalated", "elsewhere", None, "青阳县白沙镇由青阳县委巡察办管理"),
        ("regular", "discipline", "county_a", "只有交叉巡察需要选择巡察组来源"),
    ],
)
def test_bad_assignments_refused_in_chinese(cast, kind, units, source, message):
    county, far_unit = _elsewhere()
    pick = {
        "elsewhere": [far_unit],
        "both": [cast.units["township_b"], cast.units["township_a"]],
    }.get(units) or [cast.units[units]]
    team_office = county if source == "elsewhere" else getattr(cast, source) if source else None
    counts = (Inspection.objects.count(), AuditEntry.objects.count())
    with pytest.raises(DomainError, match=message):
        services.inspection_create(
            round=cast.round,
            kind=kind,
            units=pick,
            team_office=team_office,
            actor=cast.office_staff,
        )
    assert (Inspection.objects.count(), AuditEntry.objects.count()) == counts


def test_team_member_from_the_inspected_county_refused(cast):
    cross = _cross(cast, stage=Inspection.Stage.PREPARATION)
    leader = cross.team.members.get().inspector
    b_person = Inspector.objects.create(office=cast.county_b, name="安平干部")
    city_person = Inspector.objects.create(office=cast.city, name="市办干部")
    before = AuditEntry.objects.count()
    for person in (b_person, city_person):
        with pytest.raises(
            DomainError, match=f"{person.name}不在交叉巡察组来源临川县委巡察办的巡察干部库中"
        ):
            services.team_compose(
                inspection=cross,
                members=[(leader.pk, "leader"), (person.pk, "member")],
                actor=cast.office_admin,
            )
    assert list(cross.team.members.values_list("inspector", flat=True)) == [leader.pk]
    assert AuditEntry.objects.count() == before
    # Not offered either: the suggestions and the page's pool are 临川县's people only.
    page = client_for(cast.office_staff).get(reverse("plans:team_compose", args=[cross.pk])).text
    assert "交叉巡察：临川县巡察组 → 安平区" in page
    assert "安平干部" not in page and "市办干部" not in page
    # The API answers the same refusal as JSON, in Chinese.
    r = client_for(cast.office_staff).put(
        f"/api/v1/plans/inspections/{cross.pk}/team",
        json.dumps(
            {
                "members": [
                    {"inspector_id": leader.pk, "role": "leader"},
                    {"inspector_id": b_person.pk, "role": "member"},
                ]
            }
        ),
        content_type="application/json",
    )
    assert r.status_code == 400 and "安平干部不在交叉巡察组来源" in r.json()["detail"]


def test_changing_the_source_county_keeps_the_team_in_its_pool(cast):
    cross = _cross(cast, stage=Inspection.Stage.PREPARATION)
    c_office = Office.objects.create(
        name="宁远县委巡察办", level=Office.Level.COUNTY, parent=cast.city, region="宁远县"
    )
    with pytest.raises(DomainError, match="临川组长不在调整后的巡察组来源干部库中"):
        services.inspection_update(
            inspection=cross,
            kind="cross",
            units=[cast.units["township_b"]],
            team_office=c_office,
            start=cross.start,
            end=cross.end,
            reason=REASON,
            actor=cast.office_staff,
        )
    cross.refresh_from_db()
    assert cross.team_office == cast.county_a


def test_assign_page_and_api_create_a_cross_inspection(cast):
    client = client_for(cast.office_staff)
    url = reverse("plans:assign", args=[cast.round.pk])
    page = client.get(url).text
    assert "交叉巡察组来源" in page and "临川县委巡察办" in page
    data = {
        "kind": "cross",
        "units": [cast.units["township_b"].pk],
        "start": "2026-03-09",
        "reason": REASON,
    }
    r = client.post(url, {**data, "end": "2026-05-08"})
    assert r.status_code == 200 and "交叉巡察须选择巡察组来源" in r.text
    assert not Inspection.objects.filter(kind="cross").exists()
    r = client.post(url, {**data, "end": "2026-05-08", "team_office": cast.county_a.pk})
    insp = Inspection.objects.get(kind="cross")
    assert r.status_code == 302 and insp.team_office == cast.county_a
    plan = client.get(reverse("plans:plan_detail", args=[cast.plan.pk])).text
    assert "交叉巡察：临川县巡察组 → 安平区" in plan
    api = f"/api/v1/plans/rounds/{cast.round.pk}/inspections"
    body = {
        "kind": "cross",
        "unit_ids": [cast.units["township_b"].pk],
        "team_office_id": 999999,
        "reason": REASON,
    }
    r = client.post(api, json.dumps(body), content_type="application/json")
    assert (
        r.status_code == 400 and "巡察组来源须为江州市委巡察办的下级巡察机构" in r.json()["detail"]
    )
    body.update(team_office_id=cast.county_a.pk, start="2026-05-11", end="2026-05-29")
    r = client.post(api, json.dumps(body), content_type="application/json")
    assert r.status_code == 201
    assert r.json()["direction"] == "交叉巡察：临川县巡察组 → 安平区"


# --- permission matrix ---------------------------------------------------------------------------


@pytest.fixture
def matrix_world(cast):
    b_term, _ = _county_round(cast, cast.county_b)
    cast.b_term = b_term
    cast.inspections["cross"] = _cross(cast, members=["county_staff"])
    return cast


OFFICE = {"office_admin", "office_staff", "sysadmin"}
CASES = [
    case(
        "cross_team_page",
        "get",
        lambda c: reverse("plans:team_compose", args=[c.inspections["cross"].pk]),
        OFFICE,
        hidden={"county_staff", "county_b_staff", "leading_group"},
    ),
    case(
        "cross_workspace",
        "get",
        lambda c: reverse("inspections:workspace", args=[c.inspections["cross"].pk]),
        OFFICE | {"leading_group", "county_staff"},
        hidden=EVERYONE - OFFICE - {"leading_group", "county_staff"},
    ),
    case(
        "cross_create_api",
        "post",
        lambda c: f"/api/v1/plans/rounds/{c.round.pk}/inspections",
        OFFICE,
        ok=201,
        hidden={"leading_group", "county_staff", "county_b_staff"},
        data=lambda c: {
            "kind": "cross",
            "unit_ids": [c.units["township_b"].pk],
            "team_office_id": c.county_a.pk,
            "start": "2026-05-11",
            "end": "2026-05-29",
            "reason": REASON,
        },
        schema_path="/api/v1/plans/rounds/{round_id}/inspections",
    ),
    case(
        "credited_coverage_page",
        "get",
        lambda c: reverse("plans:coverage") + f"?term={c.b_term.pk}",
        {"office_admin", "office_staff", "leading_group", "county_b_staff", "sysadmin"},
        hidden={"county_staff"},
    ),
    case(
        "credited_coverage_api",
        "get",
        lambda c: f"/api/v1/plans/terms/{c.b_term.pk}/coverage",
        {"office_admin", "office_staff", "leading_group", "county_b_staff", "sysadmin"},
        denied={404},
        api=True,
    ),
]


@pytest.mark.parametrize("one", CASES, ids=lambda c: c.name)
def test_cross_permissions(matrix_world, one):
    check_all(one, matrix_world)
