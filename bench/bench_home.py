"""Benchmark: the floor (/ping), the login page and every demo role's home page.

Runs gunicorn (2 workers, loopback) on the scale-10 demo city and measures each page with
4 concurrent clients from a second process; prints requests/s, p50/p95/p99 latency, each
page's throughput relative to the floor, and a warm worker's resident memory.

    .venv/bin/python bench/bench_home.py [--duration 10] [--port 8119] [--data-dir DIR]

Targets (issue 13, the home page now being the role's dashboard): home page p95 <= 25 ms and
throughput >= 25 % of the floor measured in the same run; worker <= 150 MB (issue 2). The
first seconds of each page (the warm-up, not counted) fill the per-user caches.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    DEFAULT_DATA_DIR,
    ROOT,
    account_login,
    ensure_data,
    load,
    login_cookie,
    print_table,
    start_server,
)

P95_TARGET_MS = 25
RATIO_TARGET = 0.25
RSS_TARGET_MB = 150


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10, help="seconds per page")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8119)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--data-dir", default=str(DEFAULT_DATA_DIR))
    parser.add_argument("--tool", choices=["wrk", "python"], default=None)
    parser.add_argument("--roles", default="", help="comma-separated account keys (default: all)")
    args = parser.parse_args()

    accounts = ensure_data(args.data_dir, scale=args.scale)
    keys = [k for k in args.roles.split(",") if k] or list(accounts)
    rows = []
    with start_server(args.data_dir, args.port) as server:
        base = server.base
        cookies = {key: login_cookie(args.port, **account_login(accounts[key])) for key in keys}

        def measure(name, path, cookie=None):
            load(
                base + path, cookie, args.concurrency, min(2, args.duration), tool=args.tool
            )  # warm
            figures = load(base + path, cookie, args.concurrency, args.duration, tool=args.tool)
            rows.append((name, figures))
            print(f"  {name}: {figures['rps']:.0f} req/s, p95 {figures['p95']:.1f} ms", flush=True)
            return figures

        print(
            f"measuring ({args.concurrency} clients, {args.duration:.0f} s per page) …", flush=True
        )
        floor = measure("/ping (floor, no database)", "/ping")
        measure("/login/ (login page)", "/login/")
        for key in keys:
            measure(f"/ home: {key}", "/", cookies[key])
        rss = server.worker_rss_mb()

    tool = rows[0][1]["tool"]
    print()
    print(f"scale {args.scale} demo city, gunicorn 2 workers on 127.0.0.1, load generator: {tool}")
    print_table(rows, floor["rps"])
    print()
    print(
        "warm worker memory (VmRSS): " + ", ".join(f"pid {p}: {mb:.0f} MB" for p, mb in rss.items())
    )
    homes = [(name, f) for name, f in rows if name.startswith("/ home")]
    worst_p95 = max(f["p95"] for _n, f in homes) if homes else float("nan")
    worst_ratio = min(f["rps"] for _n, f in homes) / floor["rps"] if homes else float("nan")
    max_rss = max(rss.values()) if rss else float("nan")
    checks = [
        (
            f"home p95 <= {P95_TARGET_MS} ms",
            worst_p95 <= P95_TARGET_MS,
            f"worst {worst_p95:.1f} ms",
        ),
        (
            f"home throughput >= {RATIO_TARGET:.0%} of floor",
            worst_ratio >= RATIO_TARGET,
            f"worst {worst_ratio:.0%}",
        ),
        (f"worker RSS <= {RSS_TARGET_MB} MB", max_rss <= RSS_TARGET_MB, f"max {max_rss:.0f} MB"),
    ]
    for label, ok, detail in checks:
        print(f"  [{'OK' if ok else 'MISS'}] {label}: {detail}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    out = results / f"home-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(
        json.dumps({"rows": rows, "rss_mb": rss, "tool": tool}, ensure_ascii=False, indent=2),
        encoding="utf-8",
    )
    print(f"figures written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
