"""Clues and handovers: registration, confidentiality, letter, receipt, outcome, due dates."""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from docx import Document

from tests.cast import client_for
from tests.rectification.conftest import make_submission
from xuncha.audit.models import AuditEntry
from xuncha.clues import services
from xuncha.clues.models import Clue
from xuncha.core.errors import DomainError
from xuncha.rectification.deadlines import month_later
from xuncha.rectification.services import config_for


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


def test_clue_sources_and_bad_input(rect):
    cast = rect.cast
    assert _clue(rect).number.startswith("XS")
    assert (
        _clue(rect, source="problem", working_paper=None, problem=rect.problems[1]).problem
        == rect.problems[1]
    )
    submission = make_submission(cast)
    assert (
        _clue(rect, source="submission", working_paper=None, submission=submission).submission_id
        == submission.pk
    )
    with pytest.raises(DomainError, match="来源问题不属于"):
        _clue(rect, source="problem", working_paper=None, problem=rect.other_problem)
    with pytest.raises(DomainError, match="请选择来源信访件"):
        _clue(rect, source="submission", working_paper=None)
    with pytest.raises(DomainError, match="反映对象"):
        _clue(rect, people_concerned=" ")
    with pytest.raises(DomainError, match="只有本巡察组成员"):
        _clue(rect, actor=cast.other_member)
    with pytest.raises(DomainError):
        _clue(rect, actor=cast.unit_liaison)


def test_clue_read_is_audited(rect):
    clue = _clue(rect)
    response = client_for(rect.cast.leading_group).get(f"/clues/{clue.pk}/")
    assert response.status_code == 200 and "刘某" in response.content.decode()
    assert AuditEntry.objects.filter(
        action="read",
        object_type="clues.clue",
        object_id=str(clue.pk),
        actor=rect.cast.leading_group,
    ).exists()


def test_evidence_upload_checks_type(rect):
    clue = _clue(rect)
    with pytest.raises(DomainError, match="不是允许的类型"):
        services.clue_add_evidence(
            clue=clue,
            title="x",
            file=SimpleUploadedFile("a.pdf", b"\x00\x01\x02" * 50),
            actor=rect.cast.team_member,
        )
    e = services.clue_add_evidence(
        clue=clue,
        title="凭证",
        file=SimpleUploadedFile("凭证.pdf", b"%PDF-1.4\n%%EOF\n"),
        actor=rect.cast.team_member,
    )
    assert e.sha256 and e.content_type == "application/pdf"


def test_handover_lifecycle_with_letter_receipt_and_outcome(rect):
    cast = rect.cast
    clue = _clue(rect)
    extract = services.clue_add_evidence(
        clue=clue, title="财务凭证摘录", extract="2025年3月第12号凭证", actor=cast.team_member
    )
    config = config_for(cast.city)
    config.handover_due_months = 6
    config.save()
    with pytest.raises(DomainError, match="至少选择"):
        services.handover_create(
            inspection=cast.inspections["a"],
            recipient=cast.units["discipline"],
            kind="discipline",
            subject="x",
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError):
        services.handover_create(
            inspection=cast.inspections["a"],
            recipient=cast.units["discipline"],
            kind="discipline",
            subject="x",
            clues=[clue],
            actor=cast.team_member,
        )
    h = services.handover_create(
        inspection=cast.inspections["a"],
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="刘某违规发放津补贴问题线索",
        clues=[clue],
        evidence=[extract],
        actor=cast.office_staff,
    )
    with pytest.raises(DomainError, match="无权"):
        services.handover_transition(handover=h, target="sent", actor=cast.handover_recipient)
    h = services.handover_transition(handover=h, target="sent", actor=cast.office_staff)
    from django.utils import timezone

    assert h.due_date == month_later(timezone.localdate(), 6)
    clue.refresh_from_db()
    assert clue.state == Clue.State.HANDED_OVER
    letter = client_for(cast.handover_recipient).get(f"/clues/handovers/{h.pk}/letter.docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(letter.content)).paragraphs)
    assert "关于移交刘某违规发放津补贴问题线索的函" in text and "2025年3月第12号凭证" in text
    with pytest.raises(DomainError, match=r"已签收|不能执行"):
        services.handover_transition(
            handover=h, target="concluded", actor=cast.handover_recipient, outcome="case", note="x"
        )
    services.handover_transition(handover=h, target="acknowledged", actor=cast.handover_recipient)
    with pytest.raises(DomainError, match="处置方式"):
        services.handover_transition(
            handover=h, target="concluded", actor=cast.handover_recipient, outcome="bogus", note="x"
        )
    with pytest.raises(DomainError, match="负数"):
        services.handover_transition(
            handover=h,
            target="concluded",
            actor=cast.handover_recipient,
            outcome="case",
            note="立案",
            people_disciplined=-1,
        )
    h = services.handover_transition(
        handover=h,
        target="concluded",
        actor=cast.handover_recipient,
        outcome="case",
        note="已立案审查调查，给予党内严重警告处分。",
        people_disciplined=2,
        money_recovered="12.6",
    )
    assert (h.outcome, h.people_disciplined, h.money_recovered) == ("case", 2, Decimal("12.60"))
    assert [x.to_state for x in h.history.all()] == ["sent", "acknowledged", "concluded"]
    clue.refresh_from_db()
    assert clue.state == Clue.State.CONCLUDED
    assert AuditEntry.objects.filter(object_type="clues.handover", action="transition").count() == 3


def test_handover_pages(rect):
    cast = rect.cast
    clue = _clue(rect)
    office = client_for(cast.office_staff)
    assert office.get("/clues/new/").status_code == 200
    assert office.get("/clues/handovers/new/").status_code == 200
    r = office.post(
        "/clues/handovers/new/",
        {
            "inspection": cast.inspections["a"].pk,
            "recipient": cast.units["discipline"].pk,
            "kind": "discipline",
            "subject": "问题线索",
            "clues": [clue.pk],
        },
    )
    assert r.status_code == 302
    assert client_for(cast.unit_liaison).get("/clues/handovers/new/").status_code == 404
    assert date.today()  # keep the import used
