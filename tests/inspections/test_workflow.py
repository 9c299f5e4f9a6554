"""The lifecycle table: every allowed and forbidden transition, requirements, history, deadlines."""

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.feedback import complete_feedback
from tests.inspections.conftest import make_problem, set_stage, sign_off
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections import services, workflow
from xuncha.inspections.models import (
    FixNotice,
    Problem,
    StageChange,
    WorkingPaper,
)
from xuncha.inspections.prep import prepare_for_stationing
from xuncha.inspections.reviews import record_required_reviews
from xuncha.inspections.stay_models import MobilisationMeeting
from xuncha.plans.models import Inspection

Stage = Inspection.Stage
STAGES = [s.value for s in Stage]
ACTORS = [
    "team_leader",
    "team_deputy",
    "team_member",
    "office_admin",
    "office_staff",
    "leading_group",
    "other_member",
    "unit_liaison",
    "county_staff",
]
# Which capacities each cast user has in inspection a (city office, team a).
CAPS = {
    "team_leader": {workflow.LEADER},
    "team_deputy": {workflow.DEPUTY},
    "team_member": {workflow.MEMBER},
    "office_admin": {workflow.OFFICE, workflow.OFFICE_ADMIN},
    "office_staff": {workflow.OFFICE},
    "leading_group": {workflow.LEADING_GROUP},
    "other_member": set(),
    "unit_liaison": set(),
    "county_staff": set(),
}


def publish_announcement(inspection):
    from xuncha.petitions.models import Announcement

    return Announcement.objects.create(
        inspection=inspection,
        state="published",
        title="江州市委第一巡察组进驻公告",
        period_start=inspection.start,
        period_end=inspection.end,
        scope="主要受理反映领导班子及其成员问题的来信来电来访。",
        cutoff=inspection.end,
    )


def satisfy_everything(cast):
    """Make every requirement of the table true, so only the table decides."""
    inspection = cast.inspections["a"]
    publish_announcement(inspection)
    prepare_for_stationing(inspection, cast.office_staff)
    problem = make_problem(cast)
    sign_off(cast, problem)
    services.problem_approve(problem=problem, actor=cast.team_leader)
    WorkingPaper.objects.filter(problem=problem).update(state=WorkingPaper.State.FILED)
    MobilisationMeeting.objects.create(
        inspection=inspection,
        held_on=inspection.start,
        attendees="巡察组全体成员，被巡察单位领导班子成员",
        speech="动员讲话",
        recorded_by=cast.office_admin,
    )
    record_required_reviews(
        inspection=inspection, actor=cast.office_admin, held_on=date(2026, 6, 3)
    )
    set_stage(inspection, Stage.FEEDBACK)
    complete_feedback(
        cast, inspection, cast.units["bureau"], date(2026, 6, 10), liaison=cast.unit_liaison
    )
    return inspection


def expected_ok(source, target, user):
    t = workflow.find(source, target)
    return t is not None and workflow.may_act(t, CAPS[user])


@pytest.mark.django_db
@pytest.mark.parametrize("source", STAGES)
def test_every_pair_and_actor(field, source):
    inspection = satisfy_everything(field)
    for target in STAGES:
        for user in ACTORS:
            set_stage(inspection, source)
            ok = expected_ok(source, target, user)
            before = StageChange.objects.count()
            if ok:
                services.inspection_transition(
                    inspection=inspection, target=target, actor=field.users[user]
                )
                inspection.refresh_from_db()
                assert inspection.stage == target
                assert StageChange.objects.count() == before + 1
            else:
                with pytest.raises(DomainError) as exc:
                    services.inspection_transition(
                        inspection=inspection, target=target, actor=field.users[user]
                    )
                assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.value.message)
                inspection.refresh_from_db()
                assert inspection.stage == source
                assert StageChange.objects.count() == before


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(moves=st.lists(st.tuples(st.sampled_from(STAGES), st.sampled_from(ACTORS)), max_size=25))
def test_random_sequences(field_ready, moves):
    cast, inspection = field_ready
    set_stage(inspection, Stage.PREPARATION)
    StageChange.objects.filter(inspection=inspection).delete()
    stage, accepted = Stage.PREPARATION.value, []
    for target, user in moves:
        ok = expected_ok(stage, target, user)
        try:
            services.inspection_transition(
                inspection=inspection, target=target, actor=cast.users[user]
            )
        except DomainError:
            assert not ok, (stage, target, user)
        else:
            assert ok, (stage, target, user)
            accepted.append((stage, target))
            stage = target
        inspection.refresh_from_db()
        assert inspection.stage == stage
    history = list(
        StageChange.objects.filter(inspection=inspection)
        .order_by("pk")
        .values_list("from_stage", "to_stage")
    )
    assert history == accepted


@pytest.fixture
def field_ready(field):
    return field, satisfy_everything(field)


@pytest.mark.django_db
def test_stationing_needs_published_announcement(field):
    inspection = field.inspections["a"]
    set_stage(inspection, Stage.PREPARATION)
    prepare_for_stationing(inspection, field.office_staff)
    with pytest.raises(DomainError, match="巡察公告尚未发布"):
        services.inspection_transition(
            inspection=inspection, target="stationing", actor=field.team_leader
        )
    announcement = publish_announcement(inspection)
    announcement.state = "approved"
    announcement.save()
    with pytest.raises(DomainError, match="巡察公告尚未发布"):
        services.inspection_transition(
            inspection=inspection, target="stationing", actor=field.team_leader
        )
    announcement.state = "published"
    announcement.save()
    services.inspection_transition(
        inspection=inspection, target="stationing", actor=field.team_leader
    )
    inspection.refresh_from_db()
    assert inspection.stage == "stationing"
    entry = AuditEntry.objects.filter(action="transition", object_type="plans.inspection").first()
    assert entry.changes["stage"] == ["preparation", "stationing"]


@pytest.mark.django_db
def test_report_needs_approved_problem_or_note(field):
    inspection = field.inspections["a"]
    with pytest.raises(DomainError, match="未发现问题说明"):
        services.inspection_transition(
            inspection=inspection, target="report", actor=field.team_leader
        )
    problem = make_problem(field)
    sign_off(field, problem)
    with pytest.raises(DomainError, match="未发现问题说明"):
        services.inspection_transition(
            inspection=inspection, target="report", actor=field.team_leader
        )
    services.problem_approve(problem=problem, actor=field.team_leader)
    services.inspection_transition(inspection=inspection, target="report", actor=field.team_leader)
    assert Inspection.objects.get(pk=inspection.pk).stage == "report"


@pytest.mark.django_db
def test_report_with_no_problems_note(field):
    inspection = field.inspections["a"]
    with pytest.raises(DomainError, match="组长"):
        services.no_problems_note_set(inspection=inspection, note="未发现", actor=field.team_member)
    services.no_problems_note_set(
        inspection=inspection, note="经全面了解，未发现需写入报告的问题。", actor=field.team_leader
    )
    services.inspection_transition(inspection=inspection, target="report", actor=field.team_leader)


@pytest.mark.django_db
def test_feedback_needs_review_and_sets_date(field):
    inspection = field.inspections["a"]
    set_stage(inspection, Stage.REVIEW)
    with pytest.raises(DomainError, match="领导小组尚未审议"):
        services.inspection_transition(
            inspection=inspection, target="feedback", actor=field.office_staff
        )
    with pytest.raises(DomainError, match="只有"):
        services.review_record(
            inspection=inspection,
            held_on=date(2026, 6, 5),
            decision="同意",
            actor=field.team_member,
        )
    services.review_record(
        inspection=inspection,
        held_on=date(2026, 6, 5),
        decision="同意报告，按程序反馈。",
        actor=field.leading_group,
    )
    with pytest.raises(DomainError, match="书记专题会尚未听取"):  # both reviews by default
        services.inspection_transition(
            inspection=inspection, target="feedback", actor=field.office_staff
        )
    services.review_record(
        inspection=inspection,
        held_on=date(2026, 6, 8),
        decision="同意反馈。",
        actor=field.office_admin,
        body="secretary",
    )
    services.inspection_transition(
        inspection=inspection,
        target="feedback",
        actor=field.office_staff,
        feedback_date=date(2026, 6, 12),
    )
    inspection.refresh_from_db()
    assert inspection.feedback_date == date(2026, 6, 12)


@pytest.mark.django_db
def test_evaluation_needs_fix_notices_closed_and_archive_needs_papers_filed(field):
    inspection = field.inspections["a"]
    problem = make_problem(field)
    sign_off(field, problem)
    notice = services.fix_notice_issue(
        inspection=inspection,
        unit_id=None,
        title="办公用房超标",
        requirement="立即腾退",
        actor=field.team_leader,
    )
    set_stage(inspection, Stage.RECTIFICATION)
    with pytest.raises(DomainError, match="未销号"):
        services.inspection_transition(
            inspection=inspection, target="evaluation", actor=field.office_admin
        )
    services.fix_notice_reply(notice=notice, reply="已于当日腾退", actor=field.unit_liaison)
    services.fix_notice_close(notice=notice, actor=field.team_leader)
    assert FixNotice.objects.get(pk=notice.pk).state == "closed"
    services.inspection_transition(
        inspection=inspection, target="evaluation", actor=field.office_admin
    )
    with pytest.raises(DomainError, match="未向巡察办归档"):
        services.inspection_transition(
            inspection=inspection, target="archived", actor=field.office_admin
        )
    with pytest.raises(DomainError, match="巡察办"):
        services.papers_file(inspection=inspection, actor=field.team_leader)
    assert services.papers_file(inspection=inspection, actor=field.office_staff) == 1
    with pytest.raises(DomainError, match="巡察办管理员"):
        services.inspection_transition(
            inspection=inspection, target="archived", actor=field.office_staff
        )
    services.inspection_transition(
        inspection=inspection, target="archived", actor=field.office_admin
    )
    assert Problem.objects.get(pk=problem.pk).paper.state == "filed"


@pytest.mark.django_db
def test_next_steps_show_only_allowed_and_reasons(field):
    inspection = field.inspections["a"]
    steps = workflow.next_steps(inspection, field.team_leader)
    assert [s.transition.target for s in steps] == ["report"]
    assert not steps[0].allowed and "未发现问题说明" in steps[0].reasons[0]
    assert workflow.next_steps(inspection, field.team_member) == []
    assert workflow.next_steps(inspection, field.leading_group) == []


@pytest.mark.django_db
def test_unknown_target_refused(field):
    with pytest.raises(DomainError, match="不存在"):
        services.inspection_transition(
            inspection=field.inspections["a"], target="nonsense", actor=field.team_leader
        )


# --- Deadlines on the working-day calendar -------------------------------------------


@pytest.mark.django_db
def test_deadlines_across_national_day(field):
    inspection = field.inspections["a"]
    Inspection.objects.filter(pk=inspection.pk).update(
        start=date(2026, 8, 31), end=date(2026, 9, 30)
    )
    inspection.refresh_from_db()
    d = workflow.deadlines(inspection, review_date=date(2026, 9, 29))
    # 10 working days after 30 Sep: 1–7 Oct are holidays, Saturday 10 Oct is a make-up working day.
    assert d["report_due"] == date(2026, 10, 20)
    assert d["cutoff"] == date(2026, 9, 22)
    # 15 working days after 29 Sep: 30 Sep, 8, 9, 10, 12–16, 19–23, 26 Oct.
    assert d["feedback_due"] == date(2026, 10, 26)


@pytest.mark.django_db
def test_deadlines_follow_office_settings_and_overrides(field):
    from xuncha.inspections.models import FieldworkSettings
    from xuncha.plans.models import WorkdayOverride

    inspection = field.inspections["a"]
    Inspection.objects.filter(pk=inspection.pk).update(end=date(2026, 9, 30))
    inspection.refresh_from_db()
    FieldworkSettings.objects.create(office=field.city, report_after_end=5)
    assert workflow.deadlines(inspection)["report_due"] == date(2026, 10, 13)
    WorkdayOverride.objects.create(office=field.city, day=date(2026, 10, 12), is_working=False)
    assert workflow.deadlines(inspection)["report_due"] == date(2026, 10, 14)
    assert workflow.deadlines(inspection)["feedback_due"] is None
