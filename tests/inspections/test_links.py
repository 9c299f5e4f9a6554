"""Pages that lead on: workspace → 巡察文书 and 起草公告; the report list → each document."""

import re

import pytest
from django.urls import reverse

from tests.inspections.conftest import set_stage
from xuncha.plans.models import Inspection
from xuncha.reports import services as reports

pytestmark = pytest.mark.django_db


def links(html: str) -> list[tuple[str, str]]:
    """(href, text) of every link on a page."""
    return [
        (href, re.sub(r"<[^>]+>", "", text).strip())
        for href, text in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S)
    ]


def follow(client, href):
    response = client.get(href)
    assert response.status_code == 200, (href, response.status_code)
    return response


def test_workspace_links_documents_and_the_announcement_to_draft(field, login):
    inspection = field.inspections["a"]
    set_stage(inspection, Inspection.Stage.PREPARATION)
    client = login(field.team_leader)
    html = follow(client, reverse("inspections:workspace", args=[inspection.pk])).content.decode()
    assert "请先起草公告" in html
    by_text = {text: href for href, text in links(html)}
    announce = by_text["起草巡察公告"]
    assert announce == reverse("petitions:announcement_create", args=[inspection.pk])
    assert "公告" in follow(client, announce).content.decode()
    documents = by_text["巡察文书（报告、反馈意见）"]
    assert documents == reverse("reports:inspection_documents", args=[inspection.pk])
    assert "生成文书" in follow(client, documents).content.decode()


def test_report_titles_open_the_document(field, login):
    inspection = field.inspections["a"]
    draft = reports.draft_generate(inspection=inspection, kind="report", actor=field.team_leader)
    # a writer opens the editor from both lists
    writer = login(field.team_leader)
    for page in (
        reverse("reports:index"),
        reverse("reports:inspection_documents", args=[inspection.pk]),
    ):
        hrefs = [
            href
            for href, text in links(follow(writer, page).content.decode())
            if text == draft.title
        ]
        assert hrefs == [reverse("reports:draft_edit", args=[draft.pk])], page
        follow(writer, hrefs[0])
    index = follow(writer, reverse("reports:index")).content.decode()
    assert reverse("reports:inspection_documents", args=[inspection.pk]) in index
    # a reader (领导小组) is led to what it may open: the inspection's documents, the download
    reader = login(field.leading_group)
    index = follow(reader, reverse("reports:index")).content.decode()
    hrefs = [href for href, text in links(index) if text == draft.title]
    assert hrefs == [reverse("reports:inspection_documents", args=[inspection.pk])]
    page = follow(reader, hrefs[0]).content.decode()
    hrefs = [href for href, text in links(page) if text == draft.title]
    assert hrefs == [reverse("reports:draft_download", args=[draft.pk])]
    follow(reader, hrefs[0])
