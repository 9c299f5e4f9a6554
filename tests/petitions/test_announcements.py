import pytest
from django.test import Client

from tests.petitions.conftest import make_announcement
from xuncha.core.errors import DomainError
from xuncha.petitions import services
from xuncha.petitions.models import Announcement

pytestmark = pytest.mark.django_db


def _form(a=None, **over):
    data = {
        "title": "江州市委第一巡察组关于巡察江州市交通运输局党组的公告",
        "team_name": "第一巡察组",
        "units_text": "江州市交通运输局",
        "period_start": "2026-03-02",
        "period_end": "2026-05-29",
        "scope": "主要受理反映领导班子及其成员问题的来信来电来访。",
        "not_accepted": "",
        "phone": "0791-88888888",
        "hours": "工作日",
        "postal_box": "A001 信箱",
        "email": "",
        "online": "on",
        "cutoff": "2026-05-20",
        "elsewhere": "市纪委监委信访室 12388",
        "body": "",
    }
    data.update(over)
    return data


def test_team_drafts_office_approves_then_published(cast, login):
    insp = cast.inspections["a"]
    leader = login(cast.team_leader)
    r = leader.post(f"/petitions/announcements/new/{insp.pk}/", _form())
    assert r.status_code == 302
    a = Announcement.objects.get()
    assert a.state == "draft" and a.drafted_by == cast.team_leader
    assert Client().get(f"/public/a/{a.pk}/").status_code == 404
    leader.post(f"/petitions/announcements/{a.pk}/transition/", {"to": "submitted"})
    # the team cannot approve its own announcement
    leader.post(f"/petitions/announcements/{a.pk}/transition/", {"to": "approved"})
    a.refresh_from_db()
    assert a.state == "submitted"
    office = login(cast.office_admin)
    office.post(f"/petitions/announcements/{a.pk}/transition/", {"to": "approved"})
    office.post(f"/petitions/announcements/{a.pk}/transition/", {"to": "published"})
    a.refresh_from_db()
    assert a.state == "published" and a.approved_by == cast.office_admin and a.published_at
    assert insp.announcements.filter(state="published").exists()
    assert [e.to_state for e in a.events.all()] == ["submitted", "approved", "published"]
    assert Client().get(f"/public/a/{a.pk}/").status_code == 200


def test_cutoff_outside_period_refused(cast, login):
    insp = cast.inspections["a"]
    r = login(cast.team_leader).post(
        f"/petitions/announcements/new/{insp.pk}/", _form(period_start="2026-05-27")
    )
    assert r.status_code == 200 and "受理截止日期应在巡察期间内" in r.content.decode()
    assert not Announcement.objects.exists()


def test_cutoff_is_the_offices_rule_the_same_date_the_workspace_shows(cast, login):
    """One rule, one source: a typed cut-off is ignored; the office's setting decides."""
    from xuncha.inspections.models import FieldworkSettings
    from xuncha.inspections.workflow import deadlines

    insp = cast.inspections["a"]  # ends Friday 2026-05-29
    FieldworkSettings.objects.create(office=insp.office, cutoff_before_end=3)
    rule = deadlines(insp)["cutoff"]
    assert str(rule) == "2026-05-26"  # three working days before the end
    leader = login(cast.team_leader)
    form = leader.get(f"/petitions/announcements/new/{insp.pk}/").content.decode()
    assert 'value="2026-05-26"' in form
    r = leader.post(f"/petitions/announcements/new/{insp.pk}/", _form(cutoff="2026-05-20"))
    assert r.status_code == 302
    a = Announcement.objects.get()
    assert a.cutoff == rule
    # The office changes its setting before publishing: the published date follows it.
    FieldworkSettings.objects.filter(office=insp.office).update(cutoff_before_end=1)
    for to, who in [("submitted", leader), ("approved", login(cast.office_admin))]:
        who.post(f"/petitions/announcements/{a.pk}/transition/", {"to": to})
    login(cast.office_admin).post(
        f"/petitions/announcements/{a.pk}/transition/", {"to": "published"}
    )
    a.refresh_from_db()
    assert a.state == "published" and str(a.cutoff) == "2026-05-28"
    workspace = login(cast.office_staff).get(f"/inspections/{insp.pk}/").content.decode()
    assert "信访受理截止日" in workspace and "2026-05-28" in workspace
    public = Client().get(f"/public/a/{a.pk}/").content.decode()
    assert "2026年5月28日" in public


def test_other_team_and_unit_cannot_draft_or_see_drafts(cast, login):
    insp = cast.inspections["a"]
    assert (
        login(cast.other_member)
        .post(f"/petitions/announcements/new/{insp.pk}/", _form())
        .status_code
        == 404
    )
    assert (
        login(cast.unit_liaison)
        .post(f"/petitions/announcements/new/{insp.pk}/", _form())
        .status_code
        == 404
    )
    draft = make_announcement(cast, state="draft")
    assert login(cast.unit_liaison).get(f"/petitions/announcements/{draft.pk}/").status_code == 404
    pub = make_announcement(cast, state="published")
    assert login(cast.unit_liaison).get(f"/petitions/announcements/{pub.pk}/").status_code == 200


def test_transition_out_of_order_refused(cast):
    a = make_announcement(cast, state="draft")
    with pytest.raises(DomainError):
        services.announcement_transition(announcement=a, to="published", actor=cast.office_admin)


def test_poster_has_qr_code_to_public_page(cast, login):
    a = make_announcement(cast)
    r = login(cast.team_member).get(f"/petitions/announcements/{a.pk}/poster/")
    body = r.content.decode()
    assert r.status_code == 200 and "<svg" in body and f"/public/a/{a.pk}/" in body


def test_menu_and_home_todos(cast, login):
    make_announcement(cast)
    from xuncha.petitions.models import Submission

    services.submission_enter(
        office=cast.city,
        inspection=cast.inspections["a"],
        channel="letter",
        data={"kind": "report", "category": "integrity", "text": "来信反映某科长收受礼金问题"},
        identity={"name": "张三", "contact": "13800000000"},
        files=[],
        actor=cast.office_staff,
    )
    r = login(cast.office_staff).get("/")
    body = r.content.decode()
    assert "来信来访登记" in body and "待受理的来信来访" in body
    sub = Submission.objects.get()
    services.identity_request(submission=sub, reason="需核实具体情况", actor=cast.office_staff)
    body = login(cast.custodian).get("/").content.decode()
    assert "待审批的举报人身份查看申请" in body
    assert "来信来访登记" not in login(cast.unit_liaison).get("/").content.decode()


def test_an_announcement_needs_an_offline_channel(cast, login):
    insp = cast.inspections["a"]
    leader = login(cast.team_leader)
    r = leader.post(
        f"/petitions/announcements/new/{insp.pk}/", _form(phone="", postal_box="  ", email="a@b.cn")
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "请至少填写一种线下反映渠道" in page
    assert "江州市委第一巡察组关于巡察江州市交通运输局党组的公告" in page  # nothing typed is lost
    assert not Announcement.objects.exists()
    assert (
        leader.post(f"/petitions/announcements/new/{insp.pk}/", _form(phone="")).status_code == 302
    )
    # One saved before the rule (no channel at all) cannot be published.
    old = make_announcement(cast, state="approved")
    Announcement.objects.filter(pk=old.pk).update(phone="", postal_box="")
    with pytest.raises(DomainError, match="线下反映渠道"):
        services.announcement_transition(announcement=old, to="published", actor=cast.office_admin)


def test_a_submitted_announcement_reaches_the_approvers_home(cast, login):
    from django.core.cache import caches

    a = make_announcement(cast, state="submitted")
    caches["local"].clear()
    home = login(cast.office_admin).get("/").content.decode()
    assert "待审批的巡察公告" in home
    listing = login(cast.office_admin).get("/petitions/announcements/?state=submitted")
    assert a.title in listing.content.decode()
    caches["local"].clear()
    # The drafter is not its approver.
    assert "待审批的巡察公告" not in login(cast.team_leader).get("/").content.decode()
