"""我的视图: save the current filter of a page, reopen it, delete it; own views only;
a filter that no longer applies is a Chinese message, never a 500."""

import re
from datetime import date
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.cast import client_for
from xuncha.audit.models import AuditEntry
from xuncha.plans.models import Round
from xuncha.savedviews import pages, services
from xuncha.savedviews.models import SavedView

pytestmark = pytest.mark.django_db


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_round_trip_on_the_statistics_page(cast):
    client = client_for(cast.office_staff)
    page = client.get("/stats/?year=2026&quarter=1&page=3")
    html = page.content.decode()
    assert 'id="saved-view-save"' in html and "本页面还没有保存的视图" in html
    response = client.post(
        "/views/save/",
        {"page": "stats:index", "query": "year=2026&quarter=1&page=3", "name": "一季度"},
        follow=True,
    )
    assert "已保存视图“一季度”。" in _messages(response)
    view = SavedView.objects.get(owner=cast.office_staff)
    assert view.query == "quarter=1&year=2026"  # the page number is not a filter
    assert AuditEntry.objects.filter(object_type="savedviews.savedview", action="create").exists()
    html = client.get("/stats/").content.decode()
    assert f'href="/views/{view.pk}/open/"' in html and "一季度" in html
    opened = client.get(f"/views/{view.pk}/open/")
    assert opened.status_code == 302 and opened["Location"] == "/stats/?quarter=1&year=2026"
    assert "2026年第1季度" in client.get(opened["Location"]).content.decode()

    # the same name on the same page is refused; on another page it is fine
    again = client.post(
        "/views/save/", {"page": "stats:index", "query": "year=2025", "name": "一季度"}, follow=True
    )
    assert "本页面已有名为“一季度”的视图，请换一个名称。" in _messages(again)
    client.post(
        "/views/save/",
        {"page": "inspections:inspection_list", "query": "stage=investigation", "name": "一季度"},
    )
    assert SavedView.objects.filter(owner=cast.office_staff).count() == 2
    # nothing to save, no name, an invalid value: Chinese messages, nothing saved
    for data, text in [
        ({"page": "stats:index", "query": "", "name": "空"}, "当前页面没有筛选条件"),
        ({"page": "stats:index", "query": "year=2024", "name": "  "}, "请填写视图名称。"),
        (
            {"page": "stats:index", "query": "quarter=2", "name": "缺年度"},
            "选择季度时须同时选择年度",
        ),
        ({"page": "petitions:register", "query": "state=nope", "name": "错"}, "状态“nope”不存在"),
    ]:
        response = client.post("/views/save/", data, follow=True)
        assert any(text in m for m in _messages(response)), (data, _messages(response))
    assert SavedView.objects.filter(owner=cast.office_staff).count() == 2

    deleted = client.post(f"/views/{view.pk}/delete/", follow=True)
    assert "已删除视图“一季度”。" in _messages(deleted)
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert AuditEntry.objects.filter(
        object_type="savedviews.savedview", object_id=str(view.pk), action="delete"
    ).exists()


def test_a_user_sees_and_deletes_only_their_own(cast):
    mine = SavedView.objects.create(
        owner=cast.office_staff, page="stats:index", query="year=2026", name="李干事的视图"
    )
    other = client_for(cast.office_admin)
    assert "李干事的视图" not in other.get("/stats/").content.decode()
    assert other.get(f"/views/{mine.pk}/open/").status_code == 404
    assert other.post(f"/views/{mine.pk}/delete/").status_code == 404
    assert other.get("/api/v1/saved-views").json()["count"] == 0
    assert other.delete(f"/api/v1/saved-views/{mine.pk}").status_code == 404
    assert SavedView.objects.filter(pk=mine.pk).exists()
    # the owner, through the API
    owner = client_for(cast.office_staff)
    listed = owner.get("/api/v1/saved-views?for_page=stats:index").json()
    assert [v["name"] for v in listed["items"]] == ["李干事的视图"]
    assert listed["items"][0]["url"] == "/stats/?year=2026"
    created = owner.post(
        "/api/v1/saved-views",
        {"name": "整改红灯", "page": "rectification:overview", "query": "light=red"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["page_label"] == "整改监督"
    refused = owner.post(
        "/api/v1/saved-views",
        {"name": "整改红灯", "page": "rectification:overview", "query": "light=red"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["detail"] == "本页面已有名为“整改红灯”的视图，请换一个名称。"
    assert owner.delete(f"/api/v1/saved-views/{created.json()['id']}").status_code == 204


def test_a_stale_filter_gives_a_chinese_message(cast):
    spare = Round.objects.create(
        plan=cast.plan, number=9, start=date(2026, 9, 1), end=date(2026, 10, 30)
    )
    client = client_for(cast.office_staff)
    client.post(
        "/views/save/", {"page": "stats:index", "query": f"round={spare.pk}", "name": "第九轮"}
    )
    client.post(
        "/views/save/",
        {"page": "rectification:plan_list", "query": "state=draft", "name": "待制定"},
    )
    stats_view = SavedView.objects.get(name="第九轮")
    plan_view = SavedView.objects.get(name="待制定")
    spare.delete()  # the round is gone
    SavedView.objects.filter(pk=plan_view.pk).update(query="state=withdrawn")  # a state renamed
    response = client.get(f"/views/{stats_view.pk}/open/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/stats/"
    message = _messages(response)[-1]
    assert message.startswith(
        "视图“第九轮”的筛选条件已失效：轮次：所选轮次不存在或不在您的统计范围内。"
    )
    response = client.get(f"/views/{plan_view.pk}/open/", follow=True)
    assert response.redirect_chain[-1][0] == "/rectification/plans/"
    assert "视图“待制定”的筛选条件已失效：状态：状态“withdrawn”不存在。" in _messages(response)[-1]
    check = client.get(f"/api/v1/saved-views/{plan_view.pk}/check").json()
    assert check["valid"] is False and "状态“withdrawn”不存在" in check["detail"]


def test_the_statistics_basis_is_a_filter_worth_saving(cast):
    """统计口径 is kept with the view and reopens the page on it; an unknown basis is
    refused when saving, and a saved one that no longer exists says so in Chinese."""
    client = client_for(cast.office_staff)
    response = client.post(
        "/views/save/",
        {"page": "stats:index", "query": "basis=event&year=2026", "name": "按发生时间"},
        follow=True,
    )
    assert "已保存视图“按发生时间”。" in _messages(response)
    view = SavedView.objects.get(owner=cast.office_staff, name="按发生时间")
    opened = client.get(f"/views/{view.pk}/open/")
    assert opened["Location"] == "/stats/?basis=event&year=2026"
    page = client.get(opened["Location"])
    assert page.context["table"].filter.basis == "event"
    refused = client.post(
        "/views/save/",
        {"page": "stats:index", "query": "basis=received", "name": "错口径"},
        follow=True,
    )
    assert any("统计口径“received”不存在" in m for m in _messages(refused))
    SavedView.objects.filter(pk=view.pk).update(query="basis=occurred&year=2026")
    response = client.get(f"/views/{view.pk}/open/", follow=True)
    assert response.redirect_chain[-1][0] == "/stats/"
    assert "统计口径：统计口径“occurred”不存在" in _messages(response)[-1]


KEYS = st.sampled_from(
    ["year", "quarter", "round", "office", "term", "stage", "state", "channel", "inspection",
     "unit", "light", "overdue", "outcome", "spam", "tab", "date_from", "date_to", "q", "page",
     "category", "kind", "district", "basis"]
)  # fmt: skip
VALUES = st.one_of(
    st.sampled_from(
        ["", "1", "0", "2026", "5", "red", "received", "draft", "2026-13-01", "B", "event"]
    ),
    st.text(max_size=12),
    st.integers(-5, 10**12).map(str),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    page=st.sampled_from(sorted(pages.PAGES)),
    query=st.dictionaries(KEYS, VALUES, max_size=5),
)
@example(page="clues:handover_list", query={"year": "\x00"})  # found on PostgreSQL's run
def test_any_query_is_either_applied_or_refused_in_chinese(cast, page, query):
    """Whatever a saved query holds (a stale id, junk, an impossible combination), the check
    answers with "" or a Chinese message and never raises; a query it accepts opens the page."""
    text = urlencode(query)
    problem = pages.problem(cast.office_staff, page, text)
    assert isinstance(problem, str)
    assert not problem or re.search(r"[\u4e00-\u9fff]", problem)
    view = SavedView(owner=cast.office_staff, page=page, query=pages.normalise(text), name="x")
    url, error = services.saved_view_apply(view=view, user=cast.office_staff)
    assert bool(error) == bool(pages.problem(cast.office_staff, page, view.query))
    if not error:
        assert client_for(cast.office_staff).get(url).status_code == 200
