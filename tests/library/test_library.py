"""Uploads (all three types and bad input), versions, citations, search, suggestions, scope."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cast import client_for
from tests.library.conftest import RULE_V1, RULE_V2, article, docx_file, pdf_file, txt, upload
from xuncha.audit.models import AuditEntry
from xuncha.core.errors import DomainError
from xuncha.library import search, selectors, services
from xuncha.library.models import Citation, Provision, Rule, RuleVersion

pytestmark = pytest.mark.django_db


def test_txt_upload_splits_and_audits(cast):
    done = upload(cast)
    assert done.created
    rule = done.version.rule
    assert rule.title == "江州市巡察工作廉洁纪律规定"
    assert rule.current == done.version
    labels = [p.label for p in done.version.provisions.filter(kind="article")]
    assert labels == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    fourth = article(rule, "第四条")
    assert fourth.path == "第二章 纪律要求"
    assert fourth.clauses[0]["items"] == [
        "（一）不得在被巡察单位报销任何费用；",
        "（二）不得借巡察之机办理私事。",
    ]
    assert "".join(p.text for p in done.version.provisions.all()) == RULE_V1
    assert AuditEntry.objects.filter(summary__contains="第1版").exists()


def test_docx_and_pdf_uploads(cast):
    done = services.rule_upload(
        office=cast.city, uploaded=docx_file(RULE_V1), actor=cast.office_admin
    )
    assert done.version.file_type == "docx"
    assert done.version.provisions.filter(kind="article").count() == 5
    done = services.rule_upload(office=cast.city, uploaded=pdf_file(), actor=cast.office_admin)
    assert done.version.file_type == "pdf"
    labels = list(done.version.provisions.filter(kind="article").values_list("label", flat=True))
    # The PDF's Kangxi-radical look-alikes (⼀) are folded back to ideographs (一).
    assert labels == ["第一条", "第二条", "第三条", "第四条"]
    assert done.version.rule.title == "江州市巡察工作保密规定"


def _pdf_without_text() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(pdf_file().file).pages:
        writer.add_page(page)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _bomb_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "0" * (300 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("scan.pdf", _pdf_without_text(), "扫描件"),
        ("locked.pdf", _encrypted_pdf(), "加密"),
        ("broken.pdf", (b"%PDF-1.7\n" + b"\x00garbage" * 50), "损坏"),
        ("broken.docx", docx_file(RULE_V1).read()[:3000], "已损坏"),
        ("bomb.docx", _bomb_docx(), "恶意压缩"),
        ("picture.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "不是允许的类型"),
        ("empty.txt", b"", "空文件"),
    ],
)
def test_bad_files_are_refused_in_chinese_and_nothing_is_saved(cast, name, data, message):
    with pytest.raises(DomainError, match=message):
        services.rule_upload(
            office=cast.city, uploaded=SimpleUploadedFile(name, data), actor=cast.office_staff
        )
    assert not Rule.objects.exists()
    assert not RuleVersion.objects.exists()


def test_enormous_upload_is_refused(cast):
    big = SimpleUploadedFile("huge.txt", b"a" * (services.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(DomainError, match="超过上限"):
        services.rule_upload(office=cast.city, uploaded=big, actor=cast.office_staff)


def test_unstructured_document_is_kept_whole_and_reported(cast):
    done = upload(cast, "一段没有编号的文字。\n另一段文字。\n")
    version = done.version
    assert "未识别出任何章节或条文" in version.summary
    assert [i["kind"] for i in version.issues] == ["preamble", "no_structure"]
    assert (
        "".join(p.text for p in version.provisions.all()) == "一段没有编号的文字。\n另一段文字。\n"
    )


def test_upload_page_shows_the_chinese_error_and_keeps_the_form(cast):
    client = client_for(cast.office_staff)
    response = client.post(
        "/library/upload/",
        {
            "file": SimpleUploadedFile("scan.pdf", _pdf_without_text()),
            "office": cast.city.pk,
            "title": "某规定",
        },
    )
    assert response.status_code == 200
    assert "扫描件" in response.content.decode()
    assert 'value="某规定"' in response.content.decode()


def test_only_managers_of_the_office_upload(cast):
    for user in (cast.county_staff, cast.team_member, cast.leading_group):
        with pytest.raises(DomainError):
            upload(cast, actor=user)
    upload(cast, actor=cast.county_staff, office=cast.county_a)


def test_citation_survives_a_new_version_and_says_so(library):
    c = library
    fifth = article(c.rule, "第五条")
    citation = services.citation_create(problem=c.problem, provision=fifth, actor=c.team_member)
    assert citation.paper == c.problem.paper
    done = upload(c, RULE_V2)  # same title: a new version of the same rule
    assert not done.created and done.version.number == 2
    citation.refresh_from_db()
    assert citation.provision == fifth  # still the text in force when cited
    assert "违反本规定的，依规依纪" in citation.provision.text
    assert not Provision.objects.get(pk=fifth.pk).live
    page = client_for(c.team_member).get(f"/inspections/problems/{c.problem.pk}/").content.decode()
    assert "已有新版本（第2版）" in page
    assert "第五条" in page


def test_repealed_rule_is_marked_where_cited(library):
    c = library
    services.citation_create(
        problem=c.problem, provision=article(c.rule, "第三条"), actor=c.team_member
    )
    newer = upload(c, RULE_V1.replace("廉洁纪律规定", "廉洁纪律规定（2026年修订）")).version.rule
    services.rule_set_status(
        rule=c.rule, status=Rule.Status.SUPERSEDED, superseded_by=newer, actor=c.office_admin
    )
    page = client_for(c.team_member).get(f"/inspections/problems/{c.problem.pk}/").content.decode()
    assert "rule-dead" in page
    assert "已被《江州市巡察工作廉洁纪律规定（2026年修订）》替代" in page
    services.rule_set_status(rule=c.rule, status=Rule.Status.REPEALED, actor=c.office_admin)
    page = client_for(c.office_staff).get(f"/inspections/problems/{c.problem.pk}/").content.decode()
    assert "已废止" in page
    # A repealed rule's articles leave the in-force search but stay readable.
    rules = {p.version.rule_id for p in search.run(c.office_staff, "宴请").rows}
    assert rules == {newer.pk}
    old = search.run(c.office_staff, "宴请", include_old=True).rows
    assert {p.version.rule_id for p in old} == {newer.pk, c.rule.pk}


def test_citing_needs_an_article_and_the_problem(library):
    c = library
    chapter = c.rule.current.provisions.get(kind="chapter", number=1)
    with pytest.raises(DomainError, match="只能引用具体条文"):
        services.citation_create(problem=c.problem, provision=chapter, actor=c.team_member)
    with pytest.raises(DomainError, match="本组成员"):
        services.citation_create(
            problem=c.problem, provision=article(c.rule, "第一条"), actor=c.other_member
        )
    services.citation_create(
        problem=c.problem, provision=article(c.rule, "第一条"), actor=c.team_member
    )
    with pytest.raises(DomainError, match="已引用"):
        services.citation_create(
            problem=c.problem, provision=article(c.rule, "第一条"), actor=c.team_member
        )
    assert Citation.objects.count() == 1


def test_search_finds_articles_and_respects_scope(library):
    c = library
    result = search.run(c.office_staff, "土特产")
    assert [p.label for p in result.rows] == ["第三条"]
    assert "<mark>土特产</mark>" in search.snippet(result.rows[0], result.words)
    # The city's rules are read by its counties and teams; a county's only by itself
    # and the offices above it.
    assert search.run(c.county_staff, "土特产").rows
    assert search.run(c.team_member, "土特产").rows
    assert not search.run(c.unit_liaison, "土特产").rows
    assert not search.run(c.outsider, "土特产").rows
    upload(
        c,
        RULE_V1.replace("江州市", "临川县").replace("土特产", "农副产品"),
        actor=c.county_staff,
        office=c.county_a,
    )
    assert search.run(c.county_staff, "农副产品").rows
    assert search.run(c.office_staff, "农副产品").rows == []
    assert search.run(c.county_b_staff, "农副产品").rows == []


def test_suggestions_from_the_problem_text(library):
    c = library
    upload(
        c,
        "江州市公务接待管理办法\n第一条 公务接待应当严格执行接待标准。\n第二条 不得超标准安排住宿。\n",
    )
    suggested = search.suggest(c.team_member, "以加班费名义违规发放津贴补贴12.6万元")
    assert suggested and suggested[0].label == "第四条"
    response = client_for(c.team_member).get(f"/library/cite/{c.problem.pk}/")
    assert "第四条" in response.content.decode()


def test_suggesting_from_a_problem_is_an_audited_read(library):
    """The suggestions read the problem's confidential description (and its paper's
    facts): the API and the cite page each write the read entry naming the problem."""
    from xuncha.audit.services import reads_of

    c = library
    client = client_for(c.team_member)
    response = client.get(f"/api/v1/library/suggest/{c.problem.pk}")
    assert response.status_code == 200
    [entry] = reads_of(c.problem)
    assert (
        entry.actor == c.team_member
        and "description" in entry.changes["fields"]["inspections.problem"]
    )
    client.get(f"/library/cite/{c.problem.pk}/")
    assert len(reads_of(c.problem)) == 2
    client.get(f"/library/cite/{c.problem.pk}/?q=宴请")  # a search reads no problem text
    assert len(reads_of(c.problem)) == 2
    assert client_for(c.outsider).get(f"/api/v1/library/suggest/{c.problem.pk}").status_code == 404
    assert len(reads_of(c.problem)) == 2


def _matches(token: str) -> int:
    """In how many provisions the full-text index finds a token (the count suggestions
    used to take per token)."""
    from django.db import connection

    with connection.cursor() as c:
        if connection.vendor == "postgresql":
            c.execute(
                "SELECT count(*) FROM library_provision WHERE tsv @@ to_tsquery('simple', %s)",
                [token],
            )
        else:
            c.execute(
                f"SELECT count(*) FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s",  # noqa: S608
                [f'"{token}"'],
            )
        return c.fetchone()[0]


def test_document_frequencies_follow_every_upload(library):
    """The per-token frequencies the suggestions read are those of the index: after a new
    version, another rule and a status change, each token counts the provisions the
    full-text index matches, and none is missing."""
    from collections import Counter

    from xuncha.library.models import TokenCount

    c = library
    upload(c, RULE_V2)  # a second version of the same rule: both versions are indexed
    other = upload(
        c,
        "江州市公务接待管理办法\n第一条 公务接待应当严格执行接待标准。\n第二条 不得超标准安排住宿。\n",
    )
    services.rule_set_status(
        rule=other.version.rule, status=Rule.Status.REPEALED, actor=c.office_staff
    )
    expected = Counter(
        t
        for tokens in Provision.objects.values_list("tokens", flat=True)
        for t in set(tokens.split())
    )
    stored = dict(TokenCount.objects.values_list("token", "provisions"))
    assert stored == dict(expected) and stored
    for token in list(stored)[:: max(1, len(stored) // 40)]:
        assert _matches(token) == stored[token]
    [banquet] = [search.core.blind(t) for t in search.core.query_tokens(["宴请"])][:1]
    assert search.frequencies([banquet, "tnothere"]) == {banquet: 2}  # 第三条 of both versions


def test_cite_page_posts_a_citation(library):
    c = library
    client = client_for(c.team_member)
    fourth = article(c.rule, "第四条")
    response = client.post(
        f"/library/cite/{c.problem.pk}/", {"provision": fourth.pk, "note": "定性依据"}
    )
    assert response.status_code == 302
    assert Citation.objects.get().note == "定性依据"
    page = client.get(f"/inspections/problems/{c.problem.pk}/").content.decode()
    assert "江州市巡察工作廉洁纪律规定》第四条" in page


def test_article_texts_for_the_study_app(library):
    c = library
    pairs = selectors.article_texts(office=c.county_a)  # a county reads the city's rules
    assert ("《江州市巡察工作廉洁纪律规定》第一条", article(c.rule, "第一条").body) in pairs
    assert any(label.endswith("附件") for label, _ in pairs)
    services.rule_set_status(rule=c.rule, status=Rule.Status.REPEALED, actor=c.office_admin)
    assert selectors.article_texts(office=c.city) == []


def test_typical_case_links_articles(library):
    c = library
    third = article(c.rule, "第三条")
    client = client_for(c.office_staff)
    response = client.post(
        f"/library/articles/{third.pk}/",
        {
            "title": "某巡察组成员接受土特产被通报",
            "summary": "巡察期间接受被巡察单位土特产，受到诫勉。",
            "lesson": "严守纪律",
        },
    )
    assert response.status_code == 302
    assert "某巡察组成员接受土特产被通报" in client.get(f"/library/{c.rule.pk}/").content.decode()
    assert (
        "某巡察组成员接受土特产被通报"
        in client_for(c.county_staff).get("/library/cases/").content.decode()
    )


def test_rule_page_shows_contents_and_versions(library):
    c = library
    upload(c, RULE_V2)
    page = client_for(c.team_member).get(f"/library/{c.rule.pk}/").content.decode()
    assert 'id="toc"' in page and "第二章 纪律要求" in page and "第六条" in page
    old = client_for(c.team_member).get(f"/library/{c.rule.pk}/?v=1").content.decode()
    assert "历史版本" in old and "第六条" not in old


def test_api_upload_search_detail_cite(library):
    c = library
    staff = client_for(c.office_staff)
    response = staff.post(
        "/api/v1/library/upload",
        {"file": txt("江州市巡察档案管理办法\n第一条 巡察档案应当集中统一管理。\n", "档案.txt")},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] and body["rule"]["title"] == "江州市巡察档案管理办法"
    response = staff.post(
        "/api/v1/library/upload", {"file": SimpleUploadedFile("scan.pdf", _pdf_without_text())}
    )
    assert response.status_code == 400
    assert "扫描件" in response.json()["detail"]
    hits = staff.get("/api/v1/library/search", {"q": "档案"}).json()["results"]
    assert hits[0]["provision"]["label"] == "第一条"
    detail = staff.get(f"/api/v1/library/{c.rule.pk}").json()
    assert next(p["label"] for p in detail["provisions"] if p["kind"] == "article") == "第一条"
    member = client_for(c.team_member)
    response = member.post(
        "/api/v1/library/cite",
        {"problem_id": c.problem.pk, "provision_id": article(c.rule, "第二条").pk},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["version"] == 1


def test_library_tokens_are_the_analytics_hashes():
    from xuncha.analytics.search import blind_text as analytics_blind_text
    from xuncha.library.search import blind_text

    text = "巡察工作人员不得接受被巡察单位的宴请、礼品礼金和土特产。"
    assert blind_text(text) == analytics_blind_text(text)


def test_rule_list_pages_through_every_rule_never_cutting_any(cast):
    """An office with more rules than one page: every rule is on some page, once."""
    from datetime import date, timedelta

    from xuncha.library.models import Rule
    from xuncha.library.views import RULES_PER_PAGE

    Rule.objects.bulk_create(
        Rule(office=cast.city, title=f"制度{i:04d}", issued_on=date(2020, 1, 1) + timedelta(days=i))
        for i in range(RULES_PER_PAGE * 2 + 7)
    )
    client = client_for(cast.office_staff)
    first = client.get("/library/").content.decode()
    assert "第 1 / 3 页，共 207 部" in first
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/library/?rpage={page}").content.decode()
        seen += re.findall(r">(制度\d{4})</a>", html)
    assert sorted(seen) == [f"制度{i:04d}" for i in range(RULES_PER_PAGE * 2 + 7)]
    assert seen[0] == f"制度{RULES_PER_PAGE * 2 + 6:04d}"  # newest first
