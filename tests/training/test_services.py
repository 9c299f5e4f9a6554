"""Training records and appraisals: the rules, bad input, immutability, corrections, audit."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from tests.training.helpers import full_scores, member_of, office_final, training
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.plans.models import Inspection, Inspector
from xuncha.training import services
from xuncha.training.models import Appraisal, AppraisalIndicator, TrainingRecord
from xuncha.training.scoring import Profile, bonus

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


def test_training_recorded_with_certificate_and_audited(cast, settings):
    cert = SimpleUploadedFile("结业证书.png", _png(), content_type="image/png")
    row = training(cast, hours="7.5", certificate=cert)
    assert row.hours == 7.5 and row.certificate_name == "结业证书.png"
    assert (settings.MEDIA_ROOT / row.certificate_path).is_file()
    entry = AuditEntry.objects.get(object_type="training.trainingrecord")
    assert entry.changes["hours"] == "7.5" and "巡察业务培训班" in entry.summary


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"course": " "}, "培训课程"),
        ({"organiser": ""}, "主办单位"),
        ({"hours": 0}, "学时应大于0"),
        ({"hours": "abc"}, "学时应为数字"),
        ({"hours": 30}, "合理上限"),
        ({"end": date(2026, 3, 1)}, "结束日期不能早于"),
        ({"start": date(2027, 1, 4), "end": date(2027, 1, 4)}, "尚未开始"),
    ],
)
def test_training_bad_input_refused_in_chinese(cast, kw, message):
    with pytest.raises(DomainError, match=message):
        training(cast, today=date(2026, 12, 1), **kw)
    assert not TrainingRecord.objects.exists()


def test_certificate_of_wrong_type_refused_nothing_saved(cast):
    bad = SimpleUploadedFile("证书.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(DomainError, match="不是允许的类型"):
        training(cast, certificate=bad)
    assert not TrainingRecord.objects.exists()


def test_only_the_inspectors_own_office_records_training(cast):
    for actor in (cast.county_staff, cast.leading_group, cast.team_leader):
        with pytest.raises(DomainError, match="只有本巡察办"):
            training(cast, actor=actor)


def test_leader_appraises_only_members_of_own_team(cast):
    scores = full_scores(cast)
    row = services.appraisal_save(
        member=member_of(cast, "team_member"),
        source="leader",
        rating="excellent",
        scores=scores,
        actor=cast.team_leader,
    )
    assert row.total == sum(scores.values()) and row.state == Appraisal.State.DRAFT
    cases = [
        ("other_member", cast.team_leader, "只有本组组长"),  # another team's member
        ("team_member", cast.other_member, "只有本组组长"),  # not the leader
        ("team_member", cast.office_staff, "只有本组组长"),  # the office is not the leader
        ("team_leader", cast.team_leader, "不能评价自己"),
    ]
    for username, actor, message in cases:
        with pytest.raises(DomainError, match=message):
            services.appraisal_save(
                member=member_of(cast, username),
                source="leader",
                rating="competent",
                scores=scores,
                actor=actor,
            )
    with pytest.raises(DomainError, match="只有本巡察办"):
        services.appraisal_save(
            member=member_of(cast, "team_member"),
            source="office",
            rating="competent",
            scores=scores,
            actor=cast.team_leader,
        )


def test_scores_and_rating_validated(cast):
    member = member_of(cast, "team_member")
    scores = full_scores(cast)
    first = next(iter(scores))
    bad = [
        ({**scores, first: 21}, "excellent", "", "之间"),
        ({k: v for k, v in scores.items() if k != first}, "excellent", "", "请填写"),
        ({**scores, 999999: 5}, "excellent", "", "未启用"),
        ({**scores, first: "很好"}, "excellent", "", "整数"),
        (scores, "great", "", "考核等次"),
        (scores, "basic", "", "写明理由"),
    ]
    for given_scores, rating, comments, message in bad:
        with pytest.raises(DomainError, match=message):
            services.appraisal_save(
                member=member,
                source="office",
                rating=rating,
                scores=given_scores,
                comments=comments,
                actor=cast.office_staff,
            )
    assert not Appraisal.objects.exists()


def test_final_is_immutable_and_a_correction_is_a_new_record_with_reason(cast):
    final = office_final(cast, rating="competent")
    assert final.is_final and final.finalised_at
    member = member_of(cast, "team_member")
    with pytest.raises(DomainError, match="已定档"):
        services.appraisal_save(
            member=member,
            source="office",
            rating="excellent",
            scores=full_scores(cast),
            actor=cast.office_staff,
        )
    with pytest.raises(DomainError, match="已定档"):
        services.appraisal_finalise(appraisal=final, actor=cast.office_staff)
    with pytest.raises(DomainError, match="说明理由"):
        services.appraisal_correct(
            appraisal=final,
            rating="excellent",
            scores=full_scores(cast),
            reason=" ",
            actor=cast.office_staff,
        )
    new = services.appraisal_correct(
        appraisal=final,
        rating="excellent",
        scores=full_scores(cast, 20),
        reason="补充考核发现问题线索情况",
        actor=cast.office_staff,
    )
    old = Appraisal.objects.get(pk=final.pk)
    assert old.rating == "competent" and old.is_final  # the original stays as it was
    assert new.corrects_id == old.pk and new.is_final and new.total == 100
    with pytest.raises(DomainError, match="已被更正"):
        services.appraisal_correct(
            appraisal=old,
            rating="competent",
            scores=full_scores(cast),
            reason="再改",
            actor=cast.office_staff,
        )
    entry = AuditEntry.objects.filter(object_type="training.appraisal").order_by("-seq").first()
    assert entry.changes["reason"] == "补充考核发现问题线索情况"
    assert entry.changes["rating"] == ["competent", "excellent"]
    assert AuditEntry.objects.filter(object_type="training.appraisal", action="transition").exists()


def test_not_appraised_before_fieldwork_is_over(cast):
    insp = cast.inspections["a"]
    Inspection.objects.filter(pk=insp.pk).update(
        end=date(2099, 1, 1), stage=Inspection.Stage.STATIONING
    )
    with pytest.raises(DomainError, match="进驻工作结束后"):
        services.appraisal_save(
            member=member_of(cast, "team_member"),
            source="office",
            rating="competent",
            scores=full_scores(cast),
            actor=cast.office_staff,
        )


def test_indicators_configurable_per_office_and_old_scores_keep_their_names(cast):
    office_final(cast)
    assert [i.name for i in services.indicators_for(cast.city)][:2] == ["政治素质", "业务能力"]
    with pytest.raises(DomainError, match="管理员"):
        services.appraisal_settings_save(
            office=cast.city, show_own=True, indicators_text="政治素质 50", actor=cast.office_staff
        )
    for text, message in [
        ("政治素质", "满分"),
        ("政治素质 0", "1—100"),
        ("", "至少"),
        ("甲 10\n甲 20", "重复"),
    ]:
        with pytest.raises(DomainError, match=message):
            services.appraisal_settings_save(
                office=cast.city, show_own=False, indicators_text=text, actor=cast.office_admin
            )
    services.appraisal_settings_save(
        office=cast.city,
        show_own=True,
        indicators_text="政治素质 30\n履职担当：40\n纪律作风 30",
        actor=cast.office_admin,
    )
    names = [(i.name, i.max_score) for i in services.indicators_for(cast.city)]
    assert names == [("政治素质", 30), ("履职担当", 40), ("纪律作风", 30)]
    assert AppraisalIndicator.objects.filter(office=cast.city, active=False).count() == 4
    old = Appraisal.objects.get()
    assert {s.name for s in old.scores.all()} >= {"廉洁自律", "发现问题"}
    # County offices keep the defaults.
    assert len(services.indicators_for(cast.county_a)) == 5
    assert AuditEntry.objects.filter(object_type="training.appraisalsettings").exists()


RATINGS = st.sampled_from(["", "excellent", "competent", "basic", "incompetent"])
ORDER = {"excellent": 4, "competent": 3, "": 2, "basic": 1, "incompetent": 0}


@given(
    served=st.integers(0, 20),
    hours=st.floats(0, 400),
    more=st.floats(0, 100),
    a=RATINGS,
    b=RATINGS,
    months=st.integers(0, 60),
)
def test_bonus_never_punishes_better_ratings_or_more_training(served, hours, more, a, b, months):
    today = date(2026, 6, 1)
    last = today - timedelta(days=30 * months)
    base = Profile(rounds_served=served, last_served=last, rating=a, hours=hours)
    better_rating = Profile(rounds_served=served, last_served=last, rating=b, hours=hours)
    more_hours = Profile(rounds_served=served, last_served=last, rating=a, hours=hours + more)
    if ORDER[b] >= ORDER[a]:
        assert bonus(better_rating, today)[0] >= bonus(base, today)[0]
    assert bonus(more_hours, today)[0] >= bonus(base, today)[0]
    _points, reasons = bonus(base, today)
    assert len(reasons) == 4 and all(reasons)


def test_bad_input_over_http_is_chinese_and_saves_nothing(cast):
    from tests.cast import client_for
    from tests.training.helpers import score_form

    member = member_of(cast, "team_member")
    api = client_for(cast.office_staff)
    body = {"member_id": member.pk, "source": "office", "rating": "excellent", "scores": {}}
    r = api.post("/api/v1/training/appraisals", body, content_type="application/json")
    assert r.status_code == 400 and "请填写“政治素质”的得分" in r.json()["detail"]
    r = api.post(
        "/api/v1/training/appraisals",
        {**body, "source": "boss", "scores": {"1": 1}},
        content_type="application/json",
    )
    assert r.status_code == 404  # no such source: nothing to write to
    r = api.post(
        "/api/v1/training/records",
        {
            "inspector_id": member.inspector_id,
            "course": "培训",
            "organiser": "市委巡察办",
            "start": "2026-04-02",
            "end": "2026-04-01",
            "hours": 8,
        },
        content_type="application/json",
    )
    assert r.status_code == 400 and "结束日期不能早于" in r.json()["detail"]
    # The page keeps what was typed and says what is wrong.
    page = api.post(
        f"/training/members/{member.pk}/office/", score_form(cast, rating="basic", comments="")
    )
    assert page.status_code == 400 and "写明理由" in page.content.decode()
    assert not Appraisal.objects.exists() and not TrainingRecord.objects.exists()
    # A final record offers correction only; the correction page needs a reason.
    final = office_final(cast)
    assert api.get(f"/training/members/{member.pk}/office/").status_code == 302
    r = api.post(f"/training/appraisals/{final.pk}/correct/", score_form(cast, reason=""))
    assert r.status_code == 400 and not Appraisal.objects.filter(corrects=final).exists()
    r = api.post(f"/training/appraisals/{final.pk}/correct/", score_form(cast, reason="补记"))
    assert r.status_code == 302
    assert Appraisal.objects.filter(corrects=final, correction_reason="补记").exists()


def test_certificate_through_the_api_upload_and_download(cast, settings, tmp_path):
    """The API reaches certificates like the page: staff upload (type checked, Chinese
    error, nothing changed), the office and the inspector download the same bytes."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.cast import client_for
    from xuncha.audit.models import AuditEntry

    settings.MEDIA_ROOT = tmp_path
    row = training(cast)
    staff = client_for(cast.office_staff)
    url = f"/api/v1/training/records/{row.pk}/certificate"
    assert staff.get(url).status_code == 404  # none yet
    bad = staff.post(url, {"certificate": SimpleUploadedFile("x.exe", b"MZ\x90\x00binary")})
    assert bad.status_code == 400 and "文件" in bad.json()["detail"]
    row.refresh_from_db()
    assert row.certificate_path == ""
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"
    done = staff.post(url, {"certificate": SimpleUploadedFile("结业证书.pdf", pdf)})
    assert done.status_code == 200 and done.json()["has_certificate"] is True
    assert AuditEntry.objects.filter(object_id=str(row.pk), action="update").exists()
    for reader in (cast.office_staff, cast.team_member):
        response = client_for(reader).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == pdf
        assert "attachment" in response["Content-Disposition"]
    assert client_for(cast.county_staff).get(url).status_code == 404


def test_records_xlsx_is_watermarked_formula_safe_and_scoped(cast):
    """The .xlsx of training records goes through the shared export helper: the reader's
    watermark, no formula in any cell (a course named like one stays text), only the
    reader's offices, audited as an export."""
    import io as _io

    from openpyxl import load_workbook

    from tests.cast import client_for
    from xuncha.core.sheets import xlsx_watermark

    training(cast, course='=HYPERLINK("http://x")', hours=8)
    training(cast, username="other_member", course="巡察业务培训班", hours=16)
    county = Inspector.objects.create(office=cast.county_a, name="县里干部")
    services.training_create(
        inspector=county,
        course="县级培训",
        organiser="县委组织部",
        start=date(2026, 5, 1),
        end=date(2026, 5, 2),
        hours=8,
        actor=cast.county_staff,
    )
    response = client_for(cast.office_staff).get("/training/records.xlsx")
    assert response.status_code == 200
    assert any("李干事" in m for m in xlsx_watermark(response.content))
    wb = load_workbook(_io.BytesIO(response.content))
    cells = [c for row in wb["培训记录"].iter_rows() for c in row]
    texts = [c.value for c in cells]
    assert '\'=HYPERLINK("http://x")' in texts and "巡察业务培训班" in texts
    assert "县级培训" not in texts
    assert all(c.data_type != "f" for c in cells)
    assert wb["培训记录"].cell(row=5, column=7).value == 24  # 合计 8 + 16 学时
    assert AuditEntry.objects.filter(
        action="export", object_type="training.trainingrecord"
    ).exists()
    filtered = client_for(cast.office_staff).get("/api/v1/training/records.xlsx?q=业务")
    rows = list(
        load_workbook(_io.BytesIO(filtered.content))["培训记录"].iter_rows(values_only=True)
    )
    assert [r[2] for r in rows[2:-1]] == ["巡察业务培训班"]
    assert client_for(cast.team_member).get("/training/records.xlsx").status_code == 403


def test_a_course_across_new_year_shows_both_years_on_the_page(cast, login):
    training(cast, start=date(2025, 12, 30), end=date(2026, 1, 2), course="跨年培训班")
    training(cast, username="other_member", course="年内培训班")
    page = login(cast.office_staff).get("/training/").content.decode()
    assert "2025-12-30—2026-01-02" in page
    assert "2026-04-01—04-02" in page
