"""Analysis of one submission at intake, in the request: normalise, flag advert passages,
fingerprint and look for duplicates, suggest the unit and the category (a few ms).

The duplicate index lives in the database (one keyed signature per submission) and is
loaded into an in-process LSH index lazily, on first use; later intakes add to it, and
rows written by other processes are picked up by id on the next call. A full
recomputation (services.recompute) bumps the generation and every process reloads.
"""

import logging
import threading
import time

import numpy as np
from django.conf import settings
from django.db import transaction

from xuncha.analytics import categories, dedup, entities, spam, text
from xuncha.analytics.models import (
    AnalyticsRun,
    DuplicateGroup,
    DuplicateMember,
    Fingerprint,
    SpamFlag,
    Suggestion,
)
from xuncha.petitions import crypto

log = logging.getLogger("xuncha.analytics")
_LOCK = threading.RLock()
_STATE: dict = {}
_GENERATION: dict = {}
PASSAGES = "analytics-passages"


def generation() -> int:
    """Changes whenever a recomputation or a retraining finishes (read at most every 2 s)."""
    now = time.monotonic()
    cached = _GENERATION.get("value")
    if cached is not None and now - _GENERATION["at"] < 2:
        return cached
    value = (
        AnalyticsRun.objects.filter(state=AnalyticsRun.State.DONE)
        .exclude(kind=AnalyticsRun.Kind.EVALUATE)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )
    _GENERATION.update(value=value, at=now)
    return value


def reset() -> None:
    with _LOCK:
        _STATE.clear()
        _GENERATION.clear()


def _state() -> dict:
    gen = generation()
    with _LOCK:
        if _STATE.get("generation") != gen or _STATE.get("data_dir") != settings.DATA_DIR:
            _STATE.clear()
            _STATE.update(generation=gen, data_dir=settings.DATA_DIR)
        return _STATE


def hasher() -> dedup.Hasher:
    st = _state()
    if "hasher" not in st:
        st["hasher"] = dedup.Hasher.from_key(crypto.analytics_key())
    return st["hasher"]


def index() -> tuple[dedup.BandIndex, dict]:
    """(LSH index, submission id → office id), loaded lazily and kept in step by id."""
    st = _state()
    with _LOCK:
        if "index" not in st:
            rows = list(Fingerprint.objects.values_list("submission_id", "office_id", "signature"))
            idx = dedup.BandIndex()
            if rows:
                sigs = np.stack([np.frombuffer(bytes(r[2]), dtype=np.uint32) for r in rows])
                idx.bulk_load([r[0] for r in rows], sigs)
            st["index"], st["offices"] = idx, {r[0]: r[1] for r in rows}
            st["last"] = max((r[0] for r in rows), default=0)
        else:
            for pk, office_id, sig in Fingerprint.objects.filter(
                submission_id__gt=st["last"]
            ).values_list("submission_id", "office_id", "signature"):
                if pk not in st["offices"]:
                    st["index"].add(pk, np.frombuffer(bytes(sig), dtype=np.uint32))
                    st["offices"][pk] = office_id
                st["last"] = max(st["last"], pk)
        return st["index"], st["offices"]


def unit_matcher() -> tuple[entities.UnitMatcher, dict]:
    """Aho–Corasick matcher over the unit catalogue; also teaches the segmenter."""
    st = _state()
    if "units" not in st:
        from xuncha.org.models import Unit

        units = list(
            Unit.objects.filter(status=Unit.Status.ACTIVE).values_list(
                "pk", "name", "path", "office__path"
            )
        )
        st["units"] = entities.UnitMatcher((u[0], u[1]) for u in units)
        st["unit_office_path"] = {u[0]: u[3] for u in units}
        load_vocabulary([u[1] for u in units])
    return st["units"], st["unit_office_path"]


def load_vocabulary(unit_names=()) -> int:
    """The segmenter's user dictionary: units and aliases, posts, taxonomy terms."""
    words = entities.vocabulary(unit_names)
    for block in categories.KEYWORDS.values():
        words.extend(block.split())
    return text.add_words(words)


def taxonomy() -> list[tuple[str, str, str | None]]:
    from xuncha.inspections.models import TaxonomyCategory

    rows = TaxonomyCategory.objects.filter(version__active=True, is_active=True).values_list(
        "code", "name", "parent__code"
    )
    return [(c, n, p) for c, n, p in rows]


def category_model() -> categories.CategoryModel:
    st = _state()
    if "categories" not in st:
        from xuncha.analytics import services

        st["categories"] = categories.CategoryModel(
            taxonomy(), examples=services.confirmed_examples()
        )
    return st["categories"]


def identity_digest(identity: dict | None) -> str:
    if not identity:
        return ""
    who = text.compact(text.normalize(f"{identity.get('name', '')}{identity.get('contact', '')}"))
    return crypto.blind_token("identity:" + who.lower()) if who else ""


def analyse(
    *, submission, content: dict, identity: dict | None, data_key: bytes, fresh: bool = True
) -> dict:
    """Run the whole pipeline on a submission just saved; writes flag, fingerprint,
    duplicate proposal and suggestion rows. Returns what it found (for tests and logs)."""
    normal = text.normalize(content.get("text", ""))
    result = spam.detect(normal)
    found = {"spam": result.flagged}
    if result.flagged:
        write_flag(submission, content.get("text", ""), normal, result, data_key)
    core = spam.strip_passages(normal, result.spans())
    sig = hasher().signature_of(core)
    values = {
        "office_id": submission.office_id,
        "signature": sig.tobytes(),
        "identity_digest": identity_digest(identity),
    }
    if fresh:  # a new submission: one INSERT
        Fingerprint.objects.create(submission=submission, **values)
    else:
        Fingerprint.objects.update_or_create(submission=submission, defaults=values)
    idx, offices = index()
    matches = [
        (pk, s)
        for pk, s in idx.query(sig, dedup.THRESHOLD, exclude={submission.pk})
        if offices.get(pk) == submission.office_id
    ]
    with _LOCK:
        idx.add(submission.pk, sig)
        offices[submission.pk] = submission.office_id
    if matches and not result.whole:
        found["duplicates"] = propose(submission, matches)
    found["suggestion"] = suggest(submission, core, content.get("unit", ""), fresh=fresh)
    return found


def write_flag(
    submission, raw: str, normal: str, result: spam.SpamResult, data_key: bytes
) -> SpamFlag:
    flag, _ = SpamFlag.objects.update_or_create(
        submission=submission,
        defaults={
            "reasons": result.reasons,
            "spans": [[p.start, p.end, list(p.reasons)] for p in result.passages],
            "passages_sealed": crypto.seal_json(
                data_key, spam.original_passages(raw, normal, result), PASSAGES
            ),
            "whole": result.whole,
            "score": min(max(p.score for p in result.passages), 32767),
        },
    )
    type(submission).objects.filter(pk=submission.pk).update(spam=True)
    submission.spam = True
    return flag


def propose(submission, matches) -> int | None:
    """Add the submission to the group of its best match (or open one); never re-propose a
    pair staff rejected. Returns the group id."""
    # The in-process index may hold rows another transaction rolled back: check in SQL.
    live = set(
        type(submission)
        .objects.filter(pk__in=[pk for pk, _ in matches], office_id=submission.office_id)
        .values_list("pk", flat=True)
    )
    matches = [(pk, s) for pk, s in matches if pk in live]
    ids = [pk for pk, _ in matches]
    rejected = set(
        DuplicateMember.objects.filter(
            state=DuplicateMember.State.REJECTED, submission=submission, group__anchor__in=ids
        ).values_list("group__anchor", flat=True)
    ) | set(
        DuplicateMember.objects.filter(
            state=DuplicateMember.State.REJECTED, submission__in=ids, group__anchor=submission
        ).values_list("submission", flat=True)
    )
    matches = [(pk, s) for pk, s in matches if pk not in rejected]
    if not matches:
        return None
    ids = [pk for pk, _ in matches]
    member = (
        DuplicateMember.objects.filter(submission__in=ids)
        .exclude(state=DuplicateMember.State.REJECTED)
        .select_related("group")
        .first()
    )
    group = member.group if member else DuplicateGroup.objects.filter(anchor__in=ids).first()
    if group is None:
        anchor = min(ids)
        group = DuplicateGroup.objects.create(office_id=submission.office_id, anchor_id=anchor)
    if group.anchor_id == submission.pk:
        return group.pk
    best = max(s for _, s in matches)
    DuplicateMember.objects.get_or_create(
        group=group, submission=submission, defaults={"similarity": round(best, 3)}
    )
    return group.pk


def category_ids() -> dict[str, int]:
    st = _state()
    if "category_ids" not in st:
        from xuncha.inspections.models import TaxonomyCategory

        st["category_ids"] = dict(
            TaxonomyCategory.objects.filter(version__active=True).values_list("code", "pk")
        )
    return st["category_ids"]


def suggest(submission, core: str, unit_hint: str = "", fresh: bool = True) -> dict:
    matcher, unit_office_path = unit_matcher()
    office_path = submission.office.path if hasattr(submission.office, "path") else ""
    unit = None
    guess = matcher.suggest(core, unit_hint)
    if guess and unit_office_path.get(guess[0], "").startswith(office_path):
        unit = guess
    cat = category_model().suggest(core[:2000], explain=False) if core else None
    category_id = category_ids().get(cat.code) if cat else None
    auto = bool(cat and cat.confidence >= settings.ANALYTICS_AUTO_CATEGORY_CONFIDENCE)
    values = {
        "unit_id": unit[0] if unit else None,
        "unit_confidence": unit[1] if unit else 0,
        "category_id": category_id,
        "category_confidence": cat.confidence if cat else 0,
        "category_state": Suggestion.State.AUTO if auto else Suggestion.State.SUGGESTED,
    }
    if fresh:
        Suggestion.objects.create(submission=submission, **values)
    else:
        Suggestion.objects.update_or_create(submission=submission, defaults=values)
    return {"unit": unit, "category": cat.code if cat else None}


def analyse_safely(**kwargs) -> dict | None:
    """Intake must not fail because analysis did: log it; a recomputation catches up."""
    try:
        with transaction.atomic():
            return analyse(**kwargs)
    except Exception:
        log.exception("analysis of submission %s failed", kwargs["submission"].pk)
        return None
