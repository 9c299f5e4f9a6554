"""Fixtures of the archive tests: a city inspection at 评估 with records of every kind.

Built on the rectification fixture (feedback delivered, plan adopted); adds an interview
with an attachment, a rectification progress entry with evidence, a clue with a file, a
leading-group review; files the papers and moves the inspection to 评估 directly (the
fieldwork workflow has its own tests). A county inspection (临川县) at 评估 shows the
office-above rule."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.rectification.conftest import PDF, adopt, pdf, rect  # noqa: F401  (fixtures)
from xuncha.inspections import services as fieldwork
from xuncha.inspections.models import Activity, LeadingGroupReview, WorkingPaper
from xuncha.plans.models import Inspection
from xuncha.rectification import services as rectification

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
    b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Arch:
    cast: object
    inspection: object
    county: object
    rect: object
    activity: object
    measure: object


def _stage(inspection, stage):
    Inspection.objects.filter(pk=inspection.pk).update(stage=stage)
    inspection.refresh_from_db()


@pytest.fixture
def arch(rect):  # noqa: F811
    cast = rect.cast
    inspection = cast.inspections["a"]
    measures = adopt(rect)
    _stage(inspection, Inspection.Stage.INVESTIGATION)
    activity = fieldwork.activity_create(
        inspection=inspection,
        kind=Activity.Kind.VISIT,
        actor=cast.team_member,
        title="走访财务科",
        held_on=date(2026, 3, 10),
        summary="谈话记录：反映津补贴发放情况。",
        files=[SimpleUploadedFile("谈话记录.pdf", PDF, content_type="application/pdf")],
    )
    _stage(inspection, Inspection.Stage.RECTIFICATION)
    rectification.progress_add(
        measure=measures[0],
        text="已追回违规资金。",
        files=[pdf("追缴凭证.pdf", PDF + b"% receipt\n")],
        actor=cast.unit_liaison,
    )
    LeadingGroupReview.objects.create(
        inspection=inspection,
        held_on=date(2026, 5, 20),
        decision="同意巡察报告，按程序反馈。",
        recorded_by=cast.office_staff,
    )
    WorkingPaper.objects.filter(inspection=inspection).update(state=WorkingPaper.State.FILED)
    _stage(inspection, Inspection.Stage.EVALUATION)

    county = Inspection.objects.create(
        office=cast.county_a,
        round=cast.round,
        start=date(2026, 3, 2),
        end=date(2026, 4, 30),
        stage=Inspection.Stage.EVALUATION,
    )
    county.units.add(cast.units["village_a"])
    return Arch(cast, inspection, county, rect, activity, measures[0])
