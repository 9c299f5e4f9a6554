"""Three lists and one ledger: export, import round trip, refused and applied changes."""

import io
from datetime import date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from tests.cast import client_for
from tests.rectification.conftest import measure_values
from xuncha.rectification import exports, ledger, services
from xuncha.rectification.models import Measure


def _build(rect):
    for p in rect.problems:
        services.measure_create(
            plan=rect.plan,
            problem=p,
            actor=rect.cast.unit_liaison,
            **measure_values(content=f"{p.title}措施"),
        )


def _export(rect, user=None):
    response = client_for(user or rect.cast.unit_liaison).get(
        f"/rectification/plans/{rect.plan.pk}/ledger.xlsx"
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _upload(rect, wb_bytes, user=None):
    f = SimpleUploadedFile("台账.xlsx", wb_bytes)
    return client_for(user or rect.cast.unit_liaison).post(
        f"/rectification/plans/{rect.plan.pk}/ledger/import/", {"file": f}
    )


def _edit(data, fn):
    wb = load_workbook(io.BytesIO(data))
    fn(wb[ledger.LEDGER_SHEET])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_export_layout_and_round_trip_changes_nothing(rect):
    _build(rect)
    data = _export(rect)
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["整改台账", "任务清单", "责任清单", "问题清单"]
    ws = wb["整改台账"]
    assert [c.value for c in ws[2]] == ledger.HEADERS
    assert ws.max_row == 4
    assert ws["B3"].value == "A-001" and ws["M3"].value == "整改中" and ws["N3"].value == 0
    before = list(Measure.objects.values())
    response = _upload(rect, data)
    body = response.content.decode()
    assert "导入完成：新增 0 项，修改 0 项，未变 2 项" in body
    assert list(Measure.objects.values()) == before


def test_import_applies_changes_with_an_exact_report(rect):
    _build(rect)

    def change(ws):
        ws["I3"] = "王科长"
        ws["J3"] = datetime(2026, 9, 30)
        ws.append(
            [
                "江州市交通运输局",
                "A-002",
                "",
                "",
                None,
                "新增：建立采购内控制度",
                "张局长",
                "办公室",
                "赵主任",
                "2026-07-31",
                "制度印发",
                "是",
                "",
                "",
                "",
            ]
        )

    response = _upload(rect, _edit(_export(rect), change))
    body = response.content.decode()
    assert "新增 1 项，修改 1 项，未变 1 项" in body
    assert "“责任人”由“李科长”改为“王科长”" in body
    assert "“完成时限”由“2026-08-31”改为“2026-09-30”" in body
    m = Measure.objects.get(content="新增：建立采购内控制度")
    assert m.long_term and m.deadline == date(2026, 7, 31) and m.problem.number == "A-002"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda ws: ws.merge_cells("F3:G3"), "合并单元格"),
        (lambda ws: ws.cell(row=2, column=7, value="分管领导"), "缺少列：责任领导"),
        (lambda ws: ws.delete_cols(11), "缺少列：预期成效"),
        (lambda ws: ws.__setitem__("I3", "=A1&B1"), "是公式"),
        (lambda ws: ws.__setitem__("J3", "下个月"), "不是有效日期"),
        (lambda ws: ws.__setitem__("J3", "2026-05-01"), "早于反馈日期"),
        (lambda ws: ws.__setitem__("M3", "已销号"), "系统字段"),
        (lambda ws: ws.__setitem__("B3", "Z-999"), "不在本单位反馈问题清单中"),
        (lambda ws: ws.__setitem__("E3", "99999"), "不属于本方案"),
        (lambda ws: ws.__setitem__("L3", "可能"), "只能填"),
    ],
)
def test_malformed_sheets_are_refused_whole(rect, mutate, message):
    _build(rect)

    def change(ws):
        ws["I4"] = "应不被应用"  # a valid change on another row
        mutate(ws)

    before = list(Measure.objects.order_by("pk").values())
    body = _upload(rect, _edit(_export(rect), change)).content.decode()
    assert "导入未执行" in body and message in body
    assert list(Measure.objects.order_by("pk").values()) == before


def test_not_an_xlsx_is_refused(rect):
    body = _upload(rect, b"not a workbook at all").content.decode()
    assert "不是允许的类型" in body


def test_import_refused_after_adoption_and_for_the_office(rect):
    from tests.rectification.conftest import adopt

    adopt(rect)
    data = _export(rect)
    report = exports.ledger_import(
        plan=rect.plan, file=io.BytesIO(data), actor=rect.cast.unit_liaison
    )
    assert report.errors and "不能修改整改措施" in report.errors[0]
    # The office may export but the import door is the unit's: 404 for anyone else.
    assert _upload(rect, data, user=rect.cast.office_staff).status_code == 404


def test_exports_are_audited_and_scoped(rect):
    from xuncha.audit.models import AuditEntry

    _build(rect)
    _export(rect, rect.cast.office_staff)
    assert AuditEntry.objects.filter(action="export", actor=rect.cast.office_staff).exists()
    # the other unit's liaison cannot reach this plan's ledger
    from tests.cast import make_user
    from xuncha.org.models import Role

    other = make_user(
        "township_liaison", unit=rect.cast.units["township_a"], roles=[Role.UNIT_LIAISON]
    )
    assert (
        client_for(other).get(f"/rectification/plans/{rect.plan.pk}/ledger.xlsx").status_code == 404
    )
    # the overview export of the bureau liaison holds only its own rows
    response = client_for(rect.cast.unit_liaison).get("/rectification/export.xlsx")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["整改台账"]
    assert {r[0] for r in ws.iter_rows(min_row=3, values_only=True)} == {"江州市交通运输局"}


def test_rights_and_state_are_checked_before_the_file_is_opened(rect):
    from tests.rectification.conftest import adopt

    class Untouchable(io.BytesIO):
        name = "台账.xlsx"

        def read(self, *args):
            raise AssertionError("the file was read before rights and state were checked")

    adopt(rect)
    report = exports.ledger_import(plan=rect.plan, file=Untouchable(), actor=rect.cast.unit_liaison)
    assert report.errors and "不能修改整改措施" in report.errors[0]
    report = exports.ledger_import(plan=rect.plan, file=Untouchable(), actor=rect.cast.office_staff)
    assert report.errors and "联络员" in report.errors[0]


def test_a_ledger_longer_than_the_row_limit_is_refused_whole(settings, tmp_path):
    """Rows stop at XUNCHA_LEDGER_IMPORT_MAX_ROWS: a longer ledger is refused with a Chinese
    message and none of its rows is kept (nothing half-imported)."""
    from xuncha.rectification import ledger

    settings.LEDGER_IMPORT_MAX_ROWS = 3
    rows = [
        {k: "" for k in ledger.KEYS}
        | {"unit": "某局", "problem_number": "001", "measure_id": str(i), "content": f"措施{i}"}
        | {"responsible_leader": "张局长", "lead_department": "财务科"}
        | {"responsible_person": "李科长", "deadline": "2026-08-31", "long_term": "否"}
        for i in range(5)
    ]
    path = ledger.write_workbook("台账", rows, watermark="读者（reader） 2026-01-01 10:00 导出")
    with open(path, "rb") as f:
        parsed = ledger.parse_workbook(f)
    assert "台账超过 3 行，请分批导入。" in parsed.errors and parsed.rows == []
    settings.LEDGER_IMPORT_MAX_ROWS = 5
    with open(path, "rb") as f:
        parsed = ledger.parse_workbook(f)
    assert len(parsed.rows) == 5, parsed.errors
