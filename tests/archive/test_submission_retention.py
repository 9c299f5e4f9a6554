"""来信来访保管期限: the period per office, the due list, the recorded decision and the
crypto-shredding it performs (nothing identifying left; a refusal leaves nothing)."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cast import client_for
from tests.matrix import EVERYONE, case, check_all
from xuncha.analytics.models import SearchDoc
from xuncha.archive import services
from xuncha.archive.models import (
    DisposalDecision,
    SubmissionRetention,
    submission_due_before,
    submission_expiry,
    submission_years,
)
from xuncha.audit.models import AuditEntry
from xuncha.audit.services import verify_chain
from xuncha.clues.models import Clue, Handover
from xuncha.core.errors import DomainError
from xuncha.petitions import services as petitions
from xuncha.petitions.models import Attachment, Message, Submission, SubmissionEvent

CITY = {"office_admin", "office_staff"}
OFFICE_WORK = CITY | {"county_staff", "county_b_staff"}
TODAY = date(2026, 12, 7)


# --------------------------------------------------------------------------- the rule


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    closed=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    today=st.dates(min_value=date(1990, 1, 1), max_value=date(2099, 12, 31)),
    years=st.integers(min_value=1, max_value=50),
)
def test_the_sql_cutoff_is_the_expiry_rule(closed, today, years):
    """closed_on < due_before(years, today) exactly when expiry(closed_on) <= today."""
    expires = submission_expiry(closed, years)
    assert (closed < submission_due_before(years, today)) == (expires <= today)
    assert expires.month == 1 and expires.day == 1 and expires.year == closed.year + 1 + years


def test_examples_of_the_rule():
    assert submission_expiry(date(2020, 12, 31), 5) == date(2026, 1, 1)
    assert submission_expiry(date(2021, 1, 1), 5) == date(2027, 1, 1)


# --------------------------------------------------------------------------- fixtures


def _closed(cast, *, closed_on, office=None, text="交通运输局某科长收受红包。", **extra):
    office = office or cast.city
    actor = cast.office_staff if office == cast.city else cast.county_staff
    sub = petitions.submission_enter(
        office=office,
        inspection=cast.inspections["a"] if office == cast.city else None,
        channel="letter",
        data={
            "kind": "report",
            "category": "integrity",
            "unit": "江州市交通运输局",
            "people": "王某某，工程科科长",
            "text": text,
        },
        identity={"name": "张三", "contact": "13800000000"},
        files=[],
        actor=actor,
        received_on=closed_on - timedelta(days=30),
    )
    Submission.objects.filter(pk=sub.pk).update(
        state=extra.pop("state", "closed"), closed_on=closed_on, accepted_on=closed_on
    )
    sub.refresh_from_db()
    return sub


@pytest.fixture
def ret(cast, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    old = date(timezone.localdate().year - 7, 6, 1)
    cast.old = _closed(cast, closed_on=old)
    cast.old2 = _closed(cast, closed_on=old, text="另一件旧举报：某副局长公车私用多次。")
    cast.recent = _closed(cast, closed_on=timezone.localdate() - timedelta(days=10))
    cast.county_old = _closed(cast, closed_on=old, office=cast.county_a)
    cast.open = _closed(cast, closed_on=old, state="accepted")
    petitions.message_draft(
        submission=cast.old, kind="note", body="内部备注：张三电话回访。", actor=cast.office_staff
    )
    return cast


# --------------------------------------------------------------------------- services


def test_default_period_and_setting_it(ret, settings):
    assert submission_years(ret.city.pk) == settings.SUBMISSION_RETENTION_YEARS == 5
    before = AuditEntry.objects.count()
    assert services.submission_retention_set(office=ret.city, years=10, actor=ret.office_admin)
    assert submission_years(ret.city.pk) == 10
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert entry.changes["submission_retention"] == [5, 10]


@pytest.mark.parametrize("years", [0, 51, -1, "abc", "", None, 2.5, True])
def test_bad_period_is_refused_in_chinese_and_saves_nothing(ret, years):
    before = AuditEntry.objects.count()
    with pytest.raises(DomainError, match="保管年限应为 1 至 50 之间的整数"):
        services.submission_retention_set(office=ret.city, years=years, actor=ret.office_admin)
    assert not SubmissionRetention.objects.exists()
    assert AuditEntry.objects.count() == before


def test_only_the_office_admin_sets_the_period(ret):
    for user in (ret.office_staff, ret.county_staff, ret.custodian):
        with pytest.raises(DomainError, match="只有本巡察机构的巡察办管理员"):
            services.submission_retention_set(office=ret.city, years=8, actor=user)


def test_due_list_follows_each_office_period(ret):
    due = set(services.submissions_due(ret.office_admin).values_list("pk", flat=True))
    assert due == {ret.old.pk, ret.old2.pk}  # not the recent, the open or the county's one
    assert set(services.submissions_due(ret.county_staff).values_list("pk", flat=True)) == {
        ret.county_old.pk
    }
    assert not services.submissions_due(ret.team_leader).exists()
    assert not services.submissions_due(ret.custodian).exists()
    services.submission_retention_set(office=ret.city, years=10, actor=ret.office_admin)
    assert not services.submissions_due(ret.office_admin).exists()


def test_disposal_shreds_and_keeps_a_tombstone(ret, django_capture_on_commit_callbacks):
    from pathlib import Path

    from django.conf import settings

    att = Attachment.objects.create(
        submission=ret.old,
        name_sealed=b"x",
        mime="application/pdf",
        size=3,
        sha256="0" * 64,
        path="petitions/test.bin",
    )
    path = Path(settings.MEDIA_ROOT) / att.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"abc")
    digest = ret.old.receipt_digest
    assert SearchDoc.objects.filter(kind="submission", object_id=ret.old.pk).exists()
    assert Message.objects.filter(submission=ret.old).exists()
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.submission_dispose(
            submissions=[ret.old, ret.old2],
            reason="保管期满，经办公会研究销毁",
            actor=ret.office_admin,
        )
    assert decision.subject == "submissions" and decision.decision == "destroy"
    tomb = Submission.objects.get(pk=ret.old.pk)
    assert bytes(tomb.wrapped_key) == b"" and bytes(tomb.content_sealed) == b""
    assert tomb.identity_sealed is None and tomb.key_id == "" and tomb.reason == ""
    assert tomb.disposal == decision and tomb.shredded_on is not None
    assert tomb.receipt_digest == digest
    assert (tomb.category, tomb.closed_on, tomb.office_id) == (
        "integrity",
        ret.old.closed_on,
        ret.city.pk,
    )
    assert not Message.objects.filter(submission=tomb).exists()
    assert not Attachment.objects.filter(submission=tomb).exists()
    assert not SubmissionEvent.objects.filter(submission=tomb).exists()
    assert not SearchDoc.objects.filter(kind="submission", object_id=tomb.pk).exists()
    assert not path.exists()
    # the register no longer shows it; the statistics still count it
    assert not Submission.objects.for_user(ret.office_staff).filter(pk=tomb.pk).exists()
    assert Submission.objects.for_user(ret.office_staff, "stats").filter(pk=tomb.pk).exists()
    # the public follow-up page by receipt code says it was destroyed, without decrypting
    view = petitions.public_view(tomb)
    assert "已销毁" in view["state_label"] and view["messages"] == []
    with pytest.raises(DomainError, match="已按保管期限销毁"):
        petitions.reporter_add(submission=tomb, text="补充", files=[])
    # audit: one entry per submission and one for the decision; the chain verifies
    entries = AuditEntry.objects.filter(object_type="petitions.submission", action="delete")
    assert entries.count() == 2
    assert AuditEntry.objects.filter(object_type="archive.disposaldecision").count() == 1
    assert verify_chain()[1] is None


def _refused(ret, subs, match, actor=None, kept=True):
    before = (AuditEntry.objects.count(), DisposalDecision.objects.count())
    with pytest.raises(DomainError, match=match):
        services.submission_dispose(
            submissions=subs, reason="期满", actor=actor or ret.office_admin
        )
    assert (AuditEntry.objects.count(), DisposalDecision.objects.count()) == before
    for s in subs if kept else ():
        s.refresh_from_db()
        assert s.shredded_on is None and bytes(s.wrapped_key)


def test_refusals_leave_nothing(ret):
    _refused(ret, [ret.old, ret.recent], "保管期限未满")
    _refused(ret, [ret.old, ret.open], "尚未办结")
    _refused(ret, [ret.old, ret.county_old], "同一巡察机构")
    _refused(ret, [ret.old], "只有本巡察机构的巡察办管理员", actor=ret.office_staff)
    with pytest.raises(DomainError, match="请填写处置理由"):
        services.submission_dispose(submissions=[ret.old], reason="  ", actor=ret.office_admin)
    services.submission_dispose(submissions=[ret.old2], reason="期满", actor=ret.office_admin)
    _refused(ret, [ret.old2], "已销毁", kept=False)


def _clue(ret, sub, state="draft"):
    return Clue.objects.create(
        office=ret.city,
        inspection=ret.inspections["a"],
        unit=ret.units["bureau"],
        number="JZXS-2026-001",
        source="submission",
        submission_id=sub.pk,
        people_concerned="王某某",
        facts="收受红包",
        proposed_handling="discipline",
        state=state,
        created_by=ret.team_leader,
    )


def test_an_open_clue_or_handover_blocks_the_disposal_by_name(ret):
    clue = _clue(ret, ret.old)
    _refused(ret, [ret.old], "XF.*关联的问题线索 JZXS-2026-001（登记）")
    Clue.objects.filter(pk=clue.pk).update(state="concluded")
    handover = Handover.objects.create(
        office=ret.city,
        inspection=ret.inspections["a"],
        recipient=ret.units["discipline"],
        kind="discipline",
        number="江巡移〔2026〕3号",
        subject="移交线索",
        state="sent",
        created_by=ret.office_admin,
    )
    handover.clues.add(clue)
    _refused(ret, [ret.old], r"移交 江巡移〔2026〕3号（已移交）")
    Handover.objects.filter(pk=handover.pk).update(state="concluded")
    services.submission_dispose(submissions=[ret.old], reason="期满", actor=ret.office_admin)


# --------------------------------------------------------------------------- pages, API


def _hidden(allowed):
    return EVERYONE - set(allowed)


API = "/api/v1/archive"
CASES = [
    case("sub_page", "get", lambda c: "/archive/submissions/", allowed=OFFICE_WORK),
    case(
        "sub_retention_update",
        "post",
        lambda c: f"/archive/submissions/retention/{c.city.pk}/",
        allowed={"office_admin"},
        ok=302,
        hidden=_hidden({"office_admin"}),
        data=lambda c: {"years": 8},
    ),
    case(
        "sub_disposal",
        "post",
        lambda c: "/archive/submissions/disposal/",
        allowed={"office_admin"},
        ok=302,
        denied={403},
        data=lambda c: {"submissions": [c.old.pk], "reason": "期满销毁"},
    ),
    case(
        "api_sub_retention",
        "get",
        lambda c: f"{API}/submission-retention/{c.city.pk}",
        allowed=CITY,
        hidden=_hidden(CITY),
        schema_path="/api/v1/archive/submission-retention/{office_id}",
    ),
    case(
        "api_sub_retention_put",
        "put",
        lambda c: f"{API}/submission-retention/{c.city.pk}",
        allowed={"office_admin"},
        hidden=_hidden({"office_admin"}),
        data=lambda c: {"years": 8},
        schema_path="/api/v1/archive/submission-retention/{office_id}",
    ),
    case(
        "api_sub_due",
        "get",
        lambda c: f"{API}/submissions/due",
        allowed=EVERYONE,  # each sees only their own offices' due submissions
        schema_path="/api/v1/archive/submissions/due",
    ),
    case(
        "api_sub_disposal",
        "post",
        lambda c: f"{API}/submission-disposals",
        allowed={"office_admin"},
        ok=201,
        denied={400},
        data=lambda c: {"submissions": [c.old.pk], "reason": "期满销毁"},
        schema_path="/api/v1/archive/submission-disposals",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_permissions(ret, case):
    check_all(case, ret)


def test_pages_and_api_outcomes(ret):
    admin = client_for(ret.office_admin)
    page = admin.get("/archive/submissions/").content.decode()
    assert ret.old.number in page and ret.recent.number not in page and "5 年" not in page
    assert 'value="5"' in page
    staff_page = client_for(ret.office_staff).get("/archive/submissions/").content.decode()
    assert ret.old.number in staff_page and 'name="submissions"' not in staff_page
    response = admin.post(
        f"/archive/submissions/retention/{ret.city.pk}/", {"years": "0"}, follow=True
    )
    assert "保管年限应为 1 至 50 之间的整数" in response.content.decode()
    response = admin.put(
        f"{API}/submission-retention/{ret.city.pk}", {"years": 99}, content_type="application/json"
    )
    assert response.status_code == 400 and "保管年限应为" in response.json()["detail"]
    assert not SubmissionRetention.objects.exists()
    due = admin.get(f"{API}/submissions/due").json()
    assert {d["number"] for d in due} == {ret.old.number, ret.old2.number}
    assert client_for(ret.team_leader).get(f"{API}/submissions/due").json() == []
    _clue(ret, ret.old2)
    response = admin.post(
        f"{API}/submission-disposals",
        {"submissions": [ret.old.pk, ret.old2.pk], "reason": "期满"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "问题线索 JZXS-2026-001" in response.json()["detail"]
    response = admin.post(
        f"{API}/submission-disposals",
        {"submissions": [ret.county_old.pk], "reason": "期满"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "无权处置" in response.json()["detail"]
    response = admin.post(
        "/archive/submissions/disposal/",
        {"submissions": [ret.old.pk], "reason": "<script>x</script>"},
        follow=True,
    )
    body = response.content.decode()
    assert "已记录处置决定" in body and "&lt;script&gt;" in body and "<script>x" not in body
    assert Client().get("/archive/submissions/").status_code == 302


# --------------------------------------------------------------------------- browser


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_browser_set_the_period_and_destroy(live_server, ret):
    import os

    from playwright.sync_api import expect, sync_playwright

    from tests.archive.test_browser import ARGS, SHOTS, _as

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        try:
            page = _as(browser, live_server, ret.office_admin)
            page.goto(f"{live_server.url}/archive/")
            page.get_by_role("button", name="整改监督").click()  # the menu's dropdown
            page.get_by_role("link", name="来信来访保管期限").click()
            expect(page.get_by_role("heading", level=1)).to_have_text("来信来访保管期限与销毁")
            years = page.get_by_label("江州市委巡察办保管年限（年）")
            expect(years).to_have_value("5")
            years.evaluate("e => e.removeAttribute('min')")  # the server's own check
            years.fill("0")
            page.get_by_role("button", name="保存保管年限").first.click()
            expect(page.locator(".alert").first).to_contain_text("保管年限应为 1 至 50")
            page.get_by_label("江州市委巡察办保管年限（年）").fill("6")
            page.get_by_role("button", name="保存保管年限").first.click()
            expect(page.locator(".alert").first).to_contain_text("6年")
            due = page.locator("#due-submissions")
            expect(due).to_contain_text(ret.old.number)
            expect(due).not_to_contain_text(ret.recent.number)
            page.get_by_label(f"选择 {ret.old.number}").check()
            page.get_by_label("销毁理由").fill("保管期满，经巡察办主任办公会研究同意销毁")
            page.screenshot(path=str(SHOTS / "retention-1-due.png"), full_page=True)
            page.get_by_role("button", name="记录销毁决定并销毁所选").click()
            expect(page.locator(".alert").first).to_contain_text("销毁 1 件来信来访")
            expect(page.locator("#submission-decisions")).to_contain_text(ret.old.number)
            expect(due).not_to_contain_text(ret.old.number)
            page.screenshot(path=str(SHOTS / "retention-2-done.png"), full_page=True)
            # axe-core (from node_modules) on the page, and the phone width (tables scroll
            # inside their own box there, xuncha.css)
            from tests.browser.test_accessibility import AXE, AXE_RUN, PHONE_CHECK

            cookie = client_for(ret.office_admin).cookies["sessionid"].value
            for size, mobile in (((1366, 900), False), ((390, 844), True)):
                ctx = browser.new_context(
                    viewport={"width": size[0], "height": size[1]},
                    locale="zh-CN",
                    bypass_csp=True,
                    is_mobile=mobile,
                )
                ctx.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
                check = ctx.new_page()
                check.goto(f"{live_server.url}/archive/submissions/")
                if not mobile:  # as the accessibility crawler: axe at desktop width
                    check.evaluate(AXE.read_text(encoding="utf-8"))
                    assert check.evaluate(AXE_RUN) == []
                fit = check.evaluate(PHONE_CHECK)
                assert fit["narrow"] == [] and fit["overflow"] <= 2, fit
                if mobile:
                    check.screenshot(path=str(SHOTS / "retention-3-phone.png"), full_page=True)
                ctx.close()
        finally:
            browser.close()
    tomb = Submission.objects.get(pk=ret.old.pk)
    assert tomb.shredded_on is not None and bytes(tomb.wrapped_key) == b""
    assert submission_years(ret.city.pk) == 6


def test_command_lists_and_disposes(ret):
    from io import StringIO

    from django.core.management import CommandError, call_command

    _clue(ret, ret.old2)
    out = StringIO()
    call_command("archive", "retention", stdout=out)
    text = out.getvalue()
    assert ret.old.number in text and ret.county_old.number in text
    assert ret.recent.number not in text and "不能销毁：问题线索 JZXS-2026-001" in text
    with pytest.raises(CommandError, match="仍关联未办结的事项"):
        call_command(
            "archive",
            "retention",
            dispose=[ret.old.number, ret.old2.number],
            user="office_admin",
            reason="期满",
        )
    with pytest.raises(CommandError, match="只有本巡察机构的巡察办管理员"):
        call_command(
            "archive",
            "retention",
            dispose=[ret.old.number],
            user="office_staff",
            reason="期满",
        )
    out = StringIO()
    call_command(
        "archive",
        "retention",
        dispose=[ret.old.number],
        user="office_admin",
        reason="期满",
        stdout=out,
    )
    assert "销毁 1 件" in out.getvalue()
    assert Submission.objects.get(pk=ret.old.pk).shredded_on is not None


def test_a_problem_still_open_blocks_the_disposal(ret):
    from django.contrib.contenttypes.models import ContentType

    from tests.rectification.conftest import make_feedback_problem
    from xuncha.inspections.models import Problem
    from xuncha.petitions.models import SubmissionLink

    problem = make_feedback_problem(
        ret, ret.inspections["a"], ret.units["bureau"], "P-07", "违规发放津补贴"
    )
    Problem.objects.filter(pk=problem.pk).update(state=Problem.State.DRAFT)
    SubmissionLink.objects.create(
        submission=ret.old,
        content_type=ContentType.objects.get_for_model(Problem),
        object_id=str(problem.pk),
        actor=ret.team_leader,
    )
    _refused(ret, [ret.old], r"关联的问题 P-07（核实中）")
    Problem.objects.filter(pk=problem.pk).update(state=Problem.State.APPROVED)
    services.submission_dispose(submissions=[ret.old], reason="期满", actor=ret.office_admin)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(years=st.one_of(st.integers(-100, 200), st.text(max_size=4)))
def test_any_period_is_stored_exactly_when_valid(ret, years):
    before = submission_years(ret.city.pk)
    valid = (isinstance(years, int) and 1 <= years <= 50) or (
        isinstance(years, str)
        and years.strip().isascii()
        and years.strip().isdigit()
        and 1 <= int(years.strip()) <= 50
    )
    try:
        services.submission_retention_set(office=ret.city, years=years, actor=ret.office_admin)
    except DomainError as e:
        assert not valid and "保管年限应为" in e.message
        assert submission_years(ret.city.pk) == before
    else:
        assert valid and submission_years(ret.city.pk) == int(str(years).strip())
