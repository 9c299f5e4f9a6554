"""Study pages: constant query counts on the list, bad input refused in Chinese with
nothing saved, the participant's view of their own records."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.cast import client_for
from tests.study.conftest import first_day
from xuncha.study import services
from xuncha.study.models import StudySession

pytestmark = pytest.mark.django_db


def _more_sessions(cast, n):
    for i in range(n):
        s = services.session_create(
            office=cast.city,
            form="exchange",
            date=first_day(),
            host=cast.office_admin,
            topic=f"交流研学{i}",
            attendance=[(cast.team_member, "present", "")],
            actor=cast.office_staff,
        )
        services.reflection_submit(
            author=cast.team_member,
            session=s,
            title=f"体会{i}",
            text=f"第{i}次交流，我学到了查阅资料的方法。",
            actor=cast.team_member,
        )


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("username", ["office_staff", "team_member"])
def test_index_query_count_does_not_grow_with_rows(cast, study, username):
    client = client_for(cast.users[username])
    client.get("/study/")  # the first request of a session reads more (session, device)
    _more_sessions(cast, 2)
    few = _queries(client, "/study/")
    _more_sessions(cast, 6)
    assert _queries(client, "/study/") == few


def test_bad_file_is_refused_in_chinese_and_nothing_saved(cast, study):
    client = client_for(cast.office_staff)
    bad = SimpleUploadedFile("材料.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00\xff" * 100)
    response = client.post(
        "/study/sessions/new/",
        {
            "form": "centre",
            "date": str(first_day()),
            "topic": "带坏附件的学习",
            "host": cast.office_admin.pk,
            "hours": "2",
            "files": bad,
        },
    )
    assert response.status_code == 200
    assert "不是允许的类型" in response.content.decode()
    assert not StudySession.objects.filter(topic="带坏附件的学习").exists()


def test_too_long_reflection_is_refused(cast, study):
    client = client_for(cast.other_member)
    response = client.post(
        f"/study/sessions/{study.session.pk}/reflection/",
        {"title": "很长", "text": "学" * 20_001},
    )
    assert response.status_code == 200
    assert "20000" in response.content.decode()
    assert not study.session.reflections.filter(author=cast.other_member).exists()


def test_participant_sees_own_records_only(cast, study):
    page = client_for(cast.team_member).get("/study/").content.decode()
    assert "学习《中国共产党巡视工作条例》" in page and "学习巡视工作条例的体会" in page
    assert "县委巡察办中心组学习" not in page and "登记学习活动" not in page
    page = client_for(cast.other_member).get("/study/").content.decode()
    assert "学习巡视工作条例的体会" not in page  # another member's reflection
    detail = client_for(cast.other_member).get(f"/study/sessions/{study.session.pk}/")
    assert "学习巡视工作条例的体会" not in detail.content.decode()
    assert "提交心得体会" in detail.content.decode()  # excused: may still write one


def test_reading_a_reflection_and_its_comment_is_audited(cast, study):
    """Reflections and the host's comments are confidential: the page and the API that
    show them write a read entry naming the reflection; lists of titles do not."""
    from xuncha.audit.services import reads_of

    row = study.reflection
    services.reflection_comment(reflection=row, comment="体会真切", actor=cast.office_staff)
    host = client_for(cast.office_staff)
    host.get("/study/")
    host.get(f"/study/sessions/{study.session.pk}/")
    assert reads_of(row) == []  # titles only
    page = host.get(f"/study/reflections/{row.pk}/").content.decode()
    assert "体会真切" in page
    [entry] = reads_of(row)
    assert entry.actor == cast.office_staff
    assert entry.changes["fields"]["study.reflection"] == ["text", "comment"]
    listed = host.get("/api/v1/study/reflections").json()
    assert [r["comment"] for r in listed] == ["体会真切"]
    assert len(reads_of(row)) == 2
    author = client_for(cast.team_member)
    assert author.get(f"/api/v1/study/reflections/{row.pk}").json()["text"] == row.text
    assert max(reads_of(row), key=lambda e: e.seq).actor == cast.team_member
    assert (
        client_for(cast.county_staff).get(f"/api/v1/study/reflections/{row.pk}").status_code == 404
    )
    assert len(reads_of(row)) == 3
