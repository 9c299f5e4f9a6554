"""Study services: sessions with attendance, self-study, reflections with hygiene flags."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.study.conftest import ADVERT, COPIED, first_day
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.study import services
from xuncha.study.models import Attendance, Reflection


def test_session_records_attendance_and_is_audited(cast, study):
    rows = dict(study.session.attendance.values_list("person__username", "status"))
    assert rows == {"team_member": "present", "other_member": "excused", "team_leader": "absent"}
    excused = study.session.attendance.get(status=Attendance.Status.EXCUSED)
    assert excused.reason == "外出参加培训"
    assert AuditEntry.objects.filter(
        object_type="study.studysession", object_id=str(study.session.pk)
    ).exists()


def test_excused_without_reason_is_refused_and_nothing_saved(cast, study):
    with pytest.raises(DomainError, match="请假，请填写请假事由"):
        services.attendance_set(
            session=study.session,
            rows=[(cast.team_member, "excused", " ")],
            actor=cast.office_staff,
        )
    assert study.session.attendance.count() == 3


@pytest.mark.parametrize(
    "over, message",
    [
        ({"topic": " "}, "学习主题"),
        ({"form": "self"}, "学习形式"),
        ({"hours": "0"}, "学时"),
        ({"hours": "abc"}, "学时应为数字"),
        ({"date_offset": 1}, "不能晚于今天"),
        ({"branch": None, "form": "branch"}, "支部带学须选择"),
    ],
)
def test_bad_session_input_is_refused_in_chinese(cast, study, over, message):
    kwargs = dict(
        office=cast.city,
        form=over.get("form", "centre"),
        date=timezone.localdate() + timedelta(days=over.get("date_offset", 0)),
        host=cast.office_admin,
        topic=over.get("topic", "中心组学习"),
        hours=over.get("hours", "2"),
        branch=over.get("branch"),
        actor=cast.office_staff,
    )
    with pytest.raises(DomainError, match=message):
        services.session_create(**kwargs)


def test_people_of_another_office_cannot_be_listed(cast, study):
    with pytest.raises(DomainError, match="本巡察机构人员"):
        services.session_create(
            office=cast.city,
            form="centre",
            date=first_day(),
            host=cast.office_admin,
            topic="中心组学习",
            attendance=[(cast.county_staff, "present", "")],
            actor=cast.office_staff,
        )


def test_only_participants_submit_reflections(cast, study):
    with pytest.raises(DomainError, match="只有参加本次学习的人员"):
        services.reflection_submit(
            author=cast.team_leader,  # listed as absent
            session=study.session,
            title="体会",
            text="正文",
            actor=cast.team_leader,
        )
    with pytest.raises(DomainError, match="已就此次学习提交过"):
        services.reflection_submit(
            author=cast.team_member,
            session=study.session,
            title="再次",
            text="正文",
            actor=cast.team_member,
        )
    with pytest.raises(DomainError, match="本人的自学记录"):
        services.reflection_submit(
            author=cast.other_member,
            self_study=study.own,
            title="体会",
            text="正文",
            actor=cast.other_member,
        )


def test_reflection_with_advert_and_copied_passage_is_accepted_with_both_flagged(cast, study):
    text = (
        "这次支部学习让我对巡察工作有了新的认识，尤其是对发现问题的职责定位体会很深。\n"
        + COPIED
        + "\n"
        + ADVERT
        + "\n今后要在工作的的实践中加强学习加强学习，把条例要求落到每一次谈话和每一份底稿中。"
    )
    row = services.reflection_submit(
        author=cast.other_member,  # excused: may still write a reflection
        session=study.session,
        title="支部学习心得",
        text=text,
        actor=cast.other_member,
    )
    row.refresh_from_db()
    assert Reflection.objects.filter(pk=row.pk).exists()
    by_kind = {}
    for f in row.flags:
        by_kind.setdefault(f["kind"], []).append(row.text[f["start"] : f["end"]])
    assert by_kind["duplicate"] == [COPIED]
    assert by_kind["advert"] == [ADVERT]
    assert "的的" in by_kind["doubled"] and "加强学习加强学习" in by_kind["doubled"]
    dup = next(f for f in row.flags if f["kind"] == "duplicate")
    assert dup["ref"] == f"reflection:{study.reflection.pk}" and "吕组员" in dup["message"]
    # the first sentence is the author's own: no flag touches it
    first_end = text.index("\n")
    assert not [f for f in row.flags if f["start"] < first_end]


def test_reference_texts_are_the_offices_other_reflections(cast, study):
    refs = services.reference_texts(office=cast.city)
    assert [r.key for r in refs] == [f"reflection:{study.reflection.pk}"]
    assert services.reference_texts(office=cast.city, exclude=study.reflection.pk) == []
    assert services.reference_texts(office=cast.county_a) == []


def test_recheck_finds_a_later_copy_and_comment_is_audited(cast, study):
    later = services.reflection_submit(
        author=cast.team_member,
        self_study=study.own,
        title="自学体会",
        text="自学中我体会到：" + COPIED,
        actor=cast.team_member,
    )
    assert [f["kind"] for f in later.flags] == ["duplicate"]
    assert study.reflection.flags == []
    services.reflection_recheck(reflection=study.reflection, actor=cast.office_staff)
    assert [f["kind"] for f in study.reflection.flags] == ["duplicate"]
    services.reflection_comment(
        reflection=study.reflection, comment="体会较深，注意用自己的话写。", actor=cast.office_staff
    )
    study.reflection.refresh_from_db()
    assert study.reflection.commented_by == cast.office_staff
    with pytest.raises(DomainError, match="点评意见"):
        services.reflection_comment(
            reflection=study.reflection, comment="", actor=cast.office_staff
        )


def test_plan_is_one_per_year_and_validated(cast, study):
    again = services.plan_save(
        office=cast.city,
        year=study.plan.year,
        centre=10,
        branch=6,
        exchange=4,
        hours_per_person="36",
        actor=cast.office_admin,
    )
    assert again.pk == study.plan.pk and again.centre_sessions == 10
    with pytest.raises(DomainError, match="整数"):
        services.plan_save(
            office=cast.city,
            year="x",
            centre=1,
            branch=1,
            exchange=1,
            hours_per_person="1",
            actor=cast.office_admin,
        )


def test_a_passage_pasted_from_a_library_rule_is_flagged_with_the_article(cast, study):
    """Reflection hygiene reads the rules library: the articles sharing the reflection's
    rarest words are among the references, so a pasted article is named in the flag."""
    from tests.library.conftest import upload

    upload(cast)  # 《江州市巡察工作廉洁纪律规定》, a city rule
    pasted = "巡察工作人员不得接受被巡察单位的宴请、礼品礼金和土特产。"
    row = services.reflection_submit(
        author=cast.other_member,
        session=study.session,
        title="学习廉洁纪律规定的体会",
        text="学习规定后我深受教育。\n" + pasted + "\n我将把纪律要求落实到每次谈话中。",
        actor=cast.other_member,
    )
    dup = [f for f in row.flags if f["kind"] == "duplicate"]
    assert [row.text[f["start"] : f["end"]] for f in dup] == [pasted]
    assert "《江州市巡察工作廉洁纪律规定》第三条" in dup[0]["message"]
    # a county office's reflection is compared with the city's rules too (read below)
    refs = services.reference_texts(office=cast.county_a, text=pasted)
    assert any("第三条" in r.label for r in refs)


def test_session_materials_come_from_the_library_of_the_office_or_above(cast, study):
    from tests.cast import client_for
    from tests.library.conftest import RULE_V1, upload

    city_rule = upload(cast).version.rule
    other = upload(
        cast, RULE_V1.replace("江州市", "安平区"), actor=cast.county_b_staff, office=cast.county_b
    ).version.rule
    values = dict(
        office=cast.county_a,
        form="exchange",
        date=first_day(),
        host=cast.county_staff,
        topic="交流学习廉洁纪律规定",
        actor=cast.county_staff,
    )
    with pytest.raises(DomainError, match="法规制度库"):
        services.session_create(rules=[other], **values)  # another county's rule
    session = services.session_create(rules=[city_rule], **values)  # the city's: read below
    assert list(session.rules.all()) == [city_rule]
    page = client_for(cast.county_staff).get(f"/study/sessions/{session.pk}/").content.decode()
    assert f"/library/{city_rule.pk}/" in page and "《江州市巡察工作廉洁纪律规定》" in page
    api = client_for(cast.county_staff).get(f"/api/v1/study/sessions/{session.pk}").json()
    assert api["rule_ids"] == [city_rule.pk]


def _mistake(cast, host):
    return services.session_create(
        office=cast.city,
        form="exchange",
        date=first_day(),
        host=host,
        topic="交流研学",
        attendance=[(cast.team_member, "present", "")],
        actor=cast.office_staff,
    )


@pytest.mark.django_db
def test_host_edits_own_session_until_the_year_is_locked(cast, study):
    from tests.cast import client_for
    from xuncha.study.models import StudySession

    session = _mistake(cast, cast.team_leader)  # an ordinary member hosts
    host = client_for(cast.team_leader)
    data = {
        "form": "exchange",
        "date": str(session.date),
        "topic": "交流研学：巡察谈话技巧",
        "host": cast.team_leader.pk,
        "hours": "1.5",
        "minutes": "交流了谈话提纲的准备。",
    }
    response = host.post(f"/study/sessions/{session.pk}/edit/", data)
    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.topic, session.hours) == ("交流研学：巡察谈话技巧", Decimal("1.5"))
    entry = AuditEntry.objects.filter(action="update", object_id=str(session.pk)).get()
    assert entry.changes["topic"] == ["交流研学", "交流研学：巡察谈话技巧"]
    # Someone listed but not hosting may not edit; nor delete (study roles only).
    assert (
        client_for(cast.team_member).get(f"/study/sessions/{session.pk}/edit/").status_code == 404
    )
    assert host.post(f"/study/sessions/{session.pk}/delete/").status_code == 404
    # The office locks the year: no edit, no delete, no attendance change, in Chinese.
    services.plan_save(
        office=cast.city,
        year=session.date.year,
        centre=1,
        branch=1,
        exchange=1,
        hours_per_person="10",
        locked=True,
        actor=cast.office_admin,
    )
    response = host.post(f"/study/sessions/{session.pk}/edit/", {**data, "topic": "再改"})
    assert response.status_code == 400 and "已锁定" in response.content.decode()
    for call in (
        lambda: services.session_delete(session=session, actor=cast.office_staff),
        lambda: services.attendance_set(session=session, rows=[], actor=cast.office_staff),
    ):
        with pytest.raises(DomainError, match="已锁定"):
            call()
    session.refresh_from_db()
    assert session.topic == "交流研学：巡察谈话技巧" and session.attendance.count() == 1
    assert StudySession.objects.filter(pk=session.pk).exists()


@pytest.mark.django_db
def test_delete_refused_with_reflections_else_audited(cast, study):
    from tests.cast import client_for
    from xuncha.study.models import StudySession

    staff = client_for(cast.office_staff)
    response = staff.delete(f"/api/v1/study/sessions/{study.session.pk}")
    assert response.status_code == 400
    assert "1 篇心得体会，不能删除" in response.json()["detail"]
    assert StudySession.objects.filter(pk=study.session.pk).exists()
    assert Reflection.objects.filter(pk=study.reflection.pk).exists()
    mistake = _mistake(cast, cast.office_admin)
    assert staff.post(f"/study/sessions/{mistake.pk}/delete/").status_code == 302
    assert not StudySession.objects.filter(pk=mistake.pk).exists()
    assert not Attendance.objects.filter(session_id=mistake.pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_id=str(mistake.pk))
    assert entry.actor == cast.office_staff
    assert entry.changes["attendance"] == {str(cast.team_member.pk): "present"}


def test_an_overlong_branch_name_is_refused_in_chinese_and_nothing_changes(cast, study):
    before = study.branch.name
    with pytest.raises(DomainError, match="支部名称过长（101 字），请控制在 100 字以内"):
        services.branch_save(
            office=cast.city,
            name="支" * 101,
            members=[],
            branch=study.branch,
            actor=cast.office_admin,
        )
    study.branch.refresh_from_db()
    assert study.branch.name == before
    assert study.branch.members.count() == 4
