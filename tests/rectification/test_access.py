"""Who sees and does what: pages, API and exports, allowed / denied / not visible."""

import io

import pytest
from openpyxl import load_workbook

from tests.cast import client_for, make_user
from tests.rectification.conftest import adopt, make_submission, pdf
from xuncha.clues import services as clue_services
from xuncha.org.models import Role
from xuncha.rectification import services
from xuncha.rectification.models import Measure

USERS = [
    "office_staff",
    "office_admin",
    "leading_group",
    "unit_liaison",
    "handover_recipient",
    "team_member",
    "other_member",
    "county_staff",
    "outsider",
]
OFFICE = {"office_staff", "office_admin", "leading_group"}
READ = OFFICE | {"unit_liaison", "team_member"}


@pytest.fixture
def world(rect):
    cast = rect.cast
    measures = adopt(rect)
    services.progress_add(
        measure=measures[0],
        text="已完成",
        files=[pdf()],
        request_verification=True,
        actor=cast.unit_liaison,
    )
    inspection = cast.inspections["a"]
    clue = clue_services.clue_create(
        inspection=inspection,
        unit=cast.units["bureau"],
        source="problem",
        problem=rect.problems[0],
        people_concerned="某某，财务科科长",
        facts="涉嫌违规发放津补贴",
        proposed_handling="discipline",
        actor=cast.team_member,
    )
    handover = clue_services.handover_create(
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="违规发放津补贴问题线索",
        clues=[clue],
        actor=cast.office_staff,
    )
    clue_services.handover_transition(handover=handover, target="sent", actor=cast.office_staff)
    rect.measures, rect.clue, rect.handover = measures, clue, handover
    return rect


def _matrix(world):
    p, m, c, h = world.plan.pk, world.measures[0].pk, world.clue.pk, world.handover.pk
    return [
        # (url, users that get 200; everyone else 404 — the overview lists are 200 for all)
        (f"/rectification/plans/{p}/", READ),
        (f"/rectification/measures/{m}/", READ),
        (f"/rectification/plans/{p}/ledger.xlsx", READ),
        (f"/rectification/plans/{p}/disclosure/", READ),
        (f"/rectification/plans/{p}/assessment/", {"office_staff", "office_admin"}),
        (f"/rectification/plans/{p}/supervision/new/", {"office_staff", "office_admin"}),
        (f"/rectification/plans/{p}/team-rating/", {"unit_liaison"}),
        (f"/rectification/measures/{m}/edit/", {"unit_liaison"}),
        (f"/rectification/evidence/{world.measures[0].evidence.first().pk}/", READ),
        (f"/clues/{c}/", OFFICE | {"team_member"}),
        (f"/clues/handovers/{h}/", OFFICE | {"handover_recipient"}),
        (f"/clues/handovers/{h}/letter.docx", OFFICE | {"handover_recipient"}),
        (f"/api/v1/rectification/plans/{p}", READ),
        (f"/api/v1/rectification/measures/{m}", READ),
        (f"/api/v1/clues/{c}", OFFICE | {"team_member"}),
        (f"/api/v1/clues/handovers/{h}", OFFICE | {"handover_recipient"}),
    ]


def test_permission_matrix_for_pages_api_and_exports(world):
    cast = world.cast
    wrong = []
    clients = {u: client_for(getattr(cast, u)) for u in USERS}
    for url, allowed in _matrix(world):
        for user in USERS:
            status = clients[user].get(url).status_code
            expected = 200 if user in allowed else 404
            if status != expected:
                wrong.append(f"{user} {url}: {status} (expected {expected})")
    assert wrong == []


def test_lists_are_scoped(world):
    cast = world.cast
    for user in USERS:
        client = client_for(getattr(cast, user))
        for url in ["/rectification/", "/rectification/plans/", "/clues/", "/clues/handovers/"]:
            assert client.get(url).status_code == 200, (user, url)
    body = client_for(cast.county_staff).get("/rectification/").content.decode()
    assert "江州市交通运输局" not in body
    body = client_for(cast.handover_recipient).get("/clues/").content.decode()
    assert world.clue.number not in body


def test_unit_liaison_sees_its_own_feedback_problems_only(world):
    cast = world.cast
    liaison = client_for(cast.unit_liaison)
    # own plan: its feedback problems, not the problem left off the feedback list
    body = liaison.get(f"/rectification/plans/{world.plan.pk}/").content.decode()
    assert "违规发放津补贴" in body and "尚未核实的问题" not in body
    # another unit's plan is not there
    assert liaison.get(f"/rectification/plans/{world.other_plan.pk}/").status_code == 404
    overview = liaison.get("/rectification/").content.decode()
    assert "江州市交通运输局" in overview and "临川县青石镇" not in overview
    # API: own plans and measures only
    plans = liaison.get("/api/v1/rectification/plans").json()
    assert [p["id"] for p in plans] == [world.plan.pk]
    measures = liaison.get("/api/v1/rectification/measures").json()
    assert {m["plan_id"] for m in measures} == {world.plan.pk}
    # no clues, handovers, interviews, papers or submissions
    assert liaison.get("/api/v1/clues/").json() == []
    assert liaison.get("/api/v1/clues/handovers").json() == []
    assert liaison.get(f"/clues/{world.clue.pk}/").status_code == 404
    from xuncha.inspections.models import Activity, WorkingPaper
    from xuncha.org import access

    assert not access.visible(WorkingPaper.objects.all(), cast.unit_liaison).exists()
    assert not access.visible(Activity.objects.all(), cast.unit_liaison).exists()
    # exports: own rows only
    response = liaison.get("/rectification/export.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["整改台账"]
    assert {r[0] for r in ws.iter_rows(min_row=3, values_only=True)} == {"江州市交通运输局"}
    # a liaison of another unit sees nothing of this one
    other = make_user("township_liaison", unit=cast.units["township_a"], roles=[Role.UNIT_LIAISON])
    assert client_for(other).get(f"/rectification/plans/{world.plan.pk}/").status_code == 404
    assert client_for(other).get(f"/rectification/plans/{world.other_plan.pk}/").status_code == 200


def test_recipient_sees_only_its_handovers_and_never_reporter_identity(world):
    cast = world.cast
    submission = make_submission(cast, name="张三")
    clue = clue_services.clue_create(
        inspection=cast.inspections["a"],
        unit=cast.units["bureau"],
        source="submission",
        submission=submission,
        people_concerned="王某，办公室主任",
        facts="群众反映公车私用",
        proposed_handling="discipline",
        actor=cast.office_staff,
    )
    kept = clue_services.clue_add_evidence(
        clue=clue, title="内部摘录", extract="举报人张三称……", actor=cast.office_staff
    )
    chosen = clue_services.clue_add_evidence(
        clue=clue,
        title="车辆使用记录摘录",
        extract="2025年12月周末出车9次",
        actor=cast.office_staff,
    )
    handover = clue_services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="公车私用问题线索",
        clues=[clue],
        evidence=[chosen],
        actor=cast.office_staff,
    )
    clue_services.handover_transition(handover=handover, target="sent", actor=cast.office_staff)
    recipient = client_for(cast.handover_recipient)
    body = recipient.get(f"/clues/handovers/{handover.pk}/").content.decode()
    assert "2025年12月周末出车9次" in body
    assert "举报人张三" not in body and submission.number not in body
    data = recipient.get(f"/api/v1/clues/handovers/{handover.pk}").json()
    assert submission.number not in str(data) and "张三" not in str(data)
    assert "13900001111" not in str(data) and "submission" not in str(data)
    assert [e["title"] for e in data["evidence"]] == ["车辆使用记录摘录"]
    assert recipient.get(f"/clues/evidence/{kept.pk}/").status_code == 404
    # a handover to another body is invisible
    org_unit = cast.units["bureau_child"]
    other = clue_services.handover_create(
        inspection=cast.inspections["a"],
        recipient=org_unit,
        kind="department",
        subject="行业问题",
        problems=[world.problems[1]],
        actor=cast.office_staff,
    )
    assert recipient.get(f"/clues/handovers/{other.pk}/").status_code == 404
    assert {h["id"] for h in recipient.get("/api/v1/clues/handovers").json()} == {
        world.handover.pk,
        handover.pk,
    }


def test_posts_denied_roles_change_nothing(world):
    cast = world.cast
    measure = world.measures[0]
    # the unit cannot close its own measure over HTTP either
    r = client_for(cast.unit_liaison).post(
        f"/rectification/measures/{measure.pk}/verify/",
        {"decision": "approve", "reason": "自查合格"},
        follow=True,
    )
    assert "不能自行销号" in r.content.decode()
    r = client_for(cast.unit_liaison).post(
        f"/api/v1/rectification/measures/{measure.pk}/verify",
        {"decision": "approve", "reason": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不能自行销号" in r.json()["detail"]
    assert (
        client_for(cast.county_staff)
        .post(
            f"/rectification/measures/{measure.pk}/verify/", {"decision": "approve", "reason": "x"}
        )
        .status_code
        == 404
    )
    assert (
        client_for(cast.office_staff)
        .post(f"/rectification/measures/{world.measures[1].pk}/progress/", {"text": "x"})
        .status_code
        == 404
    )
    assert (
        client_for(cast.team_member)
        .post(f"/rectification/plans/{world.plan.pk}/transition/", {"target": "completed"})
        .status_code
        == 302
    )
    measure.refresh_from_db()
    world.plan.refresh_from_db()
    assert measure.state == "pending" and world.plan.state == "adopted"
    # the office can verify over the API
    r = client_for(cast.office_staff).post(
        f"/api/v1/rectification/measures/{measure.pk}/verify",
        {"decision": "approve", "reason": "佐证充分"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["state_after"] == "closed"
    # handover: only the recipient acknowledges
    h = world.handover
    r = client_for(cast.office_staff).post(
        f"/clues/handovers/{h.pk}/transition/", {"target": "acknowledged"}, follow=True
    )
    assert "无权" in r.content.decode()
    assert (
        client_for(cast.unit_liaison)
        .post(f"/clues/handovers/{h.pk}/transition/", {"target": "acknowledged"})
        .status_code
        == 404
    )
    r = client_for(cast.handover_recipient).post(
        f"/clues/handovers/{h.pk}/transition/", {"target": "acknowledged"}
    )
    assert r.status_code == 302
    h.refresh_from_db()
    assert h.state == "acknowledged" and h.acknowledged_by == cast.handover_recipient


def test_overview_query_count_is_constant(world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.cast.office_staff)
    urls = [
        "/rectification/",
        "/rectification/?light=red",
        "/rectification/?state=open&q=措施",
        "/rectification/plans/",
    ]

    def counts():
        out = []
        for url in urls:
            client.get(url)  # warm the per-request caches of settings rows
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            out.append(len(ctx.captured_queries))
        return out

    before = counts()
    for problem in world.problems:
        Measure.objects.bulk_create(
            Measure(
                plan=world.plan,
                problem=problem,
                content=f"措施{i}",
                responsible_leader="甲",
                lead_department="乙",
                responsible_person="丙",
                deadline=world.plan.feedback_date,
            )
            for i in range(40)
        )
    assert counts() == before
    assert max(before) <= 20
