"""Search over N indexed records (default 200,000): p50/p95 of search.run as office staff.

    python bench/bench_search.py [--records 200000] [--queries 200]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/xuncha_bench python bench/bench_search.py

A fresh database in a temporary data folder (SQLite) or the given PostgreSQL database
(its tables are dropped and recreated by `migrate` from zero: use a scratch database).
Records are generated straight into the tables (submissions with placeholder ciphertext,
and their SearchDoc rows with the blind hashes of Zipf-distributed two-character words),
so the figures measure the query: the FTS5 / tsvector match, the access subquery of
`Submission.for_user`, the facet counts and the page. Highlights (decryption) are not
part of it.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--vocabulary", type=int, default=5000)
    parser.add_argument("--words", type=int, default=40, help="distinct tokens per record")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="query the records a previous run generated (same XUNCHA_DATA_DIR: its key)",
    )
    args = parser.parse_args()
    if not os.environ.get("XUNCHA_DATA_DIR"):
        os.environ["XUNCHA_DATA_DIR"] = tempfile.mkdtemp(prefix="xuncha-bench-search-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xuncha.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    if connection.vendor == "postgresql" and not args.reuse:
        with connection.cursor() as c:
            c.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    print(f"load average (1, 5, 15 min): {os.getloadavg()}")

    from datetime import date, timedelta

    from xuncha.analytics import search
    from xuncha.analytics.models import SearchDoc
    from xuncha.org.models import Office, Role, RoleAssignment, User
    from xuncha.petitions.models import Submission

    rng = random.Random(7)
    reuse = args.reuse and SearchDoc.objects.count() == args.records
    if reuse:
        city = Office.objects.get(level=Office.Level.CITY)
        other = Office.objects.get(level=Office.Level.COUNTY)
        staff = User.objects.get(username="staff")
    else:
        city = Office.objects.create(name="江州市委巡察办", level=Office.Level.CITY)
        other = Office.objects.create(name="临川县委巡察办", level=Office.Level.COUNTY, parent=city)
        staff = User.objects.create(username="staff", full_name="李干事")
        RoleAssignment.objects.create(user=staff, role=Role.OFFICE_STAFF, office=city)
    base = 0x4E00
    vocab = list(
        dict.fromkeys(
            chr(base + rng.randrange(8000)) + chr(base + rng.randrange(8000))
            for _ in range(args.vocabulary * 2)
        )
    )[: args.vocabulary]
    hashed = [search.blind(w) for w in vocab]
    # The generated words are "dictionary words": a query keeps each one whole (otherwise
    # the segmenter cuts most random pairs into characters, which no record holds).
    from xuncha.analytics import text as textcore

    textcore.add_words(vocab)
    weights = [1 / (i + 1) for i in range(len(vocab))]  # Zipf
    t0 = time.perf_counter()
    batch = 5000
    today = date(2026, 11, 30)
    for start in range(0, 0 if reuse else args.records, batch):
        n = min(batch, args.records - start)
        with transaction.atomic():
            subs = Submission.objects.bulk_create(
                Submission(
                    office=city if rng.random() < 0.7 else other,
                    channel="letter",
                    category="integrity",
                    key_id="bench",
                    wrapped_key=b"x",
                    content_sealed=b"x",
                    received_on=today - timedelta(days=rng.randrange(1000)),
                )
                for _ in range(n)
            )
            SearchDoc.objects.bulk_create(
                SearchDoc(
                    kind="submission",
                    object_id=s.pk,
                    office_id=s.office_id,
                    state="received",
                    date=s.received_on,
                    tokens=" ".join(sorted(set(rng.choices(hashed, weights, k=args.words)))),
                )
                for s in subs
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("ANALYZE")
    else:
        with connection.cursor() as c:
            c.execute("ANALYZE")
    print(
        f"{connection.vendor}: {args.records} records generated in {time.perf_counter() - t0:.0f} s"
    )
    timings, totals, slowest = [], [], []
    for i in range(args.queries):
        # Common, middling and rare words, one or two of them.
        k = 1 if i % 2 else 2
        words = [vocab[min(len(vocab) - 1, int(rng.paretovariate(0.6)) * 3)] for _ in range(k)]
        staff = User.objects.get(pk=staff.pk)  # a fresh request: role assignments read again
        t = time.perf_counter()
        result = search.run(staff, " ".join(words))
        timings.append((time.perf_counter() - t) * 1000)
        totals.append(result.total)
        slowest.append((timings[-1], [vocab.index(w) for w in words], result.total, result.more))
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"search.run over {args.records} records, {args.queries} queries: "
        f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms; "
        f"results per query median {statistics.median(totals):.0f}, max {max(totals)}"
    )
    for ms, ranks, total, more_ in sorted(slowest, reverse=True)[:5]:
        print(f"  slow: {ms:.0f} ms, word ranks {ranks}, {total} results, more={more_}")
    # The worst case: the most common words (each in up to half of all records).
    common, more = [], 0
    for i in range(50):
        staff = User.objects.get(pk=staff.pk)
        t = time.perf_counter()
        result = search.run(staff, vocab[i % 5])
        common.append((time.perf_counter() - t) * 1000)
        more += result.more
    common.sort()
    c95 = common[int(len(common) * 0.95) - 1]
    print(
        f"the 5 most common words, 50 queries: p50 {statistics.median(common):.1f} ms, "
        f"p95 {c95:.1f} ms, max {common[-1]:.1f} ms; {more} of 50 capped at "
        f"{search.MAX_MATCHES} readable matches ('more')"
    )
    ok = p95 <= 100 and c95 <= 100
    print("PASS" if ok else "FAIL", "(target p95 <= 100 ms, typical and most common words)")


if __name__ == "__main__":
    main()
