"""The visual language (xuncha/core/ui.py): one meaning per colour on every page."""

import pathlib
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils.html import escape

from tests.matrix import EVERYONE, case, check_all
from tests.petitions.conftest import announcement, submit  # noqa: F401  (fixture)
from xuncha.core import ui
from xuncha.petitions.models import Submission

TEMPLATES = pathlib.Path(__file__).resolve().parents[2] / "xuncha"
DESTRUCTIVE = re.compile(r"删除|停用|撤销|撤回|销毁|移送问责")


def test_every_state_of_every_model_has_a_tone():
    """A new state, stage, status, finding, grade or outcome must be given its colour here
    (xuncha/core/ui.py) before it appears on a page."""
    missing = sorted({v for v, _ in ui.state_choices()} - set(ui.TONES))
    assert not missing, missing


def test_a_refusal_is_never_red_and_a_failure_is():
    choices = dict(ui.state_choices())
    refusals = [v for v, label in choices.items() if label.startswith(("不予", "退回", "已退回"))]
    assert refusals and {ui.tone_of(v) for v in refusals} <= {ui.NEUTRAL, ui.WAITING}
    for failure in ("not_done", "false", "perfunctory", "absent", "failed"):
        assert ui.tone_of(failure) == ui.DANGER
    assert ui.action_class("rejected") == "btn-outline-secondary"
    assert ui.action_class("accepted") == "btn-primary"
    assert ui.action_class("withdrawn") == "btn-outline-danger"


def test_red_buttons_only_for_destructive_actions_in_every_template():
    offending = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"btn-(outline-)?danger", line) and not DESTRUCTIVE.search(line):
                offending.append(f"{path.relative_to(TEMPLATES)}:{n}")
    assert not offending, offending


def test_status_filter_renders_the_label_in_its_tone():
    class Row:
        state = "rejected"

        def get_state_display(self):
            return "不予受理"

    html = Template("{{ row|status }} {% badge '逾期' 'danger' %}").render(Context({"row": Row()}))
    assert 'class="xc-status xc-status-neutral"' in html and ">不予受理<" in html
    assert 'xc-status-danger" data-tone="danger" data-value="">逾期<' in html


@pytest.mark.django_db
def test_submission_accept_is_primary_and_refusal_grey(announcement, cast, login):  # noqa: F811
    submit(Client(), announcement)
    sub = Submission.objects.get()
    page = login(cast.office_staff).get(f"/petitions/{sub.pk}/").content.decode()
    buttons = dict(
        (label, classes)
        for classes, label in re.findall(
            r'<button class="btn btn-sm ([^"]+)">([^<]+)</button>', page
        )
    )
    assert buttons["受理"] == "btn-primary", buttons
    assert buttons["不予受理"] == "btn-outline-secondary", buttons
    assert 'data-value="received"' in page  # the state badge in the header


@pytest.mark.django_db
def test_style_page_shows_every_component_and_every_state(cast, login):
    page = login(cast.unit_liaison).get("/system/ui/").content.decode()
    for component in (
        "xc-page-header",
        "xc-kpi",
        "xc-chart-card",
        "xc-empty-state",
        "invalid-feedback",
    ):
        assert component in page, component
    for tone in ui.TONE_LABELS:
        assert f'<tr data-tone="{tone}">' in page
    labels = {label for _, label in ui.state_choices()}
    missing = sorted(label for label in labels if f">{escape(label)}<" not in page)
    assert not missing, missing


UI_PAGE = case("system-ui", "get", lambda c: "/system/ui/", allowed=EVERYONE)


@pytest.mark.django_db
def test_style_page_matrix(cast):
    check_all(UI_PAGE, cast)
