"""Study statistics computed two ways agree (the grouped queries of study/stats.py and a
plain-Python reference over the same random rows); the .xlsx export is watermarked and
formula-safe; one office's figures never include another's."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.cast import client_for
from xuncha.core.sheets import xlsx_watermark
from xuncha.org.models import User
from xuncha.study import services, stats
from xuncha.study.models import (
    Attendance,
    Reflection,
    SelfStudy,
    StudyBranch,
    StudyPlan,
    StudySession,
)

YEAR = 2025
PEOPLE = ["office_admin", "office_staff", "team_leader", "team_member", "other_member"]
STATUSES = [s.value for s in Attendance.Status]

day = st.builds(
    date, st.sampled_from([YEAR - 1, YEAR, YEAR, YEAR + 1]), st.integers(1, 12), st.integers(1, 28)
)
hours = st.integers(1, 16).map(lambda n: Decimal(n) / 2)
session = st.fixed_dictionaries(
    {
        "form": st.sampled_from(["centre", "branch", "exchange"]),
        "date": day,
        "hours": hours,
        "host": st.integers(0, len(PEOPLE) - 1),
        "attendance": st.dictionaries(
            st.integers(0, len(PEOPLE) - 1), st.sampled_from(STATUSES), max_size=len(PEOPLE)
        ),
        "reflections": st.sets(st.integers(0, len(PEOPLE) - 1), max_size=3),
    }
)
own = st.fixed_dictionaries(
    {
        "person": st.integers(0, len(PEOPLE) - 1),
        "date": day,
        "hours": hours,
        "reflect": st.booleans(),
    }
)
world = st.fixed_dictionaries(
    {
        "sessions": st.lists(session, max_size=8),
        "own": st.lists(own, max_size=6),
        "members": st.sets(st.integers(0, len(PEOPLE) - 1)),
    }
)


def _build(cast, w):
    people = [cast.users[u] for u in PEOPLE]
    branch = StudyBranch.objects.create(office=cast.city, name="第一支部")
    branch.members.set([people[i] for i in w["members"]])
    for s in w["sessions"]:
        row = StudySession.objects.create(
            office=cast.city,
            form=s["form"],
            date=s["date"],
            host=people[s["host"]],
            topic="学习",
            branch=branch if s["form"] == "branch" else None,
            hours=s["hours"],
            created_by=cast.office_staff,
        )
        for i, status in s["attendance"].items():
            Attendance.objects.create(session=row, person=people[i], status=status, reason="事由")
        for i in s["reflections"]:
            Reflection.objects.create(
                office=cast.city, author=people[i], session=row, title="体会", text="正文"
            )
    for o in w["own"]:
        row = SelfStudy.objects.create(
            office=cast.city,
            person=people[o["person"]],
            date=o["date"],
            material="党章",
            hours=o["hours"],
            created_by=people[o["person"]],
        )
        if o["reflect"]:
            Reflection.objects.create(
                office=cast.city, author=row.person, self_study=row, title="体会", text="正文"
            )
    # Another office's rows in the same year must never count.
    other = StudySession.objects.create(
        office=cast.county_a,
        form="centre",
        date=date(YEAR, 6, 1),
        host=cast.county_staff,
        topic="县学习",
        hours=Decimal("8"),
        created_by=cast.county_staff,
    )
    Attendance.objects.create(session=other, person=cast.team_member, status="present")
    return people, branch


def _reference(people, branch):
    """The figures by plain Python over every row (no grouping in SQL)."""
    out = {}
    for p in people:
        atts = [a for a in Attendance.objects.select_related("session") if a.person_id == p.pk]
        atts = [
            a
            for a in atts
            if a.session.office_id == p.office_id
            and a.session.date.year == YEAR
            and a.session.host_id != p.pk  # the host's own row does not count ...
        ]
        hosted = [  # ... hosting counts as attending, listed or not
            s
            for s in StudySession.objects.all()
            if s.host_id == p.pk and s.office_id == p.office_id and s.date.year == YEAR
        ]
        present = [a for a in atts if a.status == "present"]
        h = sum((a.session.hours for a in present), Decimal("0"))
        h += sum((s.hours for s in hosted), Decimal("0"))
        h += sum(
            (
                s.hours
                for s in SelfStudy.objects.all()
                if s.person_id == p.pk and s.date.year == YEAR
            ),
            Decimal("0"),
        )
        refl = 0
        for r in Reflection.objects.select_related("session", "self_study"):
            source = r.session or r.self_study
            if r.author_id == p.pk and source.date.year == YEAR:
                refl += 1
        attended = len(present) + len(hosted)
        out[p.pk] = (attended, h, refl, len(atts) + len(hosted), attended)
    members = list(branch.members.all())
    total = [0, Decimal("0"), 0, 0, 0]
    for m in members:
        for i, v in enumerate(out[m.pk]):
            total[i] += v
    held = sum(
        1 for s in StudySession.objects.all() if s.branch_id == branch.pk and s.date.year == YEAR
    )
    return out, (len(members), held, *total)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(w=world)
def test_statistics_agree_with_a_plain_python_reference(cast, w):
    with transaction.atomic():
        people, branch = _build(cast, w)
        result = stats.compute(cast.city, YEAR, people)
        expected, branch_expected = _reference(people, branch)
        got = {
            r.key: (r.sessions, r.hours, r.reflections, r.listed, r.present) for r in result.people
        }
        assert got == expected
        [b] = result.branches
        assert (b.members, b.held, b.sessions, b.hours, b.reflections, b.listed, b.present) == (
            branch_expected
        )
        for r in result.people:
            assert r.rate == (None if not r.listed else r.present / r.listed)
        held = {
            f: sum(1 for s in w["sessions"] if s["form"] == f and s["date"].year == YEAR)
            for f in ("centre", "branch", "exchange")
        }
        assert {k: result.held.get(k, 0) for k in held} == held
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_statistics_take_a_fixed_number_of_queries(cast, study, django_assert_max_num_queries):
    people = list(services.office_people(cast.city))
    with django_assert_max_num_queries(9):
        stats.compute(cast.city, study.session.date.year, people)


@pytest.mark.django_db
def test_export_is_watermarked_formula_safe_and_against_the_plan(cast, study):
    User.objects.filter(pk=cast.team_member.pk).update(full_name='=HYPERLINK("x")')
    StudyBranch.objects.filter(pk=study.branch.pk).update(name="+SUM(1)")
    response = client_for(cast.office_staff).get(f"/study/stats.xlsx?year={study.plan.year}")
    assert response.status_code == 200
    assert any("李干事" in m for m in xlsx_watermark(response.content))
    wb = load_workbook(io.BytesIO(response.content))
    texts = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert '\'=HYPERLINK("x")' in texts and "'+SUM(1)" in texts
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    plan = {r[0].value: (r[1].value, r[2].value) for r in wb["计划完成情况"].iter_rows(min_row=3)}
    assert plan["支部带学"] == (6, 1)  # 6 per branch × 1 branch; one held
    assert plan["理论中心组领学"] == (12, 0)
    person = {r[0].value: [c.value for c in r] for r in wb["个人学习统计"].iter_rows(min_row=3)}
    # team_member: present at the 3-hour session + 2.5 hours of self-study, one reflection
    assert person['\'=HYPERLINK("x")'][1:7] == [1, 5.5, 1, 1, 1, 1]
    # office_staff hosted the 3-hour session without being listed: attended, 100 %
    assert person["李干事"][1:7] == [1, 3, 0, 1, 1, 1]


@pytest.mark.django_db
def test_one_offices_study_is_invisible_to_another(cast, study):
    county = client_for(cast.county_b_staff)
    assert county.get("/api/v1/study/sessions").json() == []
    assert county.get("/api/v1/study/reflections").json() == []
    assert county.get(f"/study/sessions/{study.session.pk}/").status_code == 404
    assert county.get(f"/study/sessions/{study.county.pk}/").status_code == 404
    city = client_for(cast.office_staff)
    ids = [s["id"] for s in city.get("/api/v1/study/sessions").json()]
    assert study.session.pk in ids and study.county.pk not in ids
    page = city.get("/study/").content.decode()
    assert "县委巡察办中心组学习" not in page
    county_a = client_for(cast.county_staff).get("/api/v1/study/stats").json()
    assert county_a["office"] == cast.county_a.name
    names = {r["name"] for r in county_a["people"]}
    assert "吕组员" not in names and county_a["branches"] == []
    # the higher office does not read a county's study either
    assert city.get(f"/api/v1/study/sessions/{study.county.pk}").status_code == 404
    assert StudyPlan.objects.filter(office=cast.county_a).count() == 0


@pytest.mark.django_db
def test_an_ordinary_member_sees_only_their_own_reflections(cast, study):
    other = services.reflection_submit(
        author=cast.other_member,
        session=study.session,
        title="另一篇",
        text="请假后补学，体会到按制度办事的重要性。",
        actor=cast.other_member,
    )
    member = client_for(cast.team_member)
    ids = [r["id"] for r in member.get("/api/v1/study/reflections").json()]
    assert ids == [study.reflection.pk]
    assert member.get(f"/study/reflections/{other.pk}/").status_code == 404
    host = client_for(cast.office_staff)
    ids = {r["id"] for r in host.get("/api/v1/study/reflections").json()}
    assert ids == {study.reflection.pk, other.pk}
