"""Services of the analytics app: staff decisions on flags, duplicates and suggestions
(each audited), the full recomputation, retraining and evaluation runs."""

import time
from collections import Counter

import numpy as np
from django.db import transaction
from django.utils import timezone

from xuncha.analytics import dedup, evaluate, intake, spam, text
from xuncha.analytics.models import (
    AnalyticsRun,
    DuplicateGroup,
    DuplicateMember,
    Fingerprint,
    SpamFlag,
    Suggestion,
)
from xuncha.audit.models import Action
from xuncha.audit.services import record
from xuncha.core.errors import DomainError
from xuncha.org import access
from xuncha.petitions import crypto
from xuncha.petitions.models import Submission

# --- Spam flags ------------------------------------------------------------------------


def flag_passages(flag: SpamFlag) -> list[dict]:
    """The flagged passages with their reasons, opened with the submission's data key."""
    data_key = crypto.unwrap(flag.submission.wrapped_key)
    texts = crypto.open_json(data_key, flag.passages_sealed, intake.PASSAGES)
    return [
        {"text": t, "start": s[0], "end": s[1], "reasons": spam.reason_labels(s[2])}
        for t, s in zip(texts, flag.spans, strict=False)
    ]


def flag_decide(*, flag: SpamFlag, confirm: bool, actor, note: str = "") -> SpamFlag:
    """Staff confirm (it is advert/noise) or clear (it is not) a flag. Nothing is hidden
    or deleted either way: a confirmed item stays in the register under 疑似垃圾."""
    with transaction.atomic():
        allowed = access.visible(SpamFlag.objects.filter(pk=flag.pk), actor, "change")
        locked = allowed.select_for_update().first()
        if locked is None:
            raise DomainError("该标记不存在或无权处理。")
        new = SpamFlag.State.CONFIRMED if confirm else SpamFlag.State.CLEARED
        if locked.state == new:
            raise DomainError(f"该标记已是“{locked.get_state_display()}”。")
        before = locked.state
        locked.state, locked.decided_by, locked.decided_at = new, actor, timezone.now()
        locked.note = (note or "")[:200]
        locked.save()
        Submission.objects.filter(pk=locked.submission_id).update(spam=confirm)
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=locked.submission,
            summary=("确认垃圾信息" if confirm else "排除垃圾信息标记")
            + f" {locked.submission.number}",
            changes={"spam_flag": [before, new], "note": locked.note},
        )
    return locked


# --- Duplicates ------------------------------------------------------------------------


def group_view(group: DuplicateGroup, actor) -> dict:
    """The anchor and members with their texts (decrypted now, audited as a read of each)
    and the passages that differ from the anchor highlighted; distinct reporters."""
    from xuncha.petitions.services import submission_content

    members = list(group.members.select_related("submission").order_by("submission_id"))
    anchor = group.anchor
    anchor_text = text.normalize(submission_content(submission=anchor, actor=actor)["text"])
    anchor_sents = text.sentences(anchor_text)
    rows = []
    for m in members:
        body = text.normalize(submission_content(submission=m.submission, actor=actor)["text"])
        sents = text.sentences(body)
        only_member, only_anchor = dedup.differing_passages(sents, anchor_sents)
        rows.append(
            {
                "m": m,
                "parts": [(s.text, i in only_member) for i, s in enumerate(sents)],
                "anchor_only": set(only_anchor),
            }
        )
    anchor_only = set().union(*(r["anchor_only"] for r in rows)) if rows else set()
    return {
        "group": group,
        "anchor": anchor,
        "anchor_parts": [(s.text, i in anchor_only) for i, s in enumerate(anchor_sents)],
        "rows": rows,
        "reporters": reporters(group),
    }


def reporters(group: DuplicateGroup) -> dict:
    """Distinct reporters of the anchor and its confirmed members: real-name reporters by
    keyed identity digest (never the identity itself), anonymous items each one, by channel."""
    ids = [
        group.anchor_id,
        *group.members.filter(state="confirmed").values_list("submission_id", flat=True),
    ]
    rows = Submission.objects.filter(pk__in=ids).values_list("pk", "channel", "real_name")
    digests = dict(
        Fingerprint.objects.filter(submission__in=ids).values_list(
            "submission_id", "identity_digest"
        )
    )
    named = {digests.get(pk) for pk, _c, real in rows if real and digests.get(pk)}
    anonymous = sum(1 for pk, _c, real in rows if not (real and digests.get(pk)))
    labels = dict(Submission.Channel.choices)
    channels = Counter(str(labels.get(c, c)) for _pk, c, _r in rows)
    return {
        "items": len(ids),
        "named": len(named),
        "anonymous": anonymous,
        "distinct": len(named) + anonymous,
        "channels": dict(channels),
    }


def duplicate_decide(*, member: DuplicateMember, confirm: bool, actor) -> DuplicateMember:
    """Confirm (merge into the anchor through the register's merge transition when the
    item is still open; otherwise the group records it) or reject (never proposed again)."""
    from xuncha.petitions import services as petitions

    with transaction.atomic():
        allowed = access.visible(DuplicateMember.objects.filter(pk=member.pk), actor, "change")
        locked = allowed.select_for_update().select_related("group__anchor", "submission").first()
        if (
            locked is None
            or not access.visible(
                Submission.objects.filter(pk=locked.group.anchor_id), actor, "change"
            ).exists()
        ):
            raise DomainError("该重复件建议不存在或无权处理。")
        if locked.state != DuplicateMember.State.PROPOSED:
            raise DomainError("该建议已处理。")
        sub = locked.submission
        if confirm:
            open_states = {
                s for (src, dst) in petitions.TRANSITIONS if dst == "merged" for s in [src]
            }
            if sub.state in open_states:
                petitions.submission_transition(
                    submission=sub, to="merged", actor=actor, target=locked.group.anchor
                )
            locked.state = DuplicateMember.State.CONFIRMED
        else:
            locked.state = DuplicateMember.State.REJECTED
        locked.decided_by, locked.decided_at = actor, timezone.now()
        locked.save()
        record(
            actor=actor,
            action=Action.TRANSITION,
            obj=sub,
            summary=("确认重复件" if confirm else "否定重复件建议")
            + f" {sub.number} / {locked.group.anchor.number}",
            changes={"duplicate_group": locked.group_id, "state": locked.state},
        )
    return locked


# --- Suggestions -----------------------------------------------------------------------


def suggestion_decide(*, suggestion: Suggestion, what: str, accept: bool, actor) -> Suggestion:
    """Accept or dismiss the suggested unit (`what="unit"`) or category (`"category"`).
    An accepted category becomes a training example of the next retraining."""
    if what not in ("unit", "category"):
        raise DomainError("请选择单位或分类建议。")
    with transaction.atomic():
        allowed = access.visible(Suggestion.objects.filter(pk=suggestion.pk), actor, "change")
        locked = allowed.select_for_update().first()
        if locked is None:
            raise DomainError("该建议不存在或无权处理。")
        if getattr(locked, f"{what}_id") is None:
            raise DomainError("没有可采纳的建议。")
        state = Suggestion.State.ACCEPTED if accept else Suggestion.State.DISMISSED
        setattr(locked, f"{what}_state", state)
        locked.decided_by = actor
        locked.save()
        record(
            actor=actor,
            action=Action.UPDATE,
            obj=locked.submission,
            summary=f"{'采纳' if accept else '不采纳'}{'单位' if what == 'unit' else '分类'}建议",
            changes={what: str(getattr(locked, what)), "state": state},
        )
    return locked


def confirmed_examples(limit: int = 5000) -> list[tuple[str, str]]:
    """(text, level-2 code) staff confirmed: problems they classified and accepted
    category suggestions of submissions (opened here, for training only)."""
    from xuncha.inspections.models import Problem

    out = list(
        Problem.objects.exclude(state=Problem.State.WITHDRAWN)
        .filter(category__level=2)
        .values_list("title", "category__code")[:limit]
    )
    for s in Suggestion.objects.filter(category_state=Suggestion.State.ACCEPTED).select_related(
        "submission", "category"
    )[:limit]:
        data_key = crypto.unwrap(s.submission.wrapped_key)
        body = crypto.open_json(data_key, s.submission.content_sealed, "content")["text"]
        out.append((text.normalize(body)[:300], s.category.code))
    return out


# --- Runs ------------------------------------------------------------------------------


def may_run(user) -> bool:
    from xuncha.org.models import Role

    return bool(access.user_offices(user, {Role.OFFICE_ADMIN, Role.OFFICE_STAFF}))


def run_start(*, kind: str, actor) -> AnalyticsRun:
    if not may_run(actor):
        raise DomainError("只有巡察办工作人员可以启动分析任务。")
    if AnalyticsRun.objects.filter(kind=kind, state__in=["queued", "running"]).exists():
        raise DomainError("同类任务正在进行，请等待完成。")
    from xuncha.analytics import tasks

    with transaction.atomic():
        run = AnalyticsRun.objects.create(kind=kind, created_by=actor)
        record(actor=actor, action=Action.CREATE, obj=run, summary=f"启动{run.get_kind_display()}")
        transaction.on_commit(lambda: tasks.run_analytics.enqueue(run.pk))
    return run


def run_execute(run_id: int) -> AnalyticsRun:
    run = AnalyticsRun.objects.get(pk=run_id)
    run.state = AnalyticsRun.State.RUNNING
    run.save(update_fields=["state"])
    try:
        if run.kind == AnalyticsRun.Kind.RECOMPUTE:
            run.figures = recompute(progress=lambda done, total: _progress(run, done, total))
            run.total = run.done = run.figures["submissions"]
        elif run.kind == AnalyticsRun.Kind.RETRAIN:
            examples = confirmed_examples()
            run.figures = {"examples": len(examples)}
        else:
            run.figures = evaluate.evaluate_all()
        run.state = AnalyticsRun.State.DONE
    except Exception as error:  # the page shows the failure; the worker logs the trace
        run.state, run.error = AnalyticsRun.State.FAILED, str(error)[:300]
        raise
    finally:
        run.finished_at = timezone.now()
        run.save()
        intake.reset()
    return run


def _progress(run, done, total):
    AnalyticsRun.objects.filter(pk=run.pk).update(done=done, total=total)


def recompute(*, progress=None, batch: int = 2000, queryset=None) -> dict:
    """Recompute flags, fingerprints, duplicate proposals and suggestions of every
    submission. Staff decisions are kept: a confirmed or cleared flag keeps its state,
    decided duplicate pairs stay decided and rejected pairs are not proposed again."""
    started = time.perf_counter()
    qs = (queryset or Submission.objects.all()).order_by("pk")
    total = qs.count()
    hasher = intake.hasher()
    matcher, unit_paths = intake.unit_matcher()
    model = intake.category_model()
    from xuncha.inspections.models import TaxonomyCategory

    category_ids = dict(
        TaxonomyCategory.objects.filter(version__active=True).values_list("code", "pk")
    )
    decided = {
        f.submission_id: f.state
        for f in SpamFlag.objects.exclude(state="open").only("submission_id", "state")
    }
    ids, offices, sigs = [], [], []
    flags, prints, suggestions, spam_ids = [], [], [], []
    done = 0
    for chunk_start in range(0, total, batch):
        chunk = list(
            qs.select_related("office").only(
                "pk",
                "office_id",
                "office__path",
                "wrapped_key",
                "content_sealed",
                "identity_sealed",
                "real_name",
            )[chunk_start : chunk_start + batch]
        )
        for sub in chunk:
            data_key = crypto.unwrap(sub.wrapped_key)
            content = crypto.open_json(data_key, sub.content_sealed, "content")
            identity = (
                crypto.open_json(data_key, sub.identity_sealed, "identity")
                if sub.identity_sealed
                else None
            )
            normal = text.normalize(content.get("text", ""))
            text.segment(
                normal
            )  # the segmenter's pass (user dictionary): topics and search reuse it
            result = spam.detect(normal)
            if result.flagged:
                spam_ids.append(sub.pk)
                flags.append(
                    SpamFlag(
                        submission_id=sub.pk,
                        state=decided.get(sub.pk, SpamFlag.State.OPEN),
                        reasons=result.reasons,
                        spans=[[p.start, p.end, list(p.reasons)] for p in result.passages],
                        passages_sealed=crypto.seal_json(
                            data_key,
                            spam.original_passages(content.get("text", ""), normal, result),
                            intake.PASSAGES,
                        ),
                        whole=result.whole,
                        score=min(max(p.score for p in result.passages), 32767),
                    )
                )
            core = spam.strip_passages(normal, result.spans())
            sig = hasher.signature_of(core)
            ids.append(sub.pk)
            offices.append(sub.office_id)
            sigs.append(sig)
            prints.append(
                Fingerprint(
                    submission_id=sub.pk,
                    office_id=sub.office_id,
                    signature=sig.tobytes(),
                    identity_digest=intake.identity_digest(identity),
                )
            )
            guess = matcher.suggest(core, content.get("unit", ""))
            if guess and not unit_paths.get(guess[0], "").startswith(sub.office.path):
                guess = None
            cat = model.suggest(core[:2000]) if core else None
            suggestions.append(
                Suggestion(
                    submission_id=sub.pk,
                    unit_id=guess[0] if guess else None,
                    unit_confidence=guess[1] if guess else 0,
                    category_id=category_ids.get(cat.code) if cat else None,
                    category_confidence=cat.confidence if cat else 0,
                )
            )
        done += len(chunk)
        if progress:
            progress(done, total)
    pure_seconds = time.perf_counter() - started
    # Duplicate pairs over the whole index, within each office.
    index = dedup.BandIndex()
    sig_matrix = np.stack(sigs) if sigs else np.zeros((0, dedup.NUM_PERM), np.uint32)
    index.bulk_load(ids, sig_matrix)
    office_of = dict(zip(ids, offices, strict=True))
    pairs = {}
    whole_spam = {f.submission_id for f in flags if f.whole}
    for pk, sig in zip(ids, sigs, strict=True):
        if pk in whole_spam:
            continue
        for other, sim in index.query(sig, dedup.THRESHOLD, exclude={pk}):
            if other > pk and office_of[other] == office_of[pk] and other not in whole_spam:
                pairs[(pk, other)] = sim
    with transaction.atomic():
        kept_suggestions = {
            s.submission_id: s
            for s in Suggestion.objects.exclude(unit_state="suggested", category_state="suggested")
        }
        for s in suggestions:
            old = kept_suggestions.get(s.submission_id)
            if old:  # a staff answer stands
                s.unit_id, s.unit_state = old.unit_id, old.unit_state
                s.category_id, s.category_state = old.category_id, old.category_state
                s.decided_by_id = old.decided_by_id
        SpamFlag.objects.filter(submission__in=qs).delete()
        Fingerprint.objects.filter(submission__in=qs).delete()
        Suggestion.objects.filter(submission__in=qs).delete()
        SpamFlag.objects.bulk_create(flags, batch_size=1000)
        Fingerprint.objects.bulk_create(prints, batch_size=1000)
        Suggestion.objects.bulk_create(suggestions, batch_size=1000)
        Submission.objects.filter(pk__in=spam_ids).exclude(
            pk__in=[f.submission_id for f in flags if f.state == "cleared"]
        ).update(spam=True)
        Submission.objects.filter(spam=True).exclude(pk__in=spam_ids).update(spam=False)
        groups = _rebuild_groups(pairs, office_of)
    return {
        "submissions": total,
        "flagged": len(flags),
        "pairs": len(pairs),
        "groups": groups,
        "seconds": round(time.perf_counter() - started, 2),
        "analysis_seconds": round(pure_seconds, 2),
    }


def _rebuild_groups(pairs: dict, office_of: dict) -> int:
    """Proposed members are recomputed; decided ones (confirmed, rejected) are kept."""
    DuplicateMember.objects.filter(state=DuplicateMember.State.PROPOSED).delete()
    DuplicateGroup.objects.filter(members__isnull=True).delete()
    decided = {
        (m.group.anchor_id, m.submission_id): m.state
        for m in DuplicateMember.objects.select_related("group")
    }
    existing = {g.anchor_id: g for g in DuplicateGroup.objects.all()}
    created = 0
    members = []
    best: dict[int, float] = {}
    for (a, b), s in pairs.items():
        best[a], best[b] = max(best.get(a, 0.0), s), max(best.get(b, 0.0), s)
    for component in dedup.groups(pairs):
        anchor = component[0]
        group = existing.get(anchor)
        if group is None:
            group = DuplicateGroup.objects.create(office_id=office_of[anchor], anchor_id=anchor)
            created += 1
        for other in component[1:]:
            key = (anchor, other)
            if key in decided:
                continue
            sim = pairs.get((anchor, other)) or best.get(other, 0.0)
            members.append(
                DuplicateMember(group=group, submission_id=other, similarity=round(sim, 3))
            )
    DuplicateMember.objects.bulk_create(members, batch_size=1000, ignore_conflicts=True)
    DuplicateGroup.objects.filter(members__isnull=True).delete()
    return DuplicateGroup.objects.count()
