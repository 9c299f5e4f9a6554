"""Confidentiality and the permission matrix: every role against every page and API operation."""

import pytest
from django.urls import reverse

from tests.cast import make_user
from tests.feedback import deliver_feedback
from tests.inspections.conftest import inspector_of, make_problem, pdf, set_stage, sign_off
from xuncha.audit.models import AuditEntry
from xuncha.inspections import services
from xuncha.inspections.models import Activity, FixNotice, Problem, WorkingPaper
from xuncha.org.models import Role

# Who reads the confidential fieldwork of inspection a: its team, the city office, the leading group.
READERS = {
    "sysadmin",
    "office_admin",
    "office_staff",
    "leading_group",
    "team_leader",
    "team_member",
    "team_deputy",
}
OUTSIDE = {
    "other_member",
    "unit_liaison",
    "county_staff",
    "county_b_staff",
    "custodian",
    "auditor",
    "handover_recipient",
    "outsider",
}
TEAM = {"team_leader", "team_member", "team_deputy"}


@pytest.fixture
def world(field):
    inspection = field.inspections["a"]
    interview = services.activity_create(
        inspection=inspection,
        kind="interview",
        actor=field.team_member,
        title="与局财务科科长谈话",
        held_on=inspection.start,
        interviewee="张某",
        interviewee_position="财务科科长",
        interviewee_category="middle",
        interviewer_id=inspector_of(field.team_leader).pk,
        recorder_id=inspector_of(field.team_member).pk,
        summary="谈话对象反映2025年存在以加班费名义发放补贴的情况。",
        files=[pdf()],
    )
    problem = make_problem(field)
    return field, inspection, interview, problem


def _urls(inspection, interview, problem):
    attachment = interview.attachments.get()
    return {
        "workspace": reverse("inspections:workspace", args=[inspection.pk]),
        "activity": reverse("inspections:activity_detail", args=[interview.pk]),
        "problem": reverse("inspections:problem_detail", args=[problem.pk]),
        "attachment": reverse("inspections:attachment_download", args=[attachment.pk]),
        "api_detail": f"/api/v1/inspections/{inspection.pk}",
        "api_activities": f"/api/v1/inspections/{inspection.pk}/activities",
        "api_activity": f"/api/v1/inspections/activities/{interview.pk}",
        "api_problems": f"/api/v1/inspections/{inspection.pk}/problems",
        "api_problem": f"/api/v1/inspections/problems/{problem.pk}",
        "api_paper": f"/api/v1/inspections/papers/{problem.paper.pk}",
    }


@pytest.mark.django_db
def test_every_role_reads_or_gets_404(world, login):
    cast, inspection, interview, problem = world
    urls = _urls(inspection, interview, problem)
    for username in sorted(READERS | OUTSIDE):
        client = login(cast.users[username])
        for name, url in urls.items():
            before = AuditEntry.objects.filter(action="read").count()
            response = client.get(url)
            if username in READERS:
                assert response.status_code == 200, (username, name)
                if name not in {"api_detail", "api_activities", "api_problems"}:
                    assert AuditEntry.objects.filter(action="read").count() > before, (
                        username,
                        name,
                    )
            else:
                assert response.status_code == 404, (username, name, response.status_code)
                assert "张某" not in response.content.decode()


@pytest.mark.django_db
def test_reads_are_audited_with_reader(world, login):
    cast, _inspection, interview, problem = world
    login(cast.leading_group).get(reverse("inspections:activity_detail", args=[interview.pk]))
    entry = AuditEntry.objects.filter(action="read", object_type="inspections.activity").first()
    assert entry.actor == cast.leading_group and entry.object_id == str(interview.pk)
    login(cast.office_staff).get(reverse("inspections:problem_detail", args=[problem.pk]))
    types = set(
        AuditEntry.objects.filter(action="read", actor=cast.office_staff).values_list(
            "object_type", flat=True
        )
    )
    assert {"inspections.problem", "inspections.workingpaper"} <= types


@pytest.mark.django_db
def test_other_team_and_unit_never_list_confidential_rows(world):
    from xuncha.org import access

    cast, _inspection, _interview, _problem = world
    for username in OUTSIDE - {"sysadmin"}:
        user = cast.users[username]
        for model in (Activity, Problem, WorkingPaper):
            assert not access.visible(model.objects.all(), user, "fieldwork").exists(), (
                username,
                model,
            )
            assert not access.visible(model.objects.all(), user).exists(), (username, model)


@pytest.mark.django_db
def test_unit_sees_feedback_problems_only_after_feedback_was_delivered(world):
    from xuncha.org import access

    cast, inspection, _interview, problem = world
    sign_off(cast, problem)
    services.problem_approve(problem=problem, actor=cast.team_leader)
    set_stage(inspection, "report")
    services.problem_set_feedback(problem=problem, included=True, actor=cast.team_leader)
    liaison = cast.unit_liaison
    assert not access.visible(Problem.objects.all(), liaison).exists()
    set_stage(inspection, "feedback")
    # the stage alone is not enough: the feedback must have been delivered to the unit
    assert not access.visible(Problem.objects.all(), liaison).exists()
    deliver_feedback(cast, inspection, problem.unit, inspection.end)
    assert list(access.visible(Problem.objects.all(), liaison)) == [problem]
    # ... but never the working paper, and never through the fieldwork pages.
    assert not access.visible(WorkingPaper.objects.all(), liaison).exists()
    assert not access.visible(Problem.objects.all(), liaison, "fieldwork").exists()


def _post_matrix(cast, login, url, data, allowed, check, files=None):
    """POST as every role: allowed roles succeed, other readers are refused, outsiders get 404."""
    results = {}
    for username in sorted(READERS | OUTSIDE):
        if username == "sysadmin":
            continue
        response = login(cast.users[username]).post(url, data, follow=False)
        results[username] = response.status_code
        if username in OUTSIDE:
            assert response.status_code == 404, (username, url)
        elif username in allowed:
            assert check(username), (username, url, response.status_code)
        else:
            assert not check(username), (username, url)
    return results


@pytest.mark.django_db
def test_matrix_activity_create(world, login):
    cast, inspection, *_ = world
    url = reverse("inspections:activity_create", args=[inspection.pk, "visit"])

    def check(username):
        return Activity.objects.filter(title=f"走访{username}").exists()

    for username in sorted((READERS | OUTSIDE) - {"sysadmin"}):
        data = {"title": f"走访{username}", "held_on": "2026-03-10", "summary": "走访记录"}
        response = login(cast.users[username]).post(url, data)
        if username in OUTSIDE:
            assert response.status_code == 404
        elif username in TEAM:
            assert response.status_code == 302 and check(username)
        else:
            assert response.status_code == 200 and "只有" in response.content.decode()
            assert not check(username)


@pytest.mark.django_db
def test_matrix_problem_create_and_paper_chain(world, login):
    cast, inspection, _interview, problem = world
    url = reverse("inspections:problem_create", args=[inspection.pk])
    for username in sorted((READERS | OUTSIDE) - {"sysadmin"}):
        data = {
            "title": f"问题{username}",
            "category_code": "B5",
            "unit_id": cast.units["bureau"].pk,
            "severity": "minor",
        }
        response = login(cast.users[username]).post(url, data)
        exists = Problem.objects.filter(title=f"问题{username}").exists()
        if username in OUTSIDE:
            assert response.status_code == 404 and not exists
        elif username in TEAM:
            assert response.status_code == 302 and exists
        else:
            assert not exists
    paper = problem.paper
    submit = reverse("inspections:paper_action", args=[paper.pk, "submit"])
    sign = reverse("inspections:paper_action", args=[paper.pk, "sign"])
    for username in sorted(OUTSIDE):
        assert login(cast.users[username]).post(submit).status_code == 404
    login(cast.office_admin).post(submit)
    assert WorkingPaper.objects.get(pk=paper.pk).state == "drafting"
    login(cast.team_member).post(submit)
    assert WorkingPaper.objects.get(pk=paper.pk).state == "deputy_review"
    for username in ["team_member", "team_leader", "office_admin", "leading_group"]:
        login(cast.users[username]).post(sign)
        assert WorkingPaper.objects.get(pk=paper.pk).state == "deputy_review", username
    login(cast.team_deputy).post(sign)
    login(cast.team_leader).post(sign)
    assert WorkingPaper.objects.get(pk=paper.pk).state == "signed"


@pytest.mark.django_db
def test_matrix_transition(world, login):
    cast, inspection, *_ = world
    services.no_problems_note_set(
        inspection=inspection, note="暂未发现需写入报告的问题", actor=cast.team_leader
    )
    url = reverse("inspections:transition", args=[inspection.pk])
    for username in sorted((READERS | OUTSIDE) - {"sysadmin", "team_leader"}):
        response = login(cast.users[username]).post(url, {"target": "report"})
        inspection.refresh_from_db()
        if username in OUTSIDE:
            assert response.status_code == 404
        assert inspection.stage == "investigation", username
    login(cast.team_leader).post(url, {"target": "report"})
    inspection.refresh_from_db()
    assert inspection.stage == "report"


@pytest.mark.django_db
def test_matrix_api(world, login):
    cast, inspection, _interview, problem = world
    base = "/api/v1/inspections"
    body = {"kind": "discussion", "title": "中层干部座谈", "held_on": "2026-03-11"}
    for username in sorted((READERS | OUTSIDE) - {"sysadmin"}):
        client = login(cast.users[username])
        r = client.post(f"{base}/{inspection.pk}/activities", body, content_type="application/json")
        if username in OUTSIDE:
            assert r.status_code == 404, username
        elif username in TEAM:
            assert r.status_code == 201, (username, r.content)
        else:
            assert r.status_code == 400 and "只有" in r.json()["detail"], username
        r = client.post(
            f"{base}/papers/{problem.paper.pk}/sign", {}, content_type="application/json"
        )
        assert r.status_code == (404 if username in OUTSIDE else 400), username
        r = client.post(
            f"{base}/{inspection.pk}/transition",
            {"target": "archived"},
            content_type="application/json",
        )
        assert r.status_code == (404 if username in OUTSIDE else 400), username


@pytest.mark.django_db
def test_fix_notice_liaison_sees_and_answers_only_own(world, login):
    cast, inspection, *_ = world
    other_liaison = make_user(
        "liaison_b", unit=cast.units["township_a"], roles=[Role.UNIT_LIAISON], full_name="镇联络员"
    )
    notice = services.fix_notice_issue(
        inspection=inspection,
        unit_id=cast.units["bureau"].pk,
        title="公车私用问题",
        requirement="立即整改并书面报告",
        actor=cast.team_leader,
    )
    url = reverse("inspections:fix_notice_detail", args=[notice.pk])
    assert login(other_liaison).get(url).status_code == 404
    assert login(other_liaison).post(url, {"reply": "x"}).status_code == 404
    assert (
        "公车私用问题"
        not in login(other_liaison).get(reverse("inspections:fix_notice_list")).content.decode()
    )
    liaison = login(cast.unit_liaison)
    assert "公车私用问题" in liaison.get(reverse("inspections:fix_notice_list")).content.decode()
    # The liaison sees nothing else of the inspection.
    assert liaison.get(reverse("inspections:workspace", args=[inspection.pk])).status_code == 404
    response = liaison.post(
        url, {"reply": "已收回车辆并对相关人员批评教育。", "files": [pdf("整改报告.pdf")]}
    )
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.state == FixNotice.State.REPLIED and notice.attachments.count() == 1
    # Only the team leader or the office closes it.
    close = reverse("inspections:fix_notice_close", args=[notice.pk])
    assert liaison.post(close).status_code == 404
    login(cast.team_member).post(close)
    assert FixNotice.objects.get(pk=notice.pk).state == "replied"
    login(cast.team_leader).post(close)
    assert FixNotice.objects.get(pk=notice.pk).state == "closed"
    assert liaison.post(url, {"reply": "再次回复"}).status_code == 200
    assert FixNotice.objects.get(pk=notice.pk).reply.startswith("已收回")


@pytest.mark.django_db
def test_every_form_page_hidden_from_outsiders(world, login):
    cast, inspection, interview, problem = world
    letter = services.letter_create(
        inspection=inspection,
        recipient="audit",
        subject="函询审计情况",
        sent_on=inspection.start,
        actor=cast.team_leader,
    )
    survey = services.survey_create(
        inspection=inspection,
        title="民主测评",
        held_on=inspection.start,
        questions=[("likert", "总体评价")],
        actor=cast.team_member,
    )
    pages = [
        reverse("inspections:review_create", args=[inspection.pk]),
        reverse("inspections:no_problems", args=[inspection.pk]),
        reverse("inspections:letter_create", args=[inspection.pk]),
        reverse("inspections:letter_reply", args=[letter.pk]),
        reverse("inspections:document_request_create", args=[inspection.pk]),
        reverse("inspections:activity_create", args=[inspection.pk, "document_review"]),
        reverse("inspections:activity_create", args=[inspection.pk, "intake"]),
        reverse("inspections:activity_edit", args=[interview.pk]),
        reverse("inspections:survey_create", args=[inspection.pk]),
        reverse("inspections:survey_results", args=[survey.pk]),
        reverse("inspections:problem_create", args=[inspection.pk]),
        reverse("inspections:problem_edit", args=[problem.pk]),
        reverse("inspections:problem_withdraw", args=[problem.pk]),
        reverse("inspections:paper_edit", args=[problem.paper.pk]),
        reverse("inspections:fix_notice_create", args=[inspection.pk]),
    ]
    posts = [
        reverse("inspections:papers_file", args=[inspection.pk]),
        reverse("inspections:problem_action", args=[problem.pk, "approve"]),
        reverse("inspections:paper_action", args=[problem.paper.pk, "return"]),
    ]
    for username in ["team_member", "office_staff", "leading_group"]:
        client = login(cast.users[username])
        for url in pages:
            assert client.get(url).status_code == 200, (username, url)
    for username in sorted(OUTSIDE):
        client = login(cast.users[username])
        for url in pages:
            assert client.get(url).status_code == 404, (username, url)
        for url in posts:
            assert client.post(url, {"comment": "x"}).status_code == 404, (username, url)
    assert (
        login(cast.team_member)
        .get(reverse("inspections:activity_create", args=[inspection.pk, "bogus"]))
        .status_code
        == 404
    )
    # Refused writes by readers without the capacity leave everything as it was.
    for username in ["office_staff", "leading_group", "team_member"]:
        client = login(cast.users[username])
        client.post(reverse("inspections:problem_action", args=[problem.pk, "approve"]))
        client.post(
            reverse("inspections:review_create", args=[inspection.pk]),
            {"body": "leading_group", "held_on": "2026-06-01", "decision": "同意"},
        )
    assert Problem.objects.get(pk=problem.pk).state == "draft"
    from xuncha.inspections.models import LeadingGroupReview

    assert not LeadingGroupReview.objects.exists()  # not in the review stage yet
