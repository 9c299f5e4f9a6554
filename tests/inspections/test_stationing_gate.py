"""The 进驻 gate: declared conflicts of interest and stationing far before the scheduled start."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.inspections.conftest import set_stage
from tests.inspections.test_workflow import publish_announcement
from xuncha.audit.models import Action, AuditEntry
from xuncha.core.errors import DomainError
from xuncha.core.workdays import add_working_days
from xuncha.inspections import services, workflow
from xuncha.inspections.models import FieldworkSettings, StageChange
from xuncha.inspections.prep import prepare_for_stationing
from xuncha.plans.models import Declaration, Inspection, TeamMember

pytestmark = pytest.mark.django_db
Stage = Inspection.Stage


def _station(inspection, actor, note=""):
    return services.inspection_transition(
        inspection=inspection, target=Stage.STATIONING, actor=actor, note=note
    )


def _ready(cast):
    inspection = cast.inspections["a"]
    set_stage(inspection, Stage.PREPARATION)
    publish_announcement(inspection)
    prepare_for_stationing(inspection, cast.office_staff)
    return inspection


def _declare(cast, inspection):
    member = TeamMember.objects.get(team__inspection=inspection, inspector__user=cast.team_member)
    decl, _ = Declaration.objects.update_or_create(
        member=member,
        defaults={
            "has_conflict": True,
            "statement": "本人配偶在被巡察单位财务科工作。",
            "submitted_at": timezone.now(),
        },
    )
    return decl


def test_declared_conflict_blocks_stationing_until_the_office_overrides(cast, login):
    inspection = _ready(cast)
    decl = _declare(cast, inspection)
    name = decl.member.inspector.name
    with pytest.raises(DomainError) as exc:
        _station(inspection, cast.office_staff)
    assert name in exc.value.message and "回避" in exc.value.message
    assert "特批理由" in exc.value.message
    inspection.refresh_from_db()
    assert inspection.stage == Stage.PREPARATION
    page = login(cast.office_staff).get(f"/inspections/{inspection.pk}/").content.decode()
    assert f"巡察组成员{name}申报存在回避情形" in page

    # Staff may not override; an empty reason is refused; the admin's reason is audited.
    url = f"/plans/declarations/{decl.pk}/override/"
    login(cast.office_staff).post(url, {"reason": "工作需要"})
    admin = login(cast.office_admin)
    assert "特批参加巡察组" in admin.get(f"/plans/declarations/{decl.pk}/").content.decode()
    admin.post(url, {"reason": "  "})
    decl.refresh_from_db()
    assert decl.override_reason == ""
    admin.post(url, {"reason": "该同志熟悉财务审计，且不参与财务科相关谈话。"})
    decl.refresh_from_db()
    assert decl.override_by == cast.office_admin and "财务审计" in decl.override_reason
    entry = AuditEntry.objects.filter(action=Action.OVERRIDE).get()
    assert entry.changes["reason"].startswith("该同志熟悉财务审计")
    _station(inspection, cast.office_staff)
    inspection.refresh_from_db()
    assert inspection.stage == Stage.STATIONING


def test_replacing_the_declared_member_unblocks_stationing(cast):
    inspection = _ready(cast)
    decl = _declare(cast, inspection)
    assert workflow.declared_conflicts_resolved(inspection)
    decl.member.delete()  # replaced: the member leaves the team (and the declaration with it)
    assert workflow.declared_conflicts_resolved(inspection) is None
    _station(inspection, cast.office_staff)


def test_a_declaration_without_conflict_does_not_block(cast):
    inspection = _ready(cast)
    decl = _declare(cast, inspection)
    Declaration.objects.filter(pk=decl.pk).update(has_conflict=False)
    _station(inspection, cast.team_leader)


def _future(cast, working_days_ahead):
    inspection = _ready(cast)
    today = timezone.localdate()
    start = add_working_days(today, working_days_ahead)
    Inspection.objects.filter(pk=inspection.pk).update(start=start, end=start + timedelta(days=60))
    inspection.refresh_from_db()
    return inspection


def test_stationing_far_before_the_start_needs_a_written_reason(cast, login):
    inspection = _future(cast, 12)
    with pytest.raises(DomainError) as exc:
        _station(inspection, cast.team_leader)
    assert "提前" in exc.value.message and "5 个工作日" in exc.value.message
    assert "理由" in exc.value.message
    assert StageChange.objects.filter(inspection=inspection).count() == 0
    page = login(cast.team_leader).get(f"/inspections/{inspection.pk}/").content.decode()
    assert "提前进驻理由（必填）" in page
    _station(inspection, cast.team_leader, note="被巡察单位换届在即，经领导小组同意提前进驻。")
    change = StageChange.objects.get(inspection=inspection)
    assert change.note.startswith("被巡察单位换届在即")
    entry = AuditEntry.objects.filter(action=Action.TRANSITION, object_id=str(inspection.pk))
    entry = entry.latest("pk")
    assert entry.changes["reason"].startswith("被巡察单位换届在即")
    assert "提前进驻" in entry.summary


def test_the_early_limit_is_the_offices_setting(cast):
    inspection = _future(cast, 12)
    FieldworkSettings.objects.create(office=inspection.office, early_stationing_days=15)
    _station(inspection, cast.team_leader)  # within 15 working days: no reason asked


def test_a_few_days_early_needs_no_reason(cast):
    inspection = _future(cast, 3)
    _station(inspection, cast.team_leader)
