"""Benchmark: reflection hygiene (study/hygiene.py) of one reflection against 1,000 others.

What a participant waits for when submitting a reflection: the service reads the office's
other reflections (reference_texts), builds the shingle index and checks every passage
(duplicates, adverts, doubled words). Pure and in process: the texts are generated
(~600 characters, ~14 sentences each, a sentence bank shared the way templates are).

Figures, median and p95 of R runs: the index over N stored fingerprints (each reflection
keeps its shingle codes, Reflection.shingles), the check of one reflection on it, the
end-to-end check as reflection_submit runs it (index + check), and the same without
stored fingerprints (every reference normalised and shingled again: a library text).
Target (ours, not the issue's): end-to-end ≤ 300 ms at N = 1,000.

Run: .venv/bin/python bench/bench_study_hygiene.py      (BENCH_N, BENCH_RUNS to change)
"""

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from xuncha.study.hygiene import Reference, ReferenceIndex, check, fingerprint

N = int(os.environ.get("BENCH_N", "1000"))
RUNS = int(os.environ.get("BENCH_RUNS", "20"))
CHARS = (
    "党的建设巡察监督政治责任落实整改问题发现干部作风纪律规矩学习思想认识提高能力"
    "工作实践群众利益基层治理制度执行担当作为廉洁自律初心使命理论武装知行合一推动"
)


def sentence(rng) -> str:
    return "".join(rng.choice(CHARS) for _ in range(rng.randint(25, 50))) + "。"


def corpus(rng, n):
    bank = [sentence(rng) for _ in range(n * 3)]  # shared passages: some texts reuse them
    texts = []
    for _ in range(n):
        parts = [sentence(rng) for _ in range(10)] + rng.sample(bank, 4)
        rng.shuffle(parts)
        texts.append("".join(parts))
    return texts


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main():
    rng = random.Random(2026)
    texts = corpus(rng, N)
    refs = [Reference(f"reflection:{i}", f"心得{i}", t) for i, t in enumerate(texts)]
    # As reflection_submit sees them: each with the fingerprint stored when it was submitted.
    stored = [Reference(r.key, r.label, r.text, fingerprint(r.text)) for r in refs]
    probe = (
        sentence(rng)
        + texts[N // 2][:60]  # a copied passage (cut mid-way through a sentence)
        + "。"
        + "需要范文请加微信 fanwen8866，详情咨询13912345678。"
        + "在学习的的过程中要加强学习加强学习。"
        + "".join(sentence(rng) for _ in range(10))
    )
    check(probe, refs[:10])  # warm up (rjieba, regexes, numpy)
    build, only, full, cold = [], [], [], []
    flags = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        index = ReferenceIndex(stored)
        t1 = time.perf_counter()
        flags = check(probe, index=index)
        t2 = time.perf_counter()
        check(probe, stored)
        t3 = time.perf_counter()
        check(probe, refs)
        t4 = time.perf_counter()
        build.append((t1 - t0) * 1000)
        only.append((t2 - t1) * 1000)
        full.append((t3 - t2) * 1000)
        cold.append((t4 - t3) * 1000)
    chars = sum(len(t) for t in texts)
    print(
        f"reflection hygiene: 1 reflection ({len(probe)} characters) against {N} others "
        f"({chars / N:.0f} characters on average), {RUNS} runs"
    )
    for label, xs in (
        ("index of stored fingerprints", build),
        ("check on that index", only),
        ("end to end (as submitted)", full),
        ("end to end, no fingerprints", cold),
    ):
        print(f"  {label:28s} median {statistics.median(xs):7.1f} ms   p95 {pct(xs, 0.95):7.1f} ms")
    kinds = sorted({f.kind for f in flags})
    print(f"  flags found: {len(flags)} ({', '.join(kinds)})")
    ok = pct(full, 0.95) <= 300
    print(f"  target end to end p95 ≤ 300 ms: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
