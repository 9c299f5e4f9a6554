"""Every plans view and API operation: allowed role succeeds, denied role refused, out of scope 404."""

import io
import json
from datetime import date

import pytest
from django.urls import reverse
from docx import Document

from xuncha.plans import services
from xuncha.plans.models import AnnualPlan, Declaration, Inspector, Round, Term, WorkdayOverride

pytestmark = pytest.mark.django_db

PLAN_READERS = ["office_admin", "office_staff", "leading_group"]
NO_PLAN_ROLE = ["custodian", "auditor", "unit_liaison", "outsider", "team_leader", "team_member"]


@pytest.mark.parametrize("name", ["plan_list", "inspector_list", "coverage", "calendar"])
def test_list_pages_by_role(cast, login, name):
    url = reverse(f"plans:{name}")
    for who in [*PLAN_READERS, "county_staff", "sysadmin"]:
        assert login(getattr(cast, who)).get(url).status_code == 200, who
    for who in NO_PLAN_ROLE:
        assert login(getattr(cast, who)).get(url).status_code == 403, who


def test_plan_detail_scope(cast, login):
    url = reverse("plans:plan_detail", args=[cast.plan.pk])
    for who in PLAN_READERS:
        r = login(getattr(cast, who)).get(url)
        assert r.status_code == 200 and "2026年度巡察工作计划" in r.text
    for who in ["county_staff", "county_b_staff", "outsider", "unit_liaison"]:
        assert login(getattr(cast, who)).get(url).status_code == 404, who


def test_plan_list_shows_filed_county_plans_only(cast, login):
    term = Term.objects.create(
        office=cast.county_a, name="县届", start=date(2024, 1, 1), end=date(2028, 12, 31)
    )
    AnnualPlan.objects.create(term=term, year=2025, state="approved", summary="临川已批")
    draft = AnnualPlan.objects.create(term=term, year=2026)
    r = login(cast.office_staff).get(reverse("plans:plan_list"))
    assert "2025年度" in r.text and reverse("plans:plan_detail", args=[draft.pk]) not in r.text
    r = login(cast.county_b_staff).get(reverse("plans:plan_list"))
    assert "临川" not in r.text
    assert (
        login(cast.county_b_staff).get(reverse("plans:plan_detail", args=[draft.pk])).status_code
        == 404
    )


def test_round_create_and_transition_by_role(cast, login):
    plan = services.plan_create(term=cast.term, year=2025, actor=cast.office_admin)
    url = reverse("plans:round_create", args=[plan.pk])
    data = {"start": "2025-03-03", "end": "2025-04-30"}
    assert login(cast.leading_group).post(url, data).status_code == 404
    assert login(cast.county_staff).post(url, data).status_code == 404
    r = login(cast.office_staff).post(url, data)
    assert r.status_code == 302 and plan.rounds.count() == 1
    # Wrong order: a clear message and nothing saved.
    r = login(cast.office_staff).post(
        url, {"start": "2025-05-03", "end": "2025-04-30"}, follow=True
    )
    assert "早于开始日期" in r.text and plan.rounds.count() == 1
    rnd = plan.rounds.get()
    services.inspection_create(
        round=rnd, kind="regular", units=[cast.units["discipline"]], actor=cast.office_admin
    )
    turl = reverse("plans:plan_transition", args=[plan.pk])
    login(cast.leading_group).post(turl, {"target": "submitted"})
    assert AnnualPlan.objects.get(pk=plan.pk).state == "draft"
    login(cast.office_staff).post(turl, {"target": "submitted"})
    assert AnnualPlan.objects.get(pk=plan.pk).state == "submitted"
    home = login(cast.leading_group).get(reverse("org:home"))
    assert "2025年度巡察工作计划" in home.text
    assert login(cast.county_staff).post(turl, {"target": "approved"}).status_code == 404
    login(cast.leading_group).post(turl, {"target": "approved"})
    assert AnnualPlan.objects.get(pk=plan.pk).state == "approved"


def test_plan_create_by_role(cast, login):
    url = reverse("plans:plan_create", args=[cast.term.pk])
    assert login(cast.leading_group).post(url, {"year": 2025}).status_code == 404
    assert login(cast.county_staff).post(url, {"year": 2025}).status_code == 404
    login(cast.office_staff).post(url, {"year": 2025})
    assert AnnualPlan.objects.filter(term=cast.term, year=2025).exists()
    r = login(cast.office_staff).post(url, {"year": 2030}, follow=True)
    assert "不在第十二届" in r.text


def test_assign_and_team_compose_by_role(cast, login):
    rnd = cast.round
    url = reverse("plans:assign", args=[rnd.pk])
    for who in ["leading_group", "county_staff", "team_leader", "outsider"]:
        assert login(getattr(cast, who)).get(url).status_code == 404, who
    c = login(cast.office_staff)
    r = c.post(
        url,
        {
            "kind": "regular",
            "units": [cast.units["bureau"].pk],
            "start": "2026-04-01",
            "end": "2026-04-20",
        },
    )
    assert r.status_code == 200 and "时间重叠" in r.text
    assert rnd.inspections.count() == 2


def test_assign_success(cast, login):
    unit = cast.units["bureau_child"]
    r = login(cast.office_staff).post(
        reverse("plans:assign", args=[cast.round.pk]),
        {
            "kind": "regular",
            "units": [unit.pk],
            "start": "2026-03-02",
            "end": "2026-04-20",
            "reason": "新增任务",
        },
    )
    assert r.status_code == 302
    insp = unit.inspections.get()
    url = reverse("plans:team_compose", args=[insp.pk])
    for who in ["leading_group", "county_staff", "team_leader"]:
        assert login(getattr(cast, who)).get(url).status_code == 404, who
    people = [
        Inspector.objects.create(office=cast.city, name=f"人{i}", expertise=["财务"])
        for i in range(3)
    ]
    conflicted = Inspector.objects.create(
        office=cast.city, name="回避者", home_unit=cast.units["bureau_child"]
    )
    c = login(cast.office_staff)
    page = c.get(url + f"?add={conflicted.pk}")
    assert page.status_code == 200 and "须回避" in page.text
    r = c.post(url, {f"role_{people[0].pk}": "leader", f"role_{conflicted.pk}": "member"})
    assert r.status_code == 200 and "须回避" in r.text and not insp.team.members.exists()
    r = c.post(url, {f"role_{people[0].pk}": "member", f"role_{people[1].pk}": "member"})
    assert "有且只有一名组长" in r.text
    r = c.post(url, {f"role_{people[0].pk}": "leader", f"role_{people[1].pk}": "member"})
    assert r.status_code == 302 and insp.team.members.count() == 2


def test_appointment_and_declaration_documents(cast, login):
    insp = cast.inspections["a"]
    members = [(m.inspector_id, m.role) for m in insp.team.members.all()]
    services.team_compose(inspection=insp, members=members, actor=cast.office_admin)
    url = reverse("plans:appointment_docx", args=[insp.pk])
    for who in ["office_staff", "team_leader", "team_member"]:
        r = login(getattr(cast, who)).get(url)
        assert r.status_code == 200, who
        text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
        assert "一次一授权" in text and "何组长" in text
    for who in ["other_member", "county_staff", "outsider"]:
        assert login(getattr(cast, who)).get(url).status_code == 404, who
    decl = Declaration.objects.get(member__inspector__user=cast.team_member)
    durl = reverse("plans:declaration", args=[decl.pk])
    assert login(cast.other_member).get(durl).status_code == 404
    assert login(cast.team_leader).post(durl, {"has_conflict": "0"}).status_code == 404
    r = login(cast.team_member).post(durl, {"has_conflict": "0", "statement": ""})
    assert r.status_code == 302 and Declaration.objects.get(pk=decl.pk).submitted_at
    r = login(cast.office_staff).get(reverse("plans:declaration_docx", args=[decl.pk]))
    doc = Document(io.BytesIO(r.content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert "吕组员" in cells
    r = login(cast.leading_group).get(reverse("plans:work_plan_docx", args=[cast.plan.pk]))
    doc = Document(io.BytesIO(r.content))
    assert any("年度巡察工作计划" in p.text for p in doc.paragraphs)
    assert (
        login(cast.county_staff)
        .get(reverse("plans:work_plan_docx", args=[cast.plan.pk]))
        .status_code
        == 404
    )


def test_inspector_detail_scope(cast, login):
    me = cast.team_member.inspector
    url = reverse("plans:inspector_detail", args=[me.pk])
    assert login(cast.office_staff).get(url).status_code == 200
    assert login(cast.team_member).get(url).status_code == 200  # own record
    for who in ["team_leader", "county_staff", "outsider"]:
        assert login(getattr(cast, who)).get(url).status_code == 404, who


def test_calendar_override_by_role(cast, login):
    url = reverse("plans:calendar")
    data = {"day": "2027-02-08", "is_working": "0", "note": "春节"}
    login(cast.leading_group).post(url, data)
    assert not WorkdayOverride.objects.exists()
    r = login(cast.office_staff).post(url, data)
    assert r.status_code == 302 and WorkdayOverride.objects.filter(office=cast.city).count() == 1
    row = WorkdayOverride.objects.get()
    assert (
        login(cast.county_staff).post(reverse("plans:workday_delete", args=[row.pk])).status_code
        == 404
    )
    login(cast.office_staff).post(reverse("plans:workday_delete", args=[row.pk]))
    assert not WorkdayOverride.objects.exists()


def test_coverage_page_and_subordinates(cast, login, django_assert_max_num_queries):
    Term.objects.create(
        office=cast.county_a, name="县届", start=date(2024, 1, 1), end=date(2028, 12, 31)
    )
    c = login(cast.office_staff)
    r = c.get(reverse("plans:coverage") + f"?term={cast.term.pk}")
    assert r.status_code == 200 and "临川县委巡察办" in r.text and "district-grid" in r.text
    county_term = Term.objects.get(office=cast.county_a)
    assert (
        login(cast.county_b_staff)
        .get(reverse("plans:coverage") + f"?term={county_term.pk}")
        .status_code
        == 404
    )
    assert (
        login(cast.county_staff)
        .get(reverse("plans:coverage") + f"?term={cast.term.pk}")
        .status_code
        == 404
    )


# --- API ---------------------------------------------------------------------------------


def test_api_plans_and_transition(cast, login):
    c = login(cast.office_staff)
    r = c.get("/api/v1/plans/plans")
    assert r.status_code == 200 and [p["id"] for p in r.json()] == [cast.plan.pk]
    assert login(cast.outsider).get("/api/v1/plans/plans").status_code == 403
    assert login(cast.county_staff).get(f"/api/v1/plans/plans/{cast.plan.pk}").status_code == 404
    plan = services.plan_create(term=cast.term, year=2025, actor=cast.office_admin)
    r = c.post(
        f"/api/v1/plans/plans/{plan.pk}/transition",
        json.dumps({"target": "submitted"}),
        content_type="application/json",
    )
    assert r.status_code == 400 and "轮次" in r.json()["detail"]
    rnd = Round.objects.create(plan=plan, number=1, start=date(2025, 3, 1), end=date(2025, 4, 30))
    services.inspection_create(
        round=rnd, kind="regular", units=[cast.units["discipline"]], actor=cast.office_admin
    )
    r = c.post(
        f"/api/v1/plans/plans/{plan.pk}/transition",
        json.dumps({"target": "submitted"}),
        content_type="application/json",
    )
    assert r.json()["state"] == "submitted"
    r = c.post(
        f"/api/v1/plans/plans/{plan.pk}/transition",
        json.dumps({"target": "approved"}),
        content_type="application/json",
    )
    assert r.status_code == 400
    r = login(cast.leading_group).post(
        f"/api/v1/plans/plans/{plan.pk}/transition",
        json.dumps({"target": "approved"}),
        content_type="application/json",
    )
    assert r.json()["state"] == "approved"


def test_api_coverage_same_figures(cast, login):
    r = login(cast.office_staff).get(
        f"/api/v1/plans/terms/{cast.term.pk}/coverage?as_of=2026-06-30"
    )
    data = r.json()
    assert r.status_code == 200 and data["total"]["due"] == 3 and data["total"]["covered"] == 1
    page = login(cast.office_staff).get(reverse("plans:coverage") + f"?term={cast.term.pk}")
    assert (
        f"{data['total']['covered']} / 应巡察 {data['total']['due']}" in page.text
        or "已巡察" in page.text
    )
    assert (
        login(cast.county_b_staff).get(f"/api/v1/plans/terms/{cast.term.pk}/coverage").status_code
        == 404
    )


def test_api_suggestions_and_team(cast, login):
    insp = cast.inspections["a"]
    Inspector.objects.create(office=cast.city, name="候选人", expertise=["纪检监察"])
    r = login(cast.office_staff).get(f"/api/v1/plans/inspections/{insp.pk}/suggestions")
    assert r.status_code == 200 and any(s["name"] == "候选人" for s in r.json())
    for who in ["leading_group", "team_leader", "county_staff"]:
        assert (
            login(getattr(cast, who))
            .get(f"/api/v1/plans/inspections/{insp.pk}/suggestions")
            .status_code
            == 404
        )
    members = [{"inspector_id": m.inspector_id, "role": "member"} for m in insp.team.members.all()]
    url = f"/api/v1/plans/inspections/{insp.pk}/team"
    r = login(cast.office_staff).put(
        url, json.dumps({"members": members}), content_type="application/json"
    )
    assert r.status_code == 400 and "组长" in r.json()["detail"]
    members[0]["role"] = "leader"
    r = login(cast.office_staff).put(
        url, json.dumps({"members": members}), content_type="application/json"
    )
    assert r.status_code == 200 and len(r.json()["members"]) == 2
    assert (
        login(cast.county_staff)
        .put(url, json.dumps({"members": members}), content_type="application/json")
        .status_code
        == 404
    )


def test_api_inspectors_and_workdays(cast, login):
    r = login(cast.office_staff).get("/api/v1/plans/inspectors")
    assert r.status_code == 200 and len(r.json()) == 3
    assert login(cast.county_staff).get("/api/v1/plans/inspectors").json() == []
    assert login(cast.outsider).get("/api/v1/plans/inspectors").status_code == 403
    r = login(cast.office_staff).get("/api/v1/plans/calendar/workdays?start=2024-09-27&days=3")
    assert r.json()["result"] == "2024-10-08"
    assert (
        login(cast.outsider)
        .get("/api/v1/plans/calendar/workdays?start=2024-09-27&days=3")
        .status_code
        == 403
    )


def test_plan_list_query_count(cast, login, django_assert_max_num_queries):
    c = login(cast.office_staff)
    c.get(reverse("plans:plan_list"))
    for year in range(2022, 2026):
        AnnualPlan.objects.create(term=cast.term, year=year)
    with django_assert_max_num_queries(25):
        assert c.get(reverse("plans:plan_list")).status_code == 200


def test_settings_page_office_admin_only(cast, login):
    url = reverse("plans:settings")
    for who in ["office_staff", "leading_group", "county_staff", "outsider"]:
        assert login(getattr(cast, who)).get(url).status_code == 403, who
    c = login(cast.office_admin)
    assert c.get(url).status_code == 200
    r = c.post(
        url,
        {
            "rule_home_unit": "on",
            "rule_worked_in_unit": "on",
            "worked_years": 5,
            "superior_years": 3,
            "coverage_kinds": ["regular", "special"],
            "revisit_after_months": 12,
        },
    )
    assert r.status_code == 302
    from xuncha.audit.models import AuditEntry
    from xuncha.plans.models import PlanSettings

    row = PlanSettings.objects.get(office=cast.city)
    assert row.worked_years == 5 and not row.rule_relative
    assert row.counting_kinds() == ["regular", "special"]
    assert AuditEntry.objects.filter(object_type="plans.plansettings").exists()


def test_inspector_pool_editing_by_role(cast, login):
    new = reverse("plans:inspector_create")
    assert login(cast.leading_group).get(new).status_code == 403
    c = login(cast.office_staff)
    r = c.post(
        new,
        {
            "name": "新干部",
            "home_unit": cast.units["bureau"].pk,
            "rank": "四级调研员",
            "expertise": ["财务", "审计"],
            "active": "on",
        },
    )
    person = Inspector.objects.get(name="新干部")
    assert (
        r.status_code == 302 and person.expertise == ["财务", "审计"] and person.office == cast.city
    )
    add = reverse("plans:inspector_history_add", args=[person.pk, "employment"])
    r = c.post(
        add,
        {"unit": cast.units["discipline"].pk, "start": "2020-01-01", "end": "2019-01-01"},
        follow=True,
    )
    assert "早于起始日期" in r.text and not person.employment.exists()
    c.post(add, {"unit": cast.units["discipline"].pk, "start": "2018-01-01", "end": "2024-01-01"})
    rel = reverse("plans:inspector_history_add", args=[person.pk, "relation"])
    c.post(rel, {"kind": "spouse", "name": "配偶某", "unit": cast.units["bureau_child"].pk})
    assert person.employment.count() == 1 and person.relations.count() == 1
    edit = reverse("plans:inspector_edit", args=[person.pk])
    for who in ["leading_group", "county_staff", "team_member"]:
        assert (
            login(getattr(cast, who))
            .post(add, {"unit": cast.units["discipline"].pk, "start": "2018-01-01"})
            .status_code
            == 404
        )
        assert login(getattr(cast, who)).get(edit).status_code == 404
    assert person.employment.count() == 1
    page = c.get(reverse("plans:inspector_detail", args=[person.pk]))
    assert "配偶某" in page.text and "江州市纪委监委" in page.text


def test_term_create_by_role(cast, login):
    url = reverse("plans:term_create")
    assert login(cast.leading_group).get(url).status_code == 403
    c = login(cast.county_staff)
    r = c.post(url, {"name": "第十三届", "start": "2028-12-31", "end": "2024-01-01"})
    assert "早于开始日期" in r.text and not Term.objects.filter(office=cast.county_a).exists()
    r = c.post(url, {"name": "第十三届", "start": "2024-01-01", "end": "2028-12-31"})
    assert r.status_code == 302 and Term.objects.filter(office=cast.county_a).count() == 1
    r = c.post(url, {"name": "重叠", "start": "2026-01-01", "end": "2030-12-31"})
    assert "时间重叠" in r.text


def test_inspector_list_filters_by_expertise(cast, login):
    Inspector.objects.create(office=cast.city, name="审计专家", expertise=["审计", "财务"])
    Inspector.objects.create(office=cast.city, name="法律专家", expertise=["法律"])
    r = login(cast.office_staff).get(reverse("plans:inspector_list") + "?tag=审计")
    assert "审计专家" in r.text and "法律专家" not in r.text
