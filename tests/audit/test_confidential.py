"""Every confidential read is audited, on every path (pages, API, downloads).

The walk is structural, so a new page or endpoint cannot forget the rule: every field a
model lists in `CONFIDENTIAL_FIELDS` is given a unique marker; then, as each cast user
who may read them, every API GET operation of the OpenAPI schema and every page reachable
by links is fetched; wherever a marker comes back (in HTML, JSON, or inside a .docx/.xlsx),
an audit entry written by that very request must name the object the marker belongs to.
"""

import io
import re
import zipfile
from datetime import date
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.db import models
from django.utils import timezone
from ninja import Schema

from tests.cast import client_for
from tests.rectification.conftest import adopt, rect  # noqa: F401  (fixtures)
from xuncha.audit.models import AuditEntry
from xuncha.audit.schemas import ConfidentialOut
from xuncha.audit.services import reads_of
from xuncha.clues import services as clue_services
from xuncha.clues.models import ClueEvidence
from xuncha.inspections.models import Activity, FixNotice
from xuncha.inspections.prep_models import ReplacementRequest
from xuncha.inspections.stay_models import ImportantReport, TeamMeeting
from xuncha.reports.models import ReportDraft

READERS = ["office_staff", "team_leader", "handover_recipient", "unit_liaison", "leading_group"]
MARK = re.compile(r"XCM\d{4}Z")


def confidential_models():
    return [m for m in apps.get_models() if getattr(m, "CONFIDENTIAL_FIELDS", ())]


def _build(rect):  # noqa: F811
    """A clue with evidence, handed over and concluded; an interview; a report draft."""
    cast = rect.cast
    inspection = cast.inspections["a"]
    adopt(rect)
    clue = clue_services.clue_create(
        inspection=inspection,
        unit=cast.units["bureau"],
        source="working_paper",
        working_paper=rect.problems[0].paper,
        people_concerned="刘某，财务科科长",
        facts="违规发放补贴。",
        proposed_handling="discipline",
        actor=cast.team_member,
    )
    ClueEvidence.objects.create(clue=clue, title="凭证", extract="凭证摘录")
    handover = clue_services.handover_create(
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="discipline",
        subject="刘某违规发放补贴问题线索",
        clues=[clue],
        evidence=list(clue.evidence.all()),
        letter_body="请依规办理。",
        actor=cast.office_staff,
    )
    for target in ("sent", "acknowledged"):
        clue_services.handover_transition(
            handover=handover,
            target=target,
            actor=cast.office_staff if target == "sent" else cast.handover_recipient,
        )
    clue_services.handover_transition(
        handover=handover,
        target="concluded",
        outcome="talk",
        note="已谈话函询。",
        actor=cast.handover_recipient,
    )
    # 巡审联动: an audit handover (to the same liaison's unit) with one audit finding.
    audit = clue_services.handover_create(
        inspection=inspection,
        recipient=cast.units["discipline"],
        kind="audit",
        subject="专项资金问题",
        problems=rect.problems[:1],
        actor=cast.office_staff,
    )
    clue_services.handover_transition(handover=audit, target="sent", actor=cast.office_staff)
    clue_services.audit_finding_create(
        handover=audit,
        title="专项资金未按规定用途使用",
        facts="审计查明的具体情况",
        problems=rect.problems[:1],
        actor=cast.handover_recipient,
    )
    Activity.objects.create(
        inspection=inspection,
        kind=Activity.Kind.INTERVIEW,
        title="个别谈话",
        held_on=date(2026, 5, 10),
        summary="谈话内容",
        interviewee="王某",
        interviewee_position="副局长",
        outline="提纲",
        created_by=cast.team_member,
    )
    TeamMeeting.objects.create(
        inspection=inspection,
        held_on=date(2026, 5, 11),
        topic="研究谈话安排",
        attendees="全体成员",
        resolutions="议定事项",
        assignments="任务分工",
        recorded_by=cast.team_leader,
    )
    ImportantReport.objects.create(
        inspection=inspection,
        title="重要情况",
        reported_on=date(2026, 5, 12),
        situation="情况内容",
        proposal="处理建议",
        created_by=cast.team_member,
    )
    FixNotice.objects.create(
        inspection=inspection,
        unit=cast.units["bureau"],
        title="立行立改事项",
        requirement="整改要求",
        deadline=date(2026, 5, 20),
        state=FixNotice.State.REPLIED,
        reply="已整改",
        issued_by=cast.office_staff,
        replied_by=cast.unit_liaison,
    )
    ReplacementRequest.objects.create(
        inspection=inspection,
        unit=cast.units["bureau"],
        member_name="吕组员",
        reason="申请理由",
        state=ReplacementRequest.State.REFUSED,
        decision="不予更换的理由",
        requested_by=cast.unit_liaison,
    )
    ReportDraft.objects.create(
        inspection=inspection,
        kind=ReportDraft.Kind.REPORT,
        title="巡察报告",
        sections=[{"heading": "一、总体情况", "level": 1, "text": "正文"}],
        created_by=cast.team_leader,
        updated_by=cast.team_leader,
    )
    _build_archive(cast)
    _build_study_and_appraisal(cast)


def _build_study_and_appraisal(cast):
    """A reflection with the host's comment; an office appraisal with comments."""
    from xuncha.study.models import Reflection, StudySession
    from xuncha.training.models import Appraisal

    session = StudySession.objects.create(
        office=cast.city,
        form="centre",
        date=timezone.localdate(),
        host=cast.office_staff,
        topic="中心组学习",
        created_by=cast.office_staff,
    )
    Reflection.objects.create(
        office=cast.city,
        author=cast.team_member,
        session=session,
        title="学习体会",
        text="心得正文",
        comment="点评意见",
        commented_by=cast.office_staff,
    )
    Appraisal.objects.create(
        member=cast.inspections["a"].team.members.first(),
        source=Appraisal.Source.OFFICE,
        state=Appraisal.State.FINAL,
        rating=Appraisal.Rating.COMPETENT,
        comments="考核评语",
        author=cast.office_staff,
    )


def _build_archive(cast):
    """A borrowed material on inspection a; inspection b filed (立卷归档) with its index."""
    from xuncha.archive import services as archive_services
    from xuncha.inspections.models import WorkingPaper
    from xuncha.plans.models import Inspection

    a, b = cast.inspections["a"], cast.inspections["b"]
    for inspection, unit in ((a, cast.units["bureau"]), (b, cast.units["township_a"])):
        material = archive_services.material_log(
            inspection=inspection,
            unit=unit,
            title="财务凭证",
            copies=1,
            borrowed_on=date(2026, 3, 10),
            handler="吕组员",
            note="原件",
            actor=cast.office_staff,
        )
    archive_services.material_clear(
        material=material,
        how="returned",
        cleared_on=date(2026, 4, 1),
        note="签收",
        actor=cast.office_staff,
    )
    WorkingPaper.objects.filter(inspection=b).update(state=WorkingPaper.State.FILED)
    Inspection.objects.filter(pk=b.pk).update(stage=Inspection.Stage.EVALUATION)
    b.refresh_from_db()
    archive_services.archive_create(inspection=b, actor=cast.office_admin)


def _mark_every_confidential_field():
    """Put a unique marker into each confidential field of each row; {marker: (row, field)}."""
    marks = {}
    for model in confidential_models():
        for row in model._default_manager.all():
            values = {}
            for name in model.CONFIDENTIAL_FIELDS:
                marker = f"XCM{len(marks):04d}Z"
                marks[marker] = (row, name)
                if isinstance(model._meta.get_field(name), models.JSONField):
                    values[name] = [
                        *getattr(row, name),
                        {"heading": "", "level": 0, "text": f"机密正文{marker}"},
                    ]
                else:
                    values[name] = f"{getattr(row, name)}{marker}"[-50:]
            model._default_manager.filter(pk=row.pk).update(**values)
    assert {row._meta.model for row, _ in marks.values()} == set(confidential_models())
    return marks


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":  # .docx / .xlsx: the text of every part, tags removed
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(n).decode("utf-8", "replace") for n in archive.namelist()]
        return re.sub(r"<[^>]+>", "", "".join(parts))
    return unescape(body.decode("utf-8", "replace"))


def _check(client, url, marks, where, seen_marks):
    before = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    response = client.get(url)
    if response.status_code != 200:
        return response, ""
    text = _text(response)
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    for marker in set(MARK.findall(text)):
        row, field = marks[marker]
        seen_marks.add(marker)
        assert reads_of(row, entries), (
            f"{where} {url} shows {row._meta.label}.{field} (#{row.pk}) without an audit entry"
        )
        named = [e for e in reads_of(row, entries) if e.actor_id == client.user.pk]
        assert named, f"{where} {url}: the entry does not name the reader"
    return response, text


def _api_url(path, ids):
    def fill(match):
        name = match.group(1)
        router = path.split("/")[3]
        key = ids.get((router, name)) or ids.get(name)
        assert key is not None, f"no test object for {path} {{{name}}}: add it to the walk"
        return str(key)

    return re.sub(r"\{(\w+)\}", fill, path)


@pytest.mark.django_db
def test_every_confidential_field_read_on_every_path_is_audited(rect):  # noqa: F811
    cast = rect.cast
    _build(rect)
    marks = _mark_every_confidential_field()
    from xuncha.analytics.models import SpamFlag
    from xuncha.clues.models import Clue, Handover
    from xuncha.inspections.models import Problem, WorkingPaper
    from xuncha.petitions.models import Submission
    from xuncha.plans.models import AnnualPlan
    from xuncha.rectification.models import Measure, ResultItem, Talk
    from xuncha.study.models import Reflection
    from xuncha.training.models import Appraisal

    inspection = cast.inspections["a"]
    ids = {
        "pk": inspection.pk,
        ("inspections", "pk"): inspection.pk,
        "clue_id": Clue.objects.get().pk,
        "handover_id": Handover.objects.get(kind="discipline").pk,
        "draft_id": ReportDraft.objects.get(kind=ReportDraft.Kind.REPORT).pk,
        ("rectification", "plan_id"): rect.plan.pk,
        ("plans", "plan_id"): getattr(AnnualPlan.objects.first(), "pk", 0),
        "measure_id": Measure.objects.first().pk,
        "inspection_id": inspection.pk,
        "office_id": cast.city.pk,
        "unit_id": cast.units["bureau"].pk,
        "user_id": cast.office_staff.pk,
        "term_id": getattr(inspection.round.plan.term, "pk", 0),
        # Analytics reads sealed submissions (audited by the petitions services), not the
        # models with CONFIDENTIAL_FIELDS; their operations are walked all the same.
        "flag_id": getattr(SpamFlag.objects.first(), "pk", 0),
        "submission_id": getattr(Submission.objects.first(), "pk", 0),
        # Use of results (成果运用): ledger items and talks carry no confidential field.
        "item_id": getattr(ResultItem.objects.first(), "pk", 0),
        "talk_id": getattr(Talk.objects.first(), "pk", 0),
        # Appraisals' comments are confidential; training records carry no such field.
        "appraisal_id": Appraisal.objects.get().pk,
        ("study", "pk"): Reflection.objects.get().pk,
        "record_id": 0,
        "inspector_id": 0,
        # Rules library: rules and articles carry no confidential field; suggestions read
        # the problem's text and return articles only.
        "rule_id": 0,
        # Saved views (我的视图) hold a page name and a query string, nothing confidential.
        "view_id": 0,
        "problem_id": Problem.objects.filter(in_feedback=True).first().pk,
    }
    detail = {
        "activities": Activity.objects.get().pk,
        "problems": Problem.objects.filter(in_feedback=True).first().pk,
        "papers": WorkingPaper.objects.first().pk,
    }
    from xuncha.api import api

    paths = [p for p, ops in api.get_openapi_schema()["paths"].items() if "get" in ops]
    seen = set()
    for username in READERS:
        client = client_for(cast.users[username])
        client.user = cast.users[username]
        # API: every GET operation of the schema.
        for path in paths:
            if "{pk}" in path and path.split("/")[4] in detail:
                url = path.replace("{pk}", str(detail[path.split("/")[4]]))
            else:
                url = _api_url(path, ids)
            _check(client, url, marks, f"API {username}", seen)
        # Pages: everything reachable by links from the start pages.
        _crawl(client, username, marks, seen)
    # The walk reached every confidential field of every model somewhere (so it proves
    # something): a field nobody can see anywhere would be listed here.
    shown = {(marks[m][0]._meta.label, marks[m][1]) for m in seen}
    assert shown == {(r._meta.label, f) for r, f in marks.values()}, sorted(
        {(r._meta.label, f) for r, f in marks.values()} - shown
    )


START = ["/", "/clues/", "/clues/handovers/", "/rectification/", "/reports/"]
SKIP = ("/api/", "/static/", "/accounts/logout", "/logout", "/admin/", "/audit/")
LIMIT = 400


def _crawl(client, where, marks, seen):
    queue = list(START)
    visited = set()
    while queue and len(visited) < LIMIT:
        url = queue.pop(0)
        if url in visited:
            continue
        visited.add(url)
        response, _text_seen = _check(client, url, marks, f"page {where}", seen)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', response.content.decode("utf-8", "replace")):
            href = unescape(href)
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/") or parts.path.startswith(SKIP):
                continue
            if parts.path not in visited:
                queue.append(parts.path)


def test_api_schemas_with_confidential_fields_are_audited():
    """Static half: a schema that outputs a confidential field name derives from
    ConfidentialOut (which notes the read), so a new endpoint cannot skip the audit."""
    import importlib

    names = {f for m in confidential_models() for f in m.CONFIDENTIAL_FIELDS}
    # Same word, other meaning: these fields are not model fields of a confidential model.
    not_confidential = {
        ("xuncha.clues.api", "SubmissionChoiceOut", "summary"),  # the register's own digest
        ("xuncha.clues.api", "HandoverOut", "evidence"),  # list[ExtractOut], audited itself
        # "reason" / "decision" of other records than a replacement request (更换申请):
        ("xuncha.plans.api", "InspectionPatch", "reason"),  # an input: why a date moved
        ("xuncha.plans.api", "RoundPatch", "reason"),
        ("xuncha.plans.api", "VillageGradeOut", "reason"),  # why a village is graded so
        ("xuncha.petitions.api", "SubmissionDetail", "reason"),  # why it was not accepted
        ("xuncha.rectification.api", "VerificationOut", "reason"),  # the verification's
        ("xuncha.rectification.api", "VerificationOut", "decision"),
        ("xuncha.archive.api", "DisposalOut", "reason"),  # a retention disposal decision
        ("xuncha.archive.api", "DisposalOut", "decision"),
        ("xuncha.archive.api", "SubmissionDisposalOut", "reason"),  # of a shredding decision
        ("xuncha.archive.api", "SubmissionDisposalOut", "decision"),
        ("xuncha.study.api", "StudyAttendanceRow", "reason"),  # why someone was excused
        ("xuncha.study.api", "StudyAttendanceOut", "reason"),
        # "text" and "summary" are confidential on reflections (study) and activities; here
        # they are a sealed submission's text (decrypted and audited by petitions), a
        # report block, a rule's article and a rule's splitting summary.
        ("xuncha.petitions.api", "SubmissionDetail", "text"),
        ("xuncha.reports.api", "BlockIO", "text"),
        ("xuncha.library.api", "ProvisionOut", "text"),
        ("xuncha.library.api", "RuleDetailOut", "summary"),
        ("xuncha.library.api", "UploadOut", "summary"),
    }
    missing = []
    for app in (
        "org",
        "plans",
        "inspections",
        "petitions",
        "clues",
        "rectification",
        "reports",
        "archive",
        "library",
        "study",
        "training",
    ):
        module = importlib.import_module(f"xuncha.{app}.api")
        for name, schema in vars(module).items():
            if not (isinstance(schema, type) and issubclass(schema, Schema)):
                continue
            if schema.__module__ != module.__name__ or name.endswith("In"):
                continue
            for field in set(schema.model_fields) & names:
                if (module.__name__, name, field) in not_confidential:
                    continue
                if not issubclass(schema, ConfidentialOut):
                    missing.append(f"{module.__name__}.{name}.{field}")
    assert not missing, missing


@pytest.mark.django_db
def test_list_reads_write_one_entry_with_every_id(rect, django_assert_max_num_queries):  # noqa: F811
    cast = rect.cast
    inspection = cast.inspections["a"]
    for i in range(3):
        Activity.objects.create(
            inspection=inspection,
            kind=Activity.Kind.INTERVIEW,
            title=f"谈话{i}",
            held_on=date(2026, 5, 1 + i),
            interviewee=f"谈话对象{i}",
            created_by=cast.team_member,
        )
    client = client_for(cast.team_leader)
    url = f"/api/v1/inspections/{inspection.pk}/activities"
    client.get(url)  # warm up (session, caches)

    def count():
        before = AuditEntry.objects.count()
        with django_assert_max_num_queries(30) as ctx:
            assert client.get(url).status_code == 200
        assert AuditEntry.objects.count() == before + 1
        return len(ctx.captured_queries)

    few = count()
    for i in range(20):
        Activity.objects.create(
            inspection=inspection,
            kind=Activity.Kind.INTERVIEW,
            title=f"又一次谈话{i}",
            held_on=date(2026, 6, 1),
            interviewee=f"对象{i}",
            created_by=cast.team_member,
        )
    assert count() == few  # constant: one entry, not one per row
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "read" and entry.actor == cast.team_leader
    assert entry.object_type == "inspections.activity" and entry.object_id == ""
    listed = set(entry.changes["read"]["inspections.activity"])
    assert {str(a.pk) for a in Activity.objects.all()} == listed  # 23 rows, one page
    assert "interviewee" in entry.changes["fields"]["inspections.activity"]
    assert entry.at <= timezone.now()
