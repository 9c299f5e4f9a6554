"""During the stay and the review chain: each gate waits for its records, meetings are dated
within the inspection, the 重要情况报告 is a GB/T 9704 document received by the office, the
reviews decide the use of every problem and the feedback lists only what was decided
"feedback"; the workspace timeline lists every record in date order at a constant cost."""

import io
import re
from datetime import date, timedelta

import docx
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.reports.fieldwork import make_activity
from tests.stay import at_feedback, publish_announcement, set_stage, with_problems
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.inspections import reviews, services, stay
from xuncha.inspections.models import LeadingGroupReview, Problem
from xuncha.inspections.stay_models import (
    ImportantReport,
    MobilisationMeeting,
    ResultDecision,
    ReviewSettings,
    TeamMeeting,
    WeeklyReport,
)
from xuncha.plans.models import Inspection
from xuncha.reports import services as reports
from xuncha.reports.officialdoc import layout_of

pytestmark = pytest.mark.django_db
Stage = Inspection.Stage


def _mobilise(cast, inspection, **over):
    data = {
        "inspection": inspection,
        "held_on": date(2026, 3, 2),
        "attendees": "巡察组全体成员；交通运输局领导班子成员",
        "speech": "讲明巡察目的和纪律要求。",
        "actor": cast.team_leader,
    }
    return stay.mobilisation_record(**{**data, **over})


def test_investigation_waits_for_the_mobilisation_meeting(cast):
    a = set_stage(cast.inspections["a"], Stage.STATIONING)
    with pytest.raises(DomainError, match="尚未登记巡察动员会"):
        services.inspection_transition(inspection=a, target="investigation", actor=cast.team_leader)
    announcement = publish_announcement(a)
    meeting = _mobilise(cast, a)
    assert meeting.announcement_id == announcement.pk
    assert meeting.announcement_title == "江州市委第一巡察组进驻公告"
    services.inspection_transition(inspection=a, target="investigation", actor=cast.team_leader)
    assert Inspection.objects.get(pk=a.pk).stage == Stage.INVESTIGATION


def test_mobilisation_needs_the_published_announcement(cast):
    a = cast.inspections["a"]
    with pytest.raises(DomainError, match="动员会须公布巡察公告"):
        _mobilise(cast, a)
    other = publish_announcement(cast.inspections["b"])
    with pytest.raises(DomainError, match="不是本次巡察已发布"):
        _mobilise(cast, a, announcement_id=other.pk)
    assert not MobilisationMeeting.objects.exists()


@pytest.mark.parametrize(
    "day, message",
    [
        (date(2026, 3, 1), "须在巡察期间（2026年03月02日至2026年05月29日）内"),
        (date(2026, 5, 30), "须在巡察期间"),
    ],
)
def test_meetings_dated_outside_the_inspection_are_refused_and_nothing_saved(cast, day, message):
    a = cast.inspections["a"]
    publish_announcement(a)
    before = AuditEntry.objects.count()
    attempts = [
        lambda: _mobilise(cast, a, held_on=day),
        lambda: stay.team_meeting_record(
            inspection=a,
            held_on=day,
            topic="研究谈话安排",
            attendees="何组长、吕组员",
            resolutions="按分工推进",
            actor=cast.team_leader,
        ),
        lambda: stay.important_report_create(
            inspection=a,
            title="重大问题",
            reported_on=day,
            situation="情况",
            actor=cast.team_member,
        ),
        lambda: stay.weekly_report_create(
            inspection=a, week_start=day, progress="进展", actor=cast.team_member
        ),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match=message):
            attempt()
    for model in (MobilisationMeeting, TeamMeeting, ImportantReport, WeeklyReport):
        assert not model.objects.exists()
    assert AuditEntry.objects.count() == before


def test_future_dates_and_wrong_people_are_refused(cast):
    a = cast.inspections["a"]
    Inspection.objects.filter(pk=a.pk).update(end=date.today() + timedelta(days=30))
    a.refresh_from_db()
    with pytest.raises(DomainError, match="不能晚于今天"):
        stay.team_meeting_record(
            inspection=a,
            held_on=date.today() + timedelta(days=1),
            topic="议题",
            attendees="全体",
            resolutions="议定",
            actor=cast.team_leader,
        )
    with pytest.raises(DomainError, match="只有巡察组"):
        stay.team_meeting_record(
            inspection=a,
            held_on=date(2026, 3, 5),
            topic="议题",
            attendees="全体",
            resolutions="议定",
            actor=cast.office_staff,  # the office does not sit in the team's meeting
        )
    with pytest.raises(DomainError, match="请填写议定事项"):
        stay.team_meeting_record(
            inspection=a,
            held_on=date(2026, 3, 5),
            topic="议题",
            attendees="全体",
            resolutions="  ",
            actor=cast.team_leader,
        )
    assert not TeamMeeting.objects.exists()


def test_weekly_report_counts_the_week_and_once_per_week(cast):
    a = cast.inspections["a"]
    make_activity(a, cast.team_member)  # held 2026-03-10
    report = stay.weekly_report_create(
        inspection=a,
        week_start=date(2026, 3, 9),
        progress="完成谈话 12 人次",
        actor=cast.team_member,
    )
    assert report.week_end == date(2026, 3, 15)
    assert report.figures == {"activities": 1, "interviews": 1, "problems": 0}
    with pytest.raises(DomainError, match="该周的周报已填报"):
        stay.weekly_report_create(
            inspection=a, week_start=date(2026, 3, 9), progress="重复", actor=cast.team_leader
        )
    last = stay.weekly_report_create(
        inspection=a, week_start=date(2026, 5, 25), progress="收尾", actor=cast.team_leader
    )
    assert last.week_end == date(2026, 5, 29)  # not past the end of the inspection


def test_important_report_sent_by_the_leader_received_by_the_office(cast, login):
    a = cast.inspections["a"]
    report = stay.important_report_create(
        inspection=a,
        title="某工程项目未经招标直接发包",
        reported_on=date(2026, 4, 8),
        situation="调阅资料发现，2024年养护工程未经招标直接发包，金额860万元。",
        proposal="建议商纪委监委提前介入。",
        doc_number="江巡一组〔2026〕1号",
        actor=cast.team_member,
    )
    with pytest.raises(DomainError, match="尚未报送"):
        stay.important_report_receive(report=report, actor=cast.office_staff)
    with pytest.raises(DomainError, match="只有巡察组组长"):
        stay.important_report_send(report=report, actor=cast.team_member)
    stay.important_report_send(report=report, actor=cast.team_leader)
    with pytest.raises(DomainError, match="只有巡察办"):
        stay.important_report_receive(report=report, actor=cast.team_leader)
    with pytest.raises(DomainError, match="只有巡察办"):
        stay.important_report_receive(report=report, actor=cast.leading_group)
    # the office records receipt through its page
    office = login(cast.office_staff)
    page = office.get(reverse("inspections:important_report", args=[report.pk])).content.decode()
    assert "签收" in page and "金额860万元" in page
    response = office.post(
        reverse("inspections:important_report_receive", args=[report.pk]), {"note": "已阅"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.state == ImportantReport.State.RECEIVED
    assert report.received_by == cast.office_staff and report.receipt_note == "已阅"
    with pytest.raises(DomainError, match="已签收"):
        stay.important_report_receive(report=report, actor=cast.office_admin)
    # the document: GB/T 9704, opens with python-docx, the expected fields
    response = office.get(reverse("inspections:important_report_docx", args=[report.pk]))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "关于某工程项目未经招标直接发包的重要情况报告" in text
    assert "江州市委巡察办：" in text  # sent to the office
    assert "金额860万元" in text and "建议商纪委监委提前介入" in text
    assert "第一巡察组" in text and "江巡一组〔2026〕1号" in text
    layout = layout_of(response.content)
    assert "李干事" in layout["watermark"][0]
    assert layout["margins_mm"] == {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
    export = AuditEntry.objects.filter(action="export").latest("seq")
    assert export.object_type == "inspections.importantreport"


def _decide(cast, a, body, held_on, uses, actor=None):
    return reviews.review_decide(
        inspection=a,
        body=body,
        held_on=held_on,
        decision="同意巡察报告。",
        decisions=uses,
        actor=actor or cast.office_staff,
    )


def test_feedback_waits_for_both_reviews_with_a_decision_on_every_problem(cast):
    a = cast.inspections["a"]
    p1, p2 = with_problems(cast)
    set_stage(a, Stage.REVIEW)
    with pytest.raises(DomainError) as blocked:
        services.inspection_transition(inspection=a, target="feedback", actor=cast.office_staff)
    assert "领导小组尚未审议" in blocked.value.message
    assert "书记专题会尚未听取" in blocked.value.message
    with pytest.raises(DomainError, match="领导小组尚未审议"):
        reports.draft_generate(inspection=a, kind="feedback", actor=cast.office_staff)
    # a decision missing for one problem: refused, nothing saved
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError, match="尚未决定：002"):
        _decide(cast, a, "leading_group", date(2026, 6, 2), {p1.pk: ["feedback"]})
    with pytest.raises(DomainError, match="须先登记巡察工作领导小组会议"):
        _decide(cast, a, "secretary", date(2026, 6, 2), {p1.pk: ["feedback"], p2.pk: ["talk"]})
    with pytest.raises(DomainError, match="只有"):
        _decide(cast, a, "leading_group", date(2026, 6, 2), {}, actor=cast.team_leader)
    with pytest.raises(DomainError, match="不能早于巡察开始日期"):
        _decide(cast, a, "leading_group", date(2026, 3, 1), {p1.pk: ["feedback"], p2.pk: ["talk"]})
    assert not LeadingGroupReview.objects.exists() and not ResultDecision.objects.exists()
    assert AuditEntry.objects.count() == before
    _decide(cast, a, "leading_group", date(2026, 6, 2), {p1.pk: ["feedback"], p2.pk: ["feedback"]})
    with pytest.raises(DomainError, match="书记专题会尚未听取") as blocked:
        services.inspection_transition(inspection=a, target="feedback", actor=cast.office_staff)
    assert "领导小组尚未审议" not in blocked.value.message
    with pytest.raises(DomainError, match="不能早于领导小组会议"):
        _decide(cast, a, "secretary", date(2026, 6, 1), {p1.pk: ["feedback"], p2.pk: ["talk"]})
    # the secretary's meeting decides: 001 fed back and a talk, 002 handed over
    _decide(
        cast,
        a,
        "secretary",
        date(2026, 6, 5),
        {p1.pk: ["feedback", "talk"], p2.pk: ["handover", "suggestion_letter"]},
    )
    services.inspection_transition(inspection=a, target="feedback", actor=cast.office_staff)
    decided = [(d.problem.number, d.kind, d.review.body) for d in reviews.decisions_for(a)]
    assert decided == [
        ("001", "feedback", "secretary"),
        ("001", "talk", "secretary"),
        ("002", "handover", "secretary"),
        ("002", "suggestion_letter", "secretary"),
    ]
    # rectification's feedback list follows the decisive review
    assert list(
        Problem.objects.filter(inspection=a).feedback_list().values_list("number", flat=True)
    ) == ["001"]
    draft = reports.draft_generate(inspection=a, kind="feedback", actor=cast.office_staff)
    assert list(draft.problems.values_list("number", flat=True)) == ["001"]
    assert draft.problem_count == 1


def test_a_problem_added_after_the_review_blocks_feedback_until_decided(cast):
    a = cast.inspections["a"]
    with_problems(cast)
    at_feedback(cast)
    from tests.reports.fieldwork import make_problem

    make_problem(a, "C2", "003", user=cast.team_leader, title="后补的问题")
    with pytest.raises(DomainError, match="尚未对问题 003 作出成果运用决定"):
        reports.draft_generate(inspection=a, kind="feedback", actor=cast.office_staff)


def test_the_office_decides_which_reviews_each_kind_needs(cast, login):
    a = cast.inspections["a"]
    p1, p2 = with_problems(cast)
    set_stage(a, Stage.REVIEW)
    assert reviews.required_bodies(a) == ["leading_group", "secretary"]  # the default
    admin = login(cast.office_admin)
    url = reverse("inspections:review_settings")
    assert admin.get(url).status_code == 200
    kinds = [k for k in Inspection.Kind.values if k != "regular"]
    response = admin.post(
        url, {"leading_group_kinds": Inspection.Kind.values, "secretary_kinds": kinds}
    )
    assert response.status_code == 302
    assert ReviewSettings.objects.get(office=cast.city).secretary_kinds == sorted(kinds)
    assert reviews.required_bodies(a) == ["leading_group"]
    assert login(cast.office_staff).get(url).status_code == 404  # the admin's setting
    _decide(cast, a, "leading_group", date(2026, 6, 2), {p1.pk: ["feedback"], p2.pk: ["talk"]})
    services.inspection_transition(inspection=a, target="feedback", actor=cast.office_staff)
    assert [d.kind for d in reviews.decisions_for(a)] == ["feedback", "talk"]


def test_decisions_through_the_page_prefilled_from_the_team_proposal(cast, login):
    a = cast.inspections["a"]
    p1, p2 = with_problems(cast)
    set_stage(a, Stage.REVIEW)
    client = login(cast.leading_group)
    url = reverse("inspections:review_decide", args=[a.pk])
    page = client.get(url).content.decode()
    assert re.search(rf'name="dec_{p1.pk}" value="feedback"[^>]*checked', page)
    assert not re.search(rf'name="dec_{p2.pk}" value="feedback"[^>]*checked', page)
    response = client.post(
        url,
        {
            "body": "leading_group",
            "held_on": "2026-06-02",
            "decision": "同意",
            f"dec_{p1.pk}": ["feedback"],
        },
    )
    assert response.status_code == 200 and "尚未决定：002" in response.content.decode()
    assert not LeadingGroupReview.objects.exists()
    response = client.post(
        url,
        {
            "body": "leading_group",
            "held_on": "2026-06-02",
            "decision": "同意",
            f"dec_{p1.pk}": ["feedback"],
            f"dec_{p2.pk}": ["handover"],
        },
    )
    assert response.status_code == 302
    review = LeadingGroupReview.objects.get()
    assert review.recorded_by == cast.leading_group
    assert sorted(review.result_decisions.values_list("kind", flat=True)) == [
        "feedback",
        "handover",
    ]


def _fill(cast, a, n):
    """n records of each kind on distinct days, plus the feedback of the unit."""
    for i in range(n):
        make_activity(a, cast.team_member, title=f"谈话{i}").__class__.objects.filter(
            title=f"谈话{i}"
        ).update(held_on=date(2026, 3, 10) + timedelta(days=i))
        TeamMeeting.objects.create(
            inspection=a,
            held_on=date(2026, 3, 11) + timedelta(days=i),
            topic=f"组务会{i}",
            attendees="全体",
            resolutions="议定",
            recorded_by=cast.team_leader,
        )
        WeeklyReport.objects.create(
            inspection=a,
            week_start=date(2026, 3, 2) + timedelta(days=7 * i),
            week_end=date(2026, 3, 8) + timedelta(days=7 * i),
            progress="进展",
            created_by=cast.team_leader,
        )
        ImportantReport.objects.create(
            inspection=a,
            title=f"重要情况{i}",
            reported_on=date(2026, 3, 12) + timedelta(days=i),
            situation="情况",
            created_by=cast.team_leader,
        )


def test_workspace_timeline_lists_every_record_in_date_order(cast, login):
    from tests.feedback import deliver_feedback
    from xuncha.reports import delivery

    a = cast.inspections["a"]
    publish_announcement(a)
    _mobilise(cast, a)
    _fill(cast, a, 2)
    with_problems(cast)
    at_feedback(cast)
    draft = deliver_feedback(cast, a, cast.units["bureau"], date(2026, 6, 10))
    delivery.leader_feedback_record(
        draft=draft,
        held_on=date(2026, 6, 8),
        leader_name="张局长",
        delivered_by="何组长",
        actor=cast.team_leader,
    )
    delivery.feedback_meeting_record(
        draft=draft,
        held_on=date(2026, 6, 9),
        attendees="领导班子成员",
        delivered_by="何组长",
        actor=cast.office_staff,
    )
    page = login(cast.office_staff).get(reverse("inspections:workspace", args=[a.pk]))
    html = page.content.decode()
    items = re.findall(
        r'<li class="py-1 border-bottom" data-kind="([^"]+)"><span class="text-muted">'
        r"(\d{4}-\d{2}-\d{2})</span>",
        html,
    )
    kinds = [k for k, _ in items]
    days = [d for _, d in items]
    assert days == sorted(days)
    assert kinds[0] == "动员会" and days[0] == "2026-03-02"
    for expected in ("个别谈话", "组务会", "重要情况报告", "工作周报", "审议"):
        assert expected in kinds, expected
    assert kinds[-3:] == ["向主要负责人反馈", "反馈会", "反馈意见送达"]
    assert kinds.count("审议") == 2
    assert len(items) == 1 + 2 * 4 + 2 + 3


def test_workspace_query_count_does_not_grow_with_the_records(cast, login):
    a = cast.inspections["a"]
    client = login(cast.office_staff)
    url = reverse("inspections:workspace", args=[a.pk])
    _fill(cast, a, 2)
    client.get(url)  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _fill_more = [(i + 2) for i in range(6)]
    for i in _fill_more:
        TeamMeeting.objects.create(
            inspection=a,
            held_on=date(2026, 3, 20) + timedelta(days=i),
            topic=f"组务会{i}",
            attendees="全体",
            resolutions="议定",
            recorded_by=cast.team_leader,
        )
        ImportantReport.objects.create(
            inspection=a,
            title=f"重要情况{i}",
            reported_on=date(2026, 3, 20) + timedelta(days=i),
            situation="情况",
            created_by=cast.team_leader,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('data-kind="组务会"') == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_workspace_lists_the_latest_timeline_entries_and_the_stay_page_all(cast, login):
    """A large inspection's workspace stays small: the latest entries and a link to the
    full timeline on the stay page, which lists every record."""
    from xuncha.inspections.stay_views import WORKSPACE_TIMELINE

    a = cast.inspections["a"]
    TeamMeeting.objects.bulk_create(
        TeamMeeting(
            inspection=a,
            held_on=date(2026, 3, 2) + timedelta(days=i % 40),
            topic=f"组务会{i:03d}",
            attendees="全体",
            resolutions="议定",
            recorded_by=cast.team_leader,
        )
        for i in range(WORKSPACE_TIMELINE + 15)
    )
    total = len(stay.timeline(a))
    assert total >= WORKSPACE_TIMELINE + 15
    client = login(cast.office_staff)
    html = client.get(reverse("inspections:workspace", args=[a.pk])).content.decode()
    days = re.findall(r'data-kind="[^"]+"><span class="text-muted">(\d{4}-\d{2}-\d{2})', html)
    assert len(days) == WORKSPACE_TIMELINE
    assert days == sorted(days) and days[-1] == "2026-04-10"  # the latest ones
    assert f"共 {total} 条" in html and "查看全部" in html
    full = client.get(reverse("inspections:stay_records", args=[a.pk])).content.decode()
    assert len(re.findall(r'<li class="py-1 border-bottom" data-kind=', full)) == total


def test_timeline_api_matches_the_page(cast, login):
    a = cast.inspections["a"]
    _fill(cast, a, 1)
    client = login(cast.team_member)
    data = client.get(f"/api/v1/inspections/{a.pk}/timeline").json()
    assert [d["on"] for d in data] == sorted(d["on"] for d in data)
    assert {d["kind"] for d in data} == {"个别谈话", "组务会", "重要情况报告", "工作周报"}


def test_latest_timeline_is_the_tail_of_the_whole_timeline(cast):
    """Ties on the cut-off date, every kind of record, n below, at and above the total: the
    workspace's shortcut gives exactly the newest n entries of the full timeline."""
    a = cast.inspections["a"]
    _fill(cast, a, 4)
    TeamMeeting.objects.bulk_create(
        TeamMeeting(
            inspection=a,
            held_on=date(2026, 3, 12),
            topic=f"同日组务会{i}",
            attendees="全体",
            resolutions="议定",
            recorded_by=cast.team_leader,
        )
        for i in range(5)
    )
    whole = stay.timeline(a)
    for n in range(1, len(whole) + 3):
        entries, total = stay.latest_timeline(a, n)
        assert total == len(whole)
        assert entries == whole[-n:], n
