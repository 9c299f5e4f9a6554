"""The pages at work: recording, bad input, surveys, preparation, query counts, home and menu."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api_schema import assert_matches_schema
from tests.inspections.conftest import PDF, inspector_of, make_problem, pdf, sign_off
from xuncha.core.errors import DomainError
from xuncha.inspections import services
from xuncha.inspections.models import (
    Activity,
    Attachment,
    DocumentRequest,
    PreInspectionLetter,
    Problem,
    Survey,
    SurveyAnswer,
    TaxonomyCategory,
    TaxonomyTheme,
    WorkingPaper,
)


def interview_data(cast, **extra):
    data = {
        "title": "与局长个别谈话",
        "held_on": "2026-03-05",
        "place": "巡察组谈话室",
        "interviewee": "王某",
        "interviewee_position": "局长",
        "interviewee_category": "leader",
        "interviewer_id": inspector_of(cast.team_leader).pk,
        "recorder_id": inspector_of(cast.team_member).pk,
        "outline": "一、履行全面从严治党主体责任情况",
        "summary": "谈话对象介绍了班子运行情况。",
    }
    data.update(extra)
    return data


@pytest.mark.django_db
def test_taxonomy_loaded():
    assert TaxonomyCategory.objects.filter(level=1).count() == 6
    assert TaxonomyCategory.objects.filter(level=2).count() == 34
    assert TaxonomyCategory.objects.get(code="B4").parent.code == "B"


@pytest.mark.django_db
def test_record_interview_with_attachment(field, login):
    client = login(field.team_member)
    url = reverse("inspections:activity_create", args=[field.inspections["a"].pk, "interview"])
    assert client.get(url).status_code == 200
    response = client.post(url, {**interview_data(field), "files": [pdf("谈话笔录.pdf")]})
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert activity.kind == "interview" and activity.confidential
    attachment = activity.attachments.get()
    assert attachment.size == len(PDF) and attachment.content_type == "application/pdf"
    assert len(attachment.sha256) == 64
    download = client.get(reverse("inspections:attachment_download", args=[attachment.pk]))
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.django_db
def test_interview_needs_two_distinct_team_interviewers(field, login):
    client = login(field.team_member)
    url = reverse("inspections:activity_create", args=[field.inspections["a"].pk, "interview"])
    same = inspector_of(field.team_member).pk
    response = client.post(url, interview_data(field, recorder_id=same, interviewer_id=same))
    assert response.status_code == 200
    assert "不能是同一人" in response.content.decode()
    other = inspector_of(field.other_member).pk
    response = client.post(url, interview_data(field, interviewer_id=other))
    assert response.status_code == 200  # not a choice of this team: the form refuses it
    assert not Activity.objects.exists()


@pytest.mark.django_db
def test_bad_attachments_refused_nothing_saved(field, login, settings):
    client = login(field.team_member)
    url = reverse("inspections:activity_create", args=[field.inspections["a"].pk, "interview"])
    exe = io.BytesIO(b"MZ\x90\x00\x03" + b"\x00" * 200)
    exe.name = "谈话笔录.pdf"  # the name lies; the content decides
    response = client.post(url, {**interview_data(field), "files": [pdf("好.pdf"), exe]})
    assert "内容不是允许的类型" in response.content.decode()
    assert not Activity.objects.exists() and not Attachment.objects.exists()
    settings.UPLOAD_MAX_BYTES = 100
    response = client.post(
        url, {**interview_data(field), "files": [pdf("大.pdf", PDF + b" " * 200)]}
    )
    assert "超过上限" in response.content.decode()
    assert not Activity.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_taxonomy_code_that_does_not_exist(field, login):
    client = login(field.team_member)
    url = reverse("inspections:problem_create", args=[field.inspections["a"].pk])
    data = {
        "title": "问题",
        "category_code": "Z9",
        "unit_id": field.units["bureau"].pk,
        "severity": "minor",
    }
    response = client.post(url, data)
    assert "问题分类代码“Z9”不存在" in response.content.decode()
    response = client.post(url, {**data, "category_code": "B"})
    assert "二级分类" in response.content.decode()
    assert not Problem.objects.exists()
    with pytest.raises(DomainError, match="不存在"):
        services.problem_create(
            inspection=field.inspections["a"],
            actor=field.team_member,
            title="x",
            category_code="Q1",
        )


@pytest.mark.django_db
def test_round_theme_and_unit_checks(field):
    inspection = field.inspections["a"]
    f1 = TaxonomyCategory.objects.get(code="F1")
    TaxonomyTheme.objects.create(round=inspection.round, category=f1, code="F1-01", name="安全生产")
    problem = services.problem_create(
        inspection=inspection,
        actor=field.team_member,
        title="安全生产责任落实不到位",
        category_code="A5",
        theme_code="F1-01",
    )
    assert problem.theme.name == "安全生产" and problem.unit == field.units["bureau"]
    with pytest.raises(DomainError, match="专项主题"):
        services.problem_create(
            inspection=inspection,
            actor=field.team_member,
            title="x",
            category_code="A5",
            theme_code="F1-99",
        )
    with pytest.raises(DomainError, match="问题单位"):
        services.problem_create(
            inspection=inspection,
            actor=field.team_member,
            title="x",
            category_code="A5",
            unit_id=field.units["township_a"].pk,
        )
    child = services.problem_create(
        inspection=inspection,
        actor=field.team_member,
        title="下属单位问题",
        category_code="B9",
        unit_id=field.units["bureau_child"].pk,
    )
    assert child.unit == field.units["bureau_child"]


@pytest.mark.django_db
def test_transition_out_of_order_via_page(field, login):
    inspection = field.inspections["a"]
    client = login(field.office_admin)
    response = client.post(
        reverse("inspections:transition", args=[inspection.pk]), {"target": "archived"}, follow=True
    )
    assert "不能直接转入“归档”" in response.content.decode()
    inspection.refresh_from_db()
    assert inspection.stage == "investigation"


@pytest.mark.django_db
def test_paper_edit_and_sign_through_pages(field, login):
    problem = make_problem(field)
    interview = services.activity_create(
        inspection=problem.inspection,
        kind="interview",
        actor=field.team_member,
        **{k: v for k, v in interview_data(field).items() if k not in {"held_on"}},
        held_on=date(2026, 3, 5),
    )
    member = login(field.team_member)
    url = reverse("inspections:paper_edit", args=[problem.paper.pk])
    response = member.post(
        url,
        {
            "title": "违规发放津补贴底稿",
            "facts": "经查，2025年……",
            "evidence": "凭证1\n凭证2",
            "policy_basis": "《中国共产党纪律处分条例》第一百零二条",
            "source_ids": [interview.pk],
            "source_submission_ids": "12，15",
            "files": [pdf("凭证.pdf")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    paper = WorkingPaper.objects.get(pk=problem.paper.pk)
    assert list(paper.sources.all()) == [interview]
    assert paper.source_submission_ids == [12, 15] and paper.attachments.count() == 1
    member.post(reverse("inspections:paper_action", args=[paper.pk, "submit"]))
    deputy = login(field.team_deputy)
    deputy.post(
        reverse("inspections:paper_action", args=[paper.pk, "return"]), {"comment": "请补充金额"}
    )
    paper.refresh_from_db()
    assert paper.state == "returned" and paper.return_comment == "请补充金额"
    page = member.get(reverse("inspections:problem_detail", args=[problem.pk])).content.decode()
    assert "请补充金额" in page


@pytest.mark.django_db
def test_survey_anonymous_link_and_tally(field, login, client):
    survey = services.survey_create(
        inspection=field.inspections["a"],
        title="领导班子民主测评",
        held_on=date(2026, 3, 6),
        questions=[("likert", "对领导班子总体评价"), ("text", "意见建议")],
        actor=field.team_member,
    )
    url = reverse("inspections:survey_public", args=[survey.token])
    assert client.get(url).status_code == 200  # no login
    q1, q2 = survey.questions.all()
    assert client.post(url, {f"q{q1.pk}": "4", f"q{q2.pk}": "希望加强作风建设"}).status_code == 200
    client.post(url, {f"q{q1.pk}": "2"})
    response = client.post(url, {f"q{q1.pk}": "9"})
    assert "1–5" in response.content.decode()
    assert survey.responses.count() == 2
    results = services.survey_results(survey)
    assert results[0]["mean"] == 3.0 and results[0]["distribution"] == [0, 1, 0, 1, 0]
    assert results[1]["texts"] == ["希望加强作风建设"]
    page = login(field.team_leader).get(reverse("inspections:survey_results", args=[survey.pk]))
    assert survey.token in page.content.decode()
    assert client.get(reverse("inspections:survey_public", args=["wrong-token"])).status_code == 404
    Survey.objects.filter(pk=survey.pk).update(open=False)
    assert "已结束" in client.post(url, {f"q{q1.pk}": "5"}).content.decode()
    assert SurveyAnswer.objects.count() == 3


@pytest.mark.django_db
def test_preparation_letters_and_documents(field, login):
    inspection = field.inspections["a"]
    client = login(field.team_leader)
    response = client.post(
        reverse("inspections:letter_create", args=[inspection.pk]),
        {
            "recipient": "discipline",
            "subject": "函询被巡察单位领导班子成员信访举报及问题线索情况",
            "sent_on": "2026-02-26",
        },
    )
    assert response.status_code == 302
    letter = PreInspectionLetter.objects.get()
    assert letter.due_on == date(2026, 3, 4)  # 5 working days; Sat 28 Feb is a make-up day
    client.post(
        reverse("inspections:letter_reply", args=[letter.pk]),
        {
            "reply_on": "2026-03-03",
            "reply_text": "近三年收到反映该局问题信访件3件。",
            "files": [pdf("复函.pdf")],
        },
    )
    letter.refresh_from_db()
    assert letter.state == "replied" and letter.attachments.count() == 1
    client.post(
        reverse("inspections:document_request_create", args=[inspection.pk]),
        {"title": "2023年以来党组会议纪要", "requested_on": "2026-03-02"},
    )
    item = DocumentRequest.objects.get()
    mark = reverse("inspections:document_request_mark", args=[item.pk])
    client.post(mark, {"state": "returned"})
    client.post(mark, {"state": "provided"})
    item.refresh_from_db()
    assert item.state == "provided"
    response = client.post(mark, {"state": "requested"}, follow=True)
    assert "依次" in response.content.decode()


def _fill(cast, n_activities, n_problems):
    inspection = cast.inspections["a"]
    Activity.objects.bulk_create(
        Activity(
            inspection=inspection,
            kind="visit",
            title=f"走访{i}",
            held_on=date(2026, 3, 2),
            created_by=cast.team_member,
        )
        for i in range(n_activities)
    )
    for i in range(n_problems):
        make_problem(cast, title=f"问题{i}")


@pytest.mark.django_db
def test_workspace_constant_queries(field, login):
    client = login(field.team_leader)
    url = reverse("inspections:workspace", args=[field.inspections["a"].pk])
    client.get(url)
    _fill(field, 3, 2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(field, 60, 30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url + "?apage=2&ppage=2")
        assert response.status_code == 200
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    assert len(large) <= 40


@pytest.mark.django_db
def test_workspace_pagers_count_the_filtered_rows(field, login):
    """The pagers take their sizes from the page's figures query: each counts exactly the
    rows its filter leaves, and the last page holds the remainder."""
    inspection = field.inspections["a"]
    _fill(field, 60, 0)
    Activity.objects.bulk_create(
        Activity(inspection=inspection, kind="interview", title=f"谈话{i}",
                 held_on=date(2026, 3, 3), created_by=field.team_member)
        for i in range(27)
    )  # fmt: skip
    visits = Activity.objects.filter(inspection=inspection, kind="visit").count()
    interviews = Activity.objects.filter(inspection=inspection, kind="interview").count()
    total = Activity.objects.filter(inspection=inspection).count()
    client = login(field.team_leader)
    url = reverse("inspections:workspace", args=[inspection.pk])
    for query, n in [("", total), ("?kind=visit", visits), ("?kind=interview", interviews)]:
        pages = -(-n // 25)
        page = client.get(f"{url}{query}").content.decode()
        assert f"第 1 / {pages} 页，共 {n} 条" in page, query
        last = client.get(f"{url}{query}{'&' if query else '?'}apage={pages}").content.decode()
        table = last.split('id="activity-table"')[1]
        rows = table.split("<tbody>")[1].split("</tbody>")[0].count("<tr>")
        assert rows == n - 25 * (pages - 1), query


@pytest.mark.django_db
def test_workspace_cached_tables_show_a_change_at_once_and_never_cross_users(
    field, login, settings
):
    """With the per-user cache on (as in production), the workspace serves its record
    tables and panels from the cache until an audited change: the next request then
    shows the new activity, problem and document request; each query string (filter, page) is its own entry,
    and a user who may not read the inspection still gets 404, not a cached page."""
    from django.core.cache import caches

    settings.USER_CACHE_SECONDS = 60
    caches["local"].clear()
    inspection = field.inspections["a"]
    _fill(field, 30, 1)
    url = reverse("inspections:workspace", args=[inspection.pk])
    leader = login(field.team_leader)
    first = leader.get(url).content.decode()
    with CaptureQueriesContext(connection) as warm:
        again = leader.get(url).content.decode()
    tables = first[first.index('id="problems"') : first.index('id="preparation"')]
    assert tables in again  # served from the cache, byte for byte (the HTML not escaped)
    assert 'id="activity-table"' in again and "<tbody><tr>" in again
    with CaptureQueriesContext(connection) as cold:
        leader.get(url + "?kind=visit")  # another query string: computed
    assert len(warm) < len(cold)
    assert "第 1 / 2 页，共 30 条" in leader.get(url + "?kind=visit").content.decode()
    assert "apage=2" in leader.get(url + "?kind=visit").content.decode()
    services.activity_create(
        inspection=inspection,
        kind="visit",
        actor=field.team_member,
        title="走访新增记录",
        held_on=date(2026, 3, 9),
    )
    make_problem(field, title="新登记的问题")
    services.document_request_create(
        inspection=inspection,
        title="新开列的资料",
        requested_on=date(2026, 3, 9),
        actor=field.team_member,
    )
    page = leader.get(url).content.decode()
    assert "走访新增记录" in page and "新登记的问题" in page and "新开列的资料" in page
    assert "第 1 / 2 页，共 31 条" in leader.get(url + "?kind=visit").content.decode()
    assert login(field.other_member).get(url).status_code == 404
    member = login(field.team_member).get(url).content.decode()
    assert "走访新增记录" in member and "新登记的问题" in member


@pytest.mark.django_db
def test_inspection_list_queries(field, login, django_assert_max_num_queries):
    client = login(field.office_admin)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("inspections:inspection_list"))
    assert response.status_code == 200 and "第一巡察组" in response.content.decode()
    assert (
        "第一巡察组"
        in login(field.team_member).get(reverse("inspections:inspection_list")).content.decode()
    )
    assert (
        "第一巡察组"
        not in login(field.other_member)
        .get(reverse("inspections:inspection_list"))
        .content.decode()
    )


@pytest.mark.django_db
def test_home_todos_and_menu(field, login):
    problem = make_problem(field)
    services.paper_submit(paper=problem.paper, actor=field.team_member)
    deputy_home = login(field.team_deputy).get(reverse("org:home")).content.decode()
    assert "待签署底稿 001" in deputy_home
    assert "待签署底稿" not in login(field.team_leader).get(reverse("org:home")).content.decode()
    services.paper_sign(paper=problem.paper, actor=field.team_deputy)
    assert "待签署底稿 001" in login(field.team_leader).get(reverse("org:home")).content.decode()
    services.fix_notice_issue(
        inspection=field.inspections["a"],
        unit_id=None,
        title="会议室超标使用",
        requirement="立即整改",
        actor=field.team_leader,
    )
    liaison_home = login(field.unit_liaison).get(reverse("org:home")).content.decode()
    assert "立行立改：会议室超标使用" in liaison_home
    assert "巡察工作" in login(field.team_member).get(reverse("org:home")).content.decode()


@pytest.mark.django_db
def test_api_flow(field, login):
    inspection = field.inspections["a"]
    member = login(field.team_member)
    r = member.post(
        f"/api/v1/inspections/{inspection.pk}/problems",
        {
            "title": "“三重一大”事项未经集体决策",
            "category_code": "B8",
            "facts": "2025年3项工程未上会。",
        },
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert_matches_schema(r, "/api/v1/inspections/{pk}/problems", "post")
    body = r.json()
    assert body["category"] == "B8" and body["paper_state"] == "drafting"
    r = member.post(
        f"/api/v1/inspections/{inspection.pk}/problems",
        {"title": "x", "category_code": "ZZ"},
        content_type="application/json",
    )
    assert r.status_code == 400 and "不存在" in r.json()["detail"]
    paper_id = body["paper_id"]
    member.post(
        f"/api/v1/inspections/papers/{paper_id}/submit", {}, content_type="application/json"
    )
    r = member.post(
        f"/api/v1/inspections/papers/{paper_id}/sign", {}, content_type="application/json"
    )
    assert r.status_code == 400 and "副组长" in r.json()["detail"]
    login(field.team_deputy).post(
        f"/api/v1/inspections/papers/{paper_id}/sign", {}, content_type="application/json"
    )
    leader = login(field.team_leader)
    r = leader.post(
        f"/api/v1/inspections/papers/{paper_id}/sign",
        {"comment": "同意"},
        content_type="application/json",
    )
    assert r.json()["state"] == "signed"
    assert_matches_schema(r, "/api/v1/inspections/papers/{pk}/{action}", "post")
    for path, template in [
        (f"/api/v1/inspections/{inspection.pk}/activities", "/api/v1/inspections/{pk}/activities"),
        ("/api/v1/inspections/", "/api/v1/inspections/"),
        (f"/api/v1/inspections/papers/{paper_id}", "/api/v1/inspections/papers/{pk}"),
        (f"/api/v1/inspections/problems/{body['id']}", "/api/v1/inspections/problems/{pk}"),
    ]:
        assert_matches_schema(leader.get(path), template, "get")
    r = leader.post(f"/api/v1/inspections/problems/{body['id']}/approve")
    assert r.json()["state"] == "approved"
    r = leader.get(f"/api/v1/inspections/{inspection.pk}/problems?for_report=true")
    assert [p["id"] for p in r.json()["items"]] == [body["id"]]
    r = leader.get(f"/api/v1/inspections/{inspection.pk}")
    assert_matches_schema(r, "/api/v1/inspections/{pk}", "get")
    steps = r.json()["next_steps"]
    assert steps == [{"target": "report", "label": "进入报告阶段", "allowed": True, "reasons": []}]
    r = leader.post(
        f"/api/v1/inspections/{inspection.pk}/transition",
        {"target": "report"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["to_stage"] == "report"
    assert len(leader.get("/api/v1/inspections/taxonomy").json()) == 40


@pytest.mark.django_db
def test_immediate_fix_deadline_default(field):
    notice = services.fix_notice_issue(
        inspection=field.inspections["a"],
        unit_id=None,
        title="x",
        requirement="y",
        actor=field.team_leader,
    )
    assert notice.deadline > date.today()
    with pytest.raises(DomainError, match="组长"):
        services.fix_notice_issue(
            inspection=field.inspections["a"],
            unit_id=None,
            title="x",
            requirement="y",
            actor=field.team_member,
        )


__all__ = ["sign_off"]


@pytest.mark.django_db
def test_round_theme_created_by_office(field, login):
    inspection = field.inspections["a"]
    url = reverse("inspections:theme_create", args=[inspection.pk])
    assert login(field.other_member).post(url, {"name": "安全生产"}).status_code == 404
    login(field.team_member).post(url, {"name": "安全生产"})
    assert not TaxonomyTheme.objects.exists()
    assert login(field.office_staff).post(url, {"name": "安全生产"}).status_code == 302
    theme = TaxonomyTheme.objects.get()
    assert theme.code == "F1-01" and theme.category.code == "F1" and theme.round == inspection.round
    assert (
        "已有专项主题" in login(field.office_staff).post(url, {"name": "安全生产"}).content.decode()
    )
