"""Feedback is given to each inspected unit separately, and rectification starts from it.

One inspection of two units (一托二): each unit gets its own feedback opinion listing only
its problems; its liaison reads only its own, once delivered; the rectification plan lists
exactly the delivered problems; the letter, the plan, the sweep and the API state the same
deadlines, counted in working days on the office's calendar.
"""

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.api_schema import assert_matches_schema
from tests.cast import make_user
from tests.feedback import deliver_feedback, reviewed
from tests.reports.fieldwork import make_problem
from xuncha.core.errors import DomainError
from xuncha.core.workdays import is_working_day
from xuncha.inspections import documents
from xuncha.inspections.models import Problem
from xuncha.org import access
from xuncha.org.models import Office, Role
from xuncha.plans.models import Inspection, WorkdayOverride
from xuncha.rectification import deadlines
from xuncha.rectification import services as rect
from xuncha.rectification.models import Reminder
from xuncha.reports import services
from xuncha.reports.models import FeedbackDelivery, ReportDraft
from xuncha.reports.officialdoc import layout_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_units(cast):
    """Inspection a covers the bureau and its centre; each has problems; review is done."""
    a = cast.inspections["a"]
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    a.units.add(centre)
    leader = cast.team_leader
    make_problem(a, "B4", "001", user=leader, title="违规发放津补贴", unit=bureau)
    make_problem(a, "A7", "002", user=leader, title="意识形态责任制落实不到位", unit=bureau)
    make_problem(a, "B6", "003", user=leader, title="公路养护资金管理不规范", unit=centre)
    Inspection.objects.filter(pk=a.pk).update(stage=Inspection.Stage.FEEDBACK)
    a.refresh_from_db()
    reviewed(cast, a)
    cast.users["centre_liaison"] = make_user(
        "centre_liaison", unit=centre, roles=[Role.UNIT_LIAISON], full_name="钱联络"
    )
    return a


def _feedback(inspection, unit):
    return ReportDraft.objects.get(inspection=inspection, kind="feedback", unit=unit)


def _text(client, draft):
    response = client.get(reverse("reports:draft_download", args=[draft.pk]))
    assert response.status_code == 200
    return layout_of(response.content)


def test_one_feedback_per_unit_each_with_only_its_problems(cast, login, two_units):
    staff = login(cast.office_staff)
    url = reverse("reports:generate", args=[two_units.pk])
    assert staff.post(url, {"kind": "feedback"}).status_code == 302
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    assert ReportDraft.objects.filter(kind="feedback").count() == 2
    own, other = _feedback(two_units, bureau), _feedback(two_units, centre)
    assert {p.number for p in own.problems.all()} == {"001", "002"}
    assert {p.number for p in other.problems.all()} == {"003"}
    layout = _text(staff, own)
    assert "违规发放津补贴" in layout["text"] and "公路养护资金" not in layout["text"]
    assert "江州市公路事业发展中心" not in layout["text"]
    assert own.recipient == "中共江州市交通运输局党组织" and own.problem_count == 2
    assert "李干事" in layout["watermark"][0]
    layout = _text(staff, other)
    assert "公路养护资金管理不规范" in layout["text"] and "津补贴" not in layout["text"]
    # regenerating one unit's feedback leaves the other's alone
    staff.post(url, {"kind": "feedback", "unit": centre.pk})
    assert (_feedback(two_units, centre).version, _feedback(two_units, bureau).version) == (2, 1)


def test_liaison_reads_only_its_own_delivered_feedback(cast, login, two_units):
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    services.feedback_generate_all(inspection=two_units, actor=cast.office_staff)
    own, other = _feedback(two_units, bureau), _feedback(two_units, centre)
    liaison = login(cast.unit_liaison)
    own_url = reverse("reports:draft_download", args=[own.pk])
    assert liaison.get(own_url).status_code == 404  # not yet final nor delivered
    for draft in (own, other):
        services.draft_finalize(draft=draft, actor=cast.office_staff)
    assert liaison.get(own_url).status_code == 404  # final, not yet delivered
    assert not access.visible(Problem.objects.all(), cast.unit_liaison).exists()
    for draft in (own, other):
        services.feedback_deliver(
            draft=draft,
            delivered_on=date(2026, 6, 3),
            delivered_by="何组长",
            actor=cast.team_leader,
        )
    layout = _text(liaison, own)
    assert "违规发放津补贴" in layout["text"] and "公路养护资金" not in layout["text"]
    assert "郑联络" in layout["watermark"][0]
    assert liaison.get(reverse("reports:draft_download", args=[other.pk])).status_code == 404
    assert liaison.get(f"/api/v1/reports/drafts/{other.pk}/docx").status_code == 404
    assert [d["id"] for d in liaison.get("/api/v1/reports/drafts").json()] == [own.pk]
    index = liaison.get(reverse("reports:index")).content.decode()
    assert own.title in index and other.title not in index
    seen = access.visible(Problem.objects.all(), cast.unit_liaison)
    assert sorted(seen.values_list("number", flat=True)) == ["001", "002"]
    centre_liaison = login(cast.users["centre_liaison"])
    assert "公路养护资金" in _text(centre_liaison, other)["text"]
    assert centre_liaison.get(own_url).status_code == 404


def test_delivery_requires_a_final_reviewed_feedback(cast, two_units):
    bureau = cast.units["bureau"]
    draft = services.draft_generate(
        inspection=two_units, kind="feedback", unit=bureau, actor=cast.office_staff
    )
    day = date(2026, 6, 3)

    def deliver(actor=cast.office_staff, on=day, by="何组长"):
        return services.feedback_deliver(draft=draft, delivered_on=on, delivered_by=by, actor=actor)

    with pytest.raises(DomainError, match="定稿"):
        deliver()
    services.draft_finalize(draft=draft, actor=cast.office_staff)
    Inspection.objects.filter(pk=two_units.pk).update(stage=Inspection.Stage.REVIEW)
    with pytest.raises(DomainError, match="反馈阶段"):
        deliver()
    Inspection.objects.filter(pk=two_units.pk).update(stage=Inspection.Stage.FEEDBACK)
    with pytest.raises(DomainError, match="晚于今天"):
        deliver(on=date.today() + timedelta(days=1))
    with pytest.raises(DomainError, match="送达人"):
        deliver(by=" ")
    with pytest.raises(DomainError, match="巡察机构或巡察组"):
        deliver(actor=cast.unit_liaison)
    with pytest.raises(DomainError, match="巡察机构或巡察组"):
        deliver(actor=cast.other_member)
    delivery = deliver()
    assert delivery.recorded_by == cast.office_staff and delivery.delivered_by == "何组长"
    with pytest.raises(DomainError, match="已登记送达"):
        deliver()


def test_plan_opens_only_from_the_delivered_feedback_and_lists_only_its_problems(
    cast, login, two_units
):
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    with pytest.raises(DomainError, match="尚未向该单位送达反馈意见"):
        rect.plan_open(inspection=two_units, unit=bureau, actor=cast.office_staff)
    services.draft_generate(
        inspection=two_units, kind="feedback", unit=bureau, actor=cast.office_staff
    )
    with pytest.raises(DomainError, match="尚未向该单位送达反馈意见"):
        rect.plan_open(inspection=two_units, unit=bureau, actor=cast.office_staff)
    feedback = deliver_feedback(cast, two_units, bureau, date(2026, 6, 3))
    # a problem added to the feedback list after delivery was never given to the unit
    late = make_problem(
        two_units, "C2", "004", user=cast.team_leader, title="后补的问题", unit=bureau
    )
    plan = rect.plan_open(inspection=two_units, unit=bureau, actor=cast.office_staff)
    assert plan.feedback == feedback and plan.feedback_date == date(2026, 6, 3)
    assert [p.number for p in rect.feedback_problems(plan)] == ["001", "002"]
    with pytest.raises(DomainError, match="不在本单位的反馈问题清单"):
        rect.measure_create(
            plan=plan,
            problem=late,
            actor=cast.unit_liaison,
            content="整改",
            responsible_leader="张局长",
            lead_department="财务科",
            responsible_person="李科长",
            deadline=date(2026, 8, 31),
        )
    assert not access.visible(Problem.objects.filter(pk=late.pk), cast.unit_liaison).exists()
    # the other unit's feedback was not delivered: no plan for it
    with pytest.raises(DomainError, match="尚未向该单位送达反馈意见"):
        rect.plan_open(inspection=two_units, unit=centre, actor=cast.office_staff)
    page = login(cast.unit_liaison).get(reverse("rectification:plan_detail", args=[plan.pk]))
    html = page.content.decode()
    assert "违规发放津补贴" in html and "后补的问题" not in html and "公路养护资金" not in html


def _spring_festival(cast, inspection):
    """Move the inspection before the 2026 Spring Festival (15–23 February, makeup days)."""
    Inspection.objects.filter(pk=inspection.pk).update(
        start=date(2025, 11, 3), end=date(2026, 1, 16), stage=Inspection.Stage.FEEDBACK
    )
    inspection.refresh_from_db()


@pytest.mark.parametrize("delivered_on", [date(2026, 1, 23), date(2026, 2, 2), date(2026, 2, 13)])
def test_letter_plan_sweep_and_api_state_one_deadline(cast, login, two_units, delivered_on):
    _spring_festival(cast, two_units)
    office = two_units.office
    # a local day off on the office's own calendar counts as well
    WorkdayOverride.objects.create(office=office, day=date(2026, 3, 2), is_working=False)
    bureau = cast.units["bureau"]
    feedback = deliver_feedback(cast, two_units, bureau, delivered_on)
    plan = rect.plan_open(inspection=two_units, unit=bureau, actor=cast.office_staff)
    overrides = rect.overrides_for(office)
    for due, days in ((plan.due_date, 20), (plan.report_due_date, 40)):
        assert deadlines._working(due, overrides) and is_working_day(due, overrides)
        assert deadlines.working_days_between(delivered_on, due, overrides) == days
    assert (plan.due_date - delivered_on).days > 28  # the festival lies in between
    # the letter
    text = _text(login(cast.unit_liaison), feedback)["text"]
    for days, due in ((20, plan.due_date), (40, plan.report_due_date)):
        assert documents.deadline_phrase(days, due) in text
    assert text.count("个工作日内，即") == 2
    # the API
    response = login(cast.office_staff).get(f"/api/v1/rectification/plans/{plan.pk}")
    body = response.json()
    assert (body["due_date"], body["report_due_date"]) == (
        plan.due_date.isoformat(),
        plan.report_due_date.isoformat(),
    )
    detail = login(cast.office_staff).get(f"/api/v1/reports/drafts/{feedback.pk}").json()
    assert detail["delivery"]["plan_due"] == plan.due_date.isoformat()
    # the sweep: not overdue on the printed date, overdue the next working day
    rect.sweep(today=plan.due_date)
    assert not Reminder.objects.filter(key=f"p{plan.pk}-plan-overdue").exists()
    rect.sweep(today=deadlines.add_working_days(plan.due_date, 1, overrides))
    assert Reminder.objects.filter(key=f"p{plan.pk}-plan-overdue").exists()


def test_changed_rule_applies_to_later_deliveries_not_to_a_delivered_letter(cast, login, two_units):
    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    first = deliver_feedback(cast, two_units, bureau, date(2026, 6, 3))
    config = rect.config_for(two_units.office)
    config.plan_due_working_days, config.report_due_working_days = 15, 30
    config.save()
    second = deliver_feedback(cast, two_units, centre, date(2026, 6, 3))
    assert (first.delivery.plan_working_days, second.delivery.plan_working_days) == (20, 15)
    text = _text(login(cast.office_staff), first)["text"]
    assert documents.deadline_phrase(20, first.delivery.plan_due) in text
    text = _text(login(cast.office_staff), second)["text"]
    assert documents.deadline_phrase(15, second.delivery.plan_due) in text


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 10, 31)),
    plan_days=st.integers(min_value=1, max_value=60),
    extra=st.integers(min_value=0, max_value=60),
)
def test_rule_never_lands_on_a_day_off_and_the_letter_restates_it(start, plan_days, extra):
    due = deadlines.rectification_due(start, plan_days, plan_days + extra)
    assert is_working_day(due.plan_due) and is_working_day(due.report_due)
    assert start < due.plan_due <= due.report_due
    old = [{"heading": "整改要求", "level": 1, "text": documents.deadline_phrase(3, start) * 2}]
    stamped = documents.stamp_deadlines(
        old,
        plan_days=due.plan_days,
        plan_due=due.plan_due,
        report_days=due.report_days,
        report_due=due.report_due,
    )
    assert stamped[0]["text"] == documents.deadline_phrase(
        due.plan_days, due.plan_due
    ) + documents.deadline_phrase(due.report_days, due.report_due)


def test_copies_follow_the_office_level(cast, two_units):
    draft = services.draft_generate(
        inspection=two_units, kind="feedback", unit=cast.units["bureau"], actor=cast.office_staff
    )
    assert draft.cc == "江州市纪委监委，江州市委组织部"
    assert services.feedback_cc(cast.county_a) == "临川县纪委监委，临川县委组织部"
    assert services.feedback_cc(cast.county_b) == "安平区纪委监委，安平区委组织部"
    nameless = Office(name="青山县委巡察办", level=Office.Level.COUNTY, region="")
    assert services.feedback_cc(nameless) == "青山县纪委监委，青山县委组织部"


def test_api_generates_per_unit_and_records_delivery(cast, login, two_units):
    client = login(cast.team_leader)
    base = f"/api/v1/reports/inspections/{two_units.pk}/drafts"
    response = client.post(base, json.dumps({"kind": "feedback"}), content_type="application/json")
    assert response.status_code == 400 and "被反馈单位" in response.json()["detail"]
    centre = cast.units["bureau_child"]
    response = client.post(
        base,
        json.dumps({"kind": "feedback", "unit_id": centre.pk}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert_matches_schema(response, "/api/v1/reports/inspections/{inspection_id}/drafts", "post")
    draft = response.json()
    assert draft["unit_id"] == centre.pk and draft["problem_count"] == 1
    assert draft["delivery"] is None
    url = f"/api/v1/reports/drafts/{draft['id']}/delivery"
    body = json.dumps({"delivered_on": "2026-06-03", "delivered_by": "何组长"})
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and "定稿" in response.json()["detail"]
    services.draft_finalize(draft=ReportDraft.objects.get(pk=draft["id"]), actor=cast.team_leader)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "/api/v1/reports/drafts/{draft_id}/delivery", "post")
    delivery = FeedbackDelivery.objects.get(draft_id=draft["id"])
    assert response.json()["delivery"]["report_due"] == delivery.report_due.isoformat()


def test_ledger_and_disclosure_of_each_unit_hold_only_its_own_problems(cast, login, two_units):
    """一托二 downstream: each unit's ledger export and disclosure form list exactly the
    problems of its own delivered feedback, and the other unit's liaison reaches neither."""
    from io import BytesIO

    from openpyxl import load_workbook

    bureau, centre = cast.units["bureau"], cast.units["bureau_child"]
    deliver_feedback(cast, two_units, bureau, date(2026, 6, 3))
    deliver_feedback(cast, two_units, centre, date(2026, 6, 3))
    plans = {
        u: rect.plan_open(inspection=two_units, unit=u, actor=cast.office_staff)
        for u in (bureau, centre)
    }
    liaisons = {bureau: login(cast.unit_liaison), centre: login(cast.users["centre_liaison"])}
    titles = {
        bureau: {"违规发放津补贴", "意识形态责任制落实不到位"},
        centre: {"公路养护资金管理不规范"},
    }
    for unit, plan in plans.items():
        other = centre if unit == bureau else bureau
        own = liaisons[unit]
        data = own.get(reverse("rectification:ledger_export", args=[plan.pk]))
        assert data.status_code == 200
        sheet = load_workbook(BytesIO(b"".join(data.streaming_content)))["问题清单"]
        cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value}
        assert titles[unit] <= cells and not (titles[other] & cells)
        form = own.get(reverse("rectification:disclosure_edit", args=[plan.pk])).content.decode()
        assert all(t in form for t in titles[unit])
        assert not any(t in form for t in titles[other])
        for name in ("ledger_export", "disclosure_edit", "plan_detail"):
            assert (
                liaisons[other].get(reverse(f"rectification:{name}", args=[plan.pk])).status_code
                == 404
            )
