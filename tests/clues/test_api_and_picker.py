"""Handover API (create, send, acknowledge, outcome) and the clue's submission picker.

Every operation: the allowed role succeeds, a denied role is refused, an out-of-scope
object is 404 — and every response matches the published OpenAPI schema."""

import pytest

from tests.api_schema import assert_matches_schema
from tests.cast import client_for, make_user
from tests.rectification.conftest import make_submission
from xuncha.clues import services
from xuncha.clues.models import Clue, Handover
from xuncha.core.errors import DomainError
from xuncha.org.models import Role

BASE = "/api/v1/clues"
JSON = "application/json"


def _clue(rect, **over):
    cast = rect.cast
    values = dict(
        inspection=cast.inspections["a"],
        unit=cast.units["bureau"],
        source="working_paper",
        working_paper=rect.problems[0].paper,
        people_concerned="刘某，财务科科长",
        facts="2025年以加班费名义违规发放补贴12.6万元。",
        proposed_handling="discipline",
        actor=cast.team_member,
    )
    values.update(over)
    return services.clue_create(**values)


def _create_body(rect, clue, evidence=()):
    cast = rect.cast
    return {
        "inspection_id": cast.inspections["a"].pk,
        "recipient_id": cast.units["discipline"].pk,
        "kind": "discipline",
        "subject": "刘某违规发放津补贴问题线索",
        "clue_ids": [clue.pk],
        "evidence_ids": [e.pk for e in evidence],
        "letter_body": "请依规依纪处置，并于三个月内反馈结果。",
    }


def test_api_handover_create(rect):
    cast = rect.cast
    clue = _clue(rect)
    chosen = services.clue_add_evidence(
        clue=clue, title="凭证摘录", extract="2025年3月第12号凭证", actor=cast.team_member
    )
    body = _create_body(rect, clue, [chosen])
    path = f"{BASE}/handovers"

    # a team member reads the inspection but handovers are the office's
    response = client_for(cast.team_member).post(path, body, JSON)
    assert response.status_code == 403
    assert_matches_schema(response, path, "post")
    # inspection out of scope
    for user in (cast.county_b_staff, cast.handover_recipient, cast.unit_liaison):
        response = client_for(user).post(path, body, JSON)
        assert response.status_code == 404, user.username
        assert_matches_schema(response, path, "post")
    # a clue id that does not exist (or is out of scope) is refused, not dropped
    response = client_for(cast.office_staff).post(
        path, {**body, "clue_ids": [clue.pk, 99999]}, JSON
    )
    assert response.status_code == 400 and "线索" in response.json()["detail"]
    assert_matches_schema(response, path, "post")
    response = client_for(cast.office_staff).post(path, {**body, "kind": "x"}, JSON)
    assert response.status_code == 400 and response.json()["detail"] == "请选择移交类型。"
    assert not Handover.objects.exists()

    response = client_for(cast.office_staff).post(path, body, JSON)
    assert response.status_code == 201, response.content
    assert_matches_schema(response, path, "post")
    data = response.json()
    assert data["state"] == "draft" and data["recipient"] == cast.units["discipline"].name
    assert [e["title"] for e in data["evidence"]] == ["凭证摘录"]


def test_api_handover_send_acknowledge_outcome(rect):
    cast = rect.cast
    clue = _clue(rect)
    h = services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="刘某问题线索",
        clues=[clue],
        actor=cast.office_staff,
    )
    office, recipient = client_for(cast.office_staff), client_for(cast.handover_recipient)
    other_recipient = make_user(
        "org_dept_liaison", unit=cast.units["bureau_child"], roles=[Role.HANDOVER_RECIPIENT]
    )
    send = f"{BASE}/handovers/{{handover_id}}/send"
    ack = f"{BASE}/handovers/{{handover_id}}/acknowledge"
    out = f"{BASE}/handovers/{{handover_id}}/outcome"

    # send: the office only (the receiving body sees its draft but cannot send it)
    response = recipient.post(f"{BASE}/handovers/{h.pk}/send")
    assert response.status_code == 403
    assert_matches_schema(response, send, "post")
    response = client_for(cast.county_b_staff).post(f"{BASE}/handovers/{h.pk}/send")
    assert response.status_code == 404
    assert_matches_schema(response, send, "post")
    response = office.post(f"{BASE}/handovers/{h.pk}/send")
    assert response.status_code == 200, response.content
    assert_matches_schema(response, send, "post")
    assert response.json()["state"] == "sent" and response.json()["due_date"]

    # acknowledge: the receiving body's liaison only
    response = office.post(f"{BASE}/handovers/{h.pk}/acknowledge", {}, JSON)
    assert response.status_code == 403
    assert_matches_schema(response, ack, "post")
    for user in (other_recipient, cast.unit_liaison, cast.outsider):
        response = client_for(user).post(f"{BASE}/handovers/{h.pk}/acknowledge", {}, JSON)
        assert response.status_code == 404, user.username
        assert_matches_schema(response, ack, "post")
    # the outcome before the receipt: refused by the workflow
    response = recipient.post(
        f"{BASE}/handovers/{h.pk}/outcome", {"outcome": "talk", "note": "x"}, JSON
    )
    assert response.status_code == 400
    assert_matches_schema(response, out, "post")
    response = recipient.post(f"{BASE}/handovers/{h.pk}/acknowledge", {"note": "已签收"}, JSON)
    assert response.status_code == 200, response.content
    assert_matches_schema(response, ack, "post")
    assert response.json()["state"] == "acknowledged"
    h.refresh_from_db()
    assert h.acknowledged_by == cast.handover_recipient

    # outcome
    outcome = {
        "outcome": Handover.Outcome.values[0],
        "note": "经初步核实，给予诫勉谈话处理。",
        "people_disciplined": 1,
        "money_recovered": "12.6",
    }
    response = office.post(f"{BASE}/handovers/{h.pk}/outcome", outcome, JSON)
    assert response.status_code == 403
    assert_matches_schema(response, out, "post")
    response = client_for(other_recipient).post(f"{BASE}/handovers/{h.pk}/outcome", outcome, JSON)
    assert response.status_code == 404
    assert_matches_schema(response, out, "post")
    response = recipient.post(f"{BASE}/handovers/{h.pk}/outcome", {**outcome, "note": " "}, JSON)
    assert response.status_code == 400 and "办理结果" in response.json()["detail"]
    assert_matches_schema(response, out, "post")
    response = recipient.post(f"{BASE}/handovers/{h.pk}/outcome", outcome, JSON)
    assert response.status_code == 200, response.content
    assert_matches_schema(response, out, "post")
    data = response.json()
    assert data["state"] == "concluded" and data["people_disciplined"] == 1
    assert data["money_recovered"] == "12.60"
    clue.refresh_from_db()
    assert clue.state == Clue.State.CONCLUDED


# --------------------------------------------------------------------------- submission picker

CHOICES = f"{BASE}/submission-choices"


def test_submission_picker_lists_only_visible_submissions_without_identity(rect):
    cast = rect.cast
    mine = make_submission(cast, "a", name="张三")
    theirs = make_submission(cast, "b", name="李四")

    # the team of inspection a: its own submissions, summarised, no reporter
    response = client_for(cast.team_member).get(CHOICES)
    assert response.status_code == 200
    assert_matches_schema(response, CHOICES, "get")
    data = response.json()
    assert [d["id"] for d in data] == [mine.pk]
    assert data[0]["summary"].startswith(mine.number) and "廉洁纪律" in data[0]["summary"]
    assert (
        "张三" not in response.content.decode() and "13900001111" not in response.content.decode()
    )
    response = client_for(cast.team_member).get(
        CHOICES, {"inspection_id": cast.inspections["a"].pk}
    )
    assert [d["id"] for d in response.json()] == [mine.pk]
    # another team's inspection: 404; its own list holds only its own submission
    response = client_for(cast.team_member).get(
        CHOICES, {"inspection_id": cast.inspections["b"].pk}
    )
    assert response.status_code == 404
    assert_matches_schema(response, CHOICES, "get")
    assert [d["id"] for d in client_for(cast.other_member).get(CHOICES).json()] == [theirs.pk]
    # the office sees both; unit and receiving liaisons see none
    assert {d["id"] for d in client_for(cast.office_staff).get(CHOICES).json()} == {
        mine.pk,
        theirs.pk,
    }
    for user in (cast.unit_liaison, cast.handover_recipient, cast.outsider):
        response = client_for(user).get(CHOICES)
        assert response.status_code == 200 and response.json() == [], user.username
        assert_matches_schema(response, CHOICES, "get")


def test_clue_form_picker_and_scope(rect):
    cast = rect.cast
    mine = make_submission(cast, "a", name="张三")
    theirs = make_submission(cast, "b", name="李四")
    team = client_for(cast.team_member)
    body = team.get("/clues/new/").content.decode()
    assert mine.number in body and theirs.number not in body
    assert "张三" not in body and "13900001111" not in body
    assert 'name="submission_id"' not in body  # no raw id entry any more

    form = {
        "inspection": cast.inspections["a"].pk,
        "unit": cast.units["bureau"].pk,
        "source": "submission",
        "people_concerned": "王某，办公室主任",
        "facts": "群众反映公车私用。",
        "proposed_handling": "discipline",
    }
    # another team's submission cannot be picked, even by posting its id
    response = team.post("/clues/new/", {**form, "submission": theirs.pk})
    assert response.status_code == 200
    assert "来源信访件不存在、不属于本次巡察或您无权查看" in response.content.decode()
    response = team.post("/clues/new/", form)
    assert "请选择来源信访件" in response.content.decode()
    assert not Clue.objects.exists()
    response = team.post("/clues/new/", {**form, "submission": mine.pk})
    assert response.status_code == 302
    clue = Clue.objects.get()
    assert clue.submission_id == mine.pk
    body = team.get(f"/clues/{clue.pk}/").content.decode()
    assert mine.number in body and "张三" not in body
    # the unit's liaison cannot open the form at all
    assert client_for(cast.unit_liaison).get("/clues/new/").status_code == 404
    # the service refuses another team's submission, a submission of another inspection,
    # and a liaison, whatever the caller passes
    with pytest.raises(DomainError, match="无权查看"):
        _clue(rect, source="submission", working_paper=None, submission_id=theirs.pk)
    with pytest.raises(DomainError, match="无权查看"):
        _clue(
            rect,
            source="submission",
            working_paper=None,
            submission=theirs,
            actor=cast.office_staff,
        )  # the office sees it, but it belongs to inspection b
    with pytest.raises(DomainError):
        _clue(
            rect, source="submission", working_paper=None, submission=mine, actor=cast.unit_liaison
        )
