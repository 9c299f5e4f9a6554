"""Editing and deleting rounds and assignments, and the term's list of due units.

Rules: a draft is edited freely; a submitted plan refuses every change; an approved plan
takes a change only with a written reason, recorded in its history and audited; an
assignment is deleted only while in preparation with nothing recorded against it; bad
input leaves nothing half-saved. Every new view and API operation: allowed role succeeds,
denied role refused, out-of-scope object 404."""

import json
from datetime import date

import pytest
from django.urls import reverse

from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections.models import Activity
from xuncha.org.models import Unit
from xuncha.plans import coverage as cov
from xuncha.plans import services
from xuncha.plans.models import (
    AnnualPlan,
    Inspection,
    PlanEvent,
    Round,
    Team,
    Term,
    TermDueUnit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(cast):
    plan = services.plan_create(term=cast.term, year=2025, actor=cast.office_admin)
    rnd = services.round_create(
        plan=plan, start=date(2025, 3, 3), end=date(2025, 4, 30), actor=cast.office_admin
    )
    insp = services.inspection_create(
        round=rnd, kind="regular", units=[cast.units["discipline"]], actor=cast.office_admin
    )
    return plan, rnd, insp


def _set_state(plan, state):
    AnnualPlan.objects.filter(pk=plan.pk).update(state=state)
    plan.refresh_from_db()


def _snapshot(plan):
    """Everything an edit could touch, to prove that a refused edit left nothing behind."""
    rounds = list(
        Round.objects.filter(plan=plan).values_list("pk", "number", "start", "end", "name")
    )
    insps = [
        (i.pk, i.kind, i.theme, i.start, i.end, i.revisits_id, sorted(u.pk for u in i.units.all()))
        for i in Inspection.objects.filter(round__plan=plan).prefetch_related("units")
    ]
    return (
        rounds,
        insps,
        Team.objects.filter(inspection__round__plan=plan).count(),
        PlanEvent.objects.filter(plan=plan).count(),
        AuditEntry.objects.count(),
    )


def _ops(cast, rnd, insp, reason=""):
    """Each change to a plan's rounds and assignments, as a callable."""
    return {
        "round_create": lambda: services.round_create(
            plan=rnd.plan,
            start=date(2025, 9, 1),
            end=date(2025, 10, 31),
            actor=cast.office_staff,
            reason=reason,
        ),
        "round_update": lambda: services.round_update(
            round=rnd,
            start=date(2025, 3, 10),
            end=date(2025, 5, 9),
            name="第一轮（调整）",
            actor=cast.office_staff,
            reason=reason,
        ),
        "inspection_create": lambda: services.inspection_create(
            round=rnd,
            kind="regular",
            units=[cast.units["bureau"]],
            actor=cast.office_staff,
            reason=reason,
        ),
        "inspection_update": lambda: services.inspection_update(
            inspection=insp,
            kind="special",
            theme="乡村振兴",
            units=[cast.units["discipline"], cast.units["bureau_child"]],
            actor=cast.office_staff,
            reason=reason,
        ),
        "inspection_delete": lambda: services.inspection_delete(
            inspection=insp, actor=cast.office_staff, reason=reason
        ),
        "round_delete": lambda: services.round_delete(
            round=rnd, actor=cast.office_staff, reason=reason
        ),
    }


# --- the state rules --------------------------------------------------------------------


def test_draft_edits_are_free_and_audited(cast, draft):
    plan, rnd, insp = draft
    events = plan.events.count()
    services.round_update(
        round=rnd, start=date(2025, 3, 10), end=date(2025, 5, 9), actor=cast.office_staff
    )
    insp.refresh_from_db()
    # The assignment ran over the whole round, so it follows the round's new dates.
    assert (insp.start, insp.end) == (date(2025, 3, 10), date(2025, 5, 9))
    services.inspection_update(
        inspection=insp,
        kind="special",
        theme="乡村振兴",
        units=[cast.units["discipline"], cast.units["bureau_child"]],
        start=date(2025, 3, 17),
        end=date(2025, 4, 30),
        actor=cast.office_staff,
    )
    insp.refresh_from_db()
    assert insp.kind == "special" and insp.theme == "乡村振兴"
    assert set(insp.units.values_list("pk", flat=True)) == {
        cast.units["discipline"].pk,
        cast.units["bureau_child"].pk,
    }
    assert AuditEntry.objects.filter(action="update", object_id=str(insp.pk)).exists()
    assert AuditEntry.objects.filter(action="update", object_id=str(rnd.pk)).exists()
    # No change-after-approval rows for a draft.
    assert plan.events.count() == events
    services.inspection_delete(inspection=insp, actor=cast.office_staff)
    assert not Inspection.objects.filter(pk=insp.pk).exists()
    assert not Team.objects.filter(inspection_id=insp.pk).exists()
    services.round_delete(round=rnd, actor=cast.office_staff)
    assert not plan.rounds.exists()
    assert AuditEntry.objects.filter(action="delete", object_id=str(rnd.pk)).exists()


@pytest.mark.parametrize(
    "op",
    [
        "round_create",
        "round_update",
        "round_delete",
        "inspection_create",
        "inspection_update",
        "inspection_delete",
    ],
)
def test_submitted_plan_refuses_every_change(cast, draft, op):
    plan, rnd, insp = draft
    services.plan_transition(plan=plan, target="submitted", actor=cast.office_staff)
    before = _snapshot(plan)
    with pytest.raises(DomainError, match="已报领导小组审批"):
        _ops(cast, rnd, insp, reason="有理由也不行")[op]()
    assert _snapshot(plan) == before


@pytest.mark.parametrize(
    "op",
    [
        "round_create",
        "round_update",
        "round_delete",
        "inspection_create",
        "inspection_update",
        "inspection_delete",
    ],
)
def test_approved_plan_needs_reason_recorded_and_audited(cast, draft, op):
    plan, rnd, insp = draft
    _set_state(plan, AnnualPlan.State.APPROVED)
    before = _snapshot(plan)
    with pytest.raises(DomainError, match="调整理由"):
        _ops(cast, rnd, insp, reason="  ")[op]()
    assert _snapshot(plan) == before
    audits = AuditEntry.objects.count()
    _ops(cast, rnd, insp, reason="市委调整工作安排")[op]()
    event = PlanEvent.objects.filter(plan=plan).latest("pk")
    assert event.reason == "市委调整工作安排" and event.from_state == event.to_state == "approved"
    assert event.actor == cast.office_staff
    new = AuditEntry.objects.filter(seq__gt=0).order_by("-seq")[
        : AuditEntry.objects.count() - audits
    ]
    assert any((e.changes or {}).get("reason") == "市委调整工作安排" for e in new)


def test_delete_refused_after_preparation_or_with_activity(cast, draft):
    plan, rnd, insp = draft
    # cast.inspections["a"] is in the investigation stage.
    started = cast.inspections["a"]
    with pytest.raises(DomainError, match="已进入“了解”阶段，不能删除"):
        services.inspection_delete(inspection=started, actor=cast.office_admin, reason="撤销")
    assert Inspection.objects.filter(pk=started.pk).exists()
    with pytest.raises(DomainError, match="不能删除"):
        services.round_delete(round=cast.round, actor=cast.office_admin, reason="撤销")
    assert Round.objects.filter(pk=cast.round.pk).exists()
    # Still in preparation, but the team has already recorded an activity.
    Activity.objects.create(
        inspection=insp,
        kind=Activity.Kind.values[0],
        title="个别谈话",
        held_on=date(2025, 3, 5),
        created_by=cast.office_admin,
    )
    before = _snapshot(plan)
    with pytest.raises(DomainError, match="已有了解情况记录，不能删除"):
        services.inspection_delete(inspection=insp, actor=cast.office_admin)
    with pytest.raises(DomainError, match="不能删除"):
        services.round_delete(round=rnd, actor=cast.office_admin)
    assert _snapshot(plan) == before


def test_delete_refused_when_revisited(cast, draft):
    plan, _rnd, insp = draft
    rnd2 = services.round_create(
        plan=plan, start=date(2025, 9, 1), end=date(2025, 10, 31), actor=cast.office_admin
    )
    services.inspection_create(
        round=rnd2,
        kind="revisit",
        revisits=insp,
        units=[cast.units["discipline"]],
        actor=cast.office_admin,
    )
    with pytest.raises(DomainError, match="“回头看”巡察"):
        services.inspection_delete(inspection=insp, actor=cast.office_admin)


def test_unit_change_refused_once_started(cast):
    started = cast.inspections["a"]
    with pytest.raises(DomainError, match="不能更换被巡察单位"):
        services.inspection_update(
            inspection=started,
            kind="regular",
            units=[cast.units["discipline"]],
            actor=cast.office_admin,
            reason="调整",
        )


# --- bad input: clear Chinese errors, nothing half-saved --------------------------------


def test_bad_input_nothing_half_saved(cast, draft):
    plan, rnd, insp = draft
    other = services.round_create(
        plan=plan, start=date(2025, 6, 2), end=date(2025, 7, 31), actor=cast.office_admin
    )
    services.inspection_create(
        round=other, kind="regular", units=[cast.units["discipline"]], actor=cast.office_admin
    )
    services.inspection_create(
        round=rnd, kind="regular", units=[cast.units["bureau_child"]], actor=cast.office_admin
    )
    before = _snapshot(plan)
    cases = [
        (
            "早于开始日期",
            lambda: services.round_update(
                round=rnd, start=date(2025, 5, 1), end=date(2025, 4, 1), actor=cast.office_admin
            ),
        ),
        (
            "超出第十二届任期",
            lambda: services.round_update(
                round=other,
                start=date(2025, 12, 1),
                end=date(2027, 1, 31),
                actor=cast.office_admin,
            ),
        ),
        (
            "应在2025年内开始",
            lambda: services.round_update(
                round=rnd, start=date(2024, 12, 1), end=date(2025, 1, 31), actor=cast.office_admin
            ),
        ),
        (
            # The highway centre already has its own assignment in round 1.
            "时间重叠",
            lambda: services.inspection_update(
                inspection=insp,
                kind="regular",
                units=[cast.units["discipline"], cast.units["bureau_child"]],
                actor=cast.office_admin,
            ),
        ),
        (
            # Moving round 2 onto round 1 makes the commission inspected twice at once.
            "时间重叠",
            lambda: services.round_update(
                round=other, start=date(2025, 4, 1), end=date(2025, 5, 30), actor=cast.office_admin
            ),
        ),
        (
            "早于开始日期",
            lambda: services.inspection_update(
                inspection=insp,
                kind="regular",
                units=[cast.units["discipline"]],
                start=date(2025, 4, 20),
                end=date(2025, 4, 1),
                actor=cast.office_admin,
            ),
        ),
        (
            "应在2025年第1轮",
            lambda: services.inspection_update(
                inspection=insp,
                kind="regular",
                units=[cast.units["discipline"]],
                start=date(2025, 3, 3),
                end=date(2025, 6, 30),
                actor=cast.office_admin,
            ),
        ),
        (
            "须填写专项主题",
            lambda: services.inspection_update(
                inspection=insp,
                kind="special",
                units=[cast.units["discipline"]],
                actor=cast.office_admin,
            ),
        ),
        (
            "须选择所回访的原巡察",
            lambda: services.inspection_update(
                inspection=insp,
                kind="revisit",
                units=[cast.units["discipline"]],
                actor=cast.office_admin,
            ),
        ),
        (
            "不由本机构管理",
            lambda: services.inspection_update(
                inspection=insp,
                kind="regular",
                units=[cast.units["township_a"]],
                actor=cast.office_admin,
            ),
        ),
        (
            "请至少选择一个被巡察单位",
            lambda: services.inspection_update(
                inspection=insp, kind="regular", units=[], actor=cast.office_admin
            ),
        ),
        (
            "没有需要保存的修改",
            lambda: services.inspection_update(
                inspection=insp,
                kind="regular",
                units=[cast.units["discipline"]],
                actor=cast.office_admin,
            ),
        ),
    ]
    for message, call in cases:
        with pytest.raises(DomainError, match=message):
            call()
        assert _snapshot(plan) == before, message
    # A round that would no longer hold an assignment with its own dates is refused.
    services.inspection_update(
        inspection=insp,
        kind="regular",
        units=[cast.units["discipline"]],
        start=date(2025, 3, 3),
        end=date(2025, 3, 31),
        actor=cast.office_admin,
    )
    before = _snapshot(plan)
    with pytest.raises(DomainError, match="请先调整该巡察任务的日期"):
        services.round_update(
            round=rnd, start=date(2025, 3, 10), end=date(2025, 4, 30), actor=cast.office_admin
        )
    assert _snapshot(plan) == before


def test_roles_in_services(cast, draft):
    _plan, rnd, insp = draft
    for who in ["leading_group", "county_staff", "team_leader"]:
        with pytest.raises(DomainError, match="权限"):
            services.inspection_delete(inspection=insp, actor=getattr(cast, who))
        with pytest.raises(DomainError, match="权限"):
            services.round_update(
                round=rnd, start=rnd.start, end=rnd.end, name="x", actor=getattr(cast, who)
            )
    assert Inspection.objects.filter(pk=insp.pk).exists()


# --- views ------------------------------------------------------------------------------


def test_plan_page_shows_edit_buttons_by_state_and_role(cast, login, draft):
    plan, rnd, insp = draft
    url = reverse("plans:plan_detail", args=[plan.pk])
    r = login(cast.office_staff).get(url)
    assert (
        f'data-edit-round="{rnd.pk}"' in r.text and f'data-delete-inspection="{insp.pk}"' in r.text
    )
    r = login(cast.leading_group).get(url)
    assert "data-edit-round" not in r.text and "data-delete-inspection" not in r.text
    services.plan_transition(plan=plan, target="submitted", actor=cast.office_staff)
    r = login(cast.office_staff).get(url)
    assert "data-edit-round" not in r.text and "审批期间不能" in r.text


def test_round_edit_view(cast, login, draft):
    plan, rnd, _insp = draft
    url = reverse("plans:round_edit", args=[rnd.pk])
    data = {"start": "2025-03-10", "end": "2025-05-09", "name": "第一轮"}
    assert login(cast.office_staff).get(url).status_code == 200
    for who in ["leading_group", "county_staff", "outsider"]:
        assert login(getattr(cast, who)).post(url, data).status_code == 404, who
    # Wrong order: the form shows the message, nothing saved.
    r = login(cast.office_staff).post(url, {**data, "start": "2025-06-01"})
    assert r.status_code == 200 and "早于开始日期" in r.text
    assert Round.objects.get(pk=rnd.pk).start == date(2025, 3, 3)
    r = login(cast.office_staff).post(url, data)
    assert r.status_code == 302 and Round.objects.get(pk=rnd.pk).start == date(2025, 3, 10)
    # Approved: the reason is required, then the change is in the history.
    _set_state(plan, AnnualPlan.State.APPROVED)
    data = {"start": "2025-03-17", "end": "2025-05-09", "name": "第一轮"}
    r = login(cast.office_admin).post(url, data)
    assert "调整理由" in r.text and Round.objects.get(pk=rnd.pk).start == date(2025, 3, 10)
    login(cast.office_admin).post(url, {**data, "reason": "避开全市重点工作"})
    assert Round.objects.get(pk=rnd.pk).start == date(2025, 3, 17)
    page = login(cast.leading_group).get(reverse("plans:plan_detail", args=[plan.pk]))
    assert "避开全市重点工作" in page.text


def test_round_delete_view(cast, login, draft):
    _plan, rnd, _insp = draft
    url = reverse("plans:round_delete", args=[rnd.pk])
    for who in ["leading_group", "county_staff", "outsider"]:
        assert login(getattr(cast, who)).post(url).status_code == 404, who
    assert login(cast.office_staff).get(url).status_code == 405
    started = reverse("plans:round_delete", args=[cast.round.pk])
    r = login(cast.office_admin).post(started, {"reason": "撤销"}, follow=True)
    assert "不能删除" in r.text and Round.objects.filter(pk=cast.round.pk).exists()
    r = login(cast.office_staff).post(url)
    assert r.status_code == 302 and not Round.objects.filter(pk=rnd.pk).exists()


def test_inspection_edit_view(cast, login, draft):
    _plan, _rnd, insp = draft
    url = reverse("plans:inspection_edit", args=[insp.pk])
    data = {
        "kind": "special",
        "theme": "营商环境",
        "units": [cast.units["discipline"].pk],
        "start": "2025-03-03",
        "end": "2025-04-30",
    }
    r = login(cast.office_staff).get(url)
    assert r.status_code == 200 and "调整巡察任务" in r.text
    for who in ["leading_group", "county_staff", "team_leader"]:
        assert login(getattr(cast, who)).post(url, data).status_code == 404, who
    r = login(cast.office_staff).post(url, {**data, "theme": ""})
    assert "专项主题" in r.text and Inspection.objects.get(pk=insp.pk).kind == "regular"
    r = login(cast.office_staff).post(url, data)
    assert r.status_code == 302
    insp.refresh_from_db()
    assert insp.kind == "special" and insp.theme == "营商环境"


def test_inspection_delete_view(cast, login, draft):
    plan, _rnd, insp = draft
    url = reverse("plans:inspection_delete", args=[insp.pk])
    for who in ["leading_group", "county_staff", "team_member"]:
        assert login(getattr(cast, who)).post(url).status_code == 404, who
    _set_state(plan, AnnualPlan.State.APPROVED)
    r = login(cast.office_staff).post(url, follow=True)
    assert "调整理由" in r.text and Inspection.objects.filter(pk=insp.pk).exists()
    r = login(cast.office_staff).post(url, {"reason": "并入下一轮"})
    assert r.status_code == 302 and not Inspection.objects.filter(pk=insp.pk).exists()
    assert PlanEvent.objects.filter(plan=plan, reason="并入下一轮").exists()


# --- API --------------------------------------------------------------------------------


def _api(client, method, url, body=None):
    return getattr(client, method)(
        url, json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_api_round_patch_and_delete(cast, login, draft):
    plan, rnd, insp = draft
    url = f"/api/v1/plans/rounds/{rnd.pk}"
    body = {"start": "2025-03-10", "end": "2025-05-09"}
    for who in ["leading_group", "county_staff", "team_leader"]:
        assert _api(login(getattr(cast, who)), "patch", url, body).status_code == 404, who
    r = _api(login(cast.office_staff), "patch", url, {"start": "2025-06-01"})
    assert r.status_code == 400 and "早于开始日期" in r.json()["detail"]
    r = _api(login(cast.office_staff), "patch", url, body)
    assert r.status_code == 200 and r.json()["start"] == "2025-03-10"
    assert Inspection.objects.get(pk=insp.pk).start == date(2025, 3, 10)
    services.plan_transition(plan=plan, target="submitted", actor=cast.office_staff)
    r = _api(login(cast.office_staff), "patch", url, {"name": "改名"})
    assert r.status_code == 400 and "已报领导小组审批" in r.json()["detail"]
    r = _api(login(cast.office_staff), "delete", url)
    assert r.status_code == 400 and Round.objects.filter(pk=rnd.pk).exists()
    _set_state(plan, AnnualPlan.State.APPROVED)
    assert _api(login(cast.county_staff), "delete", url + "?reason=x").status_code == 404
    r = _api(login(cast.office_staff), "delete", url)
    assert r.status_code == 400 and "调整理由" in r.json()["detail"]
    r = _api(login(cast.office_staff), "delete", url + "?reason=年度计划压缩")
    assert r.status_code == 204 and not Round.objects.filter(pk=rnd.pk).exists()
    assert PlanEvent.objects.filter(plan=plan, reason="年度计划压缩").exists()


def test_api_inspection_patch_and_delete(cast, login, draft):
    _plan, _rnd, insp = draft
    url = f"/api/v1/plans/inspections/{insp.pk}"
    body = {"kind": "special", "theme": "粮食购销", "unit_ids": [cast.units["discipline"].pk]}
    for who in ["leading_group", "county_staff", "team_leader"]:
        assert _api(login(getattr(cast, who)), "patch", url, body).status_code == 404, who
    assert _api(login(cast.outsider), "delete", url).status_code in (403, 404)
    r = _api(login(cast.office_staff), "patch", url, {"kind": "special"})
    assert r.status_code == 400 and "专项主题" in r.json()["detail"]
    r = _api(login(cast.office_staff), "patch", url, {"unit_ids": [cast.units["township_b"].pk]})
    assert r.status_code == 400
    r = _api(login(cast.office_staff), "patch", url, body)
    assert r.status_code == 200 and r.json()["theme"] == "粮食购销"
    # Started inspections cannot be deleted through the API either.
    started = f"/api/v1/plans/inspections/{cast.inspections['a'].pk}"
    r = _api(login(cast.office_admin), "delete", started + "?reason=撤销")
    assert r.status_code == 400 and "不能删除" in r.json()["detail"]
    r = _api(login(cast.office_staff), "delete", url)
    assert r.status_code == 204 and not Inspection.objects.filter(pk=insp.pk).exists()


# --- the term's due units ---------------------------------------------------------------


def test_due_units_services_and_coverage(cast):
    term = cast.term
    city_units = set(
        Unit.objects.filter(office=cast.city, status="active").values_list("pk", flat=True)
    )
    assert cov.compute(term, date(2026, 6, 1)).total.due == len(city_units)
    with pytest.raises(DomainError, match="权限"):
        services.due_units_add(term=term, kind="other", actor=cast.office_staff)
    # Removing one unit from the default list writes the default out first.
    services.due_unit_remove(
        term=term, unit_id=cast.units["bureau_child"].pk, actor=cast.office_admin
    )
    assert set(TermDueUnit.objects.filter(term=term).values_list("unit_id", flat=True)) == (
        city_units - {cast.units["bureau_child"].pk}
    )
    assert cov.compute(term, date(2026, 6, 1)).total.due == len(city_units) - 1
    assert AuditEntry.objects.filter(object_id=str(term.pk), summary__contains="移出").exists()
    # Bulk add by kind; a unit of another office cannot be added.
    assert services.due_units_add(term=term, kind="other", actor=cast.office_admin) == 1
    with pytest.raises(DomainError, match="都已在"):
        services.due_units_add(term=term, district="江州市", actor=cast.office_admin)
    count = TermDueUnit.objects.count()
    with pytest.raises(DomainError, match="不是本机构管理"):
        services.due_units_add(term=term, units=[cast.units["township_a"]], actor=cast.office_admin)
    assert TermDueUnit.objects.count() == count
    services.due_units_reset(term=term, actor=cast.office_admin)
    assert not TermDueUnit.objects.filter(term=term).exists()


def test_due_units_view(cast, login, django_assert_max_num_queries):
    url = reverse("plans:due_units", args=[cast.term.pk])
    client = login(cast.office_admin)
    with django_assert_max_num_queries(20):
        r = client.get(url)
    assert r.status_code == 200 and "默认为本机构全部现有单位" in r.text
    # The page costs the same whatever the number of units.
    Unit.objects.bulk_create(
        [
            Unit(name=f"江州市第{i}中学", kind="school", office=cast.city, district=f"{i % 3}区")
            for i in range(30)
        ]
    )
    with django_assert_max_num_queries(20):
        assert "江州市第29中学" in client.get(url).text
    school = Unit.objects.get(name="江州市第29中学")
    services.due_unit_remove(term=cast.term, unit_id=school.pk, actor=cast.office_admin)
    assert services.due_units_add(term=cast.term, kind="school", actor=cast.office_admin) == 1
    with django_assert_max_num_queries(20):
        assert "江州市第29中学" in client.get(url).text
    assert login(cast.office_staff).get(url).status_code == 403
    for who in ["leading_group", "outsider"]:
        assert login(getattr(cast, who)).get(url).status_code in (403, 404), who
    county_term = Term.objects.create(
        office=cast.county_a, name="县届", start=date(2024, 1, 1), end=date(2028, 12, 31)
    )
    assert client.get(reverse("plans:due_units", args=[county_term.pk])).status_code == 404
    r = client.post(url, {"action": "remove", "unit": cast.units["bureau"].pk})
    assert r.status_code == 302
    assert not TermDueUnit.objects.filter(term=cast.term, unit=cast.units["bureau"]).exists()
    r = client.post(url, {"action": "add", "kind": "department"}, follow=True)
    assert "已加入1个单位" in r.text
    assert TermDueUnit.objects.filter(term=cast.term, unit=cast.units["bureau"]).exists()
    assert login(cast.office_staff).post(url, {"action": "reset"}).status_code == 403
    client.post(url, {"action": "reset"})
    assert not TermDueUnit.objects.filter(term=cast.term).exists()
    assert "届内应巡察单位" in client.get(reverse("plans:plan_list")).text
