"""Benchmark: the analytics pipeline over generated submissions (avg ~300 characters).

- full recomputation (flags, fingerprints, duplicate groups, suggestions) over N
  submissions: target ≤ 60 s and ≤ 2 GB peak memory at N = 100,000;
- its throughput against raw rjieba segmentation of the same texts in the same run
  (target ≥ 1/4; the ratio is printed);
- intake-time analysis (normalise, spam, fingerprint + LSH query, suggestions, rows
  written) with N indexed: p95 target ≤ 20 ms.

Run: .venv/bin/python bench/bench_analytics.py   (BENCH_N=10000 for a quick run)
A throw-away SQLite database in a temporary data folder (or DATABASE_URL).
"""

import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("XUNCHA_DATA_DIR", tempfile.mkdtemp(prefix="xc-bench-analytics-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")

import django

django.setup()

import rjieba  # noqa: E402
from django.core.management import call_command  # noqa: E402

from xuncha.analytics import evaluate, intake, services  # noqa: E402
from xuncha.org.models import Office, Unit  # noqa: E402
from xuncha.petitions import crypto  # noqa: E402
from xuncha.petitions.models import Submission  # noqa: E402

N = int(os.environ.get("BENCH_N", "100000"))
INTAKES = int(os.environ.get("BENCH_INTAKES", "200"))


CORPUS = os.environ.get("BENCH_CORPUS", "varied")


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words for the varied corpus: the taxonomy keywords, posts, units, projects, places
    and stop words, plus 8,000 pseudo-words of their characters; Zipf weights."""
    from xuncha.analytics import categories, entities, text

    real = set()
    for block in categories.KEYWORDS.values():
        real.update(block.split())
    real.update(entities.POSTS)
    real.update(evaluate.UNITS + evaluate.PROJECTS + evaluate.PLACES)
    real.update(w for w in text.stop_words() if len(w) <= 3)
    chars = sorted({c for w in real for c in w if "\u4e00" <= c <= "\u9fff"})
    pseudo = {"".join(rng.choices(chars, k=rng.choice((2, 2, 3)))) for _ in range(8000)}
    words = sorted(real | pseudo)
    rng.shuffle(words)
    return words, [1 / (i + 1) for i in range(len(words))]


def texts(n: int, rng: random.Random) -> list[str]:
    """Complaints of ~300 characters; some repeats (reworded, …), some with advert lines.

    BENCH_CORPUS=varied (the default): 2–4 sentences of the evaluation's complaint
    templates and 8–11 sentences of Zipf-drawn words, so unrelated texts share about as
    little as real ones. BENCH_CORPUS=templates: 10–14 of the 24 templates per text (the
    corpus of the first measurements): any two texts share half their sentences, so at
    scale a large share of all pairs are LSH candidates and duplicate pairs grow with N².
    """
    out = []
    vocab = _vocabulary(random.Random(1)) if CORPUS == "varied" else None
    while len(out) < n:
        if vocab is None:
            sents = evaluate.complaint(rng, rng.randint(10, 14))
        else:
            sents = evaluate.complaint(rng, rng.randint(2, 4))
            for _ in range(rng.randint(8, 11)):
                words = rng.choices(vocab[0], vocab[1], k=rng.randint(7, 10))
                sents.append("".join(words) + rng.choice("。。，！"))
            rng.shuffle(sents)
        out.append("".join(sents))
        roll = rng.random()
        if roll < 0.1:
            out.append(evaluate.variant(sents, rng.choice(evaluate.VARIANTS), rng))
        elif roll < 0.14:
            out[-1] += "\n" + evaluate._fill(rng.choice(evaluate.ADVERTS), rng)
    return out[:n]


def build(n: int, rng) -> tuple[Office, list[str]]:
    city = Office.objects.create(name="基准市委巡察办", level="city")
    Unit.objects.bulk_create(
        [Unit(name=f"江州市{u}", kind="department", office=city) for u in evaluate.UNITS]
    )
    for u in Unit.objects.all():
        u.save()  # materialised path
    corpus = texts(n, rng)
    key_id = crypto.key_id()
    rows = []
    for i, t in enumerate(corpus):
        _kid, wrapped, dk = crypto.new_data_key()
        rows.append(
            Submission(
                office=city,
                channel="letter",
                category="other",
                key_id=key_id,
                wrapped_key=wrapped,
                content_sealed=crypto.seal_json(
                    dk, {"unit": "", "people": "", "text": t}, "content"
                ),
                received_on=date(2026, 1, 1 + i % 28),
            )
        )
        if len(rows) == 5000:
            Submission.objects.bulk_create(rows)
            rows = []
    Submission.objects.bulk_create(rows)
    return city, corpus


def main():
    print(f"corpus {CORPUS}, N={N}; load average (1, 5, 15 min): {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    started = time.perf_counter()
    city, corpus = build(N, rng)
    chars = sum(len(t) for t in corpus)
    print(
        f"built {N} submissions, avg {chars / N:.0f} chars, in {time.perf_counter() - started:.1f} s"
    )

    t = time.perf_counter()
    for text in corpus:
        rjieba.cut(text, True)
    jieba_s = time.perf_counter() - t
    print(f"raw rjieba: {jieba_s:.2f} s = {chars / jieba_s / 1e6:.2f} M chars/s")

    intake.reset()
    t = time.perf_counter()
    figures = services.recompute()
    total_s = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    writes_s = figures["seconds"] - figures["analysis_seconds"] - figures["pairs_seconds"]
    print(
        f"full recomputation: {total_s:.1f} s = read+analysis {figures['analysis_seconds']} s "
        f"({figures['workers']} worker processes) + duplicate pairs {figures['pairs_seconds']} s "
        f"+ writes {writes_s:.1f} s; {figures['flagged']} flagged, {figures['pairs']} pairs, "
        f"{figures['groups']} groups; peak RSS {peak_mb:.0f} MB + {figures['workers']} × "
        f"{child_mb:.0f} MB (largest worker; forked, pages shared) = at most "
        f"{peak_mb + figures['workers'] * child_mb:.0f} MB  [target ≤ 60 s, ≤ 2048 MB at 100,000]"
    )
    print(
        f"throughput: recomputation {chars / total_s / 1e6:.2f} M chars/s, rjieba "
        f"{chars / jieba_s / 1e6:.2f} M chars/s; ratio {jieba_s / total_s:.3f} "
        f"(read+analysis only: {jieba_s / figures['analysis_seconds']:.3f})  [target ≥ 0.25]"
    )
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")

    intake.reset()
    from xuncha.petitions import services as petitions

    first = None
    times = []
    new_texts = texts(INTAKES, random.Random(7))
    for i, body in enumerate(new_texts):
        _kid, wrapped, dk = crypto.new_data_key()
        sub = Submission.objects.create(
            office=city,
            channel="letter",
            category="other",
            key_id=_kid,
            wrapped_key=wrapped,
            content_sealed=crypto.seal_json(
                dk, {"unit": "", "people": "", "text": body}, "content"
            ),
            received_on=date(2026, 2, 1),
        )
        t = time.perf_counter()
        intake.analyse(
            submission=sub, content={"text": body, "unit": ""}, identity=None, data_key=dk
        )
        elapsed = time.perf_counter() - t
        if i == 0:
            first = elapsed  # includes the lazy load of the index from the database
        else:
            times.append(elapsed)
    times.sort()
    p95 = times[int(0.95 * len(times))]
    print(
        f"intake analysis with {N} indexed: first call {first * 1000:.0f} ms (lazy index load), "
        f"median {statistics.median(times) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms  [target ≤ 20 ms]"
    )
    del petitions


if __name__ == "__main__":
    main()
