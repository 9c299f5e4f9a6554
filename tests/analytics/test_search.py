"""Search: found across records, never across access boundaries, robust to any input."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analytics.helpers_hot import enter
from tests.inspections.conftest import make_problem
from xuncha.analytics import search
from xuncha.analytics.models import SearchDoc
from xuncha.audit.models import AuditEntry as Entry
from xuncha.inspections import services as fieldwork
from xuncha.org.models import Role
from xuncha.petitions.models import Submission

WORDS = ["礼金", "食堂", "公款吃喝", "补贴", "低保", "违规", "交通", "柳溪村", "nothing"]


@pytest.fixture
def corpus(cast):
    """Records of both inspections and of a county office, each with known words."""
    enter(cast, "交通运输局食堂长期用公款吃喝，领导违规收受礼金。", unit="江州市交通运输局")
    enter(cast, "青石镇柳溪村低保评定不公，村干部违规把低保给亲属。", key="b")
    enter(cast, "临川县某单位违规发放补贴，群众意见很大。", key=None, office=cast.county_a)
    make_problem(cast, title="违规发放津补贴")  # inspection a
    make_problem(
        cast,
        title="柳溪村低保资金管理不规范",
        inspection=cast.inspections["b"],
        actor=cast.other_member,
    )
    return cast


def _expected(user, word):
    """What the user may read that contains the word, computed from the records."""
    from xuncha.inspections.models import Problem, WorkingPaper
    from xuncha.org import access

    out = set()
    for sub in access.visible(Submission.objects.all(), user):
        if word in search._submission_text(sub):
            out.add(("submission", sub.pk))
    for p in access.visible(Problem.objects.all(), user):
        if word in f"{p.title}\n{p.description}":
            out.add(("problem", p.pk))
    for w in access.visible(WorkingPaper.objects.all(), user):
        if word in f"{w.title}\n{w.facts}":
            out.add(("paper", w.pk))
    return out


@pytest.mark.django_db
def test_found_with_highlight_and_audited_read(corpus):
    user = corpus.office_staff
    result = search.run(user, "礼金")
    assert result.total == 1 and result.rows[0].kind == "submission"
    items = search.present(user, result)
    assert "<mark>礼金</mark>" in items[0]["snippet"]
    assert items[0]["url"].startswith("/petitions/")
    assert Entry.objects.filter(summary__startswith="检索结果中查阅来信来访").count() == 1
    # A short word inside a longer one, found through bigrams: 吃喝 in 公款吃喝.
    assert search.run(user, "吃喝").total == 1
    # A long word the record's segmentation may have cut differently.
    assert search.run(user, "违规收受礼金").total == 1


@pytest.mark.django_db
def test_passages_of_confidential_records_are_an_audited_read(corpus):
    user = corpus.office_staff
    items = search.present(user, search.run(user, "津补贴"))
    problems = [i for i in items if i["kind"] == "problem"]
    assert problems and "<mark>" in problems[0]["snippet"]
    entry = Entry.objects.get(summary__startswith="检索结果中查阅")
    assert entry.actor_id == user.pk
    assert entry.changes["read"]["inspections.problem"]


@pytest.mark.django_db
def test_index_holds_no_text(corpus):
    for doc in SearchDoc.objects.all():
        assert all(t.startswith("t") and len(t) == 17 for t in doc.tokens.split())
        assert "礼金" not in doc.tokens and "低保" not in doc.tokens
    sealed = Submission.objects.first().content_sealed
    assert "礼金".encode() not in bytes(sealed)


USERS = [
    "sysadmin", "office_admin", "office_staff", "leading_group", "custodian", "auditor",
    "county_staff", "county_b_staff", "unit_liaison", "handover_recipient", "team_leader",
    "team_member", "other_member", "outsider",
]  # fmt: skip


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=st.sampled_from(USERS),
    word=st.sampled_from(WORDS),
    kind=st.sampled_from(["", *search.KINDS]),
)
def test_never_leaks_a_record_or_a_count(corpus, username, word, kind):
    user = corpus.users[username]
    result = search.run(user, word, search.Filters(kind=kind))
    expected = _expected(user, word)
    if kind:
        expected = {e for e in expected if e[0] == kind}
    found = {(r.kind, r.object_id) for r in result.rows}
    assert found == expected
    assert result.total == len(expected)
    facet_total = sum(n for _k, _l, n in result.facets["kind"])
    assert facet_total == len(_expected(user, word))  # facets never count what is hidden
    assert sum(n for _k, _l, n in result.facets["office"]) == len(expected)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        '"礼金',
        "礼金*",
        "NEAR(礼金 食堂)",
        "tokens:礼金",
        "礼金 AND OR NOT",
        "'; DROP TABLE analytics_searchdoc; --",
        "^礼金 -食堂 +",
        "(((",
        "礼金\x00",
    ],
)
def test_query_syntax_is_searched_literally(corpus, query):
    result = search.run(corpus.office_staff, query)
    # The Chinese words still count; the syntax is no syntax.
    assert result.total in (0, 1)
    assert SearchDoc.objects.count() >= 5


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["", "   ", "。，！？", "😀😀😀", "礼" * 5000, "礼金" * 600_000, "a" * 10_000, "\u200b\ufeff"],
)
def test_bad_input_no_error(corpus, query, login):
    search.run(corpus.office_staff, query)
    response = login(corpus.office_staff).get("/search/", {"q": query[:300_000]})
    assert response.status_code == 200
    api = login(corpus.office_staff).get("/api/v1/search/", {"q": query[:20_000]})
    assert api.status_code == 200


@pytest.mark.django_db
def test_page_facets_and_filters(corpus, login):
    client = login(corpus.office_staff)
    page = client.get("/search/", {"q": "违规"}).content.decode()
    assert "来信来访" in page and "问题" in page and "<mark>违规</mark>" in page
    only = client.get("/search/", {"q": "违规", "kind": "problem"}).content.decode()
    assert "问题001" in only and "XF" not in only
    assert (
        search.run(
            corpus.office_staff, "违规", search.Filters(date_to=search.date(2000, 1, 1))
        ).total
        == 0
    )
    # The county's own submission is found by the county, not by the other county.
    assert search.run(corpus.county_staff, "补贴").total >= 1
    assert search.run(corpus.county_b_staff, "补贴").total == 0


@pytest.mark.django_db
def test_index_follows_edits_and_rebuild(corpus):
    problems = search.Filters(kind="problem")
    problem = make_problem(corpus, title="公车私用问题")
    assert search.run(corpus.team_member, "公车私用", problems).total == 1
    fieldwork.problem_update(problem=problem, actor=corpus.team_member, title="超标准配备办公用房")
    assert search.run(corpus.team_member, "公车私用", problems).total == 0
    assert search.run(corpus.team_member, "办公用房", problems).total == 1
    before = SearchDoc.objects.count()
    SearchDoc.objects.all().delete()
    assert search.run(corpus.team_member, "办公用房", problems).total == 0
    assert search.rebuild() == before
    assert search.run(corpus.team_member, "办公用房", problems).total == 1


@pytest.mark.django_db
def test_engine_index_exists(corpus):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM analytics_search_fts")
        else:
            cursor.execute("SELECT count(*) FROM analytics_searchdoc WHERE tsv IS NOT NULL")
        assert cursor.fetchone()[0] == SearchDoc.objects.count()


def test_query_tokens_pure():
    # The words cover the query (how 收受礼金 is cut depends on the office vocabulary the
    # segmenter has learnt); punctuation and spaces are dropped.
    words = search.query_words("  违规收受礼金！！ ")
    assert "".join(words) == "违规收受礼金" and words[0] == "违规"
    assert search.query_tokens(["公款吃喝"]) == ["公款", "款吃", "吃喝"]
    assert len(search.query_tokens(search.query_words("字" * 10_000))) <= search.MAX_TOKENS
    assert Role.OFFICE_STAFF  # the cast's roles are what the property test samples


@pytest.mark.django_db
@pytest.mark.parametrize("common", [False, True])
def test_common_word_capped_at_the_latest_readable_matches(corpus, login, monkeypatch, common):
    """Counts stop at MAX_MATCHES readable matches, newest first, with 'more'; what the
    user may not read is never counted, below or above the cap (both SQLite plans)."""
    for i in range(3):  # more city records and one the county may read
        enter(corpus, f"第{i}件：违规发放补贴。", days_ago=i + 1)
    enter(corpus, "临川县另一单位违规发放补贴。", key=None, office=corpus.county_a, days_ago=9)
    monkeypatch.setattr(search, "MAX_MATCHES", 3)
    if common:
        monkeypatch.setattr(search, "COMMON_MATCHES", 1)  # SQLite: walk the date index
    staff = corpus.office_staff
    expected = _expected(staff, "违规")
    assert len(expected) > 3
    result = search.run(staff, "违规")
    assert result.more and result.total == 3 and result.pages == 1
    newest = sorted(
        SearchDoc.objects.filter(
            object_id__in=[pk for _k, pk in expected], kind__in=[k for k, _pk in expected]
        ).values_list("kind", "object_id", "date", "pk"),
        key=lambda r: (r[2], r[3]),
        reverse=True,
    )
    newest = [(k, o) for k, o, _d, _pk in newest if (k, o) in expected][:3]
    assert [(r.kind, r.object_id) for r in result.rows] == newest
    assert sum(n for _k, _l, n in result.facets["kind"]) == 3
    # The county sees only its own two records: exact, no 'more', nothing of the city.
    county = search.run(corpus.county_staff, "补贴")
    assert not county.more and county.total == len(_expected(corpus.county_staff, "补贴"))
    assert county.total == 2
    # A kind filter applies before the cap.
    problems = search.run(staff, "违规", search.Filters(kind="problem"))
    assert {(r.kind, r.object_id) for r in problems.rows} == {
        e for e in expected if e[0] == "problem"
    }
    page = login(staff).get("/search/", {"q": "违规"}).content.decode()
    assert "结果超过 3 条" in page
    api = login(staff).get("/api/v1/search/", {"q": "违规"}).json()
    assert api["more"] is True and api["total"] == 3
