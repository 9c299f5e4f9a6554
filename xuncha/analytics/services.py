"""Services of the analytics app: staff decisions on flags, duplicates and suggestions
(each audited), the full recomputation, retraining and evaluation runs."""

import time
from collections import Counter

import numpy as np
from django.db import transaction
from django.db.models import Q
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
from xuncha.core import cache
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
    for s in Suggestion.objects.filter(
        category_state=Suggestion.State.ACCEPTED, submission__shredded_on__isnull=True
    ).select_related("submission", "category")[:limit]:
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
    if run.state == AnalyticsRun.State.DONE:  # a retry after the worker died at the very end
        return run
    # A retry of a run whose worker died midway starts again from the beginning: every
    # step replaces what it computes, so nothing is counted twice.
    run.state = AnalyticsRun.State.RUNNING
    run.save(update_fields=["state"])
    try:
        if run.kind == AnalyticsRun.Kind.RECOMPUTE:
            run.figures = recompute_all(run)
            run.total = run.done = run.figures["steps"]
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
        cache.bump()  # new topics and hot issues: cached dashboards and panels recompute
    return run


def _progress(run, done, total):
    AnalyticsRun.objects.filter(pk=run.pk).update(done=done, total=total)


def recompute_all(run) -> dict:
    """The whole pipeline of a full recomputation, with progress on the run row in one
    count: flags, fingerprints, duplicates and suggestions of every submission, then the
    topics (one step per submission), then the search index (one step per record)."""
    from xuncha.analytics import search, topics

    n = Submission.objects.count()
    docs = sum(k.model.objects.count() for k in search.KINDS.values())
    steps = 2 * n + docs
    started = time.perf_counter()
    figures = recompute(progress=lambda done, _total: _progress(run, done, steps))
    figures["topics"] = topics.recompute()
    _progress(run, 2 * n, steps)
    figures["search_docs"] = search.rebuild(
        progress=lambda done, _total: _progress(run, 2 * n + done, steps)
    )
    figures["pipeline_seconds"] = round(time.perf_counter() - started, 2)
    figures["steps"] = steps
    return figures


# The pure part of a recomputation, per row: what the worker processes compute. Set by
# `recompute` before the pool forks, so the children inherit the loaded models.
_CONTEXT: dict = {}
_COLUMNS = ("pk", "office_id", "office__path", "wrapped_key", "content_sealed", "identity_sealed")


def _analyse_rows(rows) -> list[tuple]:
    """(pk, office id, flag or None, signature bytes, identity digest, unit id, unit
    confidence, category id, category confidence) of each row: decrypted once, the
    normalised text used by every step. No database access (runs in a worker process)."""
    ctx = _CONTEXT
    hasher, matcher, unit_paths = ctx["hasher"], ctx["matcher"], ctx["unit_paths"]
    model, category_ids = ctx["model"], ctx["category_ids"]
    found, shingles, cores = [], [], []
    for pk, office_id, office_path, wrapped, content_sealed, identity_sealed in rows:
        data_key = crypto.unwrap(wrapped)
        content = crypto.open_json(data_key, content_sealed, "content")
        identity = (
            crypto.open_json(data_key, identity_sealed, "identity") if identity_sealed else None
        )
        raw = content.get("text", "")
        normal = text.normalize(raw)
        result = spam.detect(normal)
        flag = None
        if result.flagged:
            flag = (
                result.reasons,
                [[p.start, p.end, list(p.reasons)] for p in result.passages],
                crypto.seal_json(
                    data_key, spam.original_passages(raw, normal, result), intake.PASSAGES
                ),
                result.whole,
                min(max(p.score for p in result.passages), 32767),
            )
        core = spam.strip_passages(normal, result.spans())
        shingles.append(dedup.shingle_codes(core))  # MinHash one by one: cache-friendlier
        cores.append(core[:2000])
        guess = matcher.suggest(core, content.get("unit", ""))
        if guess and not unit_paths.get(guess[0], "").startswith(office_path or ""):
            guess = None
        found.append((pk, office_id, flag, intake.identity_digest(identity), guess))
    # Category similarities a few texts at a time (the same values as one by one).
    sigs = [hasher.signature(codes) for codes in shingles]
    cats = model.suggest_many(cores)
    out = []
    for (pk, office_id, flag, digest, guess), sig, cat in zip(found, sigs, cats, strict=True):
        out.append(
            (
                pk,
                office_id,
                flag,
                sig.tobytes(),
                digest,
                guess[0] if guess else None,
                guess[1] if guess else 0,
                category_ids.get(cat.code) if cat else None,
                cat.confidence if cat else 0,
            )
        )
    return out


def _chunks(qs, batch: int):
    """Rows of the queryset in primary-key order, `batch` at a time (keyset paging: no
    OFFSET, one query per batch, plain tuples instead of model instances)."""
    last = 0
    while True:
        rows = list(qs.filter(pk__gt=last).order_by("pk").values_list(*_COLUMNS)[:batch])
        if not rows:
            return
        last = rows[-1][0]
        yield [
            (pk, office, path, bytes(w), bytes(c), bytes(i) if i else None)
            for pk, office, path, w, c, i in rows
        ]


def _analysed(qs, batch: int, workers: int):
    """Results of `_analyse_rows` batch by batch, in order; with `workers` > 1 the batches
    run in forked worker processes, at most 2 per worker in flight (memory stays bounded)."""
    if workers <= 1:
        for rows in _chunks(qs, batch):
            yield len(rows), _analyse_rows(rows)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pending = deque()
        for rows in _chunks(qs, batch):
            pending.append((len(rows), pool.submit(_analyse_rows, rows)))
            if len(pending) >= 2 * workers:
                n, future = pending.popleft()
                yield n, future.result()
        while pending:
            n, future = pending.popleft()
            yield n, future.result()


def recompute(
    *, progress=None, batch: int = 1000, queryset=None, workers: int | None = None
) -> dict:
    """Recompute flags, fingerprints, duplicate proposals and suggestions of every
    submission. Staff decisions are kept: a confirmed or cleared flag keeps its state,
    decided duplicate pairs stay decided and rejected pairs are not proposed again.

    Each submission is read and decrypted once (keyset-paged batches), its normalised
    text feeds every step; the pure part runs on `workers` processes
    (`ANALYTICS_WORKERS`, only for more than `batch` submissions); duplicate pairs come
    from one self-join of the LSH index; rows are written with bulk inserts."""
    from django.conf import settings

    started = time.perf_counter()
    qs = queryset if queryset is not None else Submission.objects.all()
    qs = qs.filter(shredded_on__isnull=True)  # a shredded one has nothing left to read
    total = qs.count()
    if workers is None:
        workers = settings.ANALYTICS_WORKERS if total > batch else 1
    from xuncha.inspections.models import TaxonomyCategory

    matcher, unit_paths = intake.unit_matcher()
    _CONTEXT.update(
        hasher=intake.hasher(),
        matcher=matcher,
        unit_paths=unit_paths,
        model=intake.category_model(),
        category_ids=dict(
            TaxonomyCategory.objects.filter(version__active=True).values_list("code", "pk")
        ),
    )
    auto_confidence = settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE
    decided = dict(SpamFlag.objects.exclude(state="open").values_list("submission_id", "state"))
    ids, offices, sigs = [], [], []
    flags, prints, suggestions, spam_ids = [], [], [], []
    done = 0
    for n, results in _analysed(qs, batch, workers):
        for pk, office_id, flag, sig, digest, unit_id, unit_conf, cat_id, cat_conf in results:
            if flag is not None:
                reasons, spans, sealed, whole, score = flag
                spam_ids.append(pk)
                flags.append(
                    SpamFlag(
                        submission_id=pk,
                        state=decided.get(pk, SpamFlag.State.OPEN),
                        reasons=reasons,
                        spans=spans,
                        passages_sealed=sealed,
                        whole=whole,
                        score=score,
                    )
                )
            ids.append(pk)
            offices.append(office_id)
            sigs.append(sig)
            prints.append((pk, office_id, sig, digest))
            # As at intake: a category is applied only at or above the configured confidence.
            auto = cat_id is not None and cat_conf >= auto_confidence
            suggestions.append(
                [
                    pk,
                    unit_id,
                    unit_conf,
                    "suggested",
                    cat_id,
                    cat_conf,
                    "auto" if auto else "suggested",
                    None,
                ]
            )
        done += n
        if progress:
            progress(done, total)
    _CONTEXT.clear()
    pure_seconds = time.perf_counter() - started
    # Duplicate pairs over the whole index, within each office, whole-spam items left out.
    index = dedup.BandIndex()
    sig_matrix = (
        np.frombuffer(b"".join(sigs), dtype=np.uint32).reshape(len(sigs), dedup.NUM_PERM)
        if sigs
        else np.zeros((0, dedup.NUM_PERM), np.uint32)
    )
    index.bulk_load(ids, sig_matrix)
    office_of = dict(zip(ids, offices, strict=True))
    whole_spam = {f.submission_id for f in flags if f.whole}
    pairs = {
        (a, b): sim
        for (a, b), sim in index.pairs(dedup.THRESHOLD).items()
        if office_of[a] == office_of[b] and a not in whole_spam and b not in whole_spam
    }
    pairs_seconds = time.perf_counter() - started - pure_seconds
    with transaction.atomic():
        staff = [Suggestion.State.ACCEPTED, Suggestion.State.DISMISSED]
        kept_suggestions = {  # staff answers; an automatic one is recomputed like a suggestion
            s.submission_id: s
            for s in Suggestion.objects.filter(
                Q(unit_state__in=staff) | Q(category_state__in=staff)
            )
        }
        for row in suggestions:
            old = kept_suggestions.get(row[0])
            if old:  # a staff answer stands
                row[1], row[3] = old.unit_id, old.unit_state
                row[4], row[6] = old.category_id, old.category_state
                row[7] = old.decided_by_id
        SpamFlag.objects.filter(submission__in=qs).delete()
        Fingerprint.objects.filter(submission__in=qs).delete()
        Suggestion.objects.filter(submission__in=qs).delete()
        SpamFlag.objects.bulk_create(flags, batch_size=1000)
        _insert(Fingerprint, ("submission", "office", "signature", "identity_digest"), prints)
        _insert(
            Suggestion,
            (
                "submission",
                "unit",
                "unit_confidence",
                "unit_state",
                "category",
                "category_confidence",
                "category_state",
                "decided_by",
            ),
            suggestions,
        )
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
        "pairs_seconds": round(pairs_seconds, 2),
        "workers": workers,
    }


def _insert(model, fields: tuple[str, ...], rows, batch: int = 2000) -> None:
    """Plain multi-row inserts of `rows` (tuples in the order of `fields`, plus the
    model's `updated_at` set to now): what bulk_create writes, without building a model
    instance and compiling each value of 100,000 rows (most of the write time)."""
    from django.db import connection

    meta = model._meta
    columns = [meta.get_field(f).column for f in fields] + ["updated_at"]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    batch = max(1, min(batch, 30000 // len(columns)))  # under both databases' bound-value limits
    with connection.cursor() as cursor:
        for i in range(0, len(rows), batch):
            part = rows[i : i + batch]
            cursor.execute(  # identifiers from the model's meta, quoted; every value bound
                f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * len(part)),  # noqa: S608
                [v for row in part for v in (*row, now)],
            )


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
