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


# Templates that may write their own <h1>, and why. Every other page takes its title from
# the page header component ({% page_header %}, core/ui/page_header.html).
OWN_H1 = {
    # the component itself
    "core/templates/core/ui/page_header.html": "the page header's markup",
    # a centred card, not a platform page: no actions, nothing but the form / the message
    "org/templates/org/login.html": "login card, shown before any platform page",
    "core/templates/core/error.html": "error card (403/404/500) under the big status code",
    # a printed A4 poster: its own stylesheet, no platform chrome
    "petitions/templates/petitions/poster.html": "printed announcement poster",
    # the public channel (petitions/public/base.html): no Bootstrap or xuncha.css, a plain
    # notice-style site for the public, where the h1 is the notice's own title
    "petitions/templates/petitions/public/list.html": "public site",
    "petitions/templates/petitions/public/detail.html": "public site",
    "petitions/templates/petitions/public/submit.html": "public site",
    "petitions/templates/petitions/public/receipt.html": "public site",
    "petitions/templates/petitions/public/followup.html": "public site",
    "petitions/templates/petitions/public/status.html": "public site",
    "petitions/templates/petitions/public/closed.html": "public site",
    "petitions/templates/petitions/public/missing.html": "public site",
    "petitions/templates/petitions/public/disclosures.html": "public site",
    "rectification/templates/rectification/public_list.html": "public site",
    "rectification/templates/rectification/public_detail.html": "public site",
}


def _templates():
    return sorted(TEMPLATES.rglob("templates/**/*.html"))


def test_every_page_takes_its_h1_from_the_page_header():
    """A page writes {% page_header "标题" sub=… %}…actions…{% endpage_header %}, not its
    own <h1> and header row: one header, one look, one place to change it."""
    own = [
        str(p.relative_to(TEMPLATES))
        for p in _templates()
        if re.search(r"<h1[\s>]", p.read_text(), re.IGNORECASE)
    ]
    offending = sorted(set(own) - set(OWN_H1))
    assert not offending, f"use {{% page_header %}} instead of <h1> in {offending}"
    stale = sorted(set(OWN_H1) - set(own))
    assert not stale, f"allow-listed but without an <h1> (remove from OWN_H1): {stale}"


def test_public_site_allow_list_is_the_public_base():
    """The public-site entries are exactly the templates on the public base."""
    public = {k for k, why in OWN_H1.items() if why == "public site"}
    on_public_base = {
        str(p.relative_to(TEMPLATES))
        for p in _templates()
        if '{% extends "petitions/public/base.html" %}' in p.read_text()
        and re.search(r"<h1[\s>]", p.read_text(), re.IGNORECASE)
    }
    assert public == on_public_base


def _header(source, **context):
    return Template(source).render(Context(context))


def test_page_header_renders_title_sub_and_actions():
    html = _header(
        '{% page_header "整改任务" sub="本机构下发的整改任务" %}'
        '<a class="btn btn-sm btn-primary" href="/x/">下发整改任务</a>{% endpage_header %}'
    )
    assert '<div class="xc-page-header">' in html
    assert "<h1>整改任务</h1>" in html
    assert '<p class="xc-sub">本机构下发的整改任务</p>' in html
    assert (
        '<div class="xc-actions"><a class="btn btn-sm btn-primary" href="/x/">下发整改任务</a></div>'
        in html
    )
    assert html.count("<h1") == 1


def test_page_header_without_sub_or_actions_leaves_them_out():
    html = _header('{% page_header "巡察机构" missing %}\n  {% endpage_header %}', missing=None)
    assert "<h1>巡察机构</h1>" in html
    assert "xc-sub" not in html and "xc-actions" not in html


def test_page_header_escapes_the_title_and_sub_but_keeps_badges():
    class Plan:
        state = "approved"

        def get_state_display(self):
            return "已批准"

    html = _header(
        '{% page_header name " · " unit sub=sub status=plan|status %}{% endpage_header %}',
        name="<script>alert(1)</script>",
        unit="市财政局 & 下属",
        sub="<b>说明</b>",
        plan=Plan(),
    )
    assert "<script>" not in html and "<b>" not in html
    assert "<h1>&lt;script&gt;alert(1)&lt;/script&gt; · 市财政局 &amp; 下属 <span" in html
    assert "&lt;b&gt;说明&lt;/b&gt;" in html
    assert 'class="xc-status xc-status-done"' in html and ">已批准</span></h1>" in html


def test_fragment_composes_a_status_with_its_id():
    html = _header(
        '{% fragment as state %}<span id="plan-state">{{ label }}</span>{% endfragment %}'
        '{% page_header "计划" status=state %}{% endpage_header %}',
        label="<已报审>",
    )
    assert '<h1>计划 <span id="plan-state">&lt;已报审&gt;</span></h1>' in html
