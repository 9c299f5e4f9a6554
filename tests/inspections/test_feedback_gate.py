"""反馈 → 移交与整改 is gated: every inspected unit's feedback delivered, the main leader told,
the feedback meeting held and the signed receipt filed; the message names what is missing."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cast import client_for
from tests.feedback import deliver_feedback
from tests.inspections.conftest import make_problem, set_stage, sign_off
from xuncha.core.errors import DomainError
from xuncha.inspections import services
from xuncha.inspections.models import Inspection
from xuncha.reports import delivery

ON = date(2026, 6, 10)


def _move(cast, inspection):
    return services.inspection_transition(
        inspection=inspection, target="rectification", actor=cast.office_staff
    )


@pytest.fixture
def at_feedback(cast):
    inspection = cast.inspections["a"]
    problem = make_problem(cast)
    sign_off(cast, problem)
    services.problem_approve(problem=problem, actor=cast.team_leader)
    set_stage(inspection, Inspection.Stage.FEEDBACK)
    return inspection


@pytest.mark.django_db
def test_each_missing_step_is_named_until_all_are_recorded(cast, at_feedback):
    inspection = at_feedback
    with pytest.raises(DomainError, match="江州市交通运输局（反馈意见未送达）"):
        _move(cast, inspection)
    draft = deliver_feedback(cast, inspection, cast.units["bureau"], ON)
    with pytest.raises(DomainError, match="缺向主要负责人反馈、反馈会、签收回执"):
        _move(cast, inspection)
    delivery.leader_feedback_record(
        draft=draft, held_on=ON, leader_name="张局长", delivered_by="何组长", actor=cast.team_leader
    )
    with pytest.raises(DomainError, match="缺反馈会、签收回执"):
        _move(cast, inspection)
    delivery.feedback_meeting_record(
        draft=draft, held_on=ON, attendees="班子成员", delivered_by="何组长", actor=cast.team_leader
    )
    with pytest.raises(DomainError, match="缺签收回执"):
        _move(cast, inspection)
    inspection.refresh_from_db()
    assert inspection.stage == "feedback"
    delivery.receipt_upload(
        draft=draft,
        signed_on=ON,
        signed_by="张局长",
        uploaded=SimpleUploadedFile(
            "回执.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf"
        ),
        actor=cast.unit_liaison,
    )
    _move(cast, inspection)
    inspection.refresh_from_db()
    assert inspection.stage == "rectification"


@pytest.mark.django_db
def test_workspace_says_what_blocks_rectification(cast, at_feedback):
    page = client_for(cast.office_staff).get(
        reverse("inspections:workspace", args=[at_feedback.pk])
    )
    assert "反馈尚未完成：江州市交通运输局（反馈意见未送达）" in page.content.decode()
