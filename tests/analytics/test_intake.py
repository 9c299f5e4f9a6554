"""Intake analysis, staff decisions and recomputation, over the real services."""

import time

import pytest

from tests.analytics.conftest import ADVERT, COMPLAINT, REWORDED, enter
from xuncha.analytics import intake, services
from xuncha.analytics.models import (
    AnalyticsRun,
    DuplicateGroup,
    DuplicateMember,
    Fingerprint,
    SearchDoc,
    SpamFlag,
    Suggestion,
    Topic,
)
from xuncha.audit.models import AuditEntry
from xuncha.petitions.home import awaiting_intake
from xuncha.petitions.models import Submission

pytestmark = pytest.mark.django_db


def test_advert_line_marks_a_passage_and_the_complaint_stays_in_the_queue(cast, login):
    sub = enter(cast, COMPLAINT + "\n" + ADVERT)
    sub.refresh_from_db()
    flag = SpamFlag.objects.get(submission=sub)
    assert sub.spam and sub.state == Submission.State.RECEIVED
    assert flag.state == "open" and not flag.whole
    assert set(flag.reasons) >= {"wechat", "advert"}
    # The passage is stored as offsets and a sealed copy: no text in a database dump.
    assert "微信".encode() not in bytes(flag.passages_sealed)
    assert "abc12345" not in str(flag.spans)
    passages = services.flag_passages(flag)
    assert [p["text"] for p in passages] == [ADVERT]
    # Counted in the home page's 待受理 and reachable under the 疑似垃圾 tab.
    received = next(
        i for i in awaiting_intake(cast.office_staff) if i["label"] == "待受理的来信来访"
    )
    assert received["badge"] == 1
    client = login(cast.office_staff)
    page = client.get("/petitions/?tab=spam").content.decode()
    assert sub.number in page
    detail = client.get(f"/petitions/{sub.pk}/").content.decode()
    assert "abc12345" in detail and "含微信号等联系方式" in detail


def test_staff_clear_a_flag_audited_and_nothing_is_deleted(cast):
    sub = enter(cast, COMPLAINT + "\n" + ADVERT)
    flag = SpamFlag.objects.get(submission=sub)
    before = AuditEntry.objects.count()
    services.flag_decide(flag=flag, confirm=False, actor=cast.office_admin, note="是举报人附言")
    sub.refresh_from_db()
    flag.refresh_from_db()
    assert flag.state == "cleared" and not sub.spam
    assert AuditEntry.objects.count() == before + 1
    assert Submission.objects.filter(pk=sub.pk).exists()
    with pytest.raises(Exception, match="已是"):
        services.flag_decide(flag=flag, confirm=False, actor=cast.office_admin)


def test_staff_confirm_a_flag_audited_and_the_item_stays_counted_and_reachable(cast, login):
    sub = enter(cast, ADVERT)
    flag = SpamFlag.objects.get(submission=sub)
    services.flag_decide(flag=flag, confirm=True, actor=cast.office_staff, note="纯广告")
    sub.refresh_from_db()
    assert SpamFlag.objects.get(pk=flag.pk).state == "confirmed" and sub.spam
    entry = AuditEntry.objects.filter(summary__startswith="确认垃圾信息").latest("pk")
    assert entry.changes["spam_flag"] == ["open", "confirmed"] and entry.changes["note"] == "纯广告"
    assert entry.actor_id == cast.office_staff.pk
    # Still in the register, under its own tab, and still counted as awaiting intake.
    assert Submission.objects.filter(pk=sub.pk, state=Submission.State.RECEIVED).exists()
    page = login(cast.office_staff).get("/petitions/?tab=spam").content.decode()
    assert sub.number in page
    received = next(
        i for i in awaiting_intake(cast.office_staff) if i["label"] == "待受理的来信来访"
    )
    assert received["badge"] == 1


def test_genuine_wording_is_not_flagged(cast):
    sub = enter(cast, "代理局长王某某违规审批发放贷款给其亲属的公司。党费收缴不规范。")
    assert not SpamFlag.objects.filter(submission=sub).exists()


def test_reworded_repeat_by_another_reporter_is_proposed_and_merged(cast):
    first = enter(cast, COMPLAINT, identity={"name": "张三", "contact": "13900000001"})
    second = enter(
        cast, REWORDED, channel="call", identity={"name": "李四", "contact": "13900000002"}
    )
    third = enter(cast, "青石镇柳溪村村主任优亲厚友，把低保名额给了亲戚。")
    member = DuplicateMember.objects.get()
    assert member.group.anchor_id == first.pk and member.submission_id == second.pk
    assert not DuplicateMember.objects.filter(submission=third).exists()
    services.duplicate_decide(member=member, confirm=True, actor=cast.office_staff)
    second.refresh_from_db()
    assert second.state == Submission.State.MERGED and second.merged_into_id == first.pk
    r = services.reporters(member.group)
    assert r["distinct"] == 2 and r["named"] == 2 and r["channels"] == {"来信": 1, "来电": 1}
    # Fingerprints are keyed: neither identity nor text is readable in them.
    fp = Fingerprint.objects.get(submission=first)
    assert "张三" not in fp.identity_digest and len(bytes(fp.signature)) == 512


def test_same_reporter_twice_counts_once(cast):
    who = {"name": "张三", "contact": "13900000001"}
    first = enter(cast, COMPLAINT, identity=who)
    enter(cast, REWORDED, identity={"name": "张三 ", "contact": "139 0000 0001"})
    member = DuplicateMember.objects.get()
    services.duplicate_decide(member=member, confirm=True, actor=cast.office_staff)
    assert services.reporters(DuplicateGroup.objects.get(anchor=first))["distinct"] == 1


def test_rejected_pair_is_never_proposed_again(cast):
    enter(cast, COMPLAINT)
    enter(cast, REWORDED)
    member = DuplicateMember.objects.get()
    services.duplicate_decide(member=member, confirm=False, actor=cast.office_staff)
    services.recompute()
    assert DuplicateMember.objects.get().state == "rejected"
    assert not DuplicateMember.objects.filter(state="proposed").exists()


def test_other_office_is_never_a_duplicate(cast):
    from xuncha.petitions import services as petitions

    enter(cast, COMPLAINT)
    petitions.submission_enter(
        office=cast.county_a,
        inspection=None,
        channel="letter",
        data={"kind": "report", "category": "integrity", "text": COMPLAINT},
        identity=None,
        files=[],
        actor=cast.county_staff,
    )
    assert not DuplicateMember.objects.exists()


def test_unit_and_category_suggested_and_accepted(cast):
    sub = enter(cast, "江州市交通局领导班子违规发放津补贴，超标准公务接待。")
    s = Suggestion.objects.get(submission=sub)
    assert s.unit == cast.units["bureau"]
    assert s.category.code == "B4" and s.category_state == "suggested"
    services.suggestion_decide(suggestion=s, what="category", accept=True, actor=cast.office_staff)
    s.refresh_from_db()
    assert s.category_state == "accepted"
    assert any(code == "B4" for _t, code in services.confirmed_examples())


def test_auto_category_only_above_the_configured_confidence(cast, settings):
    settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE = 0.0
    sub = enter(cast, "交通运输局违规发放津补贴。")
    assert Suggestion.objects.get(submission=sub).category_state == "auto"
    settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE = 1.1
    sub = enter(cast, "交通运输局违规发放节日福利。")
    assert Suggestion.objects.get(submission=sub).category_state == "suggested"


def test_recompute_auto_applies_only_above_the_configured_confidence(cast, settings):
    settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE = 1.1
    sub = enter(cast, "交通运输局违规发放津补贴。")
    other = enter(cast, "江州市交通局领导班子违规发放津补贴，超标准公务接待。")
    accepted = Suggestion.objects.get(submission=other)
    services.suggestion_decide(
        suggestion=accepted, what="category", accept=True, actor=cast.office_staff
    )
    confidence = Suggestion.objects.get(submission=sub).category_confidence
    settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE = confidence  # at the threshold: applied
    services.recompute()
    assert Suggestion.objects.get(submission=sub).category_state == "auto"
    assert Suggestion.objects.get(submission=other).category_state == "accepted"
    settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE = confidence + 0.01  # below: only suggested
    services.recompute()
    assert Suggestion.objects.get(submission=sub).category_state == "suggested"
    assert Suggestion.objects.get(submission=other).category_state == "accepted"


def test_recompute_keeps_staff_decisions(cast):
    sub = enter(cast, COMPLAINT + "\n" + ADVERT)
    services.flag_decide(flag=sub.spam_flag, confirm=False, actor=cast.office_staff)
    figures = services.recompute()
    assert figures["submissions"] == 1 and figures["flagged"] == 1
    assert SpamFlag.objects.get(submission=sub).state == "cleared"
    sub.refresh_from_db()
    assert not sub.spam


def test_runs_store_progress_and_figures(cast):
    enter(cast, COMPLAINT)
    run = AnalyticsRun.objects.create(kind="recompute")
    services.run_execute(run.pk)
    run.refresh_from_db()
    # The whole pipeline: analysis and topics of the submission, then the search index.
    assert run.state == "done" and run.done == run.total == 2 + run.figures["search_docs"]
    assert run.figures["topics"] == Topic.objects.count() >= 1
    assert SearchDoc.objects.filter(kind="submission").count() == 1
    ev = AnalyticsRun.objects.create(kind="evaluate")
    services.run_execute(ev.pk)
    ev.refresh_from_db()
    assert ev.figures["duplicates"]["precision"] >= 0.95
    assert ev.figures["categories"]["model"]["macro_f1"] >= 0.85


def test_index_loads_lazily_from_the_database(cast):
    enter(cast, COMPLAINT)
    intake.reset()  # another process: nothing in memory yet
    enter(cast, REWORDED)
    assert DuplicateMember.objects.count() == 1


def test_intake_analysis_is_fast(cast):
    for i in range(30):
        enter(cast, f"第{i}件：" + COMPLAINT[i:] + "群众意见很大。")
    sub = Submission.objects.first()
    content = {"text": COMPLAINT, "unit": ""}
    times = []
    for _ in range(20):
        started = time.perf_counter()
        intake.analyse(
            submission=sub, content=content, identity=None, data_key=b"k" * 32, fresh=False
        )
        times.append(time.perf_counter() - started)
    assert sorted(times)[18] < 0.2  # generous for a busy test machine; the bench has the figure


def _analysis_rows():
    flags = sorted(
        SpamFlag.objects.values_list("submission_id", "reasons", "spans", "whole", "score")
    )
    prints = sorted(
        (pk, bytes(sig), digest)
        for pk, sig, digest in Fingerprint.objects.values_list(
            "submission_id", "signature", "identity_digest"
        )
    )
    suggestions = sorted(
        Suggestion.objects.values_list(
            "submission_id", "unit_id", "unit_confidence", "category_id", "category_confidence"
        )
    )
    members = sorted(DuplicateMember.objects.values_list("group__anchor_id", "submission_id"))
    return flags, prints, suggestions, members


def _mixed_intake(cast):
    import random

    from xuncha.analytics import evaluate

    rng = random.Random(5)
    enter(cast, COMPLAINT)
    enter(cast, REWORDED)
    enter(cast, COMPLAINT + "\n" + ADVERT)
    enter(cast, ADVERT)  # an advert and nothing else
    enter(cast, "江州市交通局领导班子违规发放津补贴，超标准公务接待。")
    for _ in range(6):
        sents = evaluate.complaint(rng)
        enter(cast, "".join(sents))
        enter(cast, evaluate.variant(sents, rng.choice(evaluate.VARIANTS), rng))


def test_batch_recomputation_finds_what_intake_found_one_by_one(cast):
    """Duplicates, flags, fingerprints and suggestions of a recomputation (decrypt once,
    self-join of the index, bulk writes) equal those of intake, item by item."""
    _mixed_intake(cast)
    at_intake = _analysis_rows()
    assert at_intake[0] and at_intake[3]  # flags and duplicate proposals to compare
    figures = services.recompute()
    assert _analysis_rows() == at_intake
    assert figures["submissions"] == Submission.objects.count()
    assert figures["pairs"] >= len(at_intake[3])


def test_recomputation_in_worker_processes_equals_in_process(cast):
    _mixed_intake(cast)
    in_process = services.recompute(workers=1)
    rows = _analysis_rows()
    pooled = services.recompute(workers=2, batch=4)  # several batches over two processes
    assert _analysis_rows() == rows
    assert {k: pooled[k] for k in ("submissions", "flagged", "pairs", "groups")} == {
        k: in_process[k] for k in ("submissions", "flagged", "pairs", "groups")
    }
    assert pooled["workers"] == 2
