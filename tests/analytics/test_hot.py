"""Topics and hot issues on generated data; actions from a hot issue into the work."""

import pytest

from tests.analytics.helpers_hot import enter
from xuncha.analytics import hot, topics
from xuncha.analytics.models import FocusItem, Topic, TopicMember
from xuncha.petitions.models import SubmissionLink

CANTEEN = [
    "江州市交通运输局机关食堂长期用公款吃喝，每周都有宴请。",
    "反映交通运输局食堂公款吃喝问题，局领导经常在食堂宴请。",
    "交通运输局有人在机关食堂用公款大吃大喝，宴请不断。",
    "举报江州市交通运输局：食堂变成公款吃喝的场所，宴请频繁。",
    "交通运输局机关食堂公款吃喝成风，节假日也宴请。",
    "交通运输局局领导用公款在食堂宴请客人，吃喝浪费。",
]
NOISE = [
    "青石镇柳溪村低保评定不公，村干部把低保给亲属。",
    "公路事业发展中心工程项目招标存在围标串标。",
    "某干部工作日中午饮酒，影响工作。",
    "单位违规发放年终奖金，没有经过集体研究。",
    "办事窗口工作人员态度生硬，推诿扯皮。",
]


def test_topic_core_groups_rephrasings():
    vectors = topics.tfidf([topics.phrases(t) for t in CANTEEN + NOISE])
    groups = topics.cluster(vectors)
    biggest = max(groups, key=len)
    assert sorted(biggest) == list(range(len(CANTEEN)))
    shared = topics.label([set(vectors[i]) for i in biggest])
    assert any("食堂" in p or "公款" in p or "宴请" in p for p in shared)


def test_surge_rule():
    assert hot.surge([1, 0, 1, 2, 1, 0, 1, 1], 8, 2.0, 3)
    assert not hot.surge([3, 4, 5, 4, 3, 5, 4, 4], 5, 2.0, 3)
    assert not hot.surge([0] * 8, 2, 2.0, 3)  # below the minimum
    assert hot.surge([0] * 8, 3, 2.0, 3)


@pytest.fixture
def reports(cast):
    for i, text in enumerate(CANTEEN):
        enter(cast, text, unit="江州市交通运输局", category="eight_rules", days_ago=i)
    for i, text in enumerate(NOISE):
        enter(cast, text, days_ago=20 + i * 9, category="work")
    topics.recompute()
    return cast


@pytest.mark.django_db
def test_rephrased_topic_about_one_unit_ranks_first(reports):
    ranked = hot.issues(reports.office_staff, inspection=reports.inspections["a"])
    first = ranked[0]
    assert first.reporters == len(CANTEEN)
    assert first.unit_name == "江州市交通运输局"
    assert any(w in first.label for w in ("食堂", "公款", "宴请"))
    assert first.surge  # six in the last week, none before
    # The stored label is made of phrases shared by at least three submissions.
    topic = Topic.objects.get(pk=first.topic_id)
    assert "，" not in topic.label


@pytest.mark.django_db
def test_duplicates_do_not_count_as_reporters(reports):
    from xuncha.petitions.services import submission_transition

    first = hot.issues(reports.office_staff)[0]
    subs = list(hot.members(reports.office_staff, Topic.objects.get(pk=first.topic_id)))
    submission_transition(
        submission=subs[1], to="merged", actor=reports.office_staff, target=subs[0]
    )
    again = next(i for i in hot.issues(reports.office_staff) if i.topic_id == first.topic_id)
    assert again.reporters == first.reporters - 1


@pytest.mark.django_db
def test_hot_issues_respect_access(reports):
    assert hot.issues(reports.outsider) == []
    assert hot.issues(reports.county_staff) == []
    assert hot.issues(reports.other_member) == []  # team b reads only its own inspection
    assert hot.issues(reports.team_member)[0].reporters == len(CANTEEN)
    assert hot.issues(reports.leading_group)[0].reporters == len(CANTEEN)  # counts only
    topic = Topic.objects.get(pk=hot.issues(reports.team_member)[0].topic_id)
    assert hot.members(reports.leading_group, topic).count() == 0  # may count, not read


@pytest.mark.django_db
def test_incremental_assignment(reports):
    before = Topic.objects.count()
    sub = enter(reports, "交通运输局食堂又在用公款吃喝宴请。", unit="江州市交通运输局")
    member = TopicMember.objects.get(submission=sub)
    assert Topic.objects.count() == before
    assert member.topic_id == hot.issues(reports.office_staff)[0].topic_id


@pytest.mark.django_db
def test_hot_issue_becomes_problem_clue_and_focus(reports):
    user = reports.team_leader
    issue = hot.issues(user)[0]
    topic = Topic.objects.get(pk=issue.topic_id)
    inspection = reports.inspections["a"]
    assert hot.target_inspections(user, reports.units["bureau"]) == [inspection]
    problem = hot.hot_issue_to_problem(
        topic=topic, inspection=inspection, actor=user, title="", category_code="B4"
    )
    assert problem.title == topic.label and problem.unit == reports.units["bureau"]
    assert SubmissionLink.objects.filter(object_id=str(problem.pk)).count() == len(CANTEEN)
    clue = hot.hot_issue_to_clue(
        topic=topic,
        inspection=inspection,
        actor=user,
        unit=reports.units["bureau"],
        people_concerned="某局领导",
        facts="",
        handling="discipline",
    )
    assert clue.submission_id is not None
    item = hot.focus_item_add(inspection=inspection, actor=user, title=topic.label, topic=topic)
    assert FocusItem.objects.filter(inspection=inspection).get() == item
    with pytest.raises(Exception, match="只有本巡察组成员"):
        hot.focus_item_add(inspection=inspection, actor=reports.other_member, title="x")


@pytest.mark.django_db
def test_unit_summary_one_query(reports, django_assert_num_queries):
    user = reports.office_staff
    hot.countable_submissions(user)  # role assignments are read once per request
    with django_assert_num_queries(1):
        summary = hot.unit_summary(user, [reports.units["bureau"].pk])
    assert summary[reports.units["bureau"].pk]["volume"] >= len(CANTEEN)


@pytest.mark.django_db
def test_coverage_and_workspace_show_hot_issues(reports, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(reports.office_staff)
    client.get(f"/plans/coverage/?term={reports.term.pk}")  # warm: session, caches
    with CaptureQueriesContext(connection) as small:
        page = client.get(f"/plans/coverage/?term={reports.term.pk}").content.decode()
    assert "群众反映较多的单位" in page and "江州市交通运输局" in page
    for i in range(5):
        enter(
            reports,
            f"江州市公路事业发展中心工程项目围标串标第{i}次。",
            unit="江州市公路事业发展中心",
        )
    topics.recompute()
    with CaptureQueriesContext(connection) as large:
        page = client.get(f"/plans/coverage/?term={reports.term.pk}").content.decode()
    assert "江州市公路事业发展中心" in page
    assert len(large) == len(small), [q["sql"][:100] for q in large.captured_queries]
    workspace = (
        login(reports.team_leader)
        .get(f"/inspections/{reports.inspections['a'].pk}/")
        .content.decode()
    )
    assert "群众反映热点与巡察重点" in workspace
    assert hot.issues(reports.team_leader)[0].label in workspace


CARS = [
    "江州市交通运输局公车私用，周末开公务用车接送孩子上学。",
    "反映交通运输局领导公务用车私用，节假日开公车去景区。",
    "交通运输局有人长期公车私用，公务用车停在自家小区。",
    "举报江州市交通运输局公车私用：公务用车周末跑私事。",
    "交通运输局公务用车私用问题严重，下班后开公车回老家。",
    "交通运输局干部公车私用，公务用车接送家属。",
]


@pytest.mark.django_db
def test_workspace_hot_panel_is_cached_until_a_recomputation_finishes(reports, login, settings):
    """The workspace's hot issues are cached per user and data version like the home
    dashboard's; a finished recomputation (new topics) is a new version."""
    from django.core.cache import caches

    from xuncha.analytics import services
    from xuncha.analytics.models import AnalyticsRun

    settings.USER_CACHE_SECONDS = 60
    caches["local"].clear()
    inspection = reports.inspections["a"]
    client = login(reports.team_leader)
    url = f"/inspections/{inspection.pk}/"
    for text in CARS:
        enter(reports, text, unit="江州市交通运输局", category="eight_rules")
    run = services.run_start(kind=AnalyticsRun.Kind.RECOMPUTE, actor=reports.office_staff)
    before = client.get(url).content.decode()  # the topics are not recomputed yet
    assert client.get(url).content.decode().count("公车") == before.count("公车")
    services.run_execute(run.pk)
    after = client.get(url).content.decode()
    units = list(inspection.units.all())
    new = [i.label for i in hot.issues(reports.team_leader, units=units, limit=5)]
    fresh = [label for label in new if label not in before]
    assert fresh and any("公车" in label or "公务用车" in label for label in fresh)
    assert all(label in after for label in new)


@pytest.mark.django_db
def test_problem_form_of_a_hot_issue_starts_with_the_suggested_category(reports, login):
    from collections import Counter

    from xuncha.analytics.models import Suggestion

    user = reports.team_leader
    issue = hot.issues(user)[0]
    topic = Topic.objects.get(pk=issue.topic_id)
    subs = list(hot.members(user, topic))
    codes = Counter(
        Suggestion.objects.filter(submission__in=subs, category__isnull=False).values_list(
            "category__code", flat=True
        )
    )
    expected = codes.most_common(1)[0][0]
    assert expected.startswith("B")  # canteen banquets on public money: 八项规定 (B4)
    page = login(user).get(f"/analytics/hot/topics/{topic.pk}/").content.decode()
    assert f'<option value="{expected}" selected>' in page
    # Staff dismissing every suggestion leaves the form without a preselection.
    Suggestion.objects.filter(submission__in=subs).update(category_state=Suggestion.State.DISMISSED)
    page = login(user).get(f"/analytics/hot/topics/{topic.pk}/").content.decode()
    assert " selected>" not in page.split('id="p-category"')[1].split("</select>")[0]
