"""Every kind of official document, as LibreOffice lays it out: 28 characters × 22 lines.

The documents come from the real builders (work plan, appointment, declaration, report,
feedback, topical report, recommendation letter, handover letter, 督办单) on the shared
cast; one `soffice --headless --convert-to pdf` converts them all at once (a few seconds),
with a private user profile so parallel runs do not share LibreOffice's lock. The PDF
text is read with pdftotext (poppler-utils), whose plain mode keeps one output line per
typeset line and a form feed per page — exactly the two figures GB/T 9704 fixes.
"""

import shutil
import subprocess
from datetime import date, timedelta

import pytest
from django.db import transaction

from tests.cast import build_cast
from tests.feedback import deliver_feedback, reviewed
from tests.reports.fieldwork import make_problem
from xuncha.clues.models import Handover
from xuncha.clues.services import handover_letter_docx
from xuncha.plans import documents as plan_documents
from xuncha.plans.models import Declaration, Inspection, TeamMember
from xuncha.rectification import services as rectification
from xuncha.rectification.models import SupervisionLetter
from xuncha.reports import services as reports

SOFFICE, PDFTOTEXT = shutil.which("soffice"), shutil.which("pdftotext")

pytestmark = [
    pytest.mark.django_db,  # pytest-django only sets up a test database for tests marked so
    pytest.mark.skipif(
        not SOFFICE or not PDFTOTEXT,
        reason="LibreOffice (soffice) or poppler-utils (pdftotext) not installed: "
        "scripts/setup.sh --test installs them",
    ),
]

LONG = (
    "巡察组坚持发现问题、形成震慑，推动改革、促进发展，"
    "紧扣被巡察党组织职能责任，聚焦坚持党的领导、加强党的建设、全面从严治党。"
) * 6
# text that also goes into table cells (narrower lines, 14 pt): kept apart from LONG
OTHER = "被巡察党组织落实整改主体责任不够到位，整改措施针对性不强，长效机制建设滞后。" * 4


def _documents() -> dict[str, bytes]:
    cast = build_cast()
    leader, staff = cast.team_leader, cast.office_staff
    a = cast.inspections["a"]
    cast.round.name = "重点巡察市直部门"  # a round note without a full stop
    cast.round.save()
    for i, code in enumerate(["B4", "A7", "B6", "C2"], 1):
        make_problem(a, code, f"00{i}", user=leader, title=f"问题{i}：{OTHER[:40]}")
    plan = plan_documents.work_plan(cast.plan, staff)
    plan.sections.insert(1, LONG)
    appointment = plan_documents.team_appointment(a, staff)
    appointment.sections.insert(1, LONG)
    member = a.team.members.exclude(role=TeamMember.Role.LEADER).first()
    declaration = plan_documents.declaration_form(
        Declaration.objects.create(member=member, statement=OTHER), staff
    )
    declaration.sections.append(LONG)
    docs = {
        "work_plan": plan_documents.render(plan),
        "appointment": plan_documents.render(appointment),
        "declaration": plan_documents.render(declaration),
    }
    reviewed(cast, a)
    for kind in ("report", "feedback", "topical", "recommendation"):
        recipient = "中共江州市纪委监委" if kind == "recommendation" else ""
        draft = reports.draft_generate(inspection=a, kind=kind, actor=leader, recipient=recipient)
        first = draft.sections[0]
        text = LONG * 4 if kind == "report" else LONG  # the report fills a page or two
        draft.sections = [{"heading": "", "level": 0, "text": text}, *draft.sections]
        draft.save(update_fields=["sections"])
        assert first  # the generated body is kept after the long paragraph
        docs[kind] = reports.draft_export(draft=draft, actor=leader)[1]
    handover = Handover.objects.create(
        office=cast.city,
        inspection=a,
        recipient=cast.units["discipline"],
        kind="discipline",
        number="江巡移〔2026〕1号",
        subject="违规发放津补贴问题线索",
        letter_body=LONG,
        created_by=staff,
    )
    handover.problems.set(a.problems.all())  # the letter's problem table
    docs["handover"] = handover_letter_docx(handover, actor=staff)
    Inspection.objects.filter(pk=a.pk).update(stage="feedback")
    a.refresh_from_db()
    deliver_feedback(cast, a, cast.units["bureau"], date(2026, 6, 1), actor=staff)
    plan = rectification.plan_open(inspection=a, unit=cast.units["bureau"], actor=staff)
    letter = SupervisionLetter.objects.create(
        plan=plan,
        number="江巡督〔2026〕1号",
        requirement=LONG,
        reply_by=date(2026, 7, 1) + timedelta(days=30),
        issued_by=staff,
    )
    docs["supervision"] = rectification.supervision_letter_docx(letter, actor=staff)
    return docs


@pytest.fixture(scope="session")
def converted(django_db_setup, django_db_blocker, tmp_path_factory):
    """{kind: (docx bytes, pages of typeset lines)} after one LibreOffice run."""
    with django_db_blocker.unblock(), transaction.atomic():
        docs = _documents()
        transaction.set_rollback(True)
    out = tmp_path_factory.mktemp("lo")
    paths = []
    for kind, data in docs.items():
        path = out / f"{kind}.docx"
        path.write_bytes(data)
        paths.append(str(path))
    subprocess.run(  # noqa: S603 (our own files, absolute executable)
        [
            SOFFICE,
            f"-env:UserInstallation=file://{out}/profile",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *paths,
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    result = {}
    for kind, data in docs.items():
        pdf = out / f"{kind}.pdf"
        assert pdf.exists(), f"LibreOffice did not convert {kind}"
        text = subprocess.run(  # noqa: S603
            [PDFTOTEXT, str(pdf), "-"], check=True, capture_output=True, text=True
        ).stdout
        result[kind] = (data, pdf, [page.splitlines() for page in text.split("\f")])
    return result


KINDS = [
    "work_plan",
    "appointment",
    "declaration",
    "report",
    "feedback",
    "topical",
    "recommendation",
    "handover",
    "supervision",
]


def _in_long(line: str) -> bool:
    return len(line) >= 20 and line in LONG * 5  # table cells (14 pt, narrow) are shorter


@pytest.mark.parametrize("kind", KINDS)
def test_28_characters_a_line(converted, kind):
    _data, _pdf, pages = converted[kind]
    lines = [line.strip() for page in pages for line in page if _in_long(line.strip())]
    assert len(lines) >= 8, pages[0]
    for line in lines:
        # 28; 26 after the two-character indent; 27/29 when a mark is pushed or hangs
        assert 26 <= len(line) <= 29, (kind, line, len(line))
    assert sum(len(line) == 28 for line in lines) >= len(lines) * 2 // 3, lines


def test_22_lines_a_page(converted):
    """A page that body text fills holds 22 lines (the report starts with four long paragraphs)."""
    _data, _pdf, pages = converted["report"]
    full = [
        page
        for page in pages
        if sum(_in_long(line.strip()) for line in page) >= 20
        and all(_in_long(line.strip()) or "导出" in line or "—" in line for line in page if line)
    ]
    assert full, pages[:3]
    for page in full:
        assert sum(_in_long(line.strip()) for line in page) == 22, page


def test_plan_names_the_party_committee_and_whole_round_sentences(converted):
    _data, _pdf, pages = converted["work_plan"]
    text = "".join(
        line.strip()
        for page in pages
        for line in page
        if "导出" not in line and not line.strip().startswith("—")  # header and page number
    )
    assert "根据中共江州市委巡察工作规划" in text
    assert "党委巡察工作规划" not in text
    assert "重点巡察市直部门。" in text
    assert "本轮安排：" in text
