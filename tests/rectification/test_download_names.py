"""Every download serves the stored file under a safe name with the detected extension.

`readme.pdf.bat` holding a PDF is stored as `readme.pdf`, and even a row stored before
that rule (its raw name still `….exe`) is served as `….pdf`: the name is made safe again
from the stored content type, with `X-Content-Type-Options: nosniff`.
"""

from django.urls import reverse

from tests.cast import client_for
from tests.rectification.conftest import adopt, pdf
from xuncha.clues import services as clue_services
from xuncha.clues.models import ClueEvidence
from xuncha.inspections.models import Attachment
from xuncha.inspections.services import attachment_store
from xuncha.rectification import services
from xuncha.rectification.models import Evidence


def _assert_safe(response, expected="readme.pdf"):
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{expected}" in disposition
    assert ".bat" not in disposition and ".exe" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_every_download_view_serves_a_safe_name(rect):
    cast = rect.cast
    measures = adopt(rect)
    services.progress_add(
        measure=measures[0], text="已完成", files=[pdf("readme.pdf.bat")], actor=cast.unit_liaison
    )
    evidence = Evidence.objects.get()
    assert evidence.name == "readme.pdf"
    clue = clue_services.clue_create(
        inspection=cast.inspections["a"],
        unit=cast.units["bureau"],
        source="problem",
        problem=rect.problems[0],
        people_concerned="某某，财务科科长",
        facts="涉嫌违规发放津补贴",
        proposed_handling="discipline",
        actor=cast.team_member,
    )
    clue_evidence = clue_services.clue_add_evidence(
        clue=clue, title="票据", file=pdf("invoice.pdf.exe"), actor=cast.team_member
    )
    assert clue_evidence.file_name == "invoice.pdf"
    attachment = attachment_store(
        inspection=cast.inspections["a"], uploaded=pdf("readme.pdf.bat"), actor=cast.team_member
    )
    assert attachment.original_name == "readme.pdf"

    # Rows stored before the rule still carry the raw names: served safely all the same.
    Evidence.objects.update(name="readme.pdf.bat")
    ClueEvidence.objects.update(file_name="readme.pdf.exe")
    Attachment.objects.update(original_name="readme.pdf.bat")

    _assert_safe(
        client_for(cast.unit_liaison).get(
            reverse("rectification:evidence_download", args=[evidence.pk])
        )
    )
    member = client_for(cast.team_member)
    _assert_safe(member.get(reverse("clues:evidence_download", args=[clue_evidence.pk])))
    _assert_safe(member.get(reverse("inspections:attachment_download", args=[attachment.pk])))
