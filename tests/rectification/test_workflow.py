"""Plan review, measures, progress with evidence, verification to closure."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cast import client_for
from tests.feedback import deliver_feedback
from tests.rectification.conftest import FEEDBACK, adopt, measure_values, pdf
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.core.workdays import add_working_days
from xuncha.rectification import services
from xuncha.rectification.models import ImmutableError, Measure, Verification


def test_plan_due_dates_follow_office_settings(rect):
    plan = rect.plan
    overrides = services.overrides_for(plan.office)
    # 20 and 40 working days after delivery (the Dragon Boat Festival holiday in between)
    assert plan.due_date == add_working_days(FEEDBACK, 20, overrides) == date(2026, 6, 30)
    assert plan.report_due_date == add_working_days(FEEDBACK, 40, overrides)
    config = services.config_for(plan.office)
    config.plan_due_working_days, config.report_due_working_days = 30, 60
    config.save()
    unit = rect.cast.units["bureau_child"]
    inspection = rect.cast.inspections["a"]
    inspection.units.add(unit)
    with pytest.raises(DomainError, match="尚未向该单位送达反馈意见"):
        services.plan_open(inspection=inspection, unit=unit, actor=rect.cast.office_staff)
    deliver_feedback(rect.cast, inspection, unit, FEEDBACK)
    other = services.plan_open(inspection=inspection, unit=unit, actor=rect.cast.office_staff)
    assert (other.due_date, other.report_due_date) == (
        add_working_days(FEEDBACK, 30, overrides),
        add_working_days(FEEDBACK, 60, overrides),
    )
    with pytest.raises(DomainError, match="已经建立"):
        services.plan_open(inspection=inspection, unit=unit, actor=rect.cast.office_staff)
    with pytest.raises(DomainError):
        services.plan_open(inspection=inspection, unit=unit, actor=rect.cast.unit_liaison)


def test_plan_cannot_be_submitted_until_every_problem_has_a_measure(rect):
    cast = rect.cast
    services.measure_create(
        plan=rect.plan, problem=rect.problems[0], actor=cast.unit_liaison, **measure_values()
    )
    with pytest.raises(DomainError, match="A-002"):
        services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)


def test_return_shows_comment_and_resubmission(rect):
    cast = rect.cast
    for p in rect.problems:
        services.measure_create(
            plan=rect.plan, problem=p, actor=cast.unit_liaison, **measure_values()
        )
    services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    with pytest.raises(DomainError, match="审核意见"):
        services.plan_transition(plan=rect.plan, target="returned", actor=cast.office_staff)
    services.plan_transition(
        plan=rect.plan, target="returned", actor=cast.office_staff, comment="措施不够具体"
    )
    page = client_for(cast.unit_liaison).get(f"/rectification/plans/{rect.plan.pk}/")
    assert "措施不够具体" in page.content.decode()
    # the unit cannot adopt its own plan; the office cannot submit it
    with pytest.raises(DomainError):
        services.plan_transition(plan=rect.plan, target="submitted", actor=cast.office_staff)
    services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    with pytest.raises(DomainError):
        services.plan_transition(plan=rect.plan, target="adopted", actor=cast.unit_liaison)
    plan = services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    assert plan.state == "adopted" and plan.submission_no == 2
    assert [h.to_state for h in plan.history.all()] == [
        "submitted",
        "returned",
        "submitted",
        "adopted",
    ]


def test_co_reviewers_must_agree_before_adoption(rect):
    cast = rect.cast
    config = services.config_for(rect.plan.office)
    config.co_reviewers.add(cast.units["discipline"])
    for p in rect.problems:
        services.measure_create(
            plan=rect.plan, problem=p, actor=cast.unit_liaison, **measure_values()
        )
    services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    with pytest.raises(DomainError, match="江州市纪委监委"):
        services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    services.plan_co_review(
        plan=rect.plan, decision="agree", comment="", actor=cast.handover_recipient
    )
    assert (
        services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff).state
        == "adopted"
    )


@pytest.mark.parametrize(
    "over, message",
    [
        ({"deadline": date(2026, 5, 29)}, "早于反馈日期"),
        ({"deadline": date(2026, 10, 3)}, "不是工作日"),  # National Day holiday
        ({"content": "  "}, "整改措施"),
        ({"responsible_person": ""}, "责任人"),
        ({"deadline": None}, "完成时限"),
    ],
)
def test_bad_measure_input(rect, over, message):
    with pytest.raises(DomainError, match=message):
        services.measure_create(
            plan=rect.plan,
            problem=rect.problems[0],
            actor=rect.cast.unit_liaison,
            **measure_values(**over),
        )
    assert not Measure.objects.exists()


def test_measure_for_a_problem_outside_the_feedback_list_is_refused(rect):
    with pytest.raises(DomainError, match="反馈问题清单"):
        services.measure_create(
            plan=rect.plan, problem=rect.hidden, actor=rect.cast.unit_liaison, **measure_values()
        )
    with pytest.raises(DomainError, match="反馈问题清单"):
        services.measure_create(
            plan=rect.plan,
            problem=rect.other_problem,
            actor=rect.cast.unit_liaison,
            **measure_values(),
        )


def _submit_for_verification(rect, measure):
    return services.progress_add(
        measure=measure,
        text="已追回全部资金",
        files=[pdf()],
        request_verification=True,
        actor=rect.cast.unit_liaison,
    )


def test_closing_requires_verification_by_office(rect):
    cast = rect.cast
    measure = adopt(rect)[0]
    with pytest.raises(DomainError, match="佐证材料"):
        services.progress_add(
            measure=measure, text="完成", request_verification=True, actor=cast.unit_liaison
        )
    _submit_for_verification(rect, measure)
    measure.refresh_from_db()
    assert measure.state == "pending" and measure.evidence_count == 1
    # The unit can never close its own measure.
    with pytest.raises(DomainError, match="不能自行销号"):
        services.measure_verify(
            measure=measure, decision="approve", reason="已完成", actor=cast.unit_liaison
        )
    with pytest.raises(DomainError, match="无权"):
        services.measure_verify(
            measure=measure, decision="approve", reason="已完成", actor=cast.team_member
        )
    v = services.measure_verify(
        measure=measure, decision="approve", reason="佐证充分", actor=cast.office_staff
    )
    measure.refresh_from_db()
    assert measure.state == "closed" and measure.closed_at is not None
    entry = (
        AuditEntry.objects.filter(object_type="rectification.measure", object_id=str(measure.pk))
        .order_by("-seq")
        .first()
    )
    assert entry.changes["decision"] == "approve" and entry.changes["state"] == [
        "pending",
        "closed",
    ]
    assert entry.actor == cast.office_staff
    # The record is immutable: no update, no delete.
    v.reason = "改写"
    with pytest.raises(ImmutableError):
        v.save()
    with pytest.raises(ImmutableError):
        v.delete()
    assert Verification.objects.get(pk=v.pk).reason == "佐证充分"


def test_closing_requires_every_co_reviewer(rect):
    cast = rect.cast
    services.config_for(rect.plan.office).co_reviewers.add(cast.units["discipline"])
    for p in rect.problems:
        services.measure_create(
            plan=rect.plan, problem=p, actor=cast.unit_liaison, **measure_values()
        )
    services.plan_transition(plan=rect.plan, target="submitted", actor=cast.unit_liaison)
    services.plan_co_review(
        plan=rect.plan, decision="agree", comment="", actor=cast.handover_recipient
    )
    services.plan_transition(plan=rect.plan, target="adopted", actor=cast.office_staff)
    measure = rect.plan.measures.first()
    _submit_for_verification(rect, measure)
    services.measure_verify(
        measure=measure, decision="approve", reason="同意", actor=cast.office_staff
    )
    measure.refresh_from_db()
    assert measure.state == "pending"  # waits for 纪委监委
    with pytest.raises(DomainError, match="已对本轮"):
        services.measure_verify(
            measure=measure, decision="approve", reason="再签", actor=cast.office_admin
        )
    services.measure_verify(
        measure=measure, decision="approve", reason="会签同意", actor=cast.handover_recipient
    )
    measure.refresh_from_db()
    assert measure.state == "closed"
    assert {v.reviewer_unit_id for v in measure.verifications.all()} == {
        None,
        cast.units["discipline"].pk,
    }


def test_rejected_evidence_returns_the_measure_with_reason(rect):
    cast = rect.cast
    measure = adopt(rect)[0]
    _submit_for_verification(rect, measure)
    services.measure_verify(
        measure=measure, decision="reject", reason="缺少银行回单", actor=cast.office_staff
    )
    measure.refresh_from_db()
    assert (
        measure.state == "returned"
        and measure.return_reason == "缺少银行回单"
        and measure.attempt == 2
    )
    page = client_for(cast.unit_liaison).get(f"/rectification/measures/{measure.pk}/")
    assert "缺少银行回单" in page.content.decode()
    _submit_for_verification(rect, measure)
    services.measure_verify(
        measure=measure, decision="approve", reason="已补充", actor=cast.office_staff
    )
    measure.refresh_from_db()
    assert measure.state == "closed"


def test_plan_completion_waits_for_short_term_measures_only(rect):
    cast = rect.cast
    measures = adopt(rect)
    Measure.objects.filter(pk=measures[1].pk).update(long_term=True)
    with pytest.raises(DomainError, match="未销号"):
        services.plan_transition(plan=rect.plan, target="completed", actor=cast.office_staff)
    _submit_for_verification(rect, measures[0])
    services.measure_verify(
        measure=measures[0], decision="approve", reason="同意", actor=cast.office_staff
    )
    plan = services.plan_transition(plan=rect.plan, target="completed", actor=cast.office_staff)
    assert plan.state == "completed"
    # the long-term measure stays open and keeps receiving updates
    services.progress_add(measure=measures[1], text="第三季度持续推进", actor=cast.unit_liaison)


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("a.pdf", b"MZ\x90\x00\x03\x00\x00\x00" * 20), "不是允许的类型"),
        (SimpleUploadedFile("empty.pdf", b""), "空文件"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_saved(rect, upload, message):
    measure = adopt(rect)[0]
    with pytest.raises(DomainError, match=message):
        services.progress_add(
            measure=measure, text="进展", files=[upload], actor=rect.cast.unit_liaison
        )
    assert not measure.progress.exists()


def test_oversized_evidence_is_refused(rect, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    measure = adopt(rect)[0]
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(DomainError, match="超过上限"):
        services.progress_add(
            measure=measure, text="进展", files=[big], actor=rect.cast.unit_liaison
        )


def test_progress_before_adoption_is_refused(rect):
    cast = rect.cast
    m = services.measure_create(
        plan=rect.plan, problem=rect.problems[0], actor=cast.unit_liaison, **measure_values()
    )
    with pytest.raises(DomainError, match="审核通过后"):
        services.progress_add(measure=m, text="进展", actor=cast.unit_liaison)


def test_supervision_letter_docx(rect):
    cast = rect.cast
    measures = adopt(rect)
    letter = services.supervision_issue(
        plan=rect.plan,
        measures=measures[:1],
        requirement="请于限期内完成整改",
        reply_by=date(2099, 1, 5),
        actor=cast.office_staff,
    )
    data = services.supervision_letter_docx(letter, actor=cast.office_staff)
    assert data[:2] == b"PK"
    with pytest.raises(DomainError):
        services.supervision_issue(
            plan=rect.plan,
            measures=measures[:1],
            requirement="x",
            reply_by=date(2099, 1, 5),
            actor=cast.unit_liaison,
        )
    response = client_for(cast.office_staff).get(f"/rectification/letters/{letter.pk}.docx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_assessment_total_and_grade(rect):
    cast = rect.cast
    indicators = list(services.indicators_for(rect.plan.office))
    assert [i.dimension for i in indicators] == [
        "责任落实",
        "任务完成",
        "组织推进",
        "群众满意度",
        "巡察组评价",
    ]
    scores = {i.pk: str(i.max_score - 2) for i in indicators}
    a = services.assessment_save(
        plan=rect.plan, scores=scores, comment="整改有力", actor=cast.office_staff
    )
    assert a.total == 90 and a.grade == "好"
    scores[indicators[0].pk] = "999"
    with pytest.raises(DomainError, match="超出范围"):
        services.assessment_save(plan=rect.plan, scores=scores, comment="", actor=cast.office_staff)
    with pytest.raises(DomainError):
        services.assessment_save(plan=rect.plan, scores=scores, comment="", actor=cast.unit_liaison)
    rating = services.team_rate(
        plan=rect.plan,
        actor=cast.unit_liaison,
        discipline="good",
        professionalism="good",
        integrity="fair",
    )
    assert rating.integrity == "fair"
