"""Isolation between offices, the leader's view, the own-appraisal setting, suggestions."""

from datetime import date

import pytest

from tests.cast import client_for
from tests.training.helpers import full_scores, member_of, office_final, training
from xuncha.org import access
from xuncha.plans import services as plans
from xuncha.plans.models import Inspector, Round, Team, TeamMember
from xuncha.plans.suggest import suggest
from xuncha.training import services
from xuncha.training.models import Appraisal, AppraisalSettings, TrainingRecord

pytestmark = pytest.mark.django_db


def _leader_appraisal(cast, final=True):
    row = services.appraisal_save(
        member=member_of(cast, "team_member"),
        source="leader",
        rating="excellent",
        scores=full_scores(cast),
        comments="主动担当",
        actor=cast.team_leader,
    )
    return services.appraisal_finalise(appraisal=row, actor=cast.team_leader) if final else row


def test_one_office_never_sees_anothers_training_and_appraisals(cast):
    record = training(cast)
    final = office_final(cast)
    for user in (cast.county_staff, cast.county_b_staff, cast.unit_liaison, cast.outsider):
        assert not access.visible(TrainingRecord.objects.all(), user).exists()
        assert not access.visible(Appraisal.objects.all(), user).exists()
        client = client_for(user)
        assert client.get(f"/training/records/{record.pk}/certificate/").status_code == 404
        assert client.get(f"/api/v1/training/appraisals/{final.pk}").status_code == 404
        assert client.get("/api/v1/training/appraisals").json() == []
        assert client.get("/api/v1/training/records").json() == []
    # ... and the county's own records stay out of the city's staff pages too.
    county_person = Inspector.objects.create(office=cast.county_a, name="县里干部")
    services.training_create(
        inspector=county_person,
        course="县级培训",
        organiser="县委组织部",
        start=date(2026, 5, 1),
        end=date(2026, 5, 2),
        hours=8,
        actor=cast.county_staff,
    )
    page = client_for(cast.office_staff).get("/training/").content.decode()
    assert "巡察业务培训班" in page and "县级培训" not in page
    county_page = client_for(cast.county_staff).get("/training/").content.decode()
    assert "县级培训" in county_page and "巡察业务培训班" not in county_page


def test_leader_sees_only_own_teams_leader_appraisals(cast):
    mine = _leader_appraisal(cast)
    office = office_final(cast)
    # A leader of the second team appraises its member; the first team's leader never sees it.
    other_leader = Inspector.objects.create(office=cast.city, user=cast.outsider, name="陈组长")
    team_b = Team.objects.get(inspection=cast.inspections["b"])
    TeamMember.objects.create(team=team_b, inspector=other_leader, role="leader")
    theirs = services.appraisal_save(
        member=member_of(cast, "other_member"),
        source="leader",
        rating="competent",
        scores=full_scores(cast),
        actor=cast.outsider,
    )
    seen = set(
        access.visible(Appraisal.objects.all(), cast.team_leader).values_list("pk", flat=True)
    )
    assert seen == {mine.pk}
    assert office.pk not in seen and theirs.pk not in seen
    client = client_for(cast.team_leader)
    assert client.get(f"/training/inspections/{cast.inspections['b'].pk}/").status_code == 404
    member_b = member_of(cast, "other_member")
    assert client.get(f"/training/members/{member_b.pk}/leader/").status_code == 404
    # The submitted appraisal is final for the leader too: no more changes.
    assert (
        client.get(f"/training/members/{member_of(cast, 'team_member').pk}/leader/").status_code
        == 302
    )


def test_own_appraisal_visible_only_where_the_office_allows(cast):
    _leader_appraisal(cast)
    final = office_final(cast, rating="excellent")
    me = member_of(cast, "team_member").inspector
    client = client_for(cast.team_member)
    assert not access.visible(Appraisal.objects.all(), cast.team_member).exists()
    page = client.get(f"/plans/inspectors/{me.pk}/").content.decode()
    assert "本办未开放本人查看考核结果" in page and "优秀" not in page
    assert client.get(f"/api/v1/training/appraisals/{final.pk}").status_code == 404
    AppraisalSettings.objects.create(office=cast.city, show_own=True)
    seen = access.visible(Appraisal.objects.all(), cast.team_member)
    assert {a.source for a in seen} == {"leader", "office"}
    page = client.get(f"/plans/inspectors/{me.pk}/").content.decode()
    assert "优秀" in page and "本办未开放" not in page
    assert client.get(f"/api/v1/training/appraisals/{final.pk}").status_code == 200
    history = client.get(f"/api/v1/training/inspectors/{me.pk}/history").json()
    assert history["history"][0]["office_rating"] == "excellent"
    # Other people's appraisals stay invisible whatever the setting.
    other = client_for(cast.other_member)
    assert not access.visible(Appraisal.objects.all(), cast.other_member).exists()
    assert other.get(f"/api/v1/training/appraisals/{final.pk}").status_code == 404


def test_draft_never_visible_to_the_inspector(cast):
    AppraisalSettings.objects.create(office=cast.city, show_own=True)
    services.appraisal_save(
        member=member_of(cast, "team_member"),
        source="office",
        rating="competent",
        scores=full_scores(cast),
        actor=cast.office_staff,
    )
    assert not access.visible(Appraisal.objects.all(), cast.team_member).exists()


def test_inspector_page_shows_hours_and_history(cast):
    training(cast, hours=16)
    training(cast, hours="8.5", course="巡察谈话技巧", start=date(2025, 6, 3))
    office_final(cast, rating="excellent")
    me = member_of(cast, "team_member").inspector
    page = client_for(cast.office_staff).get(f"/plans/inspectors/{me.pk}/").content.decode()
    assert 'id="training-hours">24.5<' in page
    assert "2026年第1轮" in page and "第一巡察组" in page and "优秀" in page
    assert "共参加 1 轮" in page
    # The rounds served are listed once (with the units inspected), not in two cards.
    assert page.count("2026年第1轮") == 1
    units = member_of(cast, "team_member").team.inspection.units.all()
    assert all(u.name in page for u in units)


def test_suggestion_weighs_experience_rating_training_and_rotation(cast):
    """Same expertise: the experienced, well-rated, trained, rested inspector ranks first;
    a conflicted one never appears, however good their record."""
    rnd = Round.objects.create(
        plan=cast.plan, number=2, start=date(2027, 6, 1), end=date(2027, 7, 30)
    )
    insp = plans.inspection_create(
        round=rnd,
        kind="regular",
        units=[cast.units["discipline"]],
        actor=cast.office_admin,
        reason="测试",
    )
    # team_member: served in round 1 (2026), rated 优秀, 16 hours of training.
    me = member_of(cast, "team_member").inspector
    Inspector.objects.filter(pk=me.pk).update(expertise=["纪检监察"])
    office_final(cast, rating="excellent")
    training(cast, hours=16)
    fresh = Inspector.objects.create(office=cast.city, name="新干部", expertise=["纪检监察"])
    weak = Inspector.objects.create(office=cast.city, name="差评干部", expertise=["纪检监察"])
    team_b = Team.objects.get(inspection=cast.inspections["b"])
    weak_member = TeamMember.objects.create(team=team_b, inspector=weak, role="member")
    row = services.appraisal_save(
        member=weak_member,
        source="office",
        rating="incompetent",
        scores=full_scores(cast, 5),
        comments="履职不到位",
        actor=cast.office_staff,
    )
    services.appraisal_finalise(appraisal=row, actor=cast.office_staff)
    conflicted = Inspector.objects.create(
        office=cast.city,
        name="回避干部",
        expertise=["纪检监察"],
        home_unit=cast.units["discipline"],
    )
    out = suggest(insp, ["纪检监察"], limit=500)
    ids = [s.inspector_id for s in out]
    assert conflicted.pk not in ids
    assert ids.index(me.pk) < ids.index(fresh.pk) < ids.index(weak.pk)
    top = next(s for s in out if s.inspector_id == me.pk)
    text = "；".join(top.reasons)
    for reason in ("已参加1轮", "最近一次考核：优秀", "近三年培训16学时", "个月未参加巡察"):
        assert reason in text
    low = next(s for s in out if s.inspector_id == weak.pk)
    assert "最近一次考核：不称职" in "；".join(low.reasons)
    # The same reasons on the team page and in the API.
    page = client_for(cast.office_admin).get(f"/plans/inspections/{insp.pk}/team/")
    assert "最近一次考核：优秀" in page.content.decode()
    api = client_for(cast.office_admin).get(f"/api/v1/plans/inspections/{insp.pk}/suggestions")
    assert any("最近一次考核：优秀" in "".join(s["reasons"]) for s in api.json())


def test_list_pages_query_counts_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    """The hub and a team's appraisal page: a fixed number of queries, not one per row."""
    for n in range(6):
        training(cast, hours=8, course=f"课程{n}")
    office_final(cast)
    client = client_for(cast.office_staff)
    with django_assert_max_num_queries(20):
        assert client.get("/training/").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(f"/training/inspections/{cast.inspections['a'].pk}/").status_code == 200
    me = member_of(cast, "team_member").inspector
    with django_assert_max_num_queries(30):
        assert client.get(f"/plans/inspectors/{me.pk}/").status_code == 200


def test_reading_appraisal_comments_is_audited_on_pages_and_api(cast):
    """Appraisal comments are confidential: every page and API answer that shows them
    writes one read entry naming the appraisals shown."""
    from xuncha.audit.services import reads_of

    final = office_final(cast)
    leader = _leader_appraisal(cast)
    client = client_for(cast.office_staff)
    inspection = final.member.team.inspection
    page = client.get(f"/training/inspections/{inspection.pk}/").content.decode()
    assert "完成任务" in page and "主动担当" in page
    assert len(reads_of(final)) == 1 and len(reads_of(leader)) == 1
    listed = client.get(f"/api/v1/training/appraisals?inspection_id={inspection.pk}").json()
    assert {a["comments"] for a in listed} == {"完成任务", "主动担当"}
    assert len(reads_of(final)) == 2 and len(reads_of(leader)) == 2
    assert client.get(f"/api/v1/training/appraisals/{final.pk}").json()["comments"] == "完成任务"
    assert len(reads_of(final)) == 3
    entry = max(reads_of(final), key=lambda e: e.seq)
    assert entry.actor == cast.office_staff
    assert entry.changes["fields"]["training.appraisal"] == ["comments"]
    # Nobody outside reads them, and a refused request writes nothing.
    assert (
        client_for(cast.county_staff).get(f"/api/v1/training/appraisals/{final.pk}").status_code
        == 404
    )
    assert len(reads_of(final)) == 3
