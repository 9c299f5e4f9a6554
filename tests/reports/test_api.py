"""The reports API: same rules as the pages, responses match the published schema."""

import json

import pytest

from tests.api_schema import assert_matches_schema
from tests.reports.fieldwork import make_problem
from xuncha.audit.models import Action, AuditEntry
from xuncha.reports.models import ReportDraft
from xuncha.reports.officialdoc import layout_of

pytestmark = pytest.mark.django_db
BASE = "/api/v1/reports"


@pytest.fixture
def inspection(cast):
    a = cast.inspections["a"]
    make_problem(a, "B4", "001", user=cast.team_leader, title="违规发放津补贴")
    return a


def post(client, url, data, method="post"):
    return getattr(client, method)(url, json.dumps(data), content_type="application/json")


def test_generate_edit_list_download(cast, login, inspection):
    client = login(cast.team_member)
    response = post(client, f"{BASE}/inspections/{inspection.pk}/drafts", {"kind": "report"})
    assert response.status_code == 201, response.content
    assert_matches_schema(response, "/api/v1/reports/inspections/{inspection_id}/drafts", "post")
    draft = response.json()
    assert draft["problem_count"] == 1 and draft["version"] == 1
    sections = [*draft["sections"], {"heading": "补充意见", "level": 1, "text": "接口添加。"}]
    response = post(
        client,
        f"{BASE}/drafts/{draft['id']}",
        {"title": "接口修改的标题", "sections": sections, "doc_date": "2026-06-01"},
        method="put",
    )
    assert response.status_code == 200, response.content
    assert_matches_schema(response, "/api/v1/reports/drafts/{draft_id}", "put")
    assert response.json()["version"] == 2
    response = client.get(f"{BASE}/drafts", {"inspection_id": inspection.pk})
    assert_matches_schema(response, "/api/v1/reports/drafts", "get")
    assert [d["title"] for d in response.json()] == ["接口修改的标题"]
    response = client.get(f"{BASE}/drafts/{draft['id']}/docx")
    assert response.status_code == 200
    layout = layout_of(response.content)
    assert "接口添加。" in layout["text"] and "吕组员" in layout["watermark"][0]
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_id=str(draft["id"])).exists()


def test_domain_error_is_400(cast, login, inspection):
    client = login(cast.team_leader)
    response = post(
        client, f"{BASE}/inspections/{inspection.pk}/drafts", {"kind": "recommendation"}
    )
    assert response.status_code == 400
    assert "主送部门" in response.json()["detail"]


@pytest.mark.parametrize(
    "who,generate,read",
    [
        ("office_staff", 201, 200),
        ("leading_group", 404, 200),
        ("other_member", 404, 404),
        ("unit_liaison", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_access(cast, login, inspection, who, generate, read):
    post(login(cast.team_leader), f"{BASE}/inspections/{inspection.pk}/drafts", {"kind": "report"})
    draft = ReportDraft.objects.get(kind="report")
    client = login(getattr(cast, who))
    response = post(client, f"{BASE}/inspections/{inspection.pk}/drafts", {"kind": "report"})
    assert response.status_code == generate
    assert client.get(f"{BASE}/drafts/{draft.pk}/docx").status_code == read
    listed = client.get(f"{BASE}/drafts").json()
    assert bool(listed) is (read == 200)
