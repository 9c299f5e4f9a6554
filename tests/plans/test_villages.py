"""村(社区)巡察: village grades (history, audit, refusals), usual durations with a warning,
village figures in coverage, and a 巡镇带村 round with outputs per village."""

from datetime import date

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import make_user
from tests.feedback import deliver_feedback, reviewed
from tests.matrix import EVERYONE, case, check_all
from tests.reports.fieldwork import make_problem
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections.models import Problem
from xuncha.org import access
from xuncha.org.models import Role, Unit
from xuncha.plans import coverage, services, villages
from xuncha.plans.models import Inspection, PlanSettings, Term, VillageGrade
from xuncha.rectification import services as rect
from xuncha.reports.models import ReportDraft

pytestmark = pytest.mark.django_db


def _village(cast, name, township=None):
    township = township or cast.units["township_a"]
    return Unit.objects.create(
        name=name,
        kind=Unit.Kind.VILLAGE,
        office=township.office,
        parent=township,
        district=township.district,
    )


# --- grades -------------------------------------------------------------------------------


def test_grading_keeps_history_and_is_audited(cast):
    village = cast.units["village_a"]
    first = villages.grade_village(
        unit=village, grade="watch", reason="信访举报较多", actor=cast.county_staff
    )
    second = villages.grade_village(
        unit=village, grade="key", reason="村集体资产处置问题线索", actor=cast.county_staff
    )
    assert villages.current_grades([village.pk])[village.pk] == second
    assert list(village.village_grades.values_list("grade", flat=True)) == ["key", "watch"]
    entries = AuditEntry.objects.filter(object_type__endswith="villagegrade").order_by("seq")
    assert [e.object_id for e in entries] == [str(first.pk), str(second.pk)]
    assert "原为关注" in entries.last().summary


def test_same_grade_twice_refused_nothing_saved(cast):
    village = cast.units["village_a"]
    villages.grade_village(unit=village, grade="key", reason="理由", actor=cast.county_staff)
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError, match="已评定为“重点”，等级未变化"):
        villages.grade_village(unit=village, grade="key", reason="再评", actor=cast.county_staff)
    assert VillageGrade.objects.count() == 1 and AuditEntry.objects.count() == before


@pytest.mark.parametrize(
    ("who", "unit", "grade", "reason", "message"),
    [
        ("county_staff", "township_a", "key", "理由", "不是村\\(社区\\)"),
        ("county_staff", "village_a", "top", "理由", "请选择等级"),
        ("county_staff", "village_a", "key", "   ", "请填写评定理由"),
        ("office_staff", "village_a", "key", "理由", "没有评定村\\(社区\\)等级的权限"),
        ("county_b_staff", "village_a", "key", "理由", "没有评定村\\(社区\\)等级的权限"),
    ],
)
def test_bad_gradings_refused_in_chinese(cast, who, unit, grade, reason, message):
    with pytest.raises(DomainError, match=message):
        villages.grade_village(
            unit=cast.units[unit], grade=grade, reason=reason, actor=getattr(cast, who)
        )
    assert not VillageGrade.objects.exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(["key", "watch", "general"]), min_size=1, max_size=6))
def test_any_sequence_of_gradings(cast, sequence):
    """A change is recorded, a repeat refused; the newest row is always the last accepted."""
    village = cast.units["village_a"]
    VillageGrade.objects.filter(unit=village).delete()
    accepted = []
    for grade in sequence:
        if accepted and accepted[-1] == grade:
            with pytest.raises(DomainError):
                villages.grade_village(unit=village, grade=grade, reason="r", actor=cast.sysadmin)
        else:
            villages.grade_village(unit=village, grade=grade, reason="r", actor=cast.sysadmin)
            accepted.append(grade)
    assert VillageGrade.objects.filter(unit=village).count() == len(accepted)
    assert villages.current_grades([village.pk])[village.pk].grade == accepted[-1]


def test_pages_grade_and_show_errors(cast, login):
    village = cast.units["village_a"]
    client = login(cast.county_staff)
    assert "临川县青石镇柳溪村" in client.get(reverse("plans:village_list")).text
    url = reverse("plans:village_detail", args=[village.pk])
    r = client.post(url, {"grade": "key", "reason": "村务公开不及时"})
    assert r.status_code == 302
    r = client.post(url, {"grade": "key", "reason": "再评"})
    assert r.status_code == 400 and "等级未变化" in r.text
    r = client.get(url)
    assert "村务公开不及时" in r.text and "重新评定" in r.text


def test_api_grades_and_lists(cast, login):
    village = cast.units["village_a"]
    client = login(cast.county_staff)
    url = f"/api/v1/plans/villages/{village.pk}/grades"
    r = client.post(url, {"grade": "watch", "reason": "群众反映"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["grade_label"] == "关注"
    r = client.post(url, {"grade": "watch", "reason": "又"}, content_type="application/json")
    assert r.status_code == 400 and "等级未变化" in r.json()["detail"]
    rows = client.get("/api/v1/plans/villages").json()
    assert [(v["name"], v["grade"]["grade"]) for v in rows] == [("临川县青石镇柳溪村", "watch")]
    assert len(client.get(url).json()) == 1


def test_the_city_reads_its_counties_villages_and_only_the_county_grades(cast, login):
    village = cast.units["village_a"]
    villages.grade_village(unit=village, grade="watch", reason="信访较多", actor=cast.county_staff)
    city = login(cast.office_staff)
    listing = city.get(reverse("plans:village_list")).text
    assert "临川县青石镇柳溪村" in listing and "临川县委巡察办" in listing
    rows = city.get("/api/v1/plans/villages").json()
    assert [(v["name"], v["grade"]["grade"]) for v in rows] == [("临川县青石镇柳溪村", "watch")]
    url = reverse("plans:village_detail", args=[village.pk])
    page = city.get(url).text
    assert "信访较多" in page and 'name="reason"' not in page
    refused = city.post(url, {"grade": "key", "reason": "市里改评"})
    assert refused.status_code == 403
    r = city.post(
        f"/api/v1/plans/villages/{village.pk}/grades",
        {"grade": "key", "reason": "市里改评"},
        content_type="application/json",
    )
    assert r.status_code == 403 and "上级巡察机构只能查阅" in r.json()["detail"]
    assert VillageGrade.objects.filter(unit=village).count() == 1
    # A sibling county sees none of them.
    assert login(cast.county_b_staff).get("/api/v1/plans/villages").json() == []


# --- durations ----------------------------------------------------------------------------


def _village_round(cast, start, end):
    insp = cast.inspections["b"]
    Inspection.objects.filter(pk=insp.pk).update(kind="village", start=start, end=end)
    insp.refresh_from_db()
    return insp


def test_duration_warning_follows_office_setting(cast, login):
    insp = _village_round(cast, date(2026, 3, 2), date(2026, 4, 30))  # 60 days
    assert "长于本办村(社区)巡察一般时长（20—35天）" in villages.duration_warning(insp)
    Inspection.objects.filter(pk=insp.pk).update(end=date(2026, 3, 31))  # 30 days
    insp.refresh_from_db()
    assert villages.duration_warning(insp) == ""
    services.settings_update(
        office=cast.city, data={"durations": {"village": [10, 15]}}, actor=cast.office_admin
    )
    assert "长于" in villages.duration_warning(insp)
    Inspection.objects.filter(pk=insp.pk).update(end=date(2026, 3, 5))
    insp.refresh_from_db()
    assert "短于本办村(社区)巡察一般时长（10—15天）" in villages.duration_warning(insp)
    page = login(cast.office_staff).get(reverse("plans:plan_detail", args=[cast.plan.pk]))
    assert f'data-duration-warning="{insp.pk}"' in page.text  # shown, never blocking


def test_settings_page_parses_durations(cast, login):
    client = login(cast.office_admin)
    page = client.get(reverse("plans:settings")).text
    assert "村(社区)巡察: 20-35" in page
    form = {
        "worked_years": 3,
        "superior_years": 3,
        "revisit_after_months": 12,
        "coverage_kinds": ["regular", "village"],
        "durations_text": "村(社区)巡察: 25-30\nregular=40-50",
    }
    assert client.post(reverse("plans:settings"), form).status_code == 302
    cfg = PlanSettings.for_office(cast.city)
    assert cfg.duration_range("village") == (25, 30) and cfg.duration_range("regular") == (40, 50)
    r = client.post(reverse("plans:settings"), {**form, "durations_text": "村(社区)巡察: 35-20"})
    assert "天数范围无效" in r.text
    assert PlanSettings.for_office(cast.city).duration_range("village") == (25, 30)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("村巡察: 20-35", "巡察类型“村巡察”不存在"),
        ("village 20-35", "格式应为"),
        ("village: 二十-35", "范围"),
        ("village: 0-35", "范围无效"),
    ],
)
def test_bad_duration_text(text, message):
    with pytest.raises(DomainError, match=message):
        villages.parse_durations(text)


# --- coverage -----------------------------------------------------------------------------


def test_coverage_counts_villages_per_township_and_grade(cast, login):
    county = cast.county_a
    term = Term.objects.create(
        office=county, name="县届", start=date(2022, 1, 1), end=date(2026, 12, 31)
    )
    v1 = cast.units["village_a"]
    v2, v3 = _village(cast, "青石镇石桥村"), _village(cast, "青石镇马岭村")
    for v, g in [(v1, "key"), (v2, "key"), (v3, "general")]:
        villages.grade_village(unit=v, grade=g, reason="分级", actor=cast.county_staff)
    rnd = cast.round
    insp = Inspection.objects.create(
        office=county,
        round=rnd,
        kind="village",
        start=date(2026, 3, 2),
        end=date(2026, 3, 31),
        stage=Inspection.Stage.INVESTIGATION,
    )
    insp.units.add(cast.units["township_a"], v1, v3)
    data = coverage.compute(term, date(2026, 6, 1))
    [town] = data.villages
    assert (town["township"], town["covered"], town["due"]) == ("临川县青石镇", 2, 3)
    by = {g["grade"]: (g["covered"], g["due"]) for g in town["grades"]}
    assert by == {"key": (1, 2), "watch": (0, 0), "general": (1, 1), "": (0, 0)}
    page = login(cast.county_staff).get(reverse("plans:coverage") + f"?term={term.pk}").text
    assert 'id="village-coverage"' in page and "2 / 3" in page


# --- 巡镇带村: one inspection of the township and its villages --------------------------


def test_village_round_three_villages_one_feedback_each_liaison_reads_own(cast, login):
    insp = _village_round(cast, date(2026, 3, 2), date(2026, 3, 31))
    vs = [cast.units["village_a"], _village(cast, "青石镇石桥村"), _village(cast, "青石镇马岭村")]
    insp.units.add(*vs)  # the township stays a unit of the inspection
    liaisons = []
    for i, v in enumerate(vs):
        make_problem(
            insp, "B4", f"00{i + 1}", user=cast.other_member, title=f"{v.name}问题", unit=v
        )
        liaisons.append(make_user(f"cun{i}", unit=v, roles=[Role.UNIT_LIAISON]))
    Inspection.objects.filter(pk=insp.pk).update(stage=Inspection.Stage.FEEDBACK)
    insp.refresh_from_db()
    reviewed(cast, insp)
    drafts = [deliver_feedback(cast, insp, v, date(2026, 4, 8)) for v in vs]
    assert ReportDraft.objects.filter(inspection=insp, kind="feedback").count() == 3
    for v, draft, liaison in zip(vs, drafts, liaisons, strict=True):
        assert [p.unit_id for p in draft.problems.all()] == [v.pk]
        client = login(liaison)
        assert [d["id"] for d in client.get("/api/v1/reports/drafts").json()] == [draft.pk]
        for other in drafts:
            status = client.get(reverse("reports:draft_download", args=[other.pk])).status_code
            assert status == (200 if other == draft else 404)
        seen = access.visible(Problem.objects.all(), liaison)
        assert list(seen.values_list("title", flat=True)) == [f"{v.name}问题"]
        plan = rect.plan_open(inspection=insp, unit=v, actor=cast.office_staff)
        assert [p.unit_id for p in rect.feedback_problems(plan)] == [v.pk]


# --- permission matrix ----------------------------------------------------------------------

PLANNERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "county_staff",
    "county_b_staff",
}
GRADERS = {"sysadmin", "county_staff"}  # village_a belongs to the county A office
CITY = {"office_admin", "office_staff", "leading_group"}  # reads its counties' villages
HIDDEN = {"county_b_staff"}
GRADE = {"grade": "key", "reason": "问题线索较多"}

CASES = [
    case("village_list", "get", lambda c: "/plans/villages/", PLANNERS),
    case(
        "village_detail",
        "get",
        lambda c: f"/plans/villages/{c.units['village_a'].pk}/",
        GRADERS | CITY,
        hidden=HIDDEN,
    ),
    case(
        "village_grade",
        "post",
        lambda c: f"/plans/villages/{c.units['village_a'].pk}/",
        GRADERS,
        ok=302,
        hidden=HIDDEN,
        data=lambda c: GRADE,
    ),
    case(
        "api_village_list",
        "get",
        lambda c: "/api/v1/plans/villages",
        PLANNERS,
        schema_path="/api/v1/plans/villages",
    ),
    case(
        "api_village_grades",
        "get",
        lambda c: f"/api/v1/plans/villages/{c.units['village_a'].pk}/grades",
        GRADERS | CITY,
        hidden=HIDDEN,
        schema_path="/api/v1/plans/villages/{unit_id}/grades",
    ),
    case(
        "api_village_grade",
        "post",
        lambda c: f"/api/v1/plans/villages/{c.units['village_a'].pk}/grades",
        GRADERS,
        ok=201,
        hidden=HIDDEN,
        data=lambda c: GRADE,
        schema_path="/api/v1/plans/villages/{unit_id}/grades",
    ),
]
assert PLANNERS <= EVERYONE


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(cast, case):
    check_all(case, cast)
