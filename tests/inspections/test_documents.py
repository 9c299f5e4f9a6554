"""Report, feedback, topical report and recommendation letter: generate, edit, download, access."""

import io
from datetime import date

import docx
import pytest
from django.urls import reverse

from tests.feedback import reviewed
from tests.reports.fieldwork import make_problem
from xuncha.audit.models import Action, AuditEntry
from xuncha.core.workdays import add_working_days
from xuncha.plans.models import Inspection
from xuncha.reports.models import ReportDraft
from xuncha.reports.officialdoc import layout_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fieldwork(cast):
    a = cast.inspections["a"]
    leader = cast.team_leader
    make_problem(a, "B4", "001", user=leader, title="违规发放津补贴")
    make_problem(a, "A7", "002", user=leader, title="意识形态工作责任制落实不到位")
    make_problem(a, "B6", "003", user=leader, title="工程招标把关不严", in_feedback=False)
    make_problem(a, "C2", "004", user=leader, title="干部选任程序不规范", signed=False)
    make_problem(a, "C3", "005", user=leader, title="未核定的问题", approved=False)
    reviewed(cast, a)  # feedback follows the reviews' decisions (003: handed over)
    return a


def generate(client, inspection, kind, **extra):
    return client.post(reverse("reports:generate", args=[inspection.pk]), {"kind": kind, **extra})


def download(client, draft):
    response = client.get(reverse("reports:draft_download", args=[draft.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return response.content


def test_report_contains_signed_problems_grouped_by_taxonomy(cast, login, fieldwork):
    client = login(cast.team_member)
    response = generate(client, fieldwork, "report")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="report")
    assert response.status_code == 302 and response["Location"].endswith(f"/draft/{draft.pk}/")
    assert draft.problem_count == 3
    data = download(client, draft)
    layout = layout_of(data)
    headings = [h["text"] for h in layout["headings"]]
    assert headings[:2] == ["一、总体评价", "二、巡察发现的主要问题"]
    assert "（一）贯彻落实党的理论和路线方针政策、党中央和上级决策部署方面" in headings
    assert "（二）落实全面从严治党战略部署方面" in headings
    assert "1.意识形态工作责任制" in headings
    assert "1.违反中央八项规定精神" in headings and "2.廉洁风险与腐败" in headings
    assert headings[-1] == "三、意见建议"
    text = layout["text"]
    assert "违规发放津补贴" in text and "工程招标把关不严" in text
    assert "干部选任程序不规范" not in text  # paper not signed off
    assert "未核定的问题" not in text  # problem not approved
    # layout of the official document
    assert layout["margins_mm"] == {"top": 37.0, "bottom": 35.0, "left": 28.0, "right": 26.0}
    assert layout["title"]["font"] == "方正小标宋简体"
    assert layout["footers"]["odd"]["page_field"]


def test_download_is_watermarked_and_audited(cast, login, fieldwork):
    client = login(cast.team_member)
    generate(client, fieldwork, "report")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="report")
    reader = login(cast.leading_group)
    data = download(reader, draft)
    marks = layout_of(data)["watermark"]
    assert len(marks) == 1 and "赵组长" in marks[0] and "leading_group" in marks[0]
    entry = AuditEntry.objects.filter(action=Action.EXPORT).latest("seq")
    assert entry.actor == cast.leading_group
    assert entry.object_type == "reports.reportdraft" and entry.object_id == str(draft.pk)
    assert entry.changes["watermark"] == marks[0]


def test_feedback_only_feedback_problems_and_deadlines_on_working_days(cast, login, fieldwork):
    Inspection.objects.filter(pk=fieldwork.pk).update(feedback_date=date(2026, 9, 25))
    client = login(cast.office_staff)
    generate(client, fieldwork, "feedback")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="feedback")
    assert draft.problem_count == 2
    text = layout_of(download(client, draft))["text"]
    assert "违规发放津补贴" in text and "工程招标把关不严" not in text
    # the office's rule (20 and 40 working days) from the planned feedback date
    plan_due = add_working_days(date(2026, 9, 25), 20)
    report_due = add_working_days(date(2026, 9, 25), 40)
    # the National Day holiday lies in between: more than 20 calendar days pass
    assert (plan_due - date(2026, 9, 25)).days > 28
    assert f"{plan_due.year}年{plan_due.month}月{plan_due.day}日前" in text
    assert f"{report_due.year}年{report_due.month}月{report_due.day}日前" in text
    assert "中共江州市交通运输局党组织：" in text


def test_regenerate_bumps_version_and_final_is_locked(cast, login, fieldwork):
    client = login(cast.team_leader)
    generate(client, fieldwork, "report")
    generate(client, fieldwork, "report")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="report")
    assert draft.version == 2
    assert client.post(reverse("reports:draft_finalize", args=[draft.pk])).status_code == 302
    response = generate(client, fieldwork, "report")
    assert ReportDraft.objects.get(pk=draft.pk).version == 2
    page = client.get(response["Location"], follow=True)
    assert "已定稿，不能重新生成" in page.content.decode()


def test_edit_sections_then_download(cast, login, fieldwork):
    client = login(cast.team_member)
    generate(client, fieldwork, "report")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="report")
    url = reverse("reports:draft_edit", args=[draft.pk])
    assert client.get(url).status_code == 200
    read = AuditEntry.objects.filter(action=Action.READ, object_id=str(draft.pk)).get()
    assert read.actor == cast.team_member and read.object_type == "reports.reportdraft"
    response = client.post(
        url,
        {
            "title": "关于巡察市交通运输局党组的情况报告",
            "recipient": "市委巡察工作领导小组",
            "doc_number": "江巡办〔2026〕12号",
            "secrecy": "机密",
            "issuer": "市委第一巡察组",
            "doc_date": "2026-06-10",
            "cc": "",
            "heading": ["", "总体评价", "新增一节", ""],
            "level": ["0", "1", "1", "0"],
            "text": ["开头段落。", "评价文字已修改。", "第一行\n第二行", ""],
        },
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert [b["heading"] for b in draft.sections] == ["", "总体评价", "新增一节"]
    layout = layout_of(download(client, draft))
    assert [h["text"] for h in layout["headings"]] == ["一、总体评价", "二、新增一节"]
    texts = [p["text"] for p in layout["paragraphs"]]
    assert "评价文字已修改。" in texts and "第二行" in texts
    assert "江巡办〔2026〕12号" in texts and "2026年6月10日" in texts
    assert layout["title"]["text"] == "关于巡察市交通运输局党组的情况报告"


def test_topical_report_and_recommendation_letter(cast, login, fieldwork):
    client = login(cast.team_leader)
    generate(client, fieldwork, "topical", topic="B")
    topical = ReportDraft.objects.get(inspection=fieldwork, kind="topical")
    assert topical.problem_count == 2
    text = layout_of(download(client, topical))["text"]
    assert "违规发放津补贴" in text and "意识形态" not in text
    response = generate(client, fieldwork, "recommendation", topic="B4")
    assert ReportDraft.objects.filter(kind="recommendation").count() == 0  # recipient needed
    assert "须填写主送部门" in client.get(response["Location"]).content.decode()
    generate(client, fieldwork, "recommendation", topic="b4", recipient="市财政局")
    letter = ReportDraft.objects.get(inspection=fieldwork, kind="recommendation")
    assert letter.problem_count == 1 and letter.recipient == "市财政局"
    layout = layout_of(download(client, letter))
    assert "市财政局：" in layout["text"] and "违规发放津补贴" in layout["text"]
    response = generate(client, fieldwork, "topical", topic="Z9")
    assert "监督内容分类代码“Z9”不存在" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "who,status",
    [
        ("team_leader", 200),
        ("team_member", 200),
        ("office_staff", 200),
        ("office_admin", 200),
        ("leading_group", 200),
        ("other_member", 404),
        ("county_staff", 404),
        ("unit_liaison", 404),
        ("outsider", 404),
    ],
)
def test_report_access(cast, login, fieldwork, who, status):
    generate(login(cast.team_leader), fieldwork, "report")
    draft = ReportDraft.objects.get(inspection=fieldwork, kind="report")
    client = login(getattr(cast, who))
    assert client.get(reverse("reports:draft_download", args=[draft.pk])).status_code == status


@pytest.mark.parametrize(
    "who,can_generate",
    [
        ("team_leader", True),
        ("team_member", True),
        ("office_staff", True),
        ("leading_group", False),
        ("other_member", False),
        ("unit_liaison", False),
        ("outsider", False),
    ],
)
def test_generate_and_edit_rights(cast, login, fieldwork, who, can_generate):
    client = login(getattr(cast, who))
    response = generate(client, fieldwork, "report")
    assert (response.status_code == 302) is can_generate
    assert ReportDraft.objects.filter(inspection=fieldwork).exists() is can_generate
    draft = ReportDraft.objects.first() or _draft_by(cast.team_leader, fieldwork, login)
    edit = client.get(reverse("reports:draft_edit", args=[draft.pk]))
    assert edit.status_code == (200 if can_generate else 404)


def _draft_by(user, inspection, login):
    generate(login(user), inspection, "report")
    return ReportDraft.objects.get(inspection=inspection, kind="report")


def test_liaison_reads_feedback_only_once_given(cast, login, fieldwork):
    client = login(cast.team_leader)
    generate(client, fieldwork, "feedback")
    generate(client, fieldwork, "report")
    feedback = ReportDraft.objects.get(kind="feedback")
    report = ReportDraft.objects.get(kind="report")
    liaison = login(cast.unit_liaison)
    url = reverse("reports:draft_download", args=[feedback.pk])
    assert liaison.get(url).status_code == 404  # stage: investigation
    Inspection.objects.filter(pk=fieldwork.pk).update(stage=Inspection.Stage.FEEDBACK)
    assert liaison.get(url).status_code == 404  # reviewed, but not yet final and delivered
    assert client.post(reverse("reports:draft_finalize", args=[feedback.pk])).status_code == 302
    assert liaison.get(url).status_code == 404  # final, not yet delivered
    response = client.post(
        reverse("reports:draft_deliver", args=[feedback.pk]),
        {"delivered_on": "2026-06-03", "delivered_by": "何组长"},
    )
    assert response.status_code == 302
    assert liaison.get(url).status_code == 200
    assert liaison.get(reverse("reports:draft_download", args=[report.pk])).status_code == 404
    assert liaison.get(reverse("reports:draft_edit", args=[feedback.pk])).status_code == 404
    index = liaison.get(reverse("reports:index")).content.decode()
    assert feedback.title in index and report.title not in index
    # a liaison of another unit never sees it
    other = cast.inspections["b"]
    assert other.units.first() != fieldwork.units.first()


def test_inspection_page_and_index(cast, login, fieldwork, django_assert_max_num_queries):
    client = login(cast.team_leader)
    for kind in ("report", "feedback"):
        generate(client, fieldwork, kind)
    for n in range(5):
        generate(client, fieldwork, "recommendation", recipient=f"部门{n}")
    page = client.get(reverse("reports:inspection_documents", args=[fieldwork.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "生成文书" in html and "导出离线数据包" in html
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports:index")).status_code == 200
    assert (
        login(cast.other_member)
        .get(reverse("reports:inspection_documents", args=[fieldwork.pk]))
        .status_code
        == 404
    )
    lg = login(cast.leading_group).get(reverse("reports:inspection_documents", args=[fieldwork.pk]))
    assert lg.status_code == 200 and "生成文书" not in lg.content.decode()


def test_docx_reads_back_with_python_docx(cast, login, fieldwork):
    client = login(cast.team_leader)
    generate(client, fieldwork, "report")
    draft = ReportDraft.objects.get(kind="report")
    d = docx.Document(io.BytesIO(download(client, draft)))
    assert d.sections[0].page_width.mm == pytest.approx(210, abs=0.1)
    assert any(p.style.name == "Heading 1" for p in d.paragraphs)
