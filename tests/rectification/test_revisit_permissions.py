"""Permission matrix of every 回头看 page and API operation (tests/matrix.py).

Office admin/staff of the city office and the revisit's team (other_member) work on it;
the original inspection's team, the leading group, other offices and the unit get 404;
the unit liaison reads its own findings (and their evidence) only after the report."""

from dataclasses import dataclass

import pytest

from tests.matrix import USERS, case, check_all
from tests.rectification.conftest import pdf
from tests.rectification.revisit_world import build_revisit_world, revisit_inspection
from xuncha.rectification import revisits

pytestmark = pytest.mark.django_db

WORK = {"sysadmin", "office_admin", "office_staff", "other_member"}
SIGNED_IN = set(USERS) - {"anonymous"}
HIDDEN = SIGNED_IN - WORK
READ_REPORTED = WORK | {"unit_liaison"}


@dataclass
class W:
    users: dict
    unstarted: object
    open: object
    open_item: object
    full: object
    reported: object
    evidence_item: object


@pytest.fixture
def w(rect):
    rw = build_revisit_world(rect)
    cast = rect.cast
    staff = cast.office_staff
    a = cast.inspections["a"]
    unstarted = revisit_inspection(cast, a)
    opened = revisits.revisit_start(inspection=rw.inspection, actor=staff)
    first, second = opened.items.order_by("problem__number")
    revisits.finding_record(
        revisit=opened, item_id=first.pk, finding="done", evidence_text="到位", actor=staff
    )
    full = revisits.revisit_start(inspection=revisit_inspection(cast, a), actor=staff)
    for item in full.items.all():
        revisits.finding_record(
            revisit=full, item_id=item.pk, finding="mostly", evidence_text="基本到位", actor=staff
        )
    reported = revisits.revisit_start(inspection=revisit_inspection(cast, a), actor=staff)
    evidence_item = None
    for item in reported.items.order_by("problem__number"):
        evidence_item = evidence_item or revisits.finding_record(
            revisit=reported,
            item_id=item.pk,
            finding="not_done",
            evidence_text="未追回",
            uploaded=pdf(),
            actor=staff,
        )
        if item.pk != evidence_item.pk:
            revisits.finding_record(
                revisit=reported, item_id=item.pk, finding="done", evidence_text="到位", actor=staff
            )
    revisits.revisit_report(revisit=reported, actor=staff)
    return W(cast.users, unstarted, opened, second, full, reported, evidence_item)


def _finding(w):
    return {"item": w.open_item.pk, "finding": "done", "evidence_text": "抽查到位"}


CASES = [
    case(
        "page_unstarted",
        "get",
        lambda w: f"/rectification/revisits/{w.unstarted.pk}/",
        WORK,
        hidden=HIDDEN,
    ),
    case(
        "page_open",
        "get",
        lambda w: f"/rectification/revisits/{w.open.inspection_id}/",
        WORK,
        hidden=HIDDEN,
    ),
    case(
        "page_reported",
        "get",
        lambda w: f"/rectification/revisits/{w.reported.inspection_id}/",
        READ_REPORTED,
        hidden=SIGNED_IN - READ_REPORTED,
    ),
    case(
        "start",
        "post",
        lambda w: f"/rectification/revisits/{w.unstarted.pk}/start/",
        WORK,
        ok=302,
        hidden=HIDDEN,
    ),
    case(
        "finding",
        "post",
        lambda w: f"/rectification/revisits/{w.open.inspection_id}/findings/",
        WORK,
        ok=302,
        hidden=HIDDEN,
        data=_finding,
    ),
    case(
        "report",
        "post",
        lambda w: f"/rectification/revisits/{w.full.inspection_id}/report/",
        WORK,
        ok=302,
        hidden=HIDDEN,
    ),
    case(
        "report_docx",
        "get",
        lambda w: f"/rectification/revisits/{w.reported.inspection_id}/report.docx",
        WORK,
        hidden=SIGNED_IN - WORK,
    ),
    case(
        "evidence",
        "get",
        lambda w: (
            f"/rectification/revisits/{w.reported.inspection_id}/items/{w.evidence_item.pk}/evidence/"
        ),
        READ_REPORTED,
        hidden=SIGNED_IN - READ_REPORTED,
    ),
    case(
        "api_get",
        "get",
        lambda w: f"/api/v1/rectification/revisits/{w.reported.inspection_id}",
        READ_REPORTED,
        hidden=SIGNED_IN - READ_REPORTED,
        schema_path="/api/v1/rectification/revisits/{pk}",
    ),
    case(
        "api_start",
        "post",
        lambda w: f"/api/v1/rectification/revisits/{w.unstarted.pk}/start",
        WORK,
        ok=201,
        hidden=HIDDEN,
        schema_path="/api/v1/rectification/revisits/{pk}/start",
    ),
    case(
        "api_finding",
        "post",
        lambda w: f"/api/v1/rectification/revisits/{w.open.inspection_id}/findings",
        WORK,
        hidden=HIDDEN,
        data=lambda w: {"item_id": w.open_item.pk, "finding": "false", "evidence_text": "补造材料"},
        schema_path="/api/v1/rectification/revisits/{pk}/findings",
    ),
    case(
        "api_finding_upload",
        "post",
        lambda w: f"/api/v1/rectification/revisits/{w.open.inspection_id}/findings/upload",
        WORK,
        hidden=HIDDEN,
        data=lambda w: {
            "item_id": w.open_item.pk,
            "finding": "not_done",
            "evidence_text": "抽查仍未追回",
            "file": pdf(),
        },
        schema_path="/api/v1/rectification/revisits/{pk}/findings/upload",
    ),
    case(
        "api_evidence",
        "get",
        lambda w: (
            f"/api/v1/rectification/revisits/{w.reported.inspection_id}"
            f"/items/{w.evidence_item.pk}/evidence"
        ),
        READ_REPORTED,
        hidden=SIGNED_IN - READ_REPORTED,
        api=True,
    ),
    case(
        "api_report",
        "post",
        lambda w: f"/api/v1/rectification/revisits/{w.full.inspection_id}/report",
        WORK,
        hidden=HIDDEN,
        schema_path="/api/v1/rectification/revisits/{pk}/report",
    ),
]


@pytest.mark.parametrize("op", CASES, ids=lambda c: c.name)
def test_permissions(w, op):
    check_all(op, w)


def test_api_errors_are_chinese_json(w):
    from tests.cast import client_for

    client = client_for(w.users["office_staff"])
    url = f"/api/v1/rectification/revisits/{w.open.inspection_id}/findings"
    r = client.post(
        url,
        {"item_id": w.evidence_item.pk, "finding": "done", "evidence_text": "x"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不在本次“回头看”的核查清单中" in r.json()["detail"]
    r = client.post(f"/api/v1/rectification/revisits/{w.open.inspection_id}/start")
    assert r.status_code == 400 and "已经开始" in r.json()["detail"]


def test_workspace_links_to_the_revisit(w):
    from tests.cast import client_for

    body = (
        client_for(w.users["other_member"])
        .get(f"/inspections/{w.open.inspection_id}/")
        .content.decode()
    )
    assert f"/rectification/revisits/{w.open.inspection_id}/" in body


def test_report_docx_lists_the_open_original_problems(w):
    import io

    from docx import Document

    from tests.cast import client_for

    r = client_for(w.users["office_staff"]).get(
        f"/rectification/revisits/{w.reported.inspection_id}/report.docx"
    )
    text = "\n".join(
        c.text for t in Document(io.BytesIO(r.content)).tables for row in t.rows for c in row.cells
    )
    assert "A-001" in text and "未到位" in text and "A-002" not in text


def test_api_finding_with_a_file_is_stored_and_read_back_audited(w):
    """The API records a finding with its evidence file like the page: the item says it has
    a file, the file comes back byte for byte, and each download is an audit entry."""
    from tests.cast import client_for
    from tests.rectification.conftest import PDF
    from xuncha.audit.models import AuditEntry

    staff = client_for(w.users["office_staff"])
    base = f"/api/v1/rectification/revisits/{w.open.inspection_id}"
    r = staff.post(
        f"{base}/findings/upload",
        {
            "item_id": w.open_item.pk,
            "finding": "false",
            "evidence_text": "材料系事后补造",
            "file": pdf(),
        },
    )
    assert r.status_code == 200, r.content
    assert r.json()["has_evidence_file"] and r.json()["finding"] == "false"
    items = {i["id"]: i for i in staff.get(base).json()["items"]}
    assert items[w.open_item.pk]["has_evidence_file"]
    before = AuditEntry.objects.filter(summary="下载回头看佐证").count()
    r = staff.get(f"{base}/items/{w.open_item.pk}/evidence")
    assert r.status_code == 200 and b"".join(r) == PDF
    assert AuditEntry.objects.filter(summary="下载回头看佐证").count() == before + 1
    # an item without a file has nothing to download
    other = next(i for i in items.values() if not i["has_evidence_file"])
    assert staff.get(f"{base}/items/{other['id']}/evidence").status_code == 404


def test_api_upload_refuses_a_bad_file_and_saves_nothing(w):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.cast import client_for

    staff = client_for(w.users["office_staff"])
    base = f"/api/v1/rectification/revisits/{w.open.inspection_id}"
    fake = SimpleUploadedFile("佐证.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    r = staff.post(
        f"{base}/findings/upload",
        {"item_id": w.open_item.pk, "finding": "done", "evidence_text": "到位", "file": fake},
    )
    assert r.status_code == 400 and any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])
    w.open_item.refresh_from_db()
    assert w.open_item.finding == "" and w.open_item.attachment_id is None
