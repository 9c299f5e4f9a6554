"""Topics: texts grouped by the key phrases they share, with readable labels.

The steps, each simple enough to explain to the office:

1. key phrases of a text: its words (two characters or more, no stop words) and pairs
   of adjacent words, weighted by TF-IDF over the texts being grouped;
2. grouping: texts are taken oldest first; each joins the topic whose phrase profile it
   is closest to (cosine similarity ≥ THRESHOLD), or starts a new topic;
3. label: the phrases shared by at least MIN_SHARED members, most shared first.

The pure part (phrases, tfidf, cluster, label) takes lists and returns lists. The stored
part (`recompute`, `assign`) keeps only keyed hashes of phrases and a label whose phrases
are shared by ≥ MIN_SHARED submissions; a smaller topic is labelled by unit and category.
"""

import itertools
import math
from collections import Counter

from xuncha.analytics import text as textcore

MIN_SHARED = 3
THRESHOLD = 0.3
TOP_PHRASES = 10
STOP_WORDS = frozenset(
    """
    反映 问题 情况 我们 他们 她们 你们 一个 一些 没有 进行 存在 有关 相关 要求 希望 请求
    单位 工作 群众 今年 去年 多次 经常 这个 那个 什么 自己 已经 还是 但是 而且 因为 所以
    如果 可以 不能 就是 这样 那样 这些 那些 其中 以及 或者 并且 对于 关于 通过 以上 以下
    目前 现在 当时 之后 之前 一直 非常 特别 严重 大家 有人 领导 同志 举报 投诉 调查 处理
    落实 进一步 有效 据悉 据说 听说 知道 认为 觉得 看到 发现 时候 期间 方面 部分 本人
    """.split()
)


def words(value: str) -> list[str]:
    """Content words of a text, in order: two characters or more, not a stop word."""
    norm = textcore.normalize(value)
    out = []
    for w in textcore.segment(norm):
        w = w.strip()
        if len(w) < 2 or w in STOP_WORDS or w.isdigit() or not any(c.isalnum() for c in w):
            out.append("")  # a break: no phrase spans it
            continue
        out.append(w)
    return out


def phrases(value: str) -> Counter:
    """Candidate key phrases: content words and pairs of adjacent content words."""
    seq = words(value)
    counts = Counter(w for w in seq if w)
    for a, b in itertools.pairwise(seq):
        if a and b and len(a) + len(b) <= 8:
            counts[a + b] += 1
    return counts


def tfidf(docs: list[Counter], top: int = TOP_PHRASES, min_df: int = 2) -> list[dict[str, float]]:
    """The `top` phrases of each document by TF-IDF, among the phrases at least `min_df`
    documents use (a phrase no other text uses cannot link a text to others), as
    unit-length weight vectors."""
    n = len(docs)
    df = Counter(p for d in docs for p in d)
    out = []
    for d in docs:
        weights = {
            p: (1 + math.log(c)) * (math.log((n + 1) / (df[p] + 1)) + 1)
            for p, c in d.items()
            if df[p] >= min_df
        }
        best = sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
        out.append(_unit_vector(dict(best)))
    return out


def _unit_vector(v: dict[str, float]) -> dict[str, float]:
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {k: x / norm for k, x in v.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(x * b.get(k, 0.0) for k, x in a.items())
    na = math.sqrt(sum(x * x for x in a.values())) or 1.0
    nb = math.sqrt(sum(x * x for x in b.values())) or 1.0
    return dot / (na * nb)


def cluster(vectors: list[dict[str, float]], threshold: float = THRESHOLD) -> list[list[int]]:
    """Leader clustering: each vector joins the closest topic centroid or starts one."""
    groups: list[list[int]] = []
    centroids: list[dict[str, float]] = []
    for i, v in enumerate(vectors):
        best, score = -1, 0.0
        for g, c in enumerate(centroids):
            s = cosine(v, c)
            if s > score:
                best, score = g, s
        if best >= 0 and score >= threshold:
            groups[best].append(i)
            c = centroids[best]
            for k, x in v.items():
                c[k] = c.get(k, 0.0) + x
        else:
            groups.append([i])
            centroids.append(dict(v))
    return groups


def label(member_phrases: list[set[str]], min_shared: int = MIN_SHARED, n: int = 3) -> list[str]:
    """The phrases shared by at least `min_shared` members, most shared first, without
    phrases contained in a phrase already chosen."""
    df = Counter(p for s in member_phrases for p in s)
    chosen: list[str] = []
    for p, c in sorted(df.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])):
        if c < min_shared:
            break
        if any(p in q or q in p for q in chosen):
            continue
        chosen.append(p)
        if len(chosen) == n:
            break
    return chosen


def centroid(vectors: list[dict[str, float]], top: int = 30) -> dict[str, float]:
    total: dict[str, float] = {}
    for v in vectors:
        for k, x in v.items():
            total[k] = total.get(k, 0.0) + x
    best = sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return _unit_vector(dict(best))


# --- Units a text is about --------------------------------------------------------------


def unit_names(unit) -> list[str]:
    """A unit's name and its name without the district prefix (江州市交通运输局 → 交通运输局)."""
    names = [unit.name]
    district = getattr(unit, "district", "") or ""
    if district and unit.name.startswith(district) and len(unit.name) - len(district) >= 2:
        names.append(unit.name[len(district) :])
    return names


def resolve_unit(value: str, units) -> object | None:
    """The unit whose name occurs in the text (longest name wins), or None."""
    norm = textcore.normalize(value)
    best, length = None, 0
    for unit in units:
        for name in unit_names(unit):
            if len(name) > length and name in norm:
                best, length = unit, len(name)
    return best


# --- Stored topics of submissions ----------------------------------------------------------


def _blind_vector(v: dict[str, float]) -> dict[str, float]:
    from xuncha.petitions.crypto import blind_token

    return {blind_token(k): round(x, 4) for k, x in v.items()}


def _candidate_units(sub, cache):
    from xuncha.org.models import Unit

    key = ("i", sub.inspection_id) if sub.inspection_id else ("o", sub.office_id)
    if key not in cache:
        if sub.inspection_id:
            roots = list(sub.inspection.units.all())
            q = None
            from django.db.models import Q

            for r in roots:
                q = (q | Q(path__startswith=r.path)) if q else Q(path__startswith=r.path)
            cache[key] = (list(Unit.objects.filter(q)) if q else [], roots)
        else:
            cache[key] = (list(Unit.objects.filter(office_id=sub.office_id)), [])
    return cache[key]


def _unit_of(sub, content, cache):
    units, roots = _candidate_units(sub, cache)
    found = resolve_unit(content.get("unit") or "", units) or resolve_unit(
        content.get("text") or "", units
    )
    if found is None and len(roots) == 1:
        found = roots[0]
    return found


def _content(sub) -> dict:
    from xuncha.petitions import crypto

    return crypto.open_json(crypto.unwrap(sub.wrapped_key), sub.content_sealed, "content")


def _fallback_label(unit, category_label) -> str:
    return f"{unit.name if unit else '未明确单位'} · {category_label}"


def recompute(run=None, office_ids=None) -> int:
    """Regroup every submission of each office into topics (the background task's work)."""
    from django.db import transaction
    from django.utils import timezone

    from xuncha.analytics.models import Topic, TopicMember, TopicRun
    from xuncha.petitions.models import Submission

    subs = (
        Submission.objects.filter(shredded_on__isnull=True)
        .select_related("inspection")
        .order_by("received_on", "pk")
    )
    if office_ids:
        subs = subs.filter(office_id__in=office_ids)
    subs = list(subs)
    if run is not None:
        TopicRun.objects.filter(pk=run.pk).update(
            state=TopicRun.State.RUNNING, total=len(subs), done=0
        )
    by_office: dict[int, list] = {}
    for s in subs:
        by_office.setdefault(s.office_id, []).append(s)
    cache: dict = {}
    done = made = 0
    for office_id, items in by_office.items():
        contents, units, counts = [], [], []
        for s in items:
            c = _content(s)
            contents.append(c)
            units.append(_unit_of(s, c, cache))
            counts.append(phrases("\n".join([c.get("unit") or "", c.get("text") or ""])))
            done += 1
            if run is not None and done % 50 == 0:
                TopicRun.objects.filter(pk=run.pk).update(done=done)
        vectors = tfidf(counts)
        groups = cluster(vectors)
        with transaction.atomic():
            Topic.objects.filter(office_id=office_id).delete()
            for g in groups:
                shared = label([set(vectors[i]) for i in g])
                first = items[g[0]]
                main_unit = Counter(units[i] for i in g).most_common(1)[0][0]
                topic = Topic.objects.create(
                    office_id=office_id,
                    label=(
                        "、".join(shared)
                        if shared
                        else _fallback_label(main_unit, first.get_category_display())
                    )[:120],
                    phrase_hashes=_blind_vector(centroid([vectors[i] for i in g])),
                    size=len(g),
                )
                TopicMember.objects.bulk_create(
                    TopicMember(topic=topic, submission=items[i], unit=units[i]) for i in g
                )
                made += 1
    if run is not None:
        TopicRun.objects.filter(pk=run.pk).update(
            state=TopicRun.State.DONE, done=done, topics=made, finished_at=timezone.now()
        )
    return made


def assign(sub, content: dict | None = None):
    """Place one new submission into the closest existing topic of its office, or a new one.

    Incremental: the stored profiles are keyed hashes, so the new text is hashed the same
    way; the next full recomputation may regroup it."""
    from django.db.models import F

    from xuncha.analytics.models import Topic, TopicMember
    from xuncha.petitions.crypto import blind_token

    content = content if content is not None else _content(sub)
    unit = _unit_of(sub, content, {})
    counts = phrases("\n".join([content.get("unit") or "", content.get("text") or ""]))
    vector = _unit_vector({blind_token(p): 1 + math.log(c) for p, c in counts.items()})
    best, score = None, 0.0
    for topic in Topic.objects.filter(office_id=sub.office_id).only("pk", "phrase_hashes"):
        s = cosine(vector, topic.phrase_hashes)
        if s > score:
            best, score = topic, s
    if best is None or score < THRESHOLD / 2:
        best = Topic.objects.create(
            office_id=sub.office_id,
            label=_fallback_label(unit, sub.get_category_display())[:120],
            phrase_hashes=dict(sorted(vector.items(), key=lambda kv: -kv[1])[:30]),
            size=0,
        )
    TopicMember.objects.update_or_create(submission=sub, defaults={"topic": best, "unit": unit})
    Topic.objects.filter(pk=best.pk).update(size=F("size") + 1)
    return best
