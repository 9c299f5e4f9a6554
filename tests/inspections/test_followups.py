"""Follow-ups of issue 4: overdue fix-notice escalation, office settings and taxonomy pages,
editable survey questions, and no orphan file after a rolled-back attachment save."""

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as dj_settings
from django.core.management import call_command
from django.urls import reverse

from tests.inspections.conftest import make_problem, pdf
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections import services
from xuncha.inspections.models import (
    Activity,
    Attachment,
    FieldworkSettings,
    FixNotice,
    Problem,
    SurveyQuestion,
    TaxonomyCategory,
    TaxonomyVersion,
)
from xuncha.org import home
from xuncha.plans.models import WorkdayOverride

# --- 1. Overdue immediate-fix notices ------------------------------------------------------


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _notice(cast, deadline):
    return services.fix_notice_issue(
        inspection=cast.inspections["a"],
        unit_id=cast.units["bureau"].pk,
        title="公车私用问题",
        requirement="立即收回车辆并书面报告",
        deadline=deadline,
        actor=cast.team_leader,
    )


@pytest.fixture
def week(cast):
    """A Wednesday deadline whose Wednesday and Thursday are the office's days off."""
    wed = _weekday_on_or_after(date.today() + timedelta(days=30), 2)
    city = cast.city
    WorkdayOverride.objects.create(office=city, day=wed, is_working=False, note="假日")
    WorkdayOverride.objects.create(
        office=city, day=wed + timedelta(days=1), is_working=False, note="假日"
    )
    WorkdayOverride.objects.create(office=city, day=wed + timedelta(days=2), is_working=True)
    return wed


def test_deadline_on_holiday_moves_to_next_working_day(cast, week):
    notice = _notice(cast, week)
    friday = week + timedelta(days=2)
    assert services.fix_notice_due(notice) == friday
    # Thursday and Friday: the unit still has time (holiday, then the due day itself).
    assert services.fix_notices_sweep(week + timedelta(days=1)) == 0
    assert services.fix_notices_sweep(friday) == 0
    notice.refresh_from_db()
    assert notice.escalated_at is None
    assert services.fix_notices_sweep(friday + timedelta(days=1)) == 1
    notice.refresh_from_db()
    assert notice.escalated_at is not None


def test_escalates_once_and_is_audited(cast):
    deadline = date.today() + timedelta(days=10)
    notice = _notice(cast, deadline)
    later = deadline + timedelta(days=30)
    assert services.fix_notices_sweep(later) == 1
    first = FixNotice.objects.get(pk=notice.pk).escalated_at
    assert services.fix_notices_sweep(later) == 0
    assert services.fix_notices_sweep(later + timedelta(days=5)) == 0
    assert FixNotice.objects.get(pk=notice.pk).escalated_at == first
    entries = AuditEntry.objects.filter(object_id=str(notice.pk), summary__contains="逾期督办")
    assert entries.count() == 1


def test_not_before_deadline_and_not_when_replied(cast):
    deadline = _weekday_on_or_after(date.today() + timedelta(days=14), 1)  # a Tuesday
    WorkdayOverride.objects.create(office=cast.city, day=deadline, is_working=True)
    waiting = _notice(cast, deadline)
    replied = _notice(cast, deadline)
    services.fix_notice_reply(notice=replied, reply="已整改完毕。", actor=cast.unit_liaison)
    assert services.fix_notices_sweep(deadline - timedelta(days=1)) == 0
    assert services.fix_notices_sweep(deadline) == 0
    assert services.fix_notices_sweep(deadline + timedelta(days=1)) == 1
    assert FixNotice.objects.get(pk=replied.pk).escalated_at is None
    assert FixNotice.objects.get(pk=waiting.pk).escalated_at is not None


def test_escalation_shows_on_workspace_and_liaison_home(cast, login):
    deadline = date.today() + timedelta(days=5)
    notice = _notice(cast, deadline)
    call_command("fieldwork_sweep", "--date", (deadline + timedelta(days=20)).isoformat())
    notice.refresh_from_db()
    assert notice.escalated_at
    page = login(cast.team_member).get(
        reverse("inspections:workspace", args=[cast.inspections["a"].pk])
    )
    assert "逾期督办" in page.content.decode()
    body = login(cast.unit_liaison).get(reverse("org:home")).content.decode()
    assert "已逾期督办" in body and notice.title in body
    assert home.TODOS  # the liaison's to-do comes from the registered fieldwork panel


def test_command_enqueue_runs_the_task(cast, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    deadline = date.today()
    notice = _notice(cast, deadline)
    call_command("fieldwork_sweep", "--enqueue")  # today: not overdue yet
    assert FixNotice.objects.get(pk=notice.pk).escalated_at is None
    FixNotice.objects.filter(pk=notice.pk).update(deadline=date.today() - timedelta(days=40))
    call_command("fieldwork_sweep", "--enqueue")
    assert FixNotice.objects.get(pk=notice.pk).escalated_at is not None


# --- 2. Office settings and taxonomy pages ----------------------------------------------------


def test_settings_page_office_admin_only(cast, login):
    url = reverse("inspections:fieldwork_settings")
    for name in ("office_staff", "team_member", "unit_liaison", "leading_group", "outsider"):
        assert login(cast.users[name]).get(url).status_code == 404, name
    admin = login(cast.office_admin)
    assert admin.get(url).status_code == 200
    data = {
        "cutoff_before_end": 4,
        "report_after_end": 12,
        "feedback_after_review": 15,
        "letter_reply_days": 0,
        "fix_notice_days": 7,
        "early_stationing_days": 5,
    }
    page = admin.post(url, data)
    assert page.status_code == 200 and "至少为 1 个工作日" in page.content.decode()
    assert not FieldworkSettings.objects.filter(office=cast.city).exists()
    data["letter_reply_days"] = 6
    assert admin.post(url, data).status_code == 302
    s = FieldworkSettings.objects.get(office=cast.city)
    assert (s.report_after_end, s.letter_reply_days, s.fix_notice_days) == (12, 6, 7)
    assert AuditEntry.objects.filter(summary="修改巡察实施期限设置").exists()
    # Another office's settings are out of reach.
    assert admin.get(url + f"?office={cast.county_a.pk}").status_code == 404
    data["fix_notice_days"] = 500
    assert "0 到 120" in admin.post(url, data).content.decode()


def test_taxonomy_pages_refused_to_other_roles(cast, login):
    active = TaxonomyVersion.objects.get(active=True)
    category = TaxonomyCategory.objects.filter(version=active, level=2).first()
    gets = [
        reverse("inspections:taxonomy_versions"),
        reverse("inspections:taxonomy_version_copy"),
        reverse("inspections:taxonomy_version", args=[active.pk]),
        reverse("inspections:taxonomy_category_add", args=[active.pk]),
        reverse("inspections:taxonomy_category_rename", args=[category.pk]),
    ]
    posts = [
        reverse("inspections:taxonomy_category_toggle", args=[category.pk]),
        reverse("inspections:taxonomy_version_activate", args=[active.pk]),
    ]
    for name in ("office_staff", "team_leader", "unit_liaison", "county_staff", "auditor"):
        c = login(cast.users[name])
        for url in gets:
            assert c.get(url).status_code == 404, (name, url)
        for url in posts:
            assert c.post(url).status_code == 404, (name, url)
    admin = login(cast.office_admin)
    for url in gets:
        assert admin.get(url).status_code == 200, url


def test_taxonomy_draft_edit_and_activate(cast, login):
    admin = login(cast.office_admin)
    old = TaxonomyVersion.objects.get(active=True)
    problem = make_problem(cast, code="B4")
    # Copy.
    r = admin.post(reverse("inspections:taxonomy_version_copy"), {"code": "2026", "name": "2026版"})
    assert r.status_code == 302
    draft = TaxonomyVersion.objects.get(code="2026")
    assert draft.is_draft
    assert draft.categories.count() == old.categories.count()
    again = admin.post(
        reverse("inspections:taxonomy_version_copy"), {"code": "2026", "name": "重复"}
    )
    assert "已存在" in again.content.decode()
    # The active version cannot be edited.
    b4_old = TaxonomyCategory.objects.get(version=old, code="B4")
    admin.post(reverse("inspections:taxonomy_category_rename", args=[b4_old.pk]), {"name": "改"})
    assert TaxonomyCategory.objects.get(pk=b4_old.pk).name == b4_old.name
    # Add, rename, deactivate in the draft.
    add = reverse("inspections:taxonomy_category_add", args=[draft.pk])
    r = admin.post(add, {"parent_code": "B", "code": "B19", "name": "违规使用公款问题"})
    assert r.status_code == 302
    bad = admin.post(add, {"parent_code": "Z", "code": "Z1", "name": "不存在的上级"})
    assert "不存在" in bad.content.decode()
    b4 = TaxonomyCategory.objects.get(version=draft, code="B4")
    admin.post(
        reverse("inspections:taxonomy_category_rename", args=[b4.pk]), {"name": "违规发放问题"}
    )
    assert TaxonomyCategory.objects.get(pk=b4.pk).name == "违规发放问题"
    b1 = TaxonomyCategory.objects.get(version=draft, code="B1")
    admin.post(reverse("inspections:taxonomy_category_toggle", args=[b1.pk]))
    assert not TaxonomyCategory.objects.get(pk=b1.pk).is_active
    # Activate.
    r = admin.post(reverse("inspections:taxonomy_version_activate", args=[draft.pk]))
    assert r.status_code == 302
    draft.refresh_from_db()
    old.refresh_from_db()
    assert draft.active and not draft.is_draft and not old.active
    # The earlier problem keeps its category; new problems use the new version.
    assert Problem.objects.get(pk=problem.pk).category_id == b4_old.pk
    new = make_problem(cast, code="B19", title="新版分类问题")
    assert new.category.version_id == draft.pk
    with pytest.raises(DomainError, match="已停用"):
        make_problem(cast, code="B1", title="停用分类")
    # The activated version is frozen now.
    admin.post(reverse("inspections:taxonomy_category_toggle", args=[b4.pk]))
    assert TaxonomyCategory.objects.get(pk=b4.pk).is_active
    versions = admin.get(reverse("inspections:taxonomy_versions")).content.decode()
    assert "2026版" in versions and "当前使用" in versions
    assert AuditEntry.objects.filter(summary__contains="启用监督内容分类版本").exists()


# --- 3. Survey questions -----------------------------------------------------------------------


@pytest.fixture
def survey(cast):
    inspection = cast.inspections["a"]
    return services.survey_create(
        inspection=inspection,
        title="民主测评",
        held_on=inspection.start,
        questions=[("likert", "总体评价"), ("text", "意见建议")],
        actor=cast.team_member,
    )


def test_questions_editable_until_first_answer(cast, login, survey):
    q1, q2 = list(survey.questions.all())
    member = login(cast.team_member)
    edit = reverse("inspections:survey_question_edit", args=[q1.pk])
    assert login(cast.unit_liaison).get(edit).status_code == 404
    assert login(cast.other_member).get(edit).status_code == 404
    r = member.post(edit, {"kind": "likert", "text": "对领导班子的总体评价"})
    assert r.status_code == 302
    assert SurveyQuestion.objects.get(pk=q1.pk).text == "对领导班子的总体评价"
    add = reverse("inspections:survey_question_add", args=[survey.pk])
    assert member.post(add, {"kind": "text", "text": "其他意见"}).status_code == 302
    delete = reverse("inspections:survey_question_delete", args=[q2.pk])
    assert login(cast.unit_liaison).post(delete).status_code == 404
    assert member.post(delete).status_code == 302
    assert not SurveyQuestion.objects.filter(pk=q2.pk).exists()
    results = member.get(reverse("inspections:survey_results", args=[survey.pk])).content
    assert "修改".encode() in results

    services.survey_submit(survey=survey, answers={q1.pk: "4"})
    r = member.post(edit, {"kind": "likert", "text": "再改一次"})
    assert "已有人作答" in r.content.decode()
    assert SurveyQuestion.objects.get(pk=q1.pk).text == "对领导班子的总体评价"
    other = survey.questions.exclude(pk=q1.pk).first()
    r = member.post(reverse("inspections:survey_question_delete", args=[other.pk]), follow=True)
    assert "已有人作答" in r.content.decode()
    assert SurveyQuestion.objects.filter(pk=other.pk).exists()
    with pytest.raises(DomainError, match="已有人作答"):
        services.survey_question_add(survey=survey, kind="text", text="x", actor=cast.team_member)


def test_question_validation(cast, survey):
    q = survey.questions.first()
    with pytest.raises(DomainError, match="请填写题目"):
        services.survey_question_update(question=q, kind="likert", text=" ", actor=cast.team_member)
    with pytest.raises(DomainError, match="题型"):
        services.survey_question_update(question=q, kind="x", text="题", actor=cast.team_member)
    with pytest.raises(DomainError, match="只有"):
        services.survey_question_update(
            question=q, kind="likert", text="题", actor=cast.office_staff
        )


# --- 4. No orphan file after a rolled-back save -------------------------------------------------


def _stored_files():
    root = Path(dj_settings.MEDIA_ROOT) / "inspections"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_failed_save_leaves_no_file(cast):
    inspection = cast.inspections["a"]
    before = _stored_files()
    with pytest.raises(DomainError, match="后续步骤失败"):
        with services.files_atomic():
            services.activity_create(
                inspection=inspection,
                kind=Activity.Kind.VISIT,
                title="走访青石镇",
                held_on=inspection.start,
                actor=cast.team_member,
                files=[pdf("走访记录.pdf", b"%PDF-1.4\nunique-orphan-test\n%%EOF\n")],
            )
            assert len(_stored_files()) == len(before) + 1  # written inside the block
            raise DomainError("后续步骤失败")
    assert _stored_files() == before
    assert not Activity.objects.filter(title="走访青石镇").exists()
    assert not Attachment.objects.exists()


def test_rollback_keeps_file_shared_with_committed_attachment(cast):
    inspection = cast.inspections["a"]
    data = b"%PDF-1.4\nshared-bytes\n%%EOF\n"
    kept = services.activity_create(
        inspection=inspection,
        kind=Activity.Kind.VISIT,
        title="第一次走访",
        held_on=inspection.start,
        actor=cast.team_member,
        files=[pdf("a.pdf", data)],
    )
    files = _stored_files()
    assert len(files) == 1
    with pytest.raises(DomainError):
        with services.files_atomic():
            services.activity_update(
                activity=kept, actor=cast.team_member, files=[pdf("b.pdf", data)]
            )
            raise DomainError("失败")
    assert _stored_files() == files  # the same content-addressed file is still referenced
    assert kept.attachments.get().file.read() == data
