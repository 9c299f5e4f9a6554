"""Working-paper review chain: drafter → deputy → leader, return and resubmit, report gate."""

import pytest

from tests.inspections.conftest import make_problem, sign_off
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections import services
from xuncha.inspections.models import PaperStep, Problem, WorkingPaper


@pytest.mark.django_db
def test_problem_starts_its_paper(field):
    problem = make_problem(field)
    assert problem.number == "001"
    assert problem.paper.state == WorkingPaper.State.DRAFTING
    assert problem.paper.drafter == field.team_member
    assert make_problem(field, title="第二个").number == "002"


@pytest.mark.django_db
def test_chain_with_return_and_resubmit(field):
    problem = make_problem(field)
    paper = problem.paper
    services.paper_submit(paper=paper, actor=field.team_member)
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.DEPUTY_REVIEW
    # The leader cannot skip the deputy; a member cannot sign.
    with pytest.raises(DomainError, match="副组长"):
        services.paper_sign(paper=paper, actor=field.team_leader)
    with pytest.raises(DomainError, match="副组长"):
        services.paper_sign(paper=paper, actor=field.team_member)
    services.paper_sign(paper=paper, actor=field.team_deputy, comment="事实清楚")
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.LEADER_REVIEW
    assert paper.deputy_signed_by == field.team_deputy and paper.deputy_signed_at
    # The leader returns it with a comment; a comment is required.
    with pytest.raises(DomainError, match="退回意见"):
        services.paper_return(paper=paper, actor=field.team_leader, comment="  ")
    services.paper_return(paper=paper, actor=field.team_leader, comment="补充凭证编号")
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.RETURNED
    assert paper.return_comment == "补充凭证编号"
    assert paper.deputy_signed_by is None
    # The drafter edits and resubmits: the chain starts again at the deputy.
    services.paper_update(paper=paper, actor=field.team_member, evidence="记账凭证 2025-07 第45号")
    services.paper_submit(paper=paper, actor=field.team_member)
    services.paper_sign(paper=paper, actor=field.team_deputy)
    services.paper_sign(paper=paper, actor=field.team_leader)
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.SIGNED
    assert paper.leader_signed_by == field.team_leader and paper.leader_signed_at
    actions = list(PaperStep.objects.filter(paper=paper).values_list("action", flat=True))
    assert actions == ["submit", "deputy_sign", "return", "submit", "deputy_sign", "leader_sign"]
    assert AuditEntry.objects.filter(object_type="inspections.workingpaper").count() >= 7


@pytest.mark.django_db
def test_paper_under_review_cannot_be_edited(field):
    paper = make_problem(field).paper
    services.paper_submit(paper=paper, actor=field.team_member)
    with pytest.raises(DomainError, match="不能修改"):
        services.paper_update(paper=paper, actor=field.team_member, facts="改")
    paper.refresh_from_db()
    assert paper.facts.startswith("经查阅")


@pytest.mark.django_db
def test_wrong_role_signing_refused(field):
    paper = make_problem(field).paper
    services.paper_submit(paper=paper, actor=field.team_member)
    services.paper_sign(paper=paper, actor=field.team_deputy)
    for user in [field.team_member, field.team_deputy, field.other_member, field.office_admin]:
        with pytest.raises(DomainError, match="组长"):
            services.paper_sign(paper=paper, actor=user)
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.LEADER_REVIEW


@pytest.mark.django_db
def test_without_deputy_goes_to_leader(cast):
    paper = make_problem(cast).paper
    services.paper_submit(paper=paper, actor=cast.team_member)
    paper.refresh_from_db()
    assert paper.state == WorkingPaper.State.LEADER_REVIEW


@pytest.mark.django_db
def test_problem_cannot_enter_report_unless_signed(field):
    problem = make_problem(field)
    with pytest.raises(DomainError, match="尚未经组长签批"):
        services.problem_approve(problem=problem, actor=field.team_leader)
    assert not Problem.objects.for_report().exists()
    services.paper_submit(paper=problem.paper, actor=field.team_member)
    services.paper_sign(paper=problem.paper, actor=field.team_deputy)
    with pytest.raises(DomainError, match="尚未经组长签批"):
        services.problem_approve(problem=problem, actor=field.team_leader)
    services.paper_sign(paper=problem.paper, actor=field.team_leader)
    # Only the leader confirms.
    with pytest.raises(DomainError, match="组长"):
        services.problem_approve(problem=problem, actor=field.team_member)
    services.problem_approve(problem=problem, actor=field.team_leader)
    assert list(Problem.objects.for_report()) == [problem]
    # An approved problem whose paper is returned no longer enters the report.
    WorkingPaper.objects.filter(pk=problem.paper.pk).update(state=WorkingPaper.State.RETURNED)
    assert not Problem.objects.for_report().exists()


@pytest.mark.django_db
def test_feedback_list(field):
    problem = make_problem(field)
    with pytest.raises(DomainError):
        services.problem_set_feedback(problem=problem, included=True, actor=field.team_leader)
    sign_off(field, problem)
    services.problem_approve(problem=problem, actor=field.team_leader)
    from tests.inspections.conftest import set_stage

    set_stage(problem.inspection, "report")
    services.problem_set_feedback(problem=problem, included=True, actor=field.team_leader)
    assert list(Problem.objects.feedback_list()) == [problem]


@pytest.mark.django_db
def test_watermark_names_reader_office_and_time(field):
    from datetime import datetime

    from django.utils import timezone

    from xuncha.reports.watermark import watermark_text

    at = timezone.make_aware(datetime(2026, 4, 1, 9, 30))
    text = watermark_text(field.leading_group, at)
    assert (
        text.startswith("赵组长（leading_group）")
        and "江州市委巡察办" in text
        and "2026-04-01 09:30" in text
    )
