"""Who sees and does what in the archive: every page and API operation × every cast user.

Only office admin/staff of the inspection's office see its archive (the office above it
reads, never writes); the team, the unit, the leading group, other offices and the system
administrator get 404. The archive's own index page is 403 for anyone without an office
work role."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.archive.conftest import _stage
from tests.cast import client_for
from tests.matrix import EVERYONE, USERS, case, check_all
from xuncha.archive import services
from xuncha.archive.models import ArchiveItem, BorrowedMaterial, DisposalDecision, RecordKind
from xuncha.audit.models import Action, AuditEntry
from xuncha.inspections.models import WorkingPaper
from xuncha.plans.models import Inspection

pytestmark = pytest.mark.django_db

CITY = {"office_admin", "office_staff"}
COUNTY = {"county_staff", *CITY}  # 临川县 staff, and the city office above it (reads)


def _hidden(allowed):
    return EVERYONE - set(allowed)


@pytest.fixture
def world(arch):
    cast = arch.cast
    a = arch.inspection
    cast.archive = services.archive_create(inspection=a, actor=cast.office_admin)
    today = timezone.localdate()
    ArchiveItem.objects.filter(archive=cast.archive, kind=RecordKind.PROBLEM).update(
        expires_on=today - timedelta(days=1)
    )
    cast.due = ArchiveItem.objects.filter(archive=cast.archive, kind=RecordKind.PROBLEM).first()
    cast.county = arch.county
    cast.county_material = services.material_log(
        inspection=arch.county,
        unit=cast.units["village_a"],
        title="村集体资金账簿",
        copies=2,
        borrowed_on=today,
        handler="周干事",
        actor=cast.county_staff,
    )
    b = cast.inspections["b"]
    WorkingPaper.objects.filter(inspection=b).update(state=WorkingPaper.State.FILED)
    _stage(b, Inspection.Stage.EVALUATION)
    cast.b = b
    return cast


A = lambda c: c.inspections["a"].pk  # noqa: E731
TODAY = lambda: timezone.localdate().isoformat()  # noqa: E731

PAGES = [
    case("index", "get", lambda c: "/archive/", allowed=CITY | {"county_staff", "county_b_staff"}),
    case(
        "inspection_archived",
        "get",
        lambda c: f"/archive/inspection/{A(c)}/",
        allowed=CITY,
        hidden=_hidden(CITY),
    ),
    case(
        "inspection_county",
        "get",
        lambda c: f"/archive/inspection/{c.county.pk}/",
        allowed=COUNTY,
        hidden=_hidden(COUNTY),
    ),
    case(
        "download",
        "get",
        lambda c: f"/archive/inspection/{A(c)}/package/",
        allowed=CITY,
        hidden=_hidden(CITY),
    ),
    case(
        "material_log",
        "post",
        lambda c: f"/archive/inspection/{c.county.pk}/materials/",
        allowed={"county_staff"},
        ok=302,
        hidden=_hidden({"county_staff"}),
        data=lambda c: {
            "title": "会议记录",
            "unit": c.units["village_a"].pk,
            "copies": 1,
            "borrowed_on": TODAY(),
            "handler": "周干事",
        },
    ),
    case(
        "material_clear",
        "post",
        lambda c: f"/archive/materials/{c.county_material.pk}/clear/",
        allowed={"county_staff"},
        ok=302,
        hidden=_hidden({"county_staff"}),
        data=lambda c: {"how": "returned", "cleared_on": TODAY(), "note": "村委会签收"},
    ),
    case(
        "archive_create",
        "post",
        lambda c: f"/archive/inspection/{c.b.pk}/archive/",
        allowed=CITY,  # staff see the row; the service then refuses them (test below)
        ok=302,
        hidden=_hidden(CITY),
    ),
    case(
        "retention_update",
        "post",
        lambda c: f"/archive/retention/{c.city.pk}/",
        allowed={"office_admin"},
        ok=302,
        hidden=_hidden({"office_admin"}),
        data=lambda c: {"problem": "permanent"},
    ),
    case(
        "disposal",
        "post",
        lambda c: "/archive/disposal/",
        allowed={"office_admin"},
        ok=302,
        denied={403},
        data=lambda c: {
            "items": [c.due.pk],
            "decision": "extend",
            "extend_years": 10,
            "reason": "延长",
        },
    ),
]

API = "/api/v1/archive"
APIS = [
    case(
        "api_index",
        "get",
        lambda c: f"{API}/inspections/{A(c)}",
        allowed=CITY,
        hidden=_hidden(CITY),
        schema_path="/api/v1/archive/inspections/{inspection_id}",
    ),
    case(
        "api_index_county",
        "get",
        lambda c: f"{API}/inspections/{c.county.pk}",
        allowed=COUNTY,
        hidden=_hidden(COUNTY),
        schema_path="/api/v1/archive/inspections/{inspection_id}",
    ),
    case(
        "api_materials",
        "get",
        lambda c: f"{API}/inspections/{c.county.pk}/materials",
        allowed=COUNTY,
        hidden=_hidden(COUNTY),
        schema_path="/api/v1/archive/inspections/{inspection_id}/materials",
    ),
    case(
        "api_material_log",
        "post",
        lambda c: f"{API}/inspections/{c.county.pk}/materials",
        allowed={"county_staff"},
        ok=201,
        hidden=_hidden({"county_staff"}),
        data=lambda c: {
            "title": "会议记录",
            "unit_id": c.units["village_a"].pk,
            "borrowed_on": TODAY(),
            "handler": "周干事",
        },
        schema_path="/api/v1/archive/inspections/{inspection_id}/materials",
    ),
    case(
        "api_material_clear",
        "post",
        lambda c: f"{API}/materials/{c.county_material.pk}/clear",
        allowed={"county_staff"},
        hidden=_hidden({"county_staff"}),
        data=lambda c: {"how": "destroyed", "cleared_on": TODAY(), "note": "监销人：周干事"},
        schema_path="/api/v1/archive/materials/{material_id}/clear",
    ),
    case(
        "api_archive",
        "post",
        lambda c: f"{API}/inspections/{c.b.pk}/archive",
        allowed={"office_admin"},
        ok=201,
        denied={400},
        hidden=_hidden(CITY),
        schema_path="/api/v1/archive/inspections/{inspection_id}/archive",
    ),
    case(
        "api_due",
        "get",
        lambda c: f"{API}/due",
        allowed=EVERYONE,
        schema_path="/api/v1/archive/due",
    ),
    case(
        "api_disposal",
        "post",
        lambda c: f"{API}/disposals",
        allowed={"office_admin"},
        ok=201,
        denied={400},
        data=lambda c: {"items": [c.due.pk], "decision": "destroy", "reason": "期满销毁"},
        schema_path="/api/v1/archive/disposals",
    ),
    case(
        "api_retention",
        "get",
        lambda c: f"{API}/retention/{c.city.pk}",
        allowed=CITY,
        hidden=_hidden(CITY),
        schema_path="/api/v1/archive/retention/{office_id}",
    ),
    case(
        "api_retention_put",
        "put",
        lambda c: f"{API}/retention/{c.city.pk}",
        allowed={"office_admin"},
        hidden=_hidden({"office_admin"}),
        data=lambda c: {"table": {"problem": "permanent"}},
        schema_path="/api/v1/archive/retention/{office_id}",
    ),
]


@pytest.mark.parametrize("case", PAGES + APIS, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)


def test_package_api_streams_only_to_the_office(world):
    url = f"{API}/inspections/{world.inspections['a'].pk}/package"
    for username in USERS:
        client = Client() if username == "anonymous" else client_for(world.users[username])
        response = client.get(url)
        if username == "anonymous":
            assert response.status_code == 401
        elif username in CITY:
            assert response.status_code == 200 and response["Content-Type"] == "application/zip"
            assert b"".join(response.streaming_content)[:2] == b"PK"
        else:
            assert response.status_code == 404, username


def test_outcomes_behind_the_matrix(world):
    """What the allowed requests did, and what a visible-but-refused one says."""
    staff = client_for(world.office_staff)
    response = staff.post(f"/archive/inspection/{world.b.pk}/archive/", follow=True)
    assert "只有本巡察机构的巡察办管理员可以立卷归档" in response.content.decode()
    response = client_for(world.office_admin).post(f"/archive/inspection/{world.b.pk}/archive/")
    assert world.b.__class__.objects.get(pk=world.b.pk).stage == "archived"
    county = client_for(world.county_staff)
    county.post(
        f"/archive/materials/{world.county_material.pk}/clear/",
        {"how": "returned", "cleared_on": TODAY(), "note": "村委会签收"},
    )
    world.county_material.refresh_from_db()
    assert world.county_material.state == BorrowedMaterial.State.RETURNED
    # the city office reads the county's archive page, without any form to change it
    page = staff.get(f"/archive/inspection/{world.county.pk}/").content.decode()
    assert "村集体资金账簿" in page and "登记调阅材料</button>" not in page
    client_for(world.office_admin).post(
        "/archive/disposal/",
        {"items": [world.due.pk], "decision": "extend", "extend_years": 10, "reason": "涉案"},
    )
    assert DisposalDecision.objects.filter(decision="extend").count() == 1


def test_reads_and_downloads_are_audited_with_the_reader(world):
    staff = client_for(world.office_staff)
    a = world.inspections["a"].pk
    staff.get(f"/archive/inspection/{a}/")
    read = AuditEntry.objects.filter(actor=world.office_staff, action=Action.READ).latest("seq")
    assert "archive.archiveitem" in read.changes["read"]
    response = staff.get(f"/archive/inspection/{a}/package/")
    b"".join(response.streaming_content)
    export = AuditEntry.objects.filter(actor=world.office_staff, action=Action.EXPORT).latest("seq")
    assert export.object_type == "archive.archive" and "office_staff" in export.changes["watermark"]
    staff.get(f"{API}/inspections/{a}")
    read = AuditEntry.objects.filter(actor=world.office_staff, action=Action.READ).latest("seq")
    assert "archive.archiveitem" in read.changes["read"]


def test_bad_input_gets_a_chinese_error_and_saves_nothing(world):
    county = client_for(world.county_staff)
    before = BorrowedMaterial.objects.count()
    response = county.post(
        f"{API}/inspections/{world.county.pk}/materials",
        {
            "title": "",
            "unit_id": world.units["bureau"].pk,
            "borrowed_on": "2099-01-01",
            "handler": "甲",
        },
        content_type="application/json",
    )
    assert response.status_code == 400 and "请填写材料名称" in response.json()["detail"]
    response = county.post(
        f"/archive/inspection/{world.county.pk}/materials/",
        {
            "title": "<script>alert(1)</script>",
            "unit": world.units["village_a"].pk,
            "copies": 1,
            "borrowed_on": "2099-01-01",
            "handler": "甲",
        },
        follow=True,
    )
    assert "调阅日期不能晚于今天" in response.content.decode()
    assert BorrowedMaterial.objects.count() == before
    admin = client_for(world.office_admin)
    not_due = ArchiveItem.objects.filter(archive=world.archive, kind=RecordKind.MEASURE).first()
    response = admin.post(
        f"{API}/disposals",
        {"items": [world.due.pk, not_due.pk], "decision": "destroy", "reason": "期满"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "保管期限未满" in response.json()["detail"]
    assert not DisposalDecision.objects.exists()
    world.due.refresh_from_db()
    assert world.due.state == ArchiveItem.State.KEPT
