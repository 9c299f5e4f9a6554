"""巡察“回头看”: checklist from the original problems, findings, reopening, errors."""

import pytest

from tests.rectification.conftest import pdf
from tests.rectification.revisit_world import build_revisit_world, revisit_inspection
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections.models import Problem
from xuncha.rectification import revisits
from xuncha.rectification.models import Measure, PlanHistory
from xuncha.rectification.revisit_models import MeasureReopen, Revisit, RevisitItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(rect):
    return build_revisit_world(rect)


def test_checklist_equals_the_original_problems(rw):
    cast = rw.rect.cast
    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.other_member)
    items = list(revisit.items.order_by("problem__number"))
    assert [i.problem for i in items] == rw.rect.problems  # not the hidden, not b's problem
    first, second = items
    assert first.was_closed and not second.was_closed
    assert first.measures[0]["state"] == "closed" and first.measures[0]["evidence_count"] == 1
    assert second.measures[0]["content"] == "政府采购程序不规范整改措施1"
    assert AuditEntry.objects.filter(object_type__icontains="revisit", action="create").exists()


def test_closed_problem_found_not_done_reopens_visibly_with_history(rw):
    cast = rw.rect.cast
    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.other_member)
    item = revisit.items.get(problem=rw.rect.problems[0])
    item = revisits.finding_record(
        revisit=revisit,
        item_id=item.pk,
        finding="not_done",
        evidence_text="抽查发现仍有3笔津补贴未追回。",
        uploaded=pdf("抽查记录.pdf"),
        actor=cast.other_member,
    )
    measure = Measure.objects.get(pk=rw.measures[0].pk)
    assert measure.state == Measure.State.OPEN and measure.closed_at is None
    assert "未到位" in measure.return_reason
    reopen = MeasureReopen.objects.get(measure=measure)
    assert reopen.from_state == "closed" and reopen.item == item
    history = PlanHistory.objects.filter(plan=rw.rect.plan).order_by("-at", "-pk").first()
    assert "回头看" in history.comment and "A-001" in history.comment
    assert item.reopened and item.attachment.original_name.endswith(".pdf")
    new = item.new_problem
    assert new.inspection == rw.inspection and new.unit == rw.rect.problems[0].unit
    assert "未到位" in new.title and new.revisit_origin == item and new.paper
    # The plan page shows the reopening.
    from tests.cast import client_for

    body = client_for(cast.office_staff).get(f"/rectification/plans/{rw.rect.plan.pk}/")
    assert "回头看" in body.content.decode()
    cov = revisits.coverage(revisit)
    assert [i.problem.number for i in cov["still_open"]] == ["A-001", "A-002"]


def test_done_finding_makes_no_new_problem(rw):
    cast = rw.rect.cast
    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.office_staff)
    item = revisit.items.get(problem=rw.rect.problems[0])
    revisits.finding_record(
        revisit=revisit,
        item_id=item.pk,
        finding="done",
        evidence_text="已全部追回。",
        actor=cast.office_staff,
    )
    item.refresh_from_db()
    assert item.new_problem is None and not item.reopened
    assert Measure.objects.get(pk=rw.measures[0].pk).state == Measure.State.CLOSED
    assert [i.problem.number for i in revisits.coverage(revisit)["still_open"]] == ["A-002"]


@pytest.mark.parametrize("finding", ["false", "perfunctory"])
def test_false_or_perfunctory_becomes_a_new_problem(rw, finding):
    cast = rw.rect.cast
    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.other_member)
    item = revisit.items.get(problem=rw.rect.problems[1])
    item = revisits.finding_record(
        revisit=revisit,
        item_id=item.pk,
        finding=finding,
        evidence_text="材料系事后补造。",
        actor=cast.other_member,
    )
    assert item.new_problem and not item.reopened  # A-002 was never closed


def test_revisit_of_inspection_without_feedback_is_refused(rect):
    cast = rect.cast
    inspection = revisit_inspection(cast, cast.inspections["b"])
    Problem.objects.filter(inspection=cast.inspections["b"]).update(in_feedback=False)
    with pytest.raises(DomainError, match="尚未向被巡察单位送达反馈意见"):
        revisits.revisit_start(inspection=inspection, actor=cast.office_staff)
    assert not Revisit.objects.exists() and not RevisitItem.objects.exists()


def test_errors_are_chinese_and_nothing_half_saved(rw):
    cast = rw.rect.cast
    with pytest.raises(DomainError, match="无权"):
        revisits.revisit_start(inspection=rw.inspection, actor=cast.team_member)
    with pytest.raises(DomainError, match="只有“回头看”"):
        revisits.revisit_start(inspection=cast.inspections["a"], actor=cast.office_staff)
    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.office_staff)
    with pytest.raises(DomainError, match="已经开始"):
        revisits.revisit_start(inspection=rw.inspection, actor=cast.office_staff)
    other = revisit_inspection(cast, cast.inspections["a"], member="team_member")
    foreign = revisits.revisit_start(inspection=other, actor=cast.office_staff).items.first()
    for bad in (foreign.pk, 999999, "x", None):
        with pytest.raises(DomainError, match="不在本次“回头看”的核查清单中"):
            revisits.finding_record(
                revisit=revisit,
                item_id=bad,
                finding="done",
                evidence_text="有",
                actor=cast.office_staff,
            )
    item = revisit.items.first()
    with pytest.raises(DomainError, match="请选择核查结论"):
        revisits.finding_record(
            revisit=revisit,
            item_id=item.pk,
            finding="ok",
            evidence_text="有",
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="请填写核查情况"):
        revisits.finding_record(
            revisit=revisit,
            item_id=item.pk,
            finding="done",
            evidence_text=" ",
            actor=cast.office_staff,
        )
    bad_file = pdf("坏.pdf", b"\x00\x01binary")
    problems = Problem.objects.count()
    with pytest.raises(DomainError, match="不是允许的类型"):
        revisits.finding_record(
            revisit=revisit,
            item_id=item.pk,
            finding="not_done",
            evidence_text="未追回",
            uploaded=bad_file,
            actor=cast.office_staff,
        )
    item.refresh_from_db()
    assert item.finding == "" and Problem.objects.count() == problems
    assert Measure.objects.get(pk=rw.measures[0].pk).state == Measure.State.CLOSED
    with pytest.raises(DomainError, match="还有 2 项未记录核查结论"):
        revisits.revisit_report(revisit=revisit, actor=cast.office_staff)
    for it in revisit.items.all():
        revisits.finding_record(
            revisit=revisit,
            item_id=it.pk,
            finding="mostly",
            evidence_text="基本完成",
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="已记录核查结论"):
        revisits.finding_record(
            revisit=revisit,
            item_id=item.pk,
            finding="done",
            evidence_text="有",
            actor=cast.office_staff,
        )
    revisits.revisit_report(revisit=revisit, actor=cast.office_staff)
    with pytest.raises(DomainError, match="报告已形成"):
        revisits.finding_record(
            revisit=revisit,
            item_id=item.pk,
            finding="done",
            evidence_text="有",
            actor=cast.office_staff,
        )


def test_liaison_sees_own_findings_only_after_report(rw):
    cast = rw.rect.cast
    from xuncha.org import access

    revisit = revisits.revisit_start(inspection=rw.inspection, actor=cast.office_staff)
    assert not access.visible(RevisitItem.objects.all(), cast.unit_liaison).exists()
    for it in revisit.items.all():
        revisits.finding_record(
            revisit=revisit,
            item_id=it.pk,
            finding="done",
            evidence_text="到位",
            actor=cast.office_staff,
        )
    revisits.revisit_report(revisit=revisit, actor=cast.office_staff)
    assert access.visible(RevisitItem.objects.all(), cast.unit_liaison).count() == 2
    assert not access.visible(RevisitItem.objects.all(), cast.team_member).exists()
    assert not access.visible(Revisit.objects.all(), cast.unit_liaison).exists()
