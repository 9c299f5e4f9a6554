"""协作查阅单位 (issue 11 §8): an office names 纪委监委/组织部 units as readers; their liaison
reads the office's approved plans and final reports and feedback opinions, every read audited,
and nothing else (drafts, other offices, the inspection's workspace)."""

import pytest

from tests.cast import client_for
from tests.matrix import USERS, case, check_all
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.org.models import Unit
from xuncha.plans import services
from xuncha.plans.models import AnnualPlan, PlanSettings, Term
from xuncha.reports.models import ReportDraft


def _report(cast, inspection, state, title):
    return ReportDraft.objects.create(
        inspection=inspection,
        kind=ReportDraft.Kind.REPORT,
        title=title,
        state=state,
        sections=[{"heading": "一、总体情况", "level": 1, "text": "正文"}],
        created_by=cast.team_leader,
        updated_by=cast.team_leader,
    )


@pytest.fixture
def world(cast):
    services.settings_update(
        office=cast.city, data={}, readers=[cast.units["discipline"]], actor=cast.office_admin
    )
    cast.draft_plan = AnnualPlan.objects.create(term=cast.term, year=2027)
    county_term = Term.objects.create(
        office=cast.county_a, name="第十二届", start=cast.term.start, end=cast.term.end
    )
    cast.county_plan = AnnualPlan.objects.create(
        term=county_term, year=2026, state=AnnualPlan.State.APPROVED
    )
    a = cast.inspections["a"]
    cast.final_report = _report(cast, a, ReportDraft.State.FINAL, "江州市委第一巡察组巡察报告")
    b = cast.inspections["b"]
    cast.draft_report = _report(cast, b, ReportDraft.State.DRAFT, "巡察报告（草稿）")
    return cast


@pytest.mark.django_db
def test_reader_reads_approved_plans_and_final_reports_audited(world):
    cast = world
    reader = client_for(cast.handover_recipient)
    page = reader.get(f"/plans/{cast.plan.pk}/")
    assert page.status_code == 200
    assert AuditEntry.objects.filter(
        actor=cast.handover_recipient, action="read", object_type="plans.annualplan"
    ).exists()
    assert reader.get(f"/plans/{cast.draft_plan.pk}/").status_code == 404
    assert reader.get(f"/plans/{cast.county_plan.pk}/").status_code == 404
    listing = reader.get("/plans/").content.decode()
    assert f"/plans/{cast.plan.pk}/" in listing and f"/plans/{cast.draft_plan.pk}/" not in listing
    docs = reader.get("/reports/").content.decode()
    assert "江州市委第一巡察组巡察报告" in docs and "巡察报告（草稿）" not in docs
    assert f"/reports/inspections/{cast.inspections['a'].pk}/" not in docs  # no workspace link
    download = reader.get(f"/reports/draft/{cast.final_report.pk}/download/")
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert AuditEntry.objects.filter(
        actor=cast.handover_recipient, object_type="reports.reportdraft"
    ).exists()
    assert reader.get(f"/reports/draft/{cast.draft_report.pk}/download/").status_code == 404
    assert reader.get(f"/inspections/{cast.inspections['a'].pk}/").status_code == 404
    menu = reader.get("/").content.decode()
    assert "计划管理" in menu and "巡察文书" in menu


@pytest.mark.django_db
def test_every_path_a_reader_reads_a_plan_by_is_audited(world):
    """Page, .docx download and API: one audit entry per read, each saying how; the office's
    own staff reading the same plan add none (the plan is theirs, not confidential to them)."""
    cast = world
    reads = AuditEntry.objects.filter(object_type="plans.annualplan", action="read")
    reader = client_for(cast.handover_recipient)
    assert reader.get(f"/plans/{cast.plan.pk}/").status_code == 200
    docx = reader.get(f"/plans/{cast.plan.pk}/workplan.docx")
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert reader.get(f"/api/v1/plans/plans/{cast.plan.pk}").status_code == 200
    summaries = sorted(
        reads.filter(actor=cast.handover_recipient).values_list("summary", flat=True)
    )
    assert summaries == sorted(
        [f"协作单位查阅{cast.plan}", f"协作单位下载{cast.plan}", f"协作单位查阅{cast.plan}"]
    )
    staff = client_for(cast.office_staff)
    staff.get(f"/plans/{cast.plan.pk}/workplan.docx")
    staff.get(f"/api/v1/plans/plans/{cast.plan.pk}")
    assert not reads.filter(actor=cast.office_staff).exists()


@pytest.mark.django_db
def test_without_the_setting_a_recipient_reads_nothing(cast):
    reader = client_for(cast.handover_recipient)
    assert reader.get("/plans/").status_code == 403
    assert reader.get(f"/plans/{cast.plan.pk}/").status_code == 404
    home = reader.get("/").content.decode()
    assert "计划管理" not in home and "巡察文书" not in home


@pytest.mark.django_db
def test_readers_come_from_the_office_or_above_and_changes_are_audited(world):
    cast = world
    entry = AuditEntry.objects.filter(object_type="plans.plansettings").latest("pk")
    assert entry.changes["readers"] == [[], ["江州市纪委监委"]]
    other = Unit.objects.filter(office=cast.county_b).first()
    with pytest.raises(DomainError, match="上级机构"):
        services.settings_update(
            office=cast.city, data={}, readers=[other], actor=cast.office_admin
        )
    assert list(PlanSettings.for_office(cast.city).readers.all()) == [cast.units["discipline"]]


@pytest.mark.django_db
def test_settings_page_names_readers(cast):
    admin = client_for(cast.office_admin)
    form = admin.get("/plans/settings/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k != "readers"}
    data = {k: v for k, v in data.items() if not isinstance(v, bool) or v}
    data["readers"] = [cast.units["discipline"].pk]
    response = admin.post("/plans/settings/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(PlanSettings.for_office(cast.city).readers.all()) == [cast.units["discipline"]]


READ = {"office_admin", "office_staff", "leading_group", "sysadmin"}
SIGNED_IN = set(USERS) - {"anonymous"}
CASES = [
    case(
        "approved_plan",
        "get",
        lambda c: f"/plans/{c.plan.pk}/",
        READ | {"handover_recipient"},
        hidden=SIGNED_IN - READ - {"handover_recipient", "county_staff", "county_b_staff"},
    ),
    case(
        "draft_plan",
        "get",
        lambda c: f"/plans/{c.draft_plan.pk}/",
        READ,
        hidden=SIGNED_IN - READ,
    ),
    case(
        "final_report_download",
        "get",
        lambda c: f"/reports/draft/{c.final_report.pk}/download/",
        READ | {"handover_recipient", "team_leader", "team_member"},
        hidden=SIGNED_IN - READ - {"handover_recipient", "team_leader", "team_member"},
    ),
    case(
        "draft_report_download",
        "get",
        lambda c: f"/reports/draft/{c.draft_report.pk}/download/",
        READ | {"other_member"},
        hidden=SIGNED_IN - READ - {"other_member"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(world, case):
    check_all(case, world)


@pytest.mark.django_db
def test_readers_reach_plans_only_not_the_pool_coverage_or_calendar(world):
    reader = client_for(world.handover_recipient)
    listing = reader.get("/plans/")
    assert listing.status_code == 200 and "/plans/coverage/" not in listing.content.decode()
    for url in ("/plans/inspectors/", "/plans/coverage/", "/plans/calendar/"):
        assert reader.get(url).status_code == 403, url
