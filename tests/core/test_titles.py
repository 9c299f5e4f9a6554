"""<title> is a short line of text on every page (a stray block once put a whole form in it)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

import xuncha

TITLE_BLOCK = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)
TITLE_TAG = re.compile(r"<title>(.*?)</title>", re.S)


def _templates():
    return sorted(Path(xuncha.__file__).parent.glob("**/templates/**/*.html"))


@pytest.mark.parametrize("path", _templates(), ids=lambda p: p.name)
def test_title_blocks_hold_one_line_of_text(path):
    for block in TITLE_BLOCK.findall(path.read_text(encoding="utf-8")):
        assert "\n" not in block.strip() and "<" not in block, (path, block[:200])
        assert "{% if" not in block or len(block) < 200, (path, block[:200])


@pytest.mark.django_db
def test_inspector_detail_title_is_short(cast, login):
    person = cast.team_member.inspector
    html = login(cast.office_staff).get(reverse("plans:inspector_detail", args=[person.pk]))
    title = TITLE_TAG.search(html.content.decode()).group(1)
    assert title.strip().startswith(person.name) and "<" not in title and len(title) < 120
    assert "csrfmiddlewaretoken" not in title
